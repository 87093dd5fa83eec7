package lab

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"
)

// verifyWatch waits until the watch has caught up with the cluster's current
// revision, then compares what it delivered with a replay of etcd's history
// over the same range, read through every member's client.
func (l *Lab) verifyWatch(ctx context.Context, w *watch) Result {
	cli, err := l.leaderClient()
	if err != nil {
		return Result{Err: err}
	}
	gctx, cancel := context.WithTimeout(ctx, l.timeout)
	resp, err := cli.Get(gctx, w.key, append(slices.Clone(w.opts), clientv3.WithCountOnly())...)
	cancel()
	if err != nil {
		return Result{Err: fmt.Errorf("cannot read the current revision to check watch %d: %v", w.id, l.explain(err, ""))}
	}
	target := resp.Header.Revision
	if err := l.catchUp(ctx, w, target); err != nil {
		return Result{Err: err}
	}
	w.mu.Lock()
	start, member, older, repeated := w.start, w.member, w.older, w.repeated
	var seen []watchEvent
	for _, e := range w.events {
		if e.Rev <= target {
			seen = append(seen, e)
		}
	}
	w.mu.Unlock()

	r := Result{Lines: []string{fmt.Sprintf("watch %d on %s, through %s, from rev %d:", w.id, w.desc, member, start)}}
	for _, e := range seen {
		r.Lines = append(r.Lines, fmt.Sprintf("  rev %-4d %s via %s", e.Rev, strings.TrimSuffix(e.String(), fmt.Sprintf(" (rev %d)", e.Rev)), e.Member))
		r.Values = append(r.Values, e.word())
	}
	if r.Values == nil {
		r.Values = []string{}
	}
	var hist []watchEvent
	if start <= target {
		if hist, err = l.replay(ctx, w, start, target); err != nil {
			r.Lines = append(r.Lines, fmt.Sprintf("cannot compare with etcd's history: %v", err))
			return r
		}
	}
	if diff := diffEvents(seen, hist, start); diff != "" {
		r.Err = fmt.Errorf("watch %d does not match etcd's history from rev %d to %d: %s", w.id, start, target, diff)
		return r
	}
	if start > target {
		r.Lines = append(r.Lines, fmt.Sprintf("no event yet: the cluster is at rev %d", target))
	} else {
		r.Lines = append(r.Lines, fmt.Sprintf("%d event%s from rev %d to %d, the same as etcd's history: none missed, none repeated", len(seen), kit.Plural(len(seen)), start, target))
	}
	if older+repeated > 0 {
		r.Lines = append(r.Lines, leftOut(older, repeated))
	}
	return r
}

// leftOut says how many events etcd sent that the watch left out.
func leftOut(older, repeated int) string {
	var s []string
	if older > 0 {
		s = append(s, fmt.Sprintf("%d older than its start", older))
	}
	if repeated > 0 {
		s = append(s, fmt.Sprintf("%d delivered before", repeated))
	}
	return "etcd also sent events the watch left out (see the event log): " + strings.Join(s, ", ")
}

// leaderClient returns a client of the leader, or of every member when
// there is none: a check must not read through a member cut off from the
// majority, whose history stops where it was cut off.
func (l *Lab) leaderClient() (*clientv3.Client, error) {
	cli, _, err := l.client(l.c.Status().Leader)
	return cli, err
}

// catchUp asks for progress reports until the watch has seen every
// revision up to target.
func (l *Lab) catchUp(ctx context.Context, w *watch, target int64) error {
	deadline := time.NewTimer(2 * l.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		w.mu.Lock()
		next, ended, lost, changed := w.next, w.ended, w.lost, w.changed
		w.mu.Unlock()
		switch {
		case next > target:
			return nil
		case ended != "":
			return fmt.Errorf("watch %d stopped: %s", w.id, ended)
		}
		pctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), 200*time.Millisecond)
		_ = w.cli.RequestProgress(pctx)
		cancel()
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			if lost == "" {
				lost = "its stream is slow"
			}
			return fmt.Errorf("watch %d has not caught up with rev %d within %s (it is at rev %d; %s)", w.id, target, 2*l.timeout, next-1, lost)
		case <-ctx.Done():
			return fmt.Errorf("check of watch %d interrupted", w.id)
		}
	}
}

// replay reads etcd's history of the watch's range from rev start to
// target with a second watch on a stream of its own.
func (l *Lab) replay(ctx context.Context, w *watch, start, target int64) ([]watchEvent, error) {
	cli, err := l.leaderClient()
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 2*l.timeout)
	defer cancel()
	rctx = metadata.AppendToOutgoingContext(rctx, "etcdlab-replay", strconv.FormatInt(time.Now().UnixNano(), 10))
	ch := cli.Watch(rctx, w.key, append(slices.Clone(w.opts), clientv3.WithRev(start), clientv3.WithCreatedNotify())...)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var hist []watchEvent
	created := false
	for {
		select {
		case resp, ok := <-ch:
			if !ok {
				return nil, fmt.Errorf("the replay ended early: %v", l.explain(rctx.Err(), ""))
			}
			if err := resp.Err(); err != nil {
				return nil, l.explain(err, "")
			}
			created = created || resp.Created
			for _, ev := range resp.Events {
				if ev.Kv.ModRevision > target {
					return hist, nil
				}
				hist = append(hist, watchEvent{Rev: ev.Kv.ModRevision, Delete: ev.Type == mvccpb.DELETE, Key: string(ev.Kv.Key), Value: string(ev.Kv.Value)})
			}
			if resp.IsProgressNotify() && resp.Header.Revision >= target {
				return hist, nil
			}
		case <-tick.C:
			// Progress is only reported once the replay has caught up.
			if created {
				pctx, pcancel := context.WithTimeout(rctx, 200*time.Millisecond)
				_ = cli.RequestProgress(pctx)
				pcancel()
			}
		}
	}
}

// diffEvents says how seen differs from history from rev start on, "" if
// not at all.
func diffEvents(seen, hist []watchEvent, start int64) string {
	key := func(e watchEvent) string { return fmt.Sprintf("%d %t %s", e.Rev, e.Delete, e.Key) }
	inHist := map[string]watchEvent{}
	for _, e := range hist {
		inHist[key(e)] = e
	}
	count := map[string]int{}
	var problems []string
	for _, e := range seen {
		k := key(e)
		count[k]++
		if count[k] == 2 {
			problems = append(problems, "repeated "+e.String())
		}
		if e.Rev < start {
			problems = append(problems, "before its start "+e.String())
			continue
		}
		if h, ok := inHist[k]; !ok || h.Value != e.Value {
			problems = append(problems, "not in history "+e.String())
		}
	}
	for _, e := range hist {
		if count[key(e)] == 0 {
			problems = append(problems, "missed "+e.String())
		}
	}
	if len(problems) > 6 {
		problems = append(problems[:6], fmt.Sprintf("and %d more", len(problems)-6))
	}
	return strings.Join(problems, "; ")
}
