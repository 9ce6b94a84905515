package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
)

var curlCommand = &command{
	name:    "curl",
	summary: "run curl with a fresh token for a grant",
	usage: `Usage: epictoken curl --grant GRANT [flags] URL [curl arguments]

Gets a token for GRANT (the flags are those of 'epictoken token', and come
before URL) and runs curl URL with its Authorization header and the curl
arguments that follow URL. The token never appears on curl's command line,
where ps would show it: curl reads the header from a pipe. For example:

  epictoken curl --grant device_auth --store token.json \
    https://account-public-service-prod.ol.epicgames.com/account/api/oauth/verify -s

The exit status is curl's when curl ran and failed (it says why on stderr),
else that of the table in 'epictoken --help'. $EPICTOKEN_CURL names another
curl program.
`,
	run: (*cli).curl,
}

// envCurl names the curl program, for a curl that is not on $PATH.
const envCurl = "EPICTOKEN_CURL"

// curlExitError is curl's own failure: the command exits with curl's exit
// status, as a script that ran curl directly would see it.
type curlExitError struct{ code int }

func (e *curlExitError) Error() string { return fmt.Sprintf("curl exited with status %d", e.code) }

func (r *cli) curl(ctx context.Context, fs *flagSet, args []string) error {
	var tf tokenFlags
	tf.register(fs)
	fs.stopAtArgument = true // URL and what follows belong to curl
	if err := fs.parse(args); err != nil {
		return err
	}
	if len(fs.args) == 0 {
		return usagef("curl needs a URL")
	}
	program := r.getenv(envCurl)
	if program == "" {
		program = "curl"
	}
	path, err := exec.LookPath(program)
	if err != nil {
		return fmt.Errorf("finding curl (install it, or set $%s): %w", envCurl, err)
	}
	tok, err := r.tokenFor(ctx, &tf)
	if err != nil {
		return err
	}

	// The header goes through a pipe that curl reads as a file (-H @FILE),
	// so that it is never on a command line.
	header, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer header.Close()
	cmd := exec.CommandContext(ctx, path, append([]string{"-H", "@/dev/fd/3", fs.args[0]}, fs.args[1:]...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.stdin, r.stdout, r.stderr
	cmd.ExtraFiles = []*os.File{header} // fd 3 in curl
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("starting curl: %w", err)
	}
	header.Close()
	_, werr := fmt.Fprintln(w, authorizationHeader(tok))
	w.Close()
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return &curlExitError{code: exit.ExitCode()}
	case err != nil:
		return fmt.Errorf("running curl: %w", err)
	}
	return werr
}
