package cluster

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/internal/testutil"
)

func TestAttachToProcesses(t *testing.T) {
	urls, cmds := testutil.EtcdProcesses(t, 3, ports.Next(t))
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
	if err := r.Kill("p1"); !errors.Is(err, ErrAttached) {
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
