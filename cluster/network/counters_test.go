package network

import (
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

func TestKinds(t *testing.T) {
	for typ, want := range map[raftpb.MessageType]string{
		raftpb.MsgApp: "MsgApp", raftpb.MsgAppResp: "MsgAppResp", raftpb.MsgHeartbeat: "MsgHeartbeat",
		raftpb.MsgHeartbeatResp: "MsgHeartbeatResp", raftpb.MsgVote: "MsgVote", raftpb.MsgVoteResp: "MsgVoteResp",
		raftpb.MsgPreVote: "MsgPreVote", raftpb.MsgPreVoteResp: "MsgPreVoteResp", raftpb.MsgProp: "MsgProp",
		raftpb.MsgSnap: "MsgSnap", raftpb.MsgTimeoutNow: "MsgTimeoutNow", raftpb.MsgReadIndex: "MsgReadIndex",
		raftpb.MsgReadIndexResp: "MsgReadIndexResp", raftpb.MsgTransferLeader: "other", raftpb.MsgForgetLeader: "other",
	} {
		if got := KindOf(typ).String(); got != want {
			t.Errorf("KindOf(%s) = %s", typ, got)
		}
	}
}

// TestMeterLastSecond counts over the ten full 100 ms slots before now:
// what is older, or in the slot now running, is left out.
func TestMeterLastSecond(t *testing.T) {
	var m meter
	base := time.Unix(1000, 0)
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	m.message(at(0), KindApp, false, 100)       // slot 0: too old at 1150ms
	m.message(at(150), KindApp, false, 10)      // slot 1
	m.message(at(950), KindHeartbeat, false, 5) // slot 9
	m.message(at(960), KindHeartbeat, true, 2)  // slot 9, link heartbeat
	m.drop(at(1000))                            // slot 10
	m.refuse(at(1120), 3)                       // slot 11: running now
	m.bytes(at(1050), 1000)                     // slot 10
	total, last := m.read(at(1150))
	if total.Total() != 3 || total.LinkHeartbeats != 1 || total.Bytes != 1117 || total.Drops != 1 || total.Refused != 3 {
		t.Fatalf("totals %+v", total)
	}
	if last.Messages[KindApp] != 1 || last.Messages[KindHeartbeat] != 1 || last.LinkHeartbeats != 1 || last.Bytes != 1017 || last.Drops != 1 || last.Refused != 0 {
		t.Fatalf("last second %+v", last)
	}
	// A slot reused after the ring came round starts from zero.
	m.message(at(2250), KindApp, false, 1)
	if _, last := m.read(at(2350)); last.Total() != 1 || last.Bytes != 1 {
		t.Fatalf("after a gap: %+v", last)
	}
}

// BenchmarkStats reads the counters of the 72 links of 9 members, as a UI
// would several times a second.
func BenchmarkStats(b *testing.B) {
	net := New(Options{Seed: 1}) // members without relays: nothing to close
	for i := 0; i < 9; i++ {
		net.members = append(net.members, &member{name: string(rune('a' + i))})
	}
	for _, a := range net.members {
		for _, c := range net.members {
			if a != c {
				net.links[[2]*member{a, c}] = newLink(a, c, 1)
				net.links[[2]*member{a, c}].meter.message(time.Now(), KindApp, false, 10)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = net.Stats()
	}
}
