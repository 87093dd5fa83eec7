package lab

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// leaseCommands grant, renew, inspect and revoke leases.
var leaseCommands = map[string]spec{
	"lease grant": {usage: "lease grant TTL [--id ID]", summary: "grant a lease of TTL seconds (etcdctl lease grant); --id asks etcd for that hex ID, so a scenario can name it",
		minArgs: 1, maxArgs: 1, values: map[string]func(string) error{"id": leaseIDValue}, client: true, check: checkTTL, run: (*Lab).leaseGrant},
	"lease revoke": {usage: "lease revoke ID", summary: "revoke a lease: etcd deletes its keys at once (etcdctl lease revoke)",
		minArgs: 1, maxArgs: 1, client: true, check: checkLeaseArg, run: (*Lab).leaseRevoke},
	"lease keep-alive": {usage: "lease keep-alive ID [--once] [--stop]", summary: "renew a lease in the background until --stop or revoke (etcdctl lease keep-alive); --once renews it once",
		minArgs: 1, maxArgs: 1, bools: []string{"once", "stop"}, client: true, check: checkKeepAlive, run: (*Lab).leaseKeepAlive},
	"lease timetolive": {usage: "lease timetolive ID [--keys]", summary: "a lease's granted and remaining TTL, and with --keys its keys (etcdctl lease timetolive)",
		minArgs: 1, maxArgs: 1, bools: []string{"keys"}, client: true, check: checkLeaseArg, run: (*Lab).leaseTimeToLive},
	"lease list": {usage: "lease list", summary: "every live lease with its TTL countdown and keys (etcdctl lease list)", client: true, run: (*Lab).leaseList},
	"lease wait": {usage: "lease wait ID [--timeout D]", summary: "wait until etcd has removed the lease (expired or revoked) and say how long it lived (default timeout its TTL + 10s)",
		minArgs: 1, maxArgs: 1, values: map[string]func(string) error{"timeout": durationValue}, check: checkLeaseArg, run: (*Lab).leaseWait},
}

// leaseRefresh is how often the lease book asks etcd about the leases.
const leaseRefresh = 500 * time.Millisecond

func parseLeaseID(s string) (clientv3.LeaseID, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a lease ID: write the hex ID lease grant printed, e.g. 694d77aa9e38260f", s)
	}
	return clientv3.LeaseID(n), nil
}

func leaseIDValue(v string) error {
	_, err := parseLeaseID(v)
	return err
}

func leaseHex(id clientv3.LeaseID) string { return fmt.Sprintf("%016x", int64(id)) }

func checkLeaseArg(c *Command) error { return leaseIDValue(c.Args[0]) }

func checkTTL(c *Command) error {
	if n, err := strconv.ParseInt(c.Args[0], 10, 64); err != nil || n < 1 {
		return fmt.Errorf("lease grant: %q is not a TTL: write a whole number of seconds, e.g. lease grant 10", c.Args[0])
	}
	return nil
}

func checkKeepAlive(c *Command) error {
	if c.Bool("once") && c.Bool("stop") {
		return errors.New("lease keep-alive: use only one of --once and --stop")
	}
	return checkLeaseArg(c)
}

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
	keys      []string
	removed   bool // revoked by the lab or reported gone: no expiry note
	grantedAt time.Time
	renewedAt time.Time // the lab's last renewal, zero if none
	ka        *keepAlive
}

// keepAlive is a lease renewed in the background.
type keepAlive struct {
	cancel   context.CancelFunc
	done     chan struct{}
	renewals int
	member   string
	last     time.Time
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
			if term != e.term && leader != "" {
				l.note("lease", fmt.Sprintf("%s: the new leader %s (term %d) restarted its countdown: %ds left, was %ds; etcd gives every lease its full TTL plus an election timeout on election, so none expires for want of a leader",
					leaseHex(e.id), leader, term, t.TTL, max(projected, 0)))
			} else {
				l.note("lease", fmt.Sprintf("%s: renewed by a client outside the lab: %ds left, was %ds", leaseHex(e.id), t.TTL, max(projected, 0)))
			}
		}
		e.granted, e.remaining, e.seen = t.GrantedTTL, t.TTL, now
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

func (l *Lab) leaseGrant(ctx context.Context, c *Command) Result {
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	ttl, _ := strconv.ParseInt(c.Args[0], 10, 64)
	var id clientv3.LeaseID
	if v, ok := c.Flag("id"); ok {
		id, _ = parseLeaseID(v)
	}
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	// clientv3's Grant cannot ask for an ID; the lease service can.
	resp, err := etcdserverpb.NewLeaseClient(cli.ActiveConnection()).LeaseGrant(cctx, &etcdserverpb.LeaseGrantRequest{TTL: ttl, ID: int64(id)})
	if err == nil && resp.Error != "" {
		err = errors.New(resp.Error)
	}
	if err != nil {
		if errors.Is(rpctypes.Error(err), rpctypes.ErrLeaseExist) {
			return Result{Err: fmt.Errorf("lease %s already exists: choose another --id, or lease revoke it first", leaseHex(id))}
		}
		return Result{Err: l.explain(err, "")}
	}
	gid := clientv3.LeaseID(resp.ID)
	l.bg.mu.Lock()
	e := l.leaseLocked(gid)
	e.granted, e.remaining, e.seen, e.grantedAt, e.term = resp.TTL, resp.TTL, time.Now(), time.Now(), l.c.Status().Term
	l.startLeaseRefresherLocked()
	l.bg.mu.Unlock()
	line := fmt.Sprintf("lease %s granted with TTL(%ds)", leaseHex(gid), resp.TTL)
	if resp.TTL != ttl {
		line += fmt.Sprintf(" (etcd raised %ds to its minimum TTL)", ttl)
	}
	return Result{Lines: []string{line}, Values: []string{leaseHex(gid)}}
}

// stopKeepAlive stops the background renewal of id and reports whether
// there was one and how many renewals it made.
func (l *Lab) stopKeepAlive(id clientv3.LeaseID) (bool, int) {
	l.bg.mu.Lock()
	e, ok := l.bg.leases[int64(id)]
	var ka *keepAlive
	if ok {
		ka = e.ka
	}
	l.bg.mu.Unlock()
	if ka == nil {
		return false, 0
	}
	ka.cancel()
	<-ka.done
	l.bg.mu.Lock()
	defer l.bg.mu.Unlock()
	if e.ka == ka {
		e.ka = nil
	}
	return true, ka.renewals
}

func (l *Lab) leaseRevoke(ctx context.Context, c *Command) Result {
	id, _ := parseLeaseID(c.Args[0])
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	l.stopKeepAlive(id)
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	var keys []string
	if t, err := cli.TimeToLive(cctx, id, clientv3.WithAttachedKeys()); err == nil {
		keys = attachedKeys(t)
	}
	if _, err := cli.Revoke(cctx, id); err != nil {
		if errors.Is(err, rpctypes.ErrLeaseNotFound) {
			return Result{Err: fmt.Errorf("lease %s is not found: it expired or was revoked already", leaseHex(id))}
		}
		return Result{Err: l.explain(err, "")}
	}
	l.bg.mu.Lock()
	e := l.leaseLocked(id)
	e.removed, e.seen = true, time.Now()
	l.bg.mu.Unlock()
	lines := []string{fmt.Sprintf("lease %s revoked", leaseHex(id))}
	if len(keys) > 0 {
		lines = append(lines, "etcd deleted its keys: "+strings.Join(keys, ", "))
	}
	return Result{Lines: lines}
}

func (l *Lab) leaseKeepAlive(ctx context.Context, c *Command) Result {
	id, _ := parseLeaseID(c.Args[0])
	if c.Bool("stop") {
		ok, n := l.stopKeepAlive(id)
		if !ok {
			return Result{Err: fmt.Errorf("lease %s is not kept alive by the lab", leaseHex(id))}
		}
		return Result{Lines: []string{fmt.Sprintf("stopped keeping lease %s alive after %d renewal%s; it now expires after its TTL", leaseHex(id), n, kit.Plural(n))}}
	}
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	if c.Bool("once") {
		cctx, cancel := context.WithTimeout(ctx, l.timeout)
		defer cancel()
		resp, err := cli.KeepAliveOnce(cctx, id)
		if err != nil {
			return Result{Err: l.keepAliveErr(err, id)}
		}
		l.bg.mu.Lock()
		if e, ok := l.bg.leases[int64(id)]; ok {
			e.remaining, e.seen, e.renewedAt = resp.TTL, time.Now(), time.Now()
		}
		l.bg.mu.Unlock()
		return Result{Lines: []string{fmt.Sprintf("lease %s keepalived with TTL(%d)", leaseHex(id), resp.TTL)}}
	}

	first := make(chan *clientv3.LeaseKeepAliveResponse, 1)
	ka := &keepAlive{done: make(chan struct{})}
	l.bg.mu.Lock()
	e := l.leaseLocked(id)
	if e.ka != nil {
		l.bg.mu.Unlock()
		return Result{Err: fmt.Errorf("lease %s is already kept alive; lease keep-alive %s --stop stops it", leaseHex(id), leaseHex(id))}
	}
	e.ka = ka
	ka.cancel, err = l.bg.goLocked(func(kctx context.Context) { l.runKeepAlive(kctx, cli, id, ka, first) })
	if err != nil {
		e.ka = nil
		l.bg.mu.Unlock()
		return Result{Err: err}
	}
	l.startLeaseRefresherLocked()
	l.bg.mu.Unlock()

	t := time.NewTimer(l.timeout)
	defer t.Stop()
	select {
	case resp := <-first:
		if resp == nil {
			l.stopKeepAlive(id)
			return Result{Err: fmt.Errorf("lease %s is not found: it expired or was revoked", leaseHex(id))}
		}
		return Result{Lines: []string{fmt.Sprintf("lease %s keepalived with TTL(%d); renewing it in the background every %ds until lease keep-alive %s --stop",
			leaseHex(id), resp.TTL, max(resp.TTL/3, 1), leaseHex(id))}}
	case <-t.C:
	case <-ctx.Done():
	}
	l.stopKeepAlive(id)
	return Result{Err: l.explain(context.DeadlineExceeded, "")}
}

func (l *Lab) keepAliveErr(err error, id clientv3.LeaseID) error {
	if errors.Is(err, rpctypes.ErrLeaseNotFound) {
		return fmt.Errorf("lease %s is not found: it expired or was revoked", leaseHex(id))
	}
	return l.explain(err, "")
}

// runKeepAlive renews a lease until ctx ends or etcd stops renewing it. It
// notes the first renewal, a change of the member that renews it, and a
// renewal after a long gap, not every renewal.
func (l *Lab) runKeepAlive(ctx context.Context, cli *clientv3.Client, id clientv3.LeaseID, ka *keepAlive, first chan<- *clientv3.LeaseKeepAliveResponse) {
	defer close(ka.done)
	src := "lease"
	ch, err := cli.KeepAlive(ctx, id)
	if err != nil {
		first <- nil
		return
	}
	sent := false
	for resp := range ch {
		now := time.Now()
		name := l.nameOfMember(resp.ResponseHeader.GetMemberId())
		l.bg.mu.Lock()
		gap := now.Sub(ka.last)
		switch {
		case ka.renewals == 0:
		case name != ka.member:
			l.note(src, fmt.Sprintf("%s: keep-alive now renewed through %s after %s; TTL(%d) again after %s without renewal",
				leaseHex(id), name, l.whyGone(ka.member), resp.TTL, kit.Round(gap)))
		case gap > time.Duration(resp.TTL)*time.Second/2:
			l.note(src, fmt.Sprintf("%s: renewed through %s after %s without renewal; TTL(%d) again", leaseHex(id), name, kit.Round(gap), resp.TTL))
		}
		ka.renewals++
		ka.member, ka.last = name, now
		if e, ok := l.bg.leases[int64(id)]; ok {
			e.granted, e.remaining, e.seen, e.renewedAt = resp.TTL, resp.TTL, now, now
		}
		l.bg.mu.Unlock()
		if !sent {
			first <- resp
			sent = true
		}
	}
	if !sent {
		first <- nil
		return
	}
	if ctx.Err() == nil {
		l.note(src, fmt.Sprintf("%s: keep-alive ended: etcd no longer has the lease (it expired or was revoked)", leaseHex(id)))
		l.bg.mu.Lock()
		if e, ok := l.bg.leases[int64(id)]; ok && e.ka == ka {
			e.ka = nil
		}
		l.bg.mu.Unlock()
	}
}

func (l *Lab) leaseTimeToLive(ctx context.Context, c *Command) Result {
	id, _ := parseLeaseID(c.Args[0])
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	var opts []clientv3.LeaseOption
	if c.Bool("keys") {
		opts = append(opts, clientv3.WithAttachedKeys())
	}
	t, err := cli.TimeToLive(cctx, id, opts...)
	if err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		return Result{Err: l.explain(err, "")}
	}
	if err != nil || t.TTL == -1 {
		return Result{Lines: []string{fmt.Sprintf("lease %s already expired", leaseHex(id))}, Values: []string{"expired"}}
	}
	line := fmt.Sprintf("lease %s granted with TTL(%ds), remaining(%ds)", leaseHex(id), t.GrantedTTL, t.TTL)
	values := []string{"live"}
	if c.Bool("keys") {
		keys := attachedKeys(t)
		line += fmt.Sprintf(", attached keys([%s])", strings.Join(keys, " "))
		values = append(values, keys...)
	}
	return Result{Lines: []string{line}, Values: values}
}

func (l *Lab) leaseList(ctx context.Context, _ *Command) Result {
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	list, err := cli.Leases(cctx)
	if err != nil {
		return Result{Err: l.explain(err, "")}
	}
	l.bg.mu.Lock()
	l.startLeaseRefresherLocked()
	kept := map[int64]bool{}
	for id, e := range l.bg.leases {
		kept[id] = e.ka != nil
	}
	l.bg.mu.Unlock()
	ids := make([]clientv3.LeaseID, 0, len(list.Leases))
	for _, ls := range list.Leases {
		ids = append(ids, ls.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	r := Result{Lines: []string{fmt.Sprintf("found %d leases", len(ids))}, Values: []string{}}
	for _, id := range ids {
		r.Values = append(r.Values, leaseHex(id))
		t, err := cli.TimeToLive(cctx, id, clientv3.WithAttachedKeys())
		if err != nil || t.TTL < 0 {
			r.Lines = append(r.Lines, leaseHex(id)+"  expired just now")
			continue
		}
		keys := attachedKeys(t)
		ka := "off"
		if kept[int64(id)] {
			ka = "on"
		}
		r.Lines = append(r.Lines, fmt.Sprintf("%s  TTL(%ds) remaining(%ds)  keep-alive %s  keys: %s", leaseHex(id), t.GrantedTTL, t.TTL, ka, orNone(keys)))
	}
	return r
}

func orNone(keys []string) string {
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}

func (l *Lab) leaseWait(ctx context.Context, c *Command) Result {
	id, _ := parseLeaseID(c.Args[0])
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	start := time.Now()
	timeout := time.Duration(-1)
	if v, ok := c.Flag("timeout"); ok {
		timeout, _ = time.ParseDuration(v)
	}
	var deadline time.Time
	var keys []string
	var granted int64
	// Read the book now: the refresher drops a lease once it is gone.
	var grantedAt, renewedAt time.Time
	book := func() {
		l.bg.mu.Lock()
		defer l.bg.mu.Unlock()
		if e, ok := l.bg.leases[int64(id)]; ok {
			grantedAt, renewedAt = e.grantedAt, e.renewedAt
		}
	}
	book()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, l.timeout)
		t, err := cli.TimeToLive(cctx, id, clientv3.WithAttachedKeys())
		cancel()
		gone := errors.Is(err, rpctypes.ErrLeaseNotFound) || (err == nil && t.TTL == -1)
		if err == nil && !gone {
			keys = attachedKeys(t)
			granted = t.GrantedTTL
			book()
			if deadline.IsZero() {
				if timeout < 0 {
					timeout = time.Duration(t.TTL)*time.Second + DefaultWaitTimeout
				}
				deadline = start.Add(timeout)
			}
		}
		if gone {
			text := fmt.Sprintf("lease %s is gone after %s", leaseHex(id), kit.Round(time.Since(start)))
			switch {
			case !renewedAt.IsZero():
				text = fmt.Sprintf("lease %s is gone %s after its last renewal", leaseHex(id), kit.Round(time.Since(renewedAt)))
			case !grantedAt.IsZero():
				text = fmt.Sprintf("lease %s is gone %s after its grant", leaseHex(id), kit.Round(time.Since(grantedAt)))
			}
			if granted > 0 {
				text += fmt.Sprintf(" (TTL %ds)", granted)
			}
			if len(keys) > 0 {
				text += "; its keys went with it: " + strings.Join(keys, ", ")
			}
			return Result{Lines: []string{text}}
		}
		if deadline.IsZero() {
			if timeout < 0 {
				timeout = DefaultWaitTimeout
			}
			deadline = start.Add(timeout)
		}
		if time.Now().After(deadline) {
			why := "it is still live"
			if err != nil {
				why = l.explain(err, "").Error()
			}
			return Result{Err: fmt.Errorf("lease wait %s: not gone within %s (%s)", leaseHex(id), timeout, why)}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return Result{Err: fmt.Errorf("lease wait %s interrupted", leaseHex(id))}
		}
	}
}

// putOpts are the options of put: --lease attaches the key to a lease.
func putOpts(c *Command) []clientv3.OpOption {
	v, ok := c.Flag("lease")
	if !ok {
		return nil
	}
	id, _ := parseLeaseID(v)
	return []clientv3.OpOption{clientv3.WithLease(id)}
}

// attachedKeys returns a lease's keys, sorted (etcd lists them in no order).
func attachedKeys(t *clientv3.LeaseTimeToLiveResponse) []string {
	keys := make([]string, 0, len(t.Keys))
	for _, k := range t.Keys {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	return keys
}
