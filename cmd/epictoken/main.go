package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	// SIGTERM too: 'epictoken fake' runs under process managers.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole command: it runs args (without the program name) and
// returns the exit code. Output for scripts goes to stdout, messages for
// people to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	r := &cli{stdin: os.Stdin, stdout: stdout, stderr: stderr, getenv: getenv, configDir: os.UserConfigDir}
	return r.main(ctx, args)
}

// cli is one run of the command: its streams and environment, and the
// hooks tests set.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// configDir finds the user's configuration directory
	// (os.UserConfigDir outside tests).
	configDir func() (string, error)
	// fake, when set, is the server --fake uses instead of starting its
	// own (tests set it to inspect and steer the fake).
	fake *fake
}

// command is a subcommand.
type command struct {
	name    string
	summary string // one line, for the top-level usage
	// usage is the synopsis and description --help prints above the flags.
	usage string
	run   func(r *cli, ctx context.Context, fs *flagSet, args []string) error
}

// commands lists the subcommands in the order the usage shows them.
var commands = []*command{
	demoCommand, tokenCommand, headerCommand, curlCommand, infoCommand, loginCommand,
	deviceAuthCommand, exchangeCodeCommand, verifyCommand, killCommand, resetCommand, fakeCommand,
}

func commandNamed(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

const topUsage = `epictoken gets Epic Games tokens for shell scripts and keeps a login.

Usage:
  epictoken COMMAND [flags]
  epictoken COMMAND --help

Commands:
%s
Every command but demo and fake takes --fake, which runs it against an
embedded fake of Epic's services (offline; see 'epictoken demo') instead of
Epic, or --fake-url URL (and --ca FILE for HTTPS), which runs it against a
running 'epictoken fake', so that runs share its accounts and codes.

Exit status:
  0    success
  1    error
  2    bad command line (unknown command or flag, bad --client ...)
  3    a person must log in (again): run 'epictoken login'
  4    temporary: Epic throttled the request, failed or was unreachable
  130  interrupted
  curl exits with curl's own status when curl fails
`

// printTopUsage writes the top-level usage.
func printTopUsage(w io.Writer) {
	var list strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&list, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, topUsage, list.String())
}

// main dispatches args to a subcommand and reports its error.
func (r *cli) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		printTopUsage(r.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			c := commandNamed(args[1])
			if c == nil {
				return r.fail(usagef("no help for unknown command %s", argName(args[1])))
			}
			return r.runCommand(ctx, c, []string{"--help"})
		}
		printTopUsage(r.stdout)
		return exitOK
	}
	c := commandNamed(name)
	if c == nil {
		return r.fail(usagef("unknown command %s", argName(name)))
	}
	return r.runCommand(ctx, c, args[1:])
}

// runCommand runs c with its own flag set.
func (r *cli) runCommand(ctx context.Context, c *command, args []string) int {
	fs := &flagSet{FlagSet: flag.NewFlagSet("epictoken "+c.name, flag.ContinueOnError), usage: c.usage, stdout: r.stdout}
	fs.SetOutput(io.Discard) // fail reports parse errors; printHelp the usage
	fs.Usage = func() {}
	return r.fail(c.run(r, ctx, fs, args))
}

// flagSet is a command's flags and its usage text.
type flagSet struct {
	*flag.FlagSet
	usage  string
	stdout io.Writer
	args   []string // the arguments that are not flags
	// stopAtArgument ends the flags at the first argument, for commands
	// whose later arguments belong to another program (curl).
	stopAtArgument bool
}

// parse parses args, flags and arguments in any order (flag stops at the
// first argument; people write 'device-auth delete ID --fake'). --help
// prints the usage and the flags to stdout and ends the command with exit
// code 0 (errHelp).
func (fs *flagSet) parse(args []string) error {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.printHelp()
			return errHelp
		}
		if err != nil {
			return &usageError{msg: flagErrorMessage(err)}
		}
		rest := fs.Args()
		if len(rest) == 0 || fs.stopAtArgument || len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			fs.args = append(fs.args, rest...)
			return nil
		}
		fs.args = append(fs.args, rest[0])
		args = rest[1:]
	}
}

// flagErrorMessage rewrites an error of package flag so that it shows no
// word of the command line that might be a secret: flag quotes a flag name
// it does not know ("--<pasted secret>") and the value it could not parse
// ("--json=<pasted secret>"). Names of defined flags are safe to show.
func flagErrorMessage(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag " + argName("--"+name)
	}
	if s, ok := strings.CutPrefix(msg, "bad flag syntax: "); ok {
		return "bad flag syntax " + argName(s)
	}
	for _, prefix := range []string{"invalid value ", "invalid boolean value "} {
		rest, ok := strings.CutPrefix(msg, prefix)
		if !ok {
			continue
		}
		// flag writes: invalid value %q for flag -NAME: ERR (and "for
		// -NAME" for booleans). The quoted value is skipped whole.
		quoted, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return "invalid flag value (not shown: it may be a secret)"
		}
		value, _ := strconv.Unquote(quoted)
		rest = strings.TrimPrefix(strings.TrimPrefix(rest[len(quoted):], " for flag -"), " for -")
		name, reason, _ := strings.Cut(rest, ": ")
		msg = "invalid value for --" + name + " (not shown: it may be a secret)"
		if reason != "" && (value == "" || !strings.Contains(reason, value)) {
			msg += ": " + reason
		}
		return msg
	}
	return msg
}

// printHelp writes the usage and the flags, spelled with two dashes as the
// usage texts do (flag accepts one or two).
func (fs *flagSet) printHelp() {
	fmt.Fprint(fs.stdout, fs.usage)
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprint(fs.stdout, "\nFlags:\n")
			first = false
		}
		name, usage := flag.UnquoteUsage(f)
		if name != "" {
			name = " " + name
		}
		fmt.Fprintf(fs.stdout, "  --%s%s\n        %s\n", f.Name, name, usage)
	})
}

// errHelp ends a command whose help was printed.
var errHelp = errors.New("help printed")

// parseNoArgs parses the flags of a command that takes no arguments.
func (fs *flagSet) parseNoArgs(args []string) error {
	if err := fs.parse(args); err != nil {
		return err
	}
	return fs.noArgs()
}

// noArgs refuses arguments after the flags.
func (fs *flagSet) noArgs() error {
	if len(fs.args) > 0 {
		return usagef("unexpected argument %s", argName(fs.args[0]))
	}
	return nil
}

// argName quotes a command-line word for an error, unless it might be a
// secret pasted in the wrong place.
func argName(s string) string {
	if len(s) <= 24 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == "" {
		return fmt.Sprintf("%q", s)
	}
	return "(not shown: it may be a secret)"
}

// fail prints err, with a hint, to stderr and returns its exit code.
func (r *cli) fail(err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	fmt.Fprintln(r.stderr, "epictoken:", err)
	if h := hint(err); h != "" {
		fmt.Fprintln(r.stderr, h)
	}
	return exitCode(err)
}

// warn tells the person about a problem that does not fail the command.
func (r *cli) warn(format string, args ...any) {
	fmt.Fprintf(r.stderr, "epictoken: warning: "+format+"\n", args...)
}
