package lab

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// leaseRefresh is how often the lease book asks etcd about the leases.
const leaseRefresh = 500 * time.Millisecond

// LeaseInfo is what the UI shows of a live lease.
type LeaseInfo struct {
	ID clientv3.LeaseID
	// TTL is the TTL the lease was granted with.
	TTL time.Duration
	// Remaining counts down from etcd's last answer; it does not go below 0.
	Remaining time.Duration
	Keys      []string
	// KeepAlive reports whether the lab renews the lease in the background.
	KeepAlive bool
}

// Hex returns the lease ID as etcdctl prints it.
func (i LeaseInfo) Hex() string { return leaseHex(i.ID) }

// leaseEntry is what the lab knows of one lease.
type leaseEntry struct {
	id        clientv3.LeaseID
	granted   int64     // seconds
	remaining int64     // seconds, at seen
	seen      time.Time // when etcd said remaining
	term      uint64    // the leader's term at seen
	asked     time.Time // when the lab asked for the answer behind remaining
	keys      []string
	removed   bool // revoked by the lab or reported gone: no expiry note
	grantedAt time.Time
	renewedAt time.Time // the lab's last renewal, zero if none
	ka        *keepAlive
}

// Leases returns the live leases, soonest to expire first. It never waits
// for etcd: it reads what a background refresher last learned (every
// 500ms) and counts the remaining TTL down from there.
func (l *Lab) Leases() []LeaseInfo {
	l.bg.mu.Lock()
	defer l.bg.mu.Unlock()
	l.startLeaseRefresherLocked()
	out := make([]LeaseInfo, 0, len(l.bg.leases))
	for _, e := range l.bg.leases {
		if e.removed || e.seen.IsZero() {
			continue
		}
		rem := max(time.Duration(e.remaining)*time.Second-time.Since(e.seen), 0)
		out = append(out, LeaseInfo{ID: e.id, TTL: time.Duration(e.granted) * time.Second, Remaining: rem,
			Keys: append([]string(nil), e.keys...), KeepAlive: e.ka != nil})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Remaining != out[j].Remaining {
			return out[i].Remaining < out[j].Remaining
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// leaseLocked returns the entry of id, making it if needed. l.bg.mu must be held.
func (l *Lab) leaseLocked(id clientv3.LeaseID) *leaseEntry {
	if l.bg.leases == nil {
		l.bg.leases = map[int64]*leaseEntry{}
	}
	e, ok := l.bg.leases[int64(id)]
	if !ok {
		e = &leaseEntry{id: id}
		l.bg.leases[int64(id)] = e
	}
	return e
}

func (l *Lab) startLeaseRefresherLocked() {
	if l.bg.refreshing || l.bg.closed {
		return
	}
	if _, err := l.bg.goLocked(l.refreshLeases); err == nil {
		l.bg.refreshing = true
	}
}

// refreshLeases keeps the lease book up to date and notes what happens to
// leases on their own: expiry, and a new leader restarting the countdown.
func (l *Lab) refreshLeases(ctx context.Context) {
	for kit.Sleep(ctx, leaseRefresh) {
		cli, _, err := l.client("")
		if err != nil {
			return
		}
		asked := time.Now()
		cctx, cancel := context.WithTimeout(ctx, l.timeout)
		list, err := cli.Leases(cctx)
		cancel()
		if err != nil {
			continue // no quorum or no leader: keep what we know
		}
		live := map[int64]*clientv3.LeaseTimeToLiveResponse{}
		for _, ls := range list.Leases {
			cctx, cancel := context.WithTimeout(ctx, l.timeout)
			t, err := cli.TimeToLive(cctx, ls.ID, clientv3.WithAttachedKeys())
			cancel()
			if err == nil && t.TTL >= 0 {
				live[int64(ls.ID)] = t
			}
		}
		if ctx.Err() != nil {
			return
		}
		// The status after the answers: its term is at least the term of
		// the leader that answered.
		st := l.c.Status()
		l.bg.mu.Lock()
		l.updateLeasesLocked(asked, live, list.Leases, st.Leader, st.Term)
		l.bg.mu.Unlock()
	}
}

// updateLeasesLocked merges what etcd said, asked at asked, into the book.
// An entry the lab changed since asked (a grant, a revoke, a renewal) is
// newer than etcd's answer and left alone.
func (l *Lab) updateLeasesLocked(asked time.Time, live map[int64]*clientv3.LeaseTimeToLiveResponse, listed []clientv3.LeaseStatus, leader string, term uint64) {
	now := time.Now()
	// A new leader's term shows in the status as it restarts the
	// countdowns, so an answer asked just before may still be the old one:
	// remember when the term last changed.
	if leader != "" && term != l.bg.leaseTerm {
		if l.bg.leaseTerm != 0 {
			l.bg.leaseTermAt = now
		}
		l.bg.leaseTerm = term
	}
	listedNow := map[int64]bool{}
	for _, ls := range listed {
		listedNow[int64(ls.ID)] = true
	}
	for id, e := range l.bg.leases {
		if listedNow[id] || e.seen.IsZero() || e.seen.After(asked) {
			continue
		}
		if !e.removed {
			l.note("lease", fmt.Sprintf("%s expired after its TTL(%ds)%s", leaseHex(e.id), e.granted, keysGone(e.keys)))
		}
		if e.ka == nil {
			delete(l.bg.leases, id)
		}
	}
	for id, t := range live {
		e := l.leaseLocked(clientv3.LeaseID(id))
		if e.seen.After(asked) {
			continue
		}
		// Only a renewal or a new leader raises a lease's remaining TTL.
		if projected := e.remaining - int64(now.Sub(e.seen).Round(time.Second)/time.Second); !e.seen.IsZero() && e.ka == nil && t.TTL > projected+1 {
			if leader != "" && (term != e.term || !e.asked.IsZero() && l.bg.leaseTermAt.After(e.asked)) {
				l.note("lease", fmt.Sprintf("%s: the new leader %s (term %d) restarted its countdown: %ds left, was %ds; etcd gives every lease its full TTL plus an election timeout on election, so none expires for want of a leader",
					leaseHex(e.id), leader, term, t.TTL, max(projected, 0)))
			} else {
				l.note("lease", fmt.Sprintf("%s: renewed by a client outside the lab: %ds left, was %ds", leaseHex(e.id), t.TTL, max(projected, 0)))
			}
		}
		e.granted, e.remaining, e.seen, e.asked = t.GrantedTTL, t.TTL, now, asked
		if leader != "" {
			// During an election the term is already new but no one leads;
			// compare with the term of a known leader only.
			e.term = term
		}
		e.keys = attachedKeys(t)
		e.removed = false
	}
}

func keysGone(keys []string) string {
	if len(keys) == 0 {
		return "; it had no keys"
	}
	return "; etcd deleted its keys: " + strings.Join(keys, ", ")
}
