// Package redistest starts a real redis-server for a test: the integration
// tests of package redisstore and the multi-process fleet tests run against
// it.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/epicoauth/epicoauth/internal/proctest"
)

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// Server is a redis-server process that belongs to one test: it listens on
// a free loopback port, keeps its files in the test's temporary directory,
// persists nothing, and is killed when the test ends.
type Server struct {
	// Addr is the server's host:port, for redis.Options.Addr.
	Addr string

	proc   *os.Process
	exited chan struct{} // closed when the process has exited
	log    *proctest.Buffer
	once   sync.Once
}

// URL returns the server's address as a redis:// URL (database 0), for
// redis.ParseURL in a child process.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Client returns a client of the server that is closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop kills the server and waits for it to exit, as a crash would (no
// shutdown save). Later calls do nothing. Tests of a Redis outage call it;
// the test's cleanup calls it for the others.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.proc.Kill()
		<-s.exited
	})
}

// Start starts a redis-server for t and waits until it answers PING. When
// the redis-server binary is missing it skips t with how to install it, or,
// with CI=true in the environment, fails t: CI must run these tests.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed, and CI=true requires it (.ci/run installs it): %v", err)
		}
		t.Skip("redis-server is not installed; to run this test: apt-get install redis-server")
	}
	// The free port is found by listening and closing; another process may
	// take it in between, so try a few ports.
	var lastErr error
	for range 3 {
		s, err := start(bin, t.TempDir())
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		lastErr = err
	}
	t.Fatalf("redistest: %v", lastErr)
	return nil
}

// start runs one server in dir and waits for its PING.
func start(bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		exited: make(chan struct{}),
		log:    &proctest.Buffer{},
	}
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir)
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s.proc = cmd.Process
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitForPing(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w; server output:\n%s", err, s.log)
	}
	return s, nil
}

// waitForPing asks the new server for PING until it answers, it exits (its
// port was taken) or startTimeout passes.
func (s *Server) waitForPing() error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	retry := time.NewTicker(20 * time.Millisecond)
	defer retry.Stop()
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("redis-server on %s exited before answering PING", s.Addr)
		case <-ctx.Done():
			return fmt.Errorf("redis-server on %s did not answer PING within %v: %w", s.Addr, startTimeout, err)
		case <-retry.C:
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
