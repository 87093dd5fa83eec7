package lab

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// keepAlive is a lease renewed in the background.
type keepAlive struct {
	cancel   context.CancelFunc
	done     chan struct{}
	renewals int
	member   string
	last     time.Time
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
