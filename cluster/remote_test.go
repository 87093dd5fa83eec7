package cluster

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	etcdBinOnce sync.Once
	etcdBin     string
	etcdBinErr  error
)

// etcdServer builds etcd v3.7.3's server binary from the module once.
func etcdServer(t *testing.T) string {
	t.Helper()
	etcdBinOnce.Do(func() {
		dir, err := filepath.Abs(filepath.Join("..", ".cache"))
		if err != nil {
			etcdBinErr = err
			return
		}
		etcdBin = filepath.Join(dir, "etcd")
		out, err := exec.Command("go", "build", "-o", etcdBin, "go.etcd.io/etcd/server/v3").CombinedOutput()
		if err != nil {
			etcdBinErr = fmt.Errorf("go build etcd: %v\n%s", err, out)
		}
	})
	if etcdBinErr != nil {
		t.Fatal(etcdBinErr)
	}
	return etcdBin
}

// startProcesses starts n separate etcd processes and returns their client
// URLs and the processes.
func startProcesses(t *testing.T, n int) ([]string, []*exec.Cmd) {
	t.Helper()
	bin := etcdServer(t)
	base := ports.Next(t)
	var initial []string
	for i := 1; i <= n; i++ {
		initial = append(initial, fmt.Sprintf("p%d=http://127.0.0.1:%d", i, PeerPort(base, i)))
	}
	var urls []string
	var cmds []*exec.Cmd
	for i := 1; i <= n; i++ {
		client := fmt.Sprintf("http://127.0.0.1:%d", ClientPort(base, i))
		peer := fmt.Sprintf("http://127.0.0.1:%d", PeerPort(base, i))
		cmd := exec.Command(bin, "--name", fmt.Sprintf("p%d", i), "--data-dir", t.TempDir(),
			"--listen-client-urls", client, "--advertise-client-urls", client,
			"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-token", "attach-test",
			"--initial-cluster-state", "new", "--log-outputs", filepath.Join(t.TempDir(), "etcd.log"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		urls = append(urls, client)
		cmds = append(cmds, cmd)
	}
	return urls, cmds
}

func TestAttachToProcesses(t *testing.T) {
	urls, cmds := startProcesses(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var r *Remote
	for {
		var err error
		r, err = Attach(ctx, RemoteConfig{Endpoints: urls[:1]})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("attach: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(r.Close)
	events, unsub := r.Subscribe()
	defer unsub()

	poll := func(what string, cond func(Status) bool) Status {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			st := r.Status()
			if cond(st) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s: %+v", what, st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	st := poll("3 members up with a leader", func(s Status) bool { return s.Running == 3 && s.Leader != "" })
	if st.Quorum != 2 || st.Tolerates != 1 || len(r.Endpoints()) != 3 {
		t.Fatalf("attached status: %+v", st)
	}
	for _, m := range st.Members {
		if m.Term == 0 || m.Applied == 0 || m.DBSize == 0 {
			t.Errorf("%s: empty status %+v", m.Name, m)
		}
	}
	if _, err := r.Kill("p1"); !errors.Is(err, ErrAttached) {
		t.Errorf("kill when attached: %v", err)
	}

	// Kill a follower's process with a signal: it shows as unreachable.
	var victim string
	for _, m := range st.Members {
		if m.Role == RoleFollower {
			victim = m.Name
		}
	}
	i := int(victim[1] - '1')
	if err := cmds[i].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	st = poll(victim+" unreachable", func(s Status) bool { m, _ := s.Member(victim); return m.State == Unreachable })
	if st.Running != 2 || !st.HasQuorum || st.Tolerates != 0 {
		t.Fatalf("after killing %s: %+v", victim, st)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Kind == MemberUnreachable && e.Member == victim {
				return
			}
		case <-deadline:
			t.Fatal("no unreachable event")
		}
	}
}
