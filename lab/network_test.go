package lab

import (
	"strings"
	"testing"
	"time"
)

func TestParseNetworkCommands(t *testing.T) {
	checkParses(t, []parseCase{
		{"cut", "cut etcd1 etcd3", "cut", []string{"etcd1", "etcd3"}, nil},
		{"cut from all", "cut all etcd1", "cut", []string{"all", "etcd1"}, nil},
		{"cut everything", "cut all all", "cut", []string{"all", "all"}, nil},
		{"delay", "delay etcd1 etcd3 50ms", "delay", []string{"etcd1", "etcd3", "50ms"}, nil},
		{"delay jitter", "delay etcd1 all 50ms 20ms", "delay", []string{"etcd1", "all", "50ms", "20ms"}, nil},
		{"delay off", "delay etcd1 etcd2 0", "delay", []string{"etcd1", "etcd2", "0"}, nil},
		{"delay a minute", "delay etcd1 etcd2 1m", "delay", []string{"etcd1", "etcd2", "1m"}, nil},
		{"loss", "loss all all 20%", "loss", []string{"all", "all", "20%"}, nil},
		{"loss no sign", "loss etcd1 etcd2 100", "loss", []string{"etcd1", "etcd2", "100"}, nil},
		{"net", "net", "net", nil, nil},
		{"wait caught-up", "wait caught-up etcd3", "wait", []string{"caught-up", "etcd3"}, nil},
	})
	checkParseErrors(t, []parseError{
		{"cut one end", "cut etcd1", "cut takes 2 arguments: cut FROM TO"},
		{"cut to itself", "cut etcd1 etcd1", "etcd1 -> etcd1 is no link"},
		{"delay to itself", "delay etcd2 etcd2 5ms", "etcd2 -> etcd2 is no link"},
		{"loss to itself", "loss etcd3 etcd3 5%", "etcd3 -> etcd3 is no link"},
		{"delay no duration", "delay etcd1 etcd2", "delay takes 3 to 4 arguments"},
		{"delay negative", "delay etcd1 etcd2 -5ms", "delay -5ms is negative"},
		{"delay absurd", "delay etcd1 etcd2 2m", "delay 2m is more than a minute"},
		{"delay hour", "delay etcd1 etcd2 1h", "more than a minute"},
		{"delay not a duration", "delay etcd1 etcd2 slow", `delay "slow" is not a duration`},
		{"jitter negative", "delay etcd1 etcd2 5ms -1ms", "jitter -1ms is negative"},
		{"jitter absurd", "delay etcd1 etcd2 5ms 61s", "jitter 61s is more than a minute"},
		{"loss over", "loss etcd1 etcd2 150%", "150% is outside 0-100%"},
		{"loss negative", "loss etcd1 etcd2 -1%", "-1% is outside 0-100%"},
		{"loss NaN", "loss etcd1 etcd2 NaN%", "NaN% is outside 0-100%"},
		{"loss words", "loss etcd1 etcd2 some", `"some" is not a percentage`},
		{"net args", "net etcd1", "net takes no arguments"},
		{"wait caught-up no member", "wait caught-up", "wait caught-up takes a member: wait caught-up NAME"},
		{"wait caught-up two members", "wait caught-up etcd1 etcd2", "wait caught-up takes a member"},
		{"expect term short", "expect term etcd1", "expect term takes a member, a comparison"},
		{"expect term bad op", "expect term etcd1 = 2", "expect term takes a member, a comparison"},
		{"expect term-unchanged args", "expect term-unchanged etcd1", "takes no arguments"},
		{"expect delivered short", "expect delivered etcd1 etcd2 0", "expect delivered takes a link"},
		{"expect delivered count", "expect delivered etcd1 etcd2 > many", `"many" is not a count`},
		{"expect delivered self", "expect delivered etcd1 etcd1 == 0", "etcd1 -> etcd1 is no link"},
		{"expect delivered kind", "expect delivered etcd1 etcd2 MsgBogus > 0", `"MsgBogus" is not a kind of Raft message`},
	})
}

// TestNetworkCommands drives one-way cuts, delay and loss through the
// interpreter and checks their effect from etcd's own state: who leads,
// in which term, what each member applied.
func TestNetworkCommands(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	st := s.Cluster.Status()
	leader, follower := st.Leader, ""
	for _, m := range st.Members {
		if m.Name != leader {
			follower = m.Name
		}
	}
	for _, tc := range []struct{ line, want string }{
		{"cut " + leader + " nobody", `no member named "nobody"`},
		{"delay nobody all 5ms", `no member named "nobody"`},
		{"loss all nobody 5%", `no member named "nobody"`},
		{"heal nobody", `no member named "nobody"`},
		{"expect term nobody == 2", `no member named "nobody"`},
		{"expect delivered nobody all > 0", `no member named "nobody"`},
		{"wait caught-up nobody", `no member named "nobody"`},
	} {
		if r := exec(t, l, tc.line); r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) || strings.Contains(r.Err.Error(), "\n") {
			t.Errorf("%s: %v, want one line with %q", tc.line, r.Err, tc.want)
		}
	}

	// One way, leader -> follower: the follower no longer hears the
	// leader, but its own messages still arrive; PreVote keeps the term.
	must(t, l, "cut "+leader+" "+follower)
	must(t, l, "wait role "+follower+" candidate")
	must(t, l, "sleep 1s")
	must(t, l, "expect delivered "+leader+" "+follower+" == 0")
	must(t, l, "expect delivered "+follower+" "+leader+" MsgPreVote > 0")
	must(t, l, "expect term-unchanged")
	must(t, l, "expect term "+follower+" == "+leader)
	must(t, l, "expect leader "+leader)
	// Without --endpoint a command stays off the follower that knows no
	// leader, though it still exchanges messages with a quorum.
	for i := 0; i < 4; i++ {
		if r := must(t, l, "put routed v"); r.Via == follower || r.Via == "" {
			t.Errorf("a put without --endpoint went through %q; %s is the one the leader cannot reach", r.Via, follower)
		}
	}
	if r := must(t, l, "net"); !strings.Contains(strings.Join(r.Lines, "\n"), leader+" -> "+follower) || !strings.Contains(strings.Join(r.Lines, "\n"), "cut") {
		t.Errorf("net does not show the cut:\n%s", strings.Join(r.Lines, "\n"))
	}
	if r := must(t, l, "status"); !strings.Contains(strings.Join(r.Lines, "\n"), "links: "+leader+" -> "+follower+" cut") {
		t.Errorf("status does not show the cut link:\n%s", strings.Join(r.Lines, "\n"))
	}
	must(t, l, "heal")
	must(t, l, "wait role "+follower+" follower")

	// A delay on every link: a put through the leader waits for a
	// follower's acknowledgement, which crosses two delayed links.
	must(t, l, "delay all all 30ms")
	if r := must(t, l, "put slow v --endpoint "+leader); r.Took < 60*time.Millisecond {
		t.Errorf("a put with 30ms on every link took %s, less than the 60ms round trip", r.Took)
	}
	must(t, l, "delay all all 0")

	// Loss on every link: Raft sends again what was lost.
	must(t, l, "loss all all 20%")
	for i := 0; i < 5; i++ {
		must(t, l, "put lossy v --endpoint "+leader)
	}
	must(t, l, "expect delivered all all > 0")
	must(t, l, "heal")
	if r := must(t, l, "status"); strings.Contains(strings.Join(r.Lines, "\n"), "links:") {
		t.Errorf("heal left rules:\n%s", strings.Join(r.Lines, "\n"))
	}
	waitSameRevision(t, s.Cluster)
}

// waitSameRevision polls until every running member applied the same
// revision.
func waitSameRevision(t *testing.T, b Backend) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := b.Status()
		same := true
		for _, m := range st.Members {
			if m.State.Running() && m.Revision != st.Revision {
				same = false
			}
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("members did not reach the same revision: %+v", st.Members)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
