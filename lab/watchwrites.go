package lab

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
)

// A watch of every key tells the writes of other clients (etcdctl, a
// python program) from the lab's own, and notes them at most once a
// second, so that a busy client cannot flood the log. A write is the lab's
// when etcd answered one of the lab's own requests with its revision (a
// put, a del that deleted, a txn that wrote); when the lab's request got no
// answer, any write to the keys it named in the next ownUnknownFor counts as
// the lab's too. Writes to the keys of the lab's load (load/ID/kN) and the
// deletion of keys whose lease ended (the lease lines say so) are left out.

// clientWritesEvery is how often the writes of other clients are noted;
// a write is held at least clientWritesHold, so that the answer to a write
// of the lab's own, which may come just after its event, is in first.
const (
	clientWritesEvery = time.Second
	clientWritesHold  = 300 * time.Millisecond
	ownUnknownFor     = 30 * time.Second
	ownKeep           = time.Minute
	// clientWritesEach is the most writes noted one line each; more in a
	// second are noted as a count.
	clientWritesEach = 3
)

// loadKey matches the keys of the lab's load (lab/workload: load/ID/kN).
var loadKey = regexp.MustCompile(`^load/[0-9a-z]+/k[0-9]+$`)

// ownWrites remembers what the lab's own requests wrote. Its intercept is
// on every client the lab makes.
type ownWrites struct {
	mu      sync.Mutex
	revs    map[int64]time.Time // revision -> when etcd returned it
	unknown []ownUnknown
}

// ownUnknown is a write of the lab whose outcome is unknown: its keys.
type ownUnknown struct {
	keys  []string
	until time.Time
}

// intercept records the revision etcd returns for a write of the lab, or
// the keys of a write whose answer did not come.
func (o *ownWrites) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	o.record(req, reply, err)
	return err
}

func (o *ownWrites) record(req, reply any, err error) {
	var keys []string
	rev := int64(0)
	switch r := reply.(type) {
	case *pb.PutResponse:
		keys = []string{string(req.(*pb.PutRequest).Key)}
		rev = r.GetHeader().GetRevision()
	case *pb.DeleteRangeResponse:
		keys = []string{string(req.(*pb.DeleteRangeRequest).Key)}
		if r.Deleted > 0 {
			rev = r.GetHeader().GetRevision()
		}
	case *pb.TxnResponse:
		keys = txnKeys(req.(*pb.TxnRequest))
		if txnWrote(r) {
			rev = r.GetHeader().GetRevision()
		}
	default:
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.revs == nil {
		o.revs = map[int64]time.Time{}
	}
	switch {
	case err != nil:
		o.unknown = append(o.unknown, ownUnknown{keys: keys, until: time.Now().Add(ownUnknownFor)})
	case rev > 0:
		o.revs[rev] = time.Now()
	}
}

func txnKeys(t *pb.TxnRequest) []string {
	var keys []string
	for _, ops := range [][]*pb.RequestOp{t.Success, t.Failure} {
		for _, op := range ops {
			switch {
			case op.GetRequestPut() != nil:
				keys = append(keys, string(op.GetRequestPut().Key))
			case op.GetRequestDeleteRange() != nil:
				keys = append(keys, string(op.GetRequestDeleteRange().Key))
			}
		}
	}
	return keys
}

// txnWrote reports whether a txn's answer holds a put or a delete that
// deleted: only then is its revision one it wrote.
func txnWrote(r *pb.TxnResponse) bool {
	for _, op := range r.Responses {
		if op.GetResponsePut() != nil || op.GetResponseDeleteRange().GetDeleted() > 0 {
			return true
		}
	}
	return false
}

// mine reports whether the write of key at rev is the lab's own, and
// forgets what is too old to matter.
func (o *ownWrites) mine(rev int64, key string, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for r, at := range o.revs {
		if now.Sub(at) > ownKeep {
			delete(o.revs, r)
		}
	}
	keep := o.unknown[:0]
	for _, u := range o.unknown {
		if now.Before(u.until) {
			keep = append(keep, u)
		}
	}
	o.unknown = keep
	if _, ok := o.revs[rev]; ok {
		return true
	}
	for _, u := range o.unknown {
		for _, k := range u.keys {
			if k == key {
				return true
			}
		}
	}
	return false
}

// clientWrite is one event of another client's write, as the log shows it.
type clientWrite struct {
	at    time.Time // when the lab received it
	rev   int64
	ev    watchEvent
	lease string // for a deleted key, the lease it had (hex), "" if none
}

// FollowClientWrites starts or stops noting the writes of other clients.
func (l *Lab) FollowClientWrites(on bool) error {
	l.bg.mu.Lock()
	defer l.bg.mu.Unlock()
	switch {
	case on && l.bg.writes == nil:
		cancel, err := l.bg.goLocked(l.followWrites)
		if err != nil {
			return err
		}
		l.bg.writes = cancel
	case !on && l.bg.writes != nil:
		l.bg.writes()
		l.bg.writes = nil
	}
	return nil
}

// followWrites watches every key until ctx ends, opening the watch again
// after etcd closes it, and notes the writes of other clients.
func (l *Lab) followWrites(ctx context.Context) {
	cli, err := l.newClient(l.clientURLs())
	if err != nil {
		l.note("clients", "cannot follow the writes of other clients: "+err.Error())
		return
	}
	defer cli.Close()
	tick := time.NewTicker(clientWritesEvery)
	defer tick.Stop()
	var held []clientWrite
	next := int64(0)
	for ctx.Err() == nil {
		opts := []clientv3.OpOption{clientv3.WithFromKey(), clientv3.WithPrevKV(), clientv3.WithCreatedNotify()}
		if next > 0 {
			opts = append(opts, clientv3.WithRev(next))
		}
		wctx, cancel := context.WithCancel(ctx)
		ch := cli.Watch(wctx, "\x00", opts...)
		for open := true; open; {
			select {
			case resp, ok := <-ch:
				switch {
				case !ok || resp.Canceled:
					open = false
				case resp.CompactRevision != 0:
					next, open = 0, false
				case resp.Created && next == 0:
					next = resp.Header.GetRevision() + 1
				}
				held, next = l.holdWrites(held, resp.Events, next)
			case now := <-tick.C:
				held = l.noteWrites(ctx, cli, held, now)
			case <-ctx.Done():
				open = false
			}
		}
		cancel()
		kit.Sleep(ctx, 100*time.Millisecond)
	}
}

// holdWrites keeps the events from next on that are not the lab's load's,
// and returns the next revision the watch needs. Events below next came
// again after a reconnect, or before the watch began.
func (l *Lab) holdWrites(held []clientWrite, evs []*clientv3.Event, next int64) ([]clientWrite, int64) {
	now := time.Now()
	from := next
	for _, ev := range evs {
		rev := ev.Kv.ModRevision
		if rev < from || loadKey.Match(ev.Kv.Key) {
			next = max(next, rev+1)
			continue
		}
		w := clientWrite{at: now, rev: rev, ev: watchEvent{Rev: rev, Delete: ev.Type == mvccpb.DELETE, Key: string(ev.Kv.Key), Value: string(ev.Kv.Value)}}
		if w.ev.Delete && ev.PrevKv != nil && ev.PrevKv.Lease != 0 {
			w.lease = leaseHex(clientv3.LeaseID(ev.PrevKv.Lease))
		}
		held = append(held, w)
		next = max(next, rev+1)
	}
	return held, next
}

// noteWrites notes the held writes old enough to judge, and returns those
// still held.
func (l *Lab) noteWrites(ctx context.Context, cli *clientv3.Client, held []clientWrite, now time.Time) []clientWrite {
	n := 0
	for n < len(held) && now.Sub(held[n].at) >= clientWritesHold {
		n++
	}
	var theirs []clientWrite
	ended := map[string]bool{} // leases asked about, and whether each ended
	for _, w := range held[:n] {
		if l.own.mine(w.rev, w.ev.Key, now) {
			continue
		}
		if w.lease != "" {
			gone, asked := ended[w.lease]
			if !asked {
				gone = leaseEnded(ctx, cli, w.lease, l.timeout)
				ended[w.lease] = gone
			}
			if gone {
				continue // the lease ended: etcd deleted its keys
			}
		}
		theirs = append(theirs, w)
	}
	if line := clientWritesLine(theirs); line != "" {
		l.note("clients", line)
	}
	return append(held[:0], held[n:]...)
}

// leaseEnded reports whether etcd no longer has the lease (hex ID).
func leaseEnded(ctx context.Context, cli *clientv3.Client, hex string, timeout time.Duration) bool {
	var id int64
	if _, err := fmt.Sscanf(hex, "%x", &id); err != nil {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t, err := cli.TimeToLive(cctx, clientv3.LeaseID(id))
	return err == nil && t.TTL < 0
}

// clientWritesLine says what other clients wrote in one line: each write
// when there are few, else how many, over which revisions and keys.
func clientWritesLine(ws []clientWrite) string {
	if len(ws) == 0 {
		return ""
	}
	revs := map[int64]bool{}
	for _, w := range ws {
		revs[w.rev] = true
	}
	if len(ws) <= clientWritesEach {
		parts := make([]string, len(ws))
		for i, w := range ws {
			parts[i] = w.ev.String()
		}
		return strings.Join(parts, "; ") + ", by a client outside the lab"
	}
	var keys []string
	seen := map[string]bool{}
	for _, w := range ws {
		if k := Printable([]byte(w.ev.Key)); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	more := ""
	if len(keys) > 4 {
		more = fmt.Sprintf(" and %d more", len(keys)-4)
		keys = keys[:4]
	}
	return fmt.Sprintf("%d write%s by clients outside the lab in the last second (rev %d to %d), to %s%s",
		len(revs), kit.Plural(len(revs)), ws[0].rev, ws[len(ws)-1].rev, strings.Join(keys, ", "), more)
}
