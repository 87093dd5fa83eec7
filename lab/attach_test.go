package lab

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/testutil"
)

// TestAttachedLab drives three separate etcd processes through the same
// interpreter: client commands work, in-process faults say they are not
// available, and a process killed with a signal shows as unreachable.
func TestAttachedLab(t *testing.T) {
	urls, cmds := testutil.EtcdProcesses(t, 3, ports.Next(t))
	var sess *Session
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		sess, err = Start(context.Background(), Config{Attach: &cluster.RemoteConfig{Endpoints: urls[:1]}, Options: Options{Timeout: 2 * time.Second}})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("attach: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(sess.Close)
	l := sess.Lab
	must(t, l, "wait leader --timeout 15s")
	must(t, l, "put greeting hello")
	if r := must(t, l, "get greeting --consistency=s --endpoint p3"); strings.Join(r.Values, ",") != "hello" {
		t.Errorf("serializable read on p3 = %q", r.Values)
	}
	if r := must(t, l, "member list"); len(r.Lines) != 3 {
		t.Errorf("member list = %q", r.Lines)
	}
	for _, line := range []string{"kill p1", "restart p1", "isolate p1", "partition p1 p2,p3", "heal", "member add", "cut p1 p2", "delay p1 all 10ms", "loss all p2 5%", "net"} {
		if r := exec(t, l, line); r.Err == nil || !strings.Contains(r.Err.Error(), "not available when attached") {
			t.Errorf("%s when attached: %v", line, r.Err)
		}
	}
	st := sess.Cluster.Status()
	victim := ""
	for _, m := range st.Members {
		if m.Role == cluster.RoleFollower {
			victim = m.Name
		}
	}
	cmds[int(victim[1]-'1')].Process.Kill()
	must(t, l, "wait role "+victim+" down --timeout 15s")
	must(t, l, "expect quorum")
	must(t, l, "put after kill")
}
