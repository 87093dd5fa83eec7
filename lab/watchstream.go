package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// runWatch keeps one watch alive until ctx ends or etcd refuses it for
// good (its next revision was compacted). clientv3 resumes a watch on
// another member by itself when the stream breaks; when etcd closes it
// (WithRequireLeader on a member without a leader), runWatch opens it again
// from the next revision it needs, so no event is missed or repeated.
func (l *Lab) runWatch(ctx context.Context, w *watch) {
	defer close(w.done)
	defer w.cli.Close()
	defer w.update(func() {
		if w.ended == "" {
			w.ended = "unwatched"
		}
	})
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	backoff := 100 * time.Millisecond
	for {
		wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
		opts := append(slices.Clone(w.opts), clientv3.WithCreatedNotify())
		w.mu.Lock()
		if w.next > 0 {
			opts = append(opts, clientv3.WithRev(w.next))
		}
		w.mu.Unlock()
		ch := w.cli.Watch(wctx, w.key, opts...)
		stop, created := l.followWatch(wctx, w, ch, tick.C)
		cancel()
		if created {
			backoff = 100 * time.Millisecond
		}
		if stop || ctx.Err() != nil || !kit.Sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// followWatch handles one watch stream until it closes. It reports whether
// the watch must stop and whether etcd created it.
func (l *Lab) followWatch(ctx context.Context, w *watch, ch clientv3.WatchChan, tick <-chan time.Time) (stop, created bool) {
	for {
		select {
		case resp, ok := <-ch:
			if !ok {
				return false, created
			}
			created = created || resp.Created
			if l.onWatchResponse(w, resp) {
				return true, created
			}
			if resp.Canceled {
				// clientv3 closes the channel next; drain it.
				for range ch {
				}
				return false, created
			}
		case <-tick:
			if l.checkWatchMember(ctx, w) {
				return false, created
			}
		case <-ctx.Done():
			return true, created
		}
	}
}

// checkWatchMember hands a pinned watch's client every member once its
// member is down. When the member the stream is on was killed or stopped,
// it reports that the watch must be opened again: etcd keeps a stopped
// member's streams open for its request timeout (7s) before it drops them,
// where a crashed process's would break at once. While the member is cut
// off, it asks for progress reports, so the watch tells where it resumed
// as soon as etcd moves it.
func (l *Lab) checkWatchMember(ctx context.Context, w *watch) (reopen bool) {
	w.mu.Lock()
	pinned, widened, member := w.pinned, w.widened, w.member
	w.mu.Unlock()
	if pinned != "" && !widened && l.memberDown(pinned) {
		w.cli.SetEndpoints(l.clientURLs()...)
		w.update(func() { w.widened = true })
	}
	if member == "" || !l.memberDown(member) {
		return false
	}
	if m, ok := l.c.Status().Member(member); !ok || !m.State.Running() {
		return true
	}
	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_ = w.cli.RequestProgress(pctx)
	cancel()
	return false
}

// update runs f under the watch's lock and wakes whoever waits for a change.
func (w *watch) update(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
	close(w.changed)
	w.changed = make(chan struct{})
}

// onWatchResponse records one response and notes what a person should see.
// It reports whether the watch must stop.
func (l *Lab) onWatchResponse(w *watch, resp clientv3.WatchResponse) (stop bool) {
	src := fmt.Sprintf("watch %d", w.id)
	name := l.nameOfMember(resp.Header.GetMemberId())
	w.update(func() {
		reconnected := false
		if name != "" && name != w.member {
			if w.member != "" {
				w.resumed, reconnected = true, true
				l.note(src, fmt.Sprintf("reconnected through %s after %s; it goes on from rev %d: no event is missed or repeated", name, l.whyGone(w.member), w.next))
			}
			w.member = name
		}
		if w.lost != "" && !resp.Canceled {
			if !reconnected && (name == "" || name == w.member) {
				l.note(src, fmt.Sprintf("open again through %s from rev %d", w.member, w.next))
			}
			w.lost = ""
		}
		switch {
		case resp.CompactRevision != 0:
			w.ended = fmt.Sprintf("it needs rev %d, but etcd compacted its history up to rev %d; watch again with --rev %d or later", w.next, resp.CompactRevision, resp.CompactRevision)
			l.note(src, "stopped: "+w.ended)
			stop = true
		case resp.Canceled:
			err := resp.Err()
			if errors.Is(err, rpctypes.ErrNoLeader) {
				w.lost = fmt.Sprintf("%s has no leader, so etcd closed the watch (WithRequireLeader)", w.member)
			} else {
				w.lost = "etcd closed the watch: " + cleanErr(err)
			}
			w.resumed = true
			l.note(src, w.lost+fmt.Sprintf("; opening it again from rev %d", w.next))
		case resp.Created:
			if w.next == 0 {
				w.created = resp.Header.GetRevision()
				w.next = w.created + 1
				w.start = w.next
			}
		case resp.IsProgressNotify():
			w.next = max(w.next, resp.Header.GetRevision()+1)
		}
		l.recordEvents(w, src, name, resp.Events)
		if stop || resp.Created {
			select {
			case <-w.ready:
			default:
				close(w.ready)
			}
		}
	})
	return stop
}

// recordEvents adds a response's events to the watch, leaving out any that
// is not new to it. etcd sends every event of a revision in one response,
// so an event below the next revision the watch needed when the response
// came is older than the watch or was delivered before. w.mu must be held.
//
// After a reconnect, clientv3 resumes a watch made "from now" at the
// revision etcd reported when it created the watch, which is one before
// the watch's first (serveSubstream sets nextRev = wr.Header.Revision), so
// etcd then sends that revision's events: they belong to no watch of ours.
func (l *Lab) recordEvents(w *watch, src, member string, evs []*clientv3.Event) {
	from := w.next
	for _, ev := range evs {
		e := watchEvent{Rev: ev.Kv.ModRevision, Delete: ev.Type == mvccpb.DELETE, Key: string(ev.Kv.Key), Value: string(ev.Kv.Value), Member: member}
		switch {
		case e.Rev < w.start:
			w.older++
			why := "etcd applied it while creating the watch"
			if w.resumed && e.Rev == w.created {
				why = fmt.Sprintf("clientv3 resumed at rev %d, the revision etcd reported when it created the watch", w.created)
			}
			l.note(src, fmt.Sprintf("left out %s: it is older than the watch, which starts at rev %d (%s)", e, w.start, why))
		case e.Rev < from:
			w.repeated++
			l.note(src, fmt.Sprintf("left out %s: it was delivered before (the stream resumed at an earlier revision than rev %d)", e, from))
		default:
			w.events = append(w.events, e)
			l.note(src, e.String())
			w.next = max(w.next, e.Rev+1)
		}
	}
}
