package workload

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

// memberHash is one member's view of the final state.
type memberHash struct {
	name string
	rev  int64
	hash uint32
	err  error
	down bool
}

// agreement is whether the live members hold the same state.
type agreement struct {
	members  []memberHash
	rev      int64 // the revision the hashes were taken at
	caughtUp bool
	ok       bool
}

// agreement waits (up to five timeouts) for every running member to
// reach the same revision, then compares their KV hashes
// (Maintenance.HashKV) at the lowest revision among them.
func (w *Workload) agreement(ctx context.Context) agreement {
	var a agreement
	deadline := time.Now().Add(5 * w.timeout)
	for {
		st := w.t.Status()
		a = agreement{caughtUp: true}
		var lo int64 = -1
		for _, m := range st.Members {
			mh := memberHash{name: m.Name, rev: m.Revision, down: !m.State.Running()}
			a.members = append(a.members, mh)
			if mh.down {
				continue
			}
			if lo >= 0 && m.Revision != lo {
				a.caughtUp = false
			}
			if lo < 0 || m.Revision < lo {
				lo = m.Revision
			}
		}
		a.rev = lo
		if a.caughtUp || time.Now().After(deadline) || !kit.Sleep(ctx, 20*time.Millisecond) {
			break
		}
	}
	if a.rev < 0 {
		return a
	}
	a.ok = a.caughtUp
	var first *memberHash
	for i := range a.members {
		m := &a.members[i]
		if m.down {
			continue
		}
		m.hash, m.err = w.hashKV(ctx, m.name, a.rev)
		switch {
		case m.err != nil:
			a.ok = false
		case first == nil:
			first = m
		case m.hash != first.hash:
			a.ok = false
		}
	}
	return a
}

// hashKV asks one member for its KV hash at rev, through a client of its own.
func (w *Workload) hashKV(ctx context.Context, name string, rev int64) (uint32, error) {
	url, err := w.t.ClientURL(name)
	if err != nil {
		return 0, err
	}
	cli, err := w.newClient(url)
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	resp, err := cli.HashKV(ctx, url, rev)
	if err != nil {
		return 0, w.h.Explain(err, name)
	}
	return resp.Hash, nil
}

func (a agreement) lines() []string {
	var up, down []string
	for _, m := range a.members {
		if m.down {
			down = append(down, m.name)
		} else {
			up = append(up, m.name)
		}
	}
	var out []string
	switch {
	case len(up) == 0:
		return []string{"members: none is running"}
	case a.ok:
		out = append(out, fmt.Sprintf("members agree: %s at revision %d, KV hash %08x", strings.Join(up, ", "), a.rev, a.members[slices.IndexFunc(a.members, func(m memberHash) bool { return !m.down })].hash))
	default:
		out = append(out, "members DISAGREE:")
		if !a.caughtUp {
			var revs []string
			for _, m := range a.members {
				if !m.down {
					revs = append(revs, fmt.Sprintf("%s at %d", m.name, m.rev))
				}
			}
			out = append(out, "  revisions did not converge: "+strings.Join(revs, ", ")+" (a member cut off or still catching up?)")
		}
		for _, m := range a.members {
			switch {
			case m.down:
			case m.err != nil:
				out = append(out, fmt.Sprintf("  %s: no hash at revision %d: %v", m.name, a.rev, m.err))
			default:
				out = append(out, fmt.Sprintf("  %s: KV hash %08x at revision %d", m.name, m.hash, a.rev))
			}
		}
	}
	if len(down) > 0 {
		out = append(out, "  not compared (down): "+strings.Join(down, ", "))
	}
	return out
}
