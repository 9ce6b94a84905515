// Package proctest runs part of a test in real OS processes, for what one
// process cannot show: OS file locks, a process killed at a random moment.
// The test binary runs itself again as a child, restricted to the calling
// test, with an environment variable naming the child's role; the test
// function starts by asking Role and, in a child, does the child's part and
// exits. Children talk to the test through lines on stdin and stdout.
//
//	func TestX(t *testing.T) {
//		if proctest.Role() == "holder" {
//			holder() // prints lines, reads lines
//			os.Exit(0)
//		}
//		c := proctest.Start(t, "holder", "KEY=value")
//		c.Expect(t, "ready")
//		c.Kill(t)
//	}
package proctest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// roleEnv names a child's role in its environment.
const roleEnv = "EPICOAUTH_PROCTEST_ROLE"

// lineTimeout bounds the wait for a child's line. Only a broken test comes
// near it; it turns a hang into a failure with the child's stderr.
const lineTimeout = 30 * time.Second

// Role returns the role this process was started in by Start, or "" in
// the test's own process.
func Role() string { return os.Getenv(roleEnv) }

// Child is a running child process.
type Child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	done   chan struct{} // closed once the child is waited for
	stderr Buffer

	waitOnce sync.Once
	waitErr  error
}

// Start runs the current test binary again in role, with env added to this
// process's environment; only the calling test (t.Name()) runs in it. The
// child is killed, if still running, when the test ends.
func Start(t testing.TB, role string, env ...string) *Child {
	t.Helper()
	var run []string
	for _, part := range strings.Split(t.Name(), "/") {
		run = append(run, "^"+regexp.QuoteMeta(part)+"$")
	}
	cmd := exec.Command(os.Args[0], "-test.run="+strings.Join(run, "/"), "-test.count=1")
	// A binary built with -race sleeps one second at exit by default
	// (GORACE atexit_sleep_ms); children exit often and should not.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(os.Environ(), roleEnv+"="+role, "GORACE="+gorace)
	cmd.Env = append(cmd.Env, env...)
	c := &Child{cmd: cmd, lines: make(chan string, 64), done: make(chan struct{})}
	cmd.Stderr = &c.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting child %s: %v", role, err)
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case c.lines <- sc.Text():
			case <-c.done:
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = c.Wait()
	})
	return c
}

// Line returns the child's next line of output; ok is false when the child
// closed its output (it exited) or wrote nothing for a long time, and the
// test then has the child's stderr in its log.
func (c *Child) Line(t testing.TB) (line string, ok bool) {
	t.Helper()
	select {
	case line, ok = <-c.lines:
		if !ok {
			t.Logf("child exited: %v; stderr:\n%s", c.Wait(), c.stderr.String())
		}
		return line, ok
	case <-time.After(lineTimeout):
		t.Logf("child wrote nothing for %v; stderr:\n%s", lineTimeout, c.stderr.String())
		return "", false
	}
}

// Expect fails the test unless the child's next line is want.
func (c *Child) Expect(t testing.TB, want string) {
	t.Helper()
	if got, ok := c.Line(t); !ok || got != want {
		t.Fatalf("child said %q, want %q", got, want)
	}
}

// Send writes line to the child's stdin.
func (c *Child) Send(t testing.TB, line string) {
	t.Helper()
	if _, err := fmt.Fprintln(c.stdin, line); err != nil {
		t.Fatalf("writing to child: %v", err)
	}
}

// Kill kills the child at once (SIGKILL on Unix: no handler runs, no
// deferred call, no buffer is flushed) and waits until it is gone.
func (c *Child) Kill(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing child: %v", err)
	}
	_ = c.Wait()
}

// Wait waits for the child to exit and returns how it ended.
func (c *Child) Wait() error {
	c.waitOnce.Do(func() {
		c.waitErr = c.cmd.Wait()
		close(c.done)
	})
	return c.waitErr
}

// Buffer is a bytes.Buffer that a process writes (as its Stdout or Stderr,
// through exec's copying goroutine) while the test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
