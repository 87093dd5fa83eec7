package lab

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// Transcript prints commands, results and cluster events as they happen,
// each stamped with the time since the transcript began. It is what
// `etcdlab run` and `etcdlab serve` print.
type Transcript struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	// asks, while follow runs, asks it to print what is waiting in its
	// streams and is answered once it has; followed is closed when follow
	// returns.
	asks     chan chan struct{}
	followed chan struct{}
	// afterEvent, if set, returns unstamped lines to print after an event.
	afterEvent func(cluster.Event) []string
	// obs, if set, is told what the transcript prints (observe.go).
	obs Observer
}

// NewTranscript returns a transcript writing to w, timed from start.
func NewTranscript(w io.Writer, start time.Time) *Transcript {
	return &Transcript{w: w, start: start}
}

func (t *Transcript) stamp(at time.Time) string {
	return fmt.Sprintf("%8.3fs", at.Sub(t.start).Seconds())
}

// Printf writes one unstamped line.
func (t *Transcript) Printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format+"\n", args...)
}

// Event writes a cluster event.
func (t *Transcript) Event(e cluster.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s  event    %s\n", t.stamp(e.Time), e.Text)
	t.observe(func(o Observer) { o.Event(e) })
	if t.afterEvent != nil {
		for _, l := range t.afterEvent(e) {
			fmt.Fprintln(t.w, l)
		}
	}
}

// Command writes a command as it starts, after every event and note
// raised before it.
func (t *Transcript) Command(c *Command) {
	t.catchUp()
	t.mu.Lock()
	defer t.mu.Unlock()
	where := "> "
	if c.Line > 0 {
		where = fmt.Sprintf("line %d", c.Line)
	}
	fmt.Fprintf(t.w, "%s  %-7s  %s\n", t.stamp(time.Now()), where, c.Text)
}

// Result writes a command's outcome, indented under it, after every event
// and note raised before it returned (a kill's own event comes first).
func (t *Transcript) Result(c *Command, r Result) {
	t.catchUp()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.observe(func(o Observer) { o.Result(c, r) })
	pad := strings.Repeat(" ", 20)
	switch {
	case r.Err != nil:
		for i, l := range strings.Split(r.Err.Error(), "\n") {
			if i == 0 {
				l = "error: " + l
			}
			fmt.Fprintf(t.w, "%s%s\n", pad, l)
		}
	case c.Name == "say":
		fmt.Fprintf(t.w, "%s» %s\n", pad, r.Lines[0])
	default:
		for _, l := range r.Lines {
			fmt.Fprintf(t.w, "%s%s\n", pad, l)
		}
	}
	if r.Via != "" {
		// Beside etcdctl's output, not in it.
		fmt.Fprintf(t.w, "%s↳ via %s\n", pad, r.Via)
	}
}

// Note writes a note of the lab (a watch event, a load summary).
func (t *Transcript) Note(n Note) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s  %-7s  %s\n", t.stamp(n.Time), n.Source, n.Text)
	t.observe(func(o Observer) { o.Note(n) })
}

// drain prints the events and notes already waiting, without blocking.
// Each stream keeps its order; between them the older goes first.
func (t *Transcript) drain(events <-chan cluster.Event, notes <-chan Note) {
	es, ns := pending(events), pending(notes)
	for len(es) > 0 || len(ns) > 0 {
		if len(ns) == 0 || (len(es) > 0 && !ns[0].Time.Before(es[0].Time)) {
			t.Event(es[0])
			es = es[1:]
			continue
		}
		t.Note(ns[0])
		ns = ns[1:]
	}
}

// pending takes what is waiting in ch without blocking.
func pending[T any](ch <-chan T) []T {
	var out []T
	for {
		select {
		case v, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, v)
		default:
			return out
		}
	}
}

// follow prints every event from events and every note from notes until
// events is closed or ctx ends. It is their only reader, so when catchUp
// asks, what is waiting in them was raised before the ask.
func (t *Transcript) follow(ctx context.Context, events <-chan cluster.Event, notes <-chan Note) {
	asks, followed := make(chan chan struct{}), make(chan struct{})
	t.mu.Lock()
	t.asks, t.followed = asks, followed
	t.mu.Unlock()
	defer close(followed)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return
			}
			t.Event(e)
		case n := <-notes:
			t.Note(n)
		case done := <-asks:
			t.drain(events, notes)
			close(done)
		case <-ctx.Done():
			return
		}
	}
}

// catchUp waits until follow, if it runs, has printed the events and notes
// waiting in its streams.
func (t *Transcript) catchUp() {
	t.mu.Lock()
	asks, followed := t.asks, t.followed
	t.mu.Unlock()
	if asks == nil {
		return
	}
	done := make(chan struct{})
	select {
	case asks <- done:
		<-done
	case <-followed:
		// follow has ended; what it did not print, drain prints later.
	}
}

// FailError is the first failed line of a scenario.
type FailError struct {
	Line   int
	Reason string
}

// Error returns the line number and why it failed, as the transcript ends.
func (e *FailError) Error() string { return fmt.Sprintf("FAIL line %d: %s", e.Line, e.Reason) }

// Fails reports whether a command's failure stops a scenario: a failed
// expect or wait always does; a plain command that fails only does when
// it could not be carried out at all (a bad member name, a wrong state),
// not when etcd said no, since showing etcd saying no is the lesson.
func Fails(c *Command, r Result) bool {
	if r.Err == nil {
		return false
	}
	switch c.Name {
	case "expect", "wait":
		return true
	case "solution":
		if c.Inner != nil {
			return Fails(c.Inner, r)
		}
	}
	return !specs[c.Name].client
}

// RunScript plays a parsed scenario against the lab, printing each command
// and result to t. It stops at the first failure and returns a *FailError.
func RunScript(ctx context.Context, l *Lab, s *Script, t *Transcript) error {
	for _, c := range s.Commands {
		if err := ctx.Err(); err != nil {
			return &FailError{Line: c.Line, Reason: "interrupted"}
		}
		t.Command(c)
		var r Result
		if c.IsCheck() {
			r = l.await(ctx, c)
		} else {
			r = l.Exec(ctx, c)
		}
		t.Result(c, r)
		if Fails(c, r) && c.IsCheck() {
			return &FailError{Line: c.Line, Reason: fmt.Sprintf("task %d (line %d) is not done by its solution: %v", c.Task.Number, c.Task.Line, r.Err)}
		}
		if Fails(c, r) {
			return &FailError{Line: c.Line, Reason: r.Err.Error()}
		}
	}
	return nil
}
