package lab

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
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
	"client-writes": {usage: "client-writes on|off", summary: "note the writes of clients outside the lab (etcdctl, python) at most once a second; on by default in the dashboard",
		minArgs: 1, maxArgs: 1, check: checkOnOff, run: (*Lab).clientWrites},
}

func checkOnOff(c *Command) error {
	if c.Args[0] != "on" && c.Args[0] != "off" {
		return fmt.Errorf("%s takes on or off, not %q", c.Name, c.Args[0])
	}
	return nil
}

func (l *Lab) clientWrites(_ context.Context, c *Command) Result {
	on := c.Args[0] == "on"
	if err := l.FollowClientWrites(on); err != nil {
		return Result{Err: err}
	}
	if on {
		return Result{Lines: []string{"the writes of clients outside the lab go to the event log, at most a line a second"}}
	}
	return Result{Lines: []string{"the writes of clients outside the lab are no longer noted"}}
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

	mu sync.Mutex
	// created is the revision etcd reported when it created a watch "from
	// now" (the serving member's revision then), start the first revision
	// the watch covers (created+1, or --rev) and next the next revision it
	// needs (0 until created).
	created, start, next int64
	member               string
	widened              bool
	resumed              bool // the stream was opened again since created
	events               []watchEvent
	lost                 string // why the stream is down, "" while it is up
	ended                string // why it stopped on its own
	// older and repeated count events etcd sent that were left out: older
	// than start, or delivered before.
	older, repeated int
	changed         chan struct{} // closed and replaced on every update
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
	_, replay := c.Flag("rev")
	from := l.watchFrom(w, replay)
	return Result{Lines: []string{fmt.Sprintf("watch %d on %s through %s, %s; events go to the event log, unwatch %d stops it", w.id, w.desc, w.member, from, w.id)},
		Values: []string{strconv.Itoa(w.id)}}
}

// watchFrom says where a watch starts; w.mu must be held. etcd starts a
// watch without a revision from the serving member's own revision, which a
// lagging member's may be behind the cluster's.
func (l *Lab) watchFrom(w *watch, replay bool) string {
	if replay {
		return "replaying history from rev " + strconv.FormatInt(w.start, 10)
	}
	from := "from now on (rev " + strconv.FormatInt(w.start, 10) + ")"
	if rev := l.c.Status().Revision; rev > w.created {
		revs := fmt.Sprintf("revisions %d to %d", w.start, rev)
		if rev == w.start {
			revs = fmt.Sprintf("rev %d", rev)
		}
		from += fmt.Sprintf(": %s was at rev %d, behind the cluster's %d, so it sends %s as it catches up", w.member, w.created, rev, revs)
	}
	return from
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
	return l.verifyWatch(ctx, w)
}
