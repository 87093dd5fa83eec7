package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignals sends SIGINT, SIGTERM and SIGHUP to a real etcdlab process
// during startup, during a command in flight and during a scenario, and
// checks its exit status and that it left no temporary data behind.
func TestSignals(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "long.lab")
	if err := os.WriteFile(scenario, []byte("members 3\nwait leader\nput k v\nsleep 60s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		sig   syscall.Signal
		when  string // output that must appear before the signal
		code  int
	}{
		{"serve SIGTERM during startup", []string{"serve", "--heartbeat-interval", "1000", "--election-timeout", "5000"}, "", syscall.SIGTERM, "starting 3 members", exitInterrupted},
		{"serve SIGINT with a command in flight", []string{"serve"}, "sleep 60s\n", syscall.SIGINT, "sleep 60s", exitOK},
		{"serve SIGHUP when idle", []string{"serve"}, "", syscall.SIGHUP, "ETCDCTL_ENDPOINTS=", exitOK},
		{"run SIGTERM during a scenario", []string{"run", scenario}, "", syscall.SIGTERM, "sleep 60s", exitInterrupted},
		{"run SIGINT during startup", []string{"run", scenario, "--heartbeat-interval", "1000", "--election-timeout", "5000"}, "", syscall.SIGINT, "starting 3 members", exitInterrupted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			args := append(append([]string{}, tc.args...), "--base-port", fmt.Sprint(ports.Next(t)))
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), "ETCDLAB_BE_MAIN=1", "TMPDIR="+tmp)
			cmd.Stdin = strings.NewReader(tc.stdin)
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if tc.stdin == "" {
				// Keep stdin open, as a terminal would: serve must not need EOF.
				r, w, _ := os.Pipe()
				defer w.Close()
				defer r.Close()
				cmd.Stdin = r
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(out.String(), tc.when) {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					<-done
					t.Fatalf("never saw %q:\n%s", tc.when, out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			cmd.Process.Signal(tc.sig)
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 30s after %v:\n%s", tc.sig, out.String())
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if code != tc.code {
				t.Errorf("exit status %d, want %d:\n%s", code, tc.code, out.String())
			}
			left, _ := filepath.Glob(filepath.Join(tmp, "etcdlab-*"))
			if len(left) > 0 {
				t.Errorf("temporary data left behind: %v", left)
			}
		})
	}
}
