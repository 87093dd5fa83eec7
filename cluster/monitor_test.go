package cluster

import (
	"strings"
	"testing"
	"time"
)

// sample builds a status of three voters from each member's role and
// applied term ("L2" leads, "F2" follows, "N2" knows no leader, "x" is
// killed), with the links cut between the groups of cut.
func sample(at time.Duration, roles []string, cut ...[]string) Status {
	t0 := time.Unix(1000, 0)
	names := []string{"etcd1", "etcd2", "etcd3"}
	group := map[string]int{}
	for i, g := range cut {
		for _, n := range g {
			group[n] = i + 1
		}
	}
	st := Status{Time: t0.Add(at)}
	for i, r := range roles {
		m := MemberStatus{Name: names[i], ID: uint64(i + 1), State: Up}
		if r == "x" {
			m.State = Killed
		} else {
			m.Role = map[byte]Role{'L': RoleLeader, 'F': RoleFollower, 'N': RoleNoLeader}[r[0]]
			m.Term = uint64(r[1] - '0')
		}
		for _, o := range names {
			if o != m.Name && len(cut) > 0 && group[o] != group[m.Name] {
				m.Cut = append(m.Cut, o)
			}
		}
		st.Members = append(st.Members, m)
	}
	st.derive(func(a, b string) bool { return len(cut) > 0 && group[a] != group[b] })
	return st
}

func TestLeaderWatchReportsAnElectionOnceTheLeaderAppliedItsTerm(t *testing.T) {
	type step struct {
		at    time.Duration
		roles []string
		cut   [][]string
		want  []string // "kind: text fragment"
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"a killed leader is replaced", []step{
			{100, []string{"x", "F2", "F2"}, nil, []string{"leader-lost: leader lost: etcd1 (term 2)"}},
			{1500, []string{"x", "L2", "F2"}, nil, nil}, // leads, has not applied term 3 yet
			{1580, []string{"x", "L3", "F2"}, nil, []string{"leader-elected: etcd2 elected leader in term 3 after 1.48s without a leader: writes commit again"}},
			{1660, []string{"x", "L3", "F3"}, nil, nil},
		}},
		{"a transfer is reported in the new term", []step{
			{100, []string{"F2", "L2", "F2"}, nil, nil},
			{180, []string{"F2", "L3", "F3"}, nil, []string{"leader-changed: leader is now etcd2 in term 3 (was etcd1 in term 2)"}},
		}},
		{"a stale leader is replaced by the majority", []step{
			{100, []string{"L2", "F2", "F2"}, [][]string{{"etcd1"}, {"etcd2", "etcd3"}}, nil},
			{1200, []string{"L2", "F2", "L2"}, [][]string{{"etcd1"}, {"etcd2", "etcd3"}}, nil},
			{1280, []string{"L2", "F3", "L3"}, [][]string{{"etcd1"}, {"etcd2", "etcd3"}}, []string{"leader-changed: leader is now etcd3 in term 3 (was etcd1 in term 2)"}},
		}},
		{"quorum comes back before its leader", []step{
			{100, []string{"N2", "x", "x"}, nil, []string{"leader-lost", "quorum-lost"}},
			{900, []string{"N2", "F2", "x"}, nil, []string{"quorum-regained: a majority is back: 2 of 3 voters reachable, 2 needed; an election is under way"}},
			{2300, []string{"L3", "F3", "x"}, nil, []string{"leader-elected: etcd1 elected leader in term 3 after 2.2s"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := sample(0, []string{"L2", "F2", "F2"})
			w := newLeaderWatch(first, first.Time)
			prev := first
			for _, s := range tc.steps {
				st := sample(s.at*time.Millisecond, s.roles, s.cut...)
				var got []string
				for _, e := range w.changes(prev, st) {
					got = append(got, e.Kind.String()+": "+e.Text)
				}
				if len(got) != len(s.want) {
					t.Fatalf("at %dms %v: events %q, want %q", s.at, s.roles, got, s.want)
				}
				for i := range got {
					if !strings.HasPrefix(got[i], s.want[i]) {
						t.Errorf("at %dms: event %q, want %q...", s.at, got[i], s.want[i])
					}
				}
				prev = st
			}
		})
	}
}
