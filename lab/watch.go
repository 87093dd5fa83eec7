package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"
)

// watchCommands stream key events into the notes.
var watchCommands = map[string]spec{
	"watch": {usage: "watch KEY [RANGE_END] [--prefix] [--rev R] [--endpoint NAME]",
		summary: "stream a key's events into the event log until unwatch (etcdctl watch); --rev replays history from R; --endpoint starts on that member, and the watch fails over if it dies",
		minArgs: 1, maxArgs: 2, bools: []string{"prefix"},
		values: map[string]func(string) error{"rev": revisionValue, "endpoint": anyValue}, client: true,
		check: checkWatch, run: (*Lab).watch},
	"unwatch": {usage: "unwatch [ID]", summary: "stop one watch, or every watch", maxArgs: 1, check: checkWatchID, run: (*Lab).unwatch},
	// watches is not a client command: when its check of a watch against
	// etcd's history fails, a scenario must stop as it does for expect.
	"watches": {usage: "watches [ID]", summary: "list the watches; with ID, the events it saw, checked against etcd's history (none missed, none repeated)",
		maxArgs: 1, check: checkWatchID, run: (*Lab).watches},
}

func checkWatch(c *Command) error {
	if c.Bool("prefix") && len(c.Args) == 2 {
		return errors.New("watch: use only one of RANGE_END and --prefix")
	}
	return nil
}

func checkWatchID(c *Command) error {
	if len(c.Args) == 1 {
		if n, err := strconv.Atoi(c.Args[0]); err != nil || n < 1 {
			return fmt.Errorf("%s: %q is not a watch ID: watches are numbered 1, 2, 3...", c.Name, c.Args[0])
		}
	}
	return nil
}

// watch is one watch the lab runs in the background, on a client of its
// own so that its endpoints can change and its streams are its own.
type watch struct {
	id     int
	key    string
	desc   string
	opts   []clientv3.OpOption // the range, without the revision
	pinned string              // the member of --endpoint, "" if none
	cli    *clientv3.Client
	cancel context.CancelFunc
	done   chan struct{}
	ready  chan struct{} // closed when the first watch is created or it stopped

	mu       sync.Mutex
	start    int64 // the first revision the watch covers
	next     int64 // the next revision it needs; 0 until created
	member   string
	widened  bool
	events   []watchEvent
	lost     string // why the stream is down, "" while it is up
	ended    string // why it stopped on its own
	repeated int
	changed  chan struct{} // closed and replaced on every update
}

// watchEvent is one event a watch delivered.
type watchEvent struct {
	Rev    int64
	Delete bool
	Key    string
	Value  string
	Member string
}

func (e watchEvent) String() string {
	if e.Delete {
		return fmt.Sprintf("DELETE %s (rev %d)", Printable([]byte(e.Key)), e.Rev)
	}
	return fmt.Sprintf("PUT %s=%s (rev %d)", Printable([]byte(e.Key)), clip(e.Value), e.Rev)
}

// word is the event as expect compares it: key=value, or del:key.
func (e watchEvent) word() string {
	if e.Delete {
		return "del:" + e.Key
	}
	return e.Key + "=" + e.Value
}

// clip shows a value in a watch line: printable, and cut at 60 bytes.
func clip(s string) string {
	if len(s) > 60 {
		return Printable([]byte(s[:57])) + "..."
	}
	return Printable([]byte(s))
}

// WatchInfo is what the UI shows of a watch.
type WatchInfo struct {
	ID     int
	Key    string // the key, with " (prefix)" or " .. END" for a range
	Member string // the member whose stream delivers it
	Events int
	// NextRev is the next revision the watch waits for.
	NextRev int64
	// Down says why the stream is down or the watch ended, "" while it runs.
	Down string
}

// Watches returns the running watches by ID. It does not block on etcd.
func (l *Lab) Watches() []WatchInfo {
	l.bg.mu.Lock()
	ws := make([]*watch, 0, len(l.bg.watches))
	for _, w := range l.bg.watches {
		ws = append(ws, w)
	}
	l.bg.mu.Unlock()
	sort.Slice(ws, func(i, j int) bool { return ws[i].id < ws[j].id })
	out := make([]WatchInfo, len(ws))
	for i, w := range ws {
		w.mu.Lock()
		down := w.ended
		if down == "" {
			down = w.lost
		}
		out[i] = WatchInfo{ID: w.id, Key: w.desc, Member: w.member, Events: len(w.events), NextRev: w.next, Down: down}
		w.mu.Unlock()
	}
	return out
}

func (l *Lab) watch(ctx context.Context, c *Command) Result {
	ep, _ := c.Flag("endpoint")
	urls := l.clientURLs()
	if ep != "" {
		name, err := l.memberName(ep)
		if err != nil {
			return Result{Err: err}
		}
		ep = name
		u, _ := l.c.ClientURL(name)
		urls = []string{u}
	}
	if v, ok := c.Flag("rev"); ok {
		if err := l.checkRev(ctx, c.Args[0], v); err != nil {
			return Result{Err: err}
		}
	}
	cli, err := l.newClient(urls)
	if err != nil {
		return Result{Err: err}
	}
	w := &watch{key: c.Args[0], desc: c.Args[0], opts: rangeOpts(c), pinned: ep, cli: cli,
		done: make(chan struct{}), ready: make(chan struct{}), changed: make(chan struct{})}
	switch {
	case c.Bool("prefix"):
		w.desc += " (prefix)"
	case len(c.Args) == 2:
		w.desc += " .. " + c.Args[1]
	}
	if v, ok := c.Flag("rev"); ok {
		w.next, _ = strconv.ParseInt(v, 10, 64)
		w.start = w.next
	}
	l.bg.mu.Lock()
	if l.bg.watches == nil {
		l.bg.watches = map[int]*watch{}
	}
	l.bg.nextWatch++
	w.id = l.bg.nextWatch
	w.cancel, err = l.bg.goLocked(func(ctx context.Context) { l.runWatch(ctx, w) })
	if err == nil {
		l.bg.watches[w.id] = w
	}
	l.bg.mu.Unlock()
	if err != nil {
		cli.Close()
		return Result{Err: err}
	}

	t := time.NewTimer(l.timeout)
	defer t.Stop()
	select {
	case <-w.ready:
	case <-t.C:
	case <-ctx.Done():
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.ended != "":
		return Result{Err: fmt.Errorf("watch %d on %s stopped: %s", w.id, w.desc, w.ended)}
	case w.member == "":
		why := l.explain(context.DeadlineExceeded, ep).Error()
		return Result{Lines: []string{fmt.Sprintf("watch %d on %s: no member took it yet (%s); it keeps trying, unwatch %d stops it", w.id, w.desc, why, w.id)},
			Values: []string{strconv.Itoa(w.id)}}
	}
	from := "from now on (rev " + strconv.FormatInt(w.start, 10) + ")"
	if _, ok := c.Flag("rev"); ok {
		from = "replaying history from rev " + strconv.FormatInt(w.start, 10)
	}
	return Result{Lines: []string{fmt.Sprintf("watch %d on %s through %s, %s; events go to the event log, unwatch %d stops it", w.id, w.desc, w.member, from, w.id)},
		Values: []string{strconv.Itoa(w.id)}}
}

// checkRev refuses a start revision that etcd has compacted away, which a
// watch would only learn after it was created.
func (l *Lab) checkRev(ctx context.Context, key, rev string) error {
	r, _ := strconv.ParseInt(rev, 10, 64)
	cli, _, err := l.client("")
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	_, err = cli.Get(cctx, key, clientv3.WithRev(r), clientv3.WithCountOnly())
	if err == nil || errors.Is(err, rpctypes.ErrFutureRev) {
		return nil
	}
	return fmt.Errorf("watch %s --rev %d: %v", key, r, l.explain(err, ""))
}

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
		if name != "" && name != w.member {
			if w.member != "" {
				l.note(src, fmt.Sprintf("reconnected through %s after %s; resumed at rev %d, so no event is missed or repeated", name, l.whyGone(w.member), w.next))
			}
			w.member = name
		}
		if w.lost != "" && !resp.Canceled {
			if name == "" || name == w.member {
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
			l.note(src, w.lost+fmt.Sprintf("; opening it again from rev %d", w.next))
		case resp.Created:
			if w.next == 0 {
				w.next = resp.Header.GetRevision() + 1
				w.start = w.next
			}
		case resp.IsProgressNotify():
			w.next = max(w.next, resp.Header.GetRevision()+1)
		}
		if len(resp.Events) > 0 {
			from := w.next
			for _, ev := range resp.Events {
				e := watchEvent{Rev: ev.Kv.ModRevision, Delete: ev.Type == mvccpb.DELETE, Key: string(ev.Kv.Key), Value: string(ev.Kv.Value), Member: name}
				w.events = append(w.events, e)
				text := e.String()
				if e.Rev < from {
					w.repeated++
					text += " REPEATED: this revision was delivered before"
				}
				l.note(src, text)
				w.next = max(w.next, e.Rev+1)
			}
		}
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

func (l *Lab) findWatch(arg string) (*watch, error) {
	id, _ := strconv.Atoi(arg)
	l.bg.mu.Lock()
	defer l.bg.mu.Unlock()
	w, ok := l.bg.watches[id]
	if !ok {
		return nil, fmt.Errorf("no watch %d: %s", id, l.watchListLocked())
	}
	return w, nil
}

func (l *Lab) watchListLocked() string {
	if len(l.bg.watches) == 0 {
		return "no watch is running"
	}
	var ids []int
	for id := range l.bg.watches {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var s []string
	for _, id := range ids {
		s = append(s, strconv.Itoa(id))
	}
	return "the watches are " + strings.Join(s, ", ")
}

func (l *Lab) unwatch(_ context.Context, c *Command) Result {
	var ws []*watch
	l.bg.mu.Lock()
	if len(c.Args) == 1 {
		id, _ := strconv.Atoi(c.Args[0])
		w, ok := l.bg.watches[id]
		if !ok {
			err := fmt.Errorf("no watch %d: %s", id, l.watchListLocked())
			l.bg.mu.Unlock()
			return Result{Err: err}
		}
		ws = append(ws, w)
	} else {
		for _, w := range l.bg.watches {
			ws = append(ws, w)
		}
	}
	for _, w := range ws {
		delete(l.bg.watches, w.id)
	}
	l.bg.mu.Unlock()
	sort.Slice(ws, func(i, j int) bool { return ws[i].id < ws[j].id })
	var r Result
	for _, w := range ws {
		w.cancel()
		<-w.done
		w.mu.Lock()
		r.Lines = append(r.Lines, fmt.Sprintf("watch %d on %s stopped after %d event%s", w.id, w.desc, len(w.events), kit.Plural(len(w.events))))
		w.mu.Unlock()
	}
	if len(ws) == 0 {
		r.Lines = []string{"no watch is running"}
	}
	return r
}

func (l *Lab) watches(ctx context.Context, c *Command) Result {
	if len(c.Args) == 0 {
		var r Result
		for _, i := range l.Watches() {
			state := "through " + i.Member
			if i.Down != "" {
				state = "down: " + i.Down
			}
			r.Lines = append(r.Lines, fmt.Sprintf("watch %d  %s  %s, %d event%s, next rev %d", i.ID, i.Key, state, i.Events, kit.Plural(i.Events), i.NextRev))
			r.Values = append(r.Values, strconv.Itoa(i.ID))
		}
		if len(r.Lines) == 0 {
			r.Lines = []string{"no watch is running"}
		}
		return r
	}
	w, err := l.findWatch(c.Args[0])
	if err != nil {
		return Result{Err: err}
	}
	return l.checkWatch(ctx, w)
}

// checkWatch waits until the watch has caught up with the cluster's current
// revision, then compares what it delivered with a replay of etcd's history
// over the same range, read through every member's client.
func (l *Lab) checkWatch(ctx context.Context, w *watch) Result {
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
	start, member := w.start, w.member
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
	if start > target {
		r.Lines = append(r.Lines, fmt.Sprintf("no event yet: the cluster is at rev %d", target))
		return r
	}
	hist, err := l.replay(ctx, w, start, target)
	if err != nil {
		r.Lines = append(r.Lines, fmt.Sprintf("cannot compare with etcd's history: %v", err))
		return r
	}
	if diff := diffEvents(seen, hist); diff != "" {
		r.Err = fmt.Errorf("watch %d does not match etcd's history from rev %d to %d: %s", w.id, start, target, diff)
		return r
	}
	r.Lines = append(r.Lines, fmt.Sprintf("%d event%s from rev %d to %d, the same as etcd's history: none missed, none repeated", len(seen), kit.Plural(len(seen)), start, target))
	return r
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

// diffEvents says how seen differs from history, "" if not at all.
func diffEvents(seen, hist []watchEvent) string {
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
