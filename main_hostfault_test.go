package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// TestDataDirRemovedWhileRunning removes a running member's data dir and
// writes until etcd needs a new WAL file there. etcd then hits a fatal
// error in that member, which in a process of its own would end etcd: the
// lab must report the member failed, keep the others serving, and still
// stop cleanly. It runs etcdlab as a child process, since the failed
// member's goroutines are wedged until the process exits.
func TestDataDirRemovedWhileRunning(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base := ports.Next(t)
	cmd := exec.Command(os.Args[0], "serve", "--base-port", fmt.Sprint(base), "--data-dir", dir)
	cmd.Env = append(os.Environ(), "ETCDLAB_BE_MAIN=1")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	cmd.Stdin = r
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	waitFor := func(what string, d time.Duration) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("never saw %q:\n%s", what, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("ETCDCTL_ENDPOINTS=", 30*time.Second)
	if err := os.RemoveAll(filepath.Join(dir, "etcd3")); err != nil {
		t.Fatal(err)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{fmt.Sprintf("http://127.0.0.1:%d", base), fmt.Sprintf("http://127.0.0.1:%d", base+2)},
		DialTimeout: 2 * time.Second, Logger: zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	value := strings.Repeat("x", 100_000)
	// A WAL segment is 64 MB: about 700 writes of 100 kB fill it.
	for i := 0; i < 2000 && !strings.Contains(out.String(), "etcd3 failed"); i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := cli.Put(ctx, fmt.Sprintf("k%d", i%10), value)
		cancel()
		// If etcd3 led, the put in flight when it failed waits for an
		// election and may time out; any other failure is a bug.
		if err != nil && !strings.Contains(out.String(), "etcd3 failed") {
			t.Fatalf("put %d through etcd1/etcd2: %v\n%s", i, err, out.String())
		}
	}
	waitFor("etcd3 failed: etcd hit a fatal error", 10*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := cli.Put(ctx, "after", "ok")
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other members stopped serving: %v\n%s", err, out.String())
		}
	}
	fmt.Fprintln(w, "restart etcd3")
	waitFor("cannot restart etcd3: etcd hit a fatal error", 10*time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("exit status %d after SIGTERM:\n%s", ee.ExitCode(), out.String())
		}
		done <- nil // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatalf("etcdlab did not stop within 30s of SIGTERM:\n%s", out.String())
	}
}
