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

func (l *Lab) leaseGrant(ctx context.Context, c *Command) Result {
	ttl, _ := strconv.ParseInt(c.Args[0], 10, 64)
	var id clientv3.LeaseID
	if v, ok := c.Flag("id"); ok {
		id, _ = parseLeaseID(v)
	}
	var resp *etcdserverpb.LeaseGrantResponse
	exists := false
	via, err := l.onEndpoint(ctx, c, func(ctx context.Context, cli *clientv3.Client) (err error) {
		// clientv3's Grant cannot ask for an ID; the lease service can.
		resp, err = etcdserverpb.NewLeaseClient(cli.ActiveConnection()).LeaseGrant(ctx, &etcdserverpb.LeaseGrantRequest{TTL: ttl, ID: int64(id)})
		if err == nil && resp.Error != "" {
			err = errors.New(resp.Error)
		}
		err = rpctypes.Error(err)
		exists = errors.Is(err, rpctypes.ErrLeaseExist)
		return err
	})
	switch {
	case exists:
		return Result{Err: fmt.Errorf("lease %s already exists: choose another --id, or lease revoke it first", leaseHex(id)), Via: via}
	case err != nil:
		return Result{Err: err, Via: via}
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
	return Result{Lines: []string{line}, Values: []string{leaseHex(gid)}, Via: via}
}

func (l *Lab) leaseRevoke(ctx context.Context, c *Command) Result {
	id, _ := parseLeaseID(c.Args[0])
	rt, err := l.route("")
	if err != nil {
		return Result{Err: err}
	}
	l.stopKeepAlive(id)
	// The keys etcd will delete, asked first with half the deadline, so
	// that the revoke itself has a whole one.
	var keys []string
	kctx, cancel := context.WithTimeout(ctx, l.timeout/2)
	if t, err := rt.cli.TimeToLive(kctx, id, clientv3.WithAttachedKeys()); err == nil {
		keys = attachedKeys(t)
	}
	cancel()
	notFound := false
	via, err := l.send(ctx, c, rt, func(ctx context.Context, cli *clientv3.Client) error {
		_, err := cli.Revoke(ctx, id)
		notFound = errors.Is(err, rpctypes.ErrLeaseNotFound)
		return err
	})
	switch {
	case notFound:
		return Result{Err: fmt.Errorf("lease %s is not found: it expired or was revoked already", leaseHex(id)), Via: via}
	case err != nil:
		return Result{Err: err, Via: via}
	}
	l.bg.mu.Lock()
	e := l.leaseLocked(id)
	e.removed, e.seen = true, time.Now()
	l.bg.mu.Unlock()
	lines := []string{fmt.Sprintf("lease %s revoked", leaseHex(id))}
	if len(keys) > 0 {
		lines = append(lines, "etcd deleted its keys: "+strings.Join(keys, ", "))
	}
	return Result{Lines: lines, Via: via}
}

func (l *Lab) leaseTimeToLive(ctx context.Context, c *Command) Result {
	id, _ := parseLeaseID(c.Args[0])
	rt, err := l.route("")
	if err != nil {
		return Result{Err: err}
	}
	cli := rt.cli
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	var opts []clientv3.LeaseOption
	if c.Bool("keys") {
		opts = append(opts, clientv3.WithAttachedKeys())
	}
	t, err := cli.TimeToLive(cctx, id, opts...)
	if err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		return Result{Err: l.explain(err, rt.via), Via: rt.via}
	}
	if err != nil || t.TTL == -1 {
		return Result{Lines: []string{fmt.Sprintf("lease %s already expired", leaseHex(id))}, Values: []string{"expired"}, Via: rt.via}
	}
	line := fmt.Sprintf("lease %s granted with TTL(%ds), remaining(%ds)", leaseHex(id), t.GrantedTTL, t.TTL)
	values := []string{"live"}
	if c.Bool("keys") {
		keys := attachedKeys(t)
		line += fmt.Sprintf(", attached keys([%s])", strings.Join(keys, " "))
		values = append(values, keys...)
	}
	return Result{Lines: []string{line}, Values: values, Via: rt.via}
}

func (l *Lab) leaseList(ctx context.Context, _ *Command) Result {
	rt, err := l.route("")
	if err != nil {
		return Result{Err: err}
	}
	cli := rt.cli
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	list, err := cli.Leases(cctx)
	if err != nil {
		return Result{Err: l.explain(err, rt.via), Via: rt.via}
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
	r := Result{Lines: []string{fmt.Sprintf("found %d leases", len(ids))}, Values: []string{}, Via: rt.via}
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
