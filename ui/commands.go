package ui

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// sampleEvery is the status sampling period: at least ten samples a
// second, so that a state change is on screen within a frame or two even
// when no event announces it.
const sampleEvery = 80 * time.Millisecond

// startedMsg carries the session once every member is ready.
type startedMsg struct {
	sess *lab.Session
	rec  *lab.Recorder
	conn []string  // lab.ConnectionInfo, read once
	at   time.Time // when the session began starting
}

// startErrMsg reports that the cluster could not start.
type startErrMsg struct{ err error }

// statusMsg is a fresh status sample.
type statusMsg struct{ st cluster.Status }

// tickMsg is the periodic status sample, taken when the tick fired (st and
// lab are nil before the session has started); id drops stale ticks.
type tickMsg struct {
	id  int
	t   time.Time
	st  *cluster.Status
	lab *labMsg
}

// labMsg is a sample of what the lab runs on its own: leases, watches and
// the load. at is when it was taken, the charts' now.
type labMsg struct {
	at      time.Time
	leases  []lab.LeaseInfo
	watches []lab.WatchInfo
	load    lab.LoadStats
}

// notesMsg is one or more notes of the lab, in the order it printed them.
type notesMsg struct{ notes []lab.Note }

// notesClosedMsg says the UI stopped waiting for notes: the session ended.
type notesClosedMsg struct{}

// eventMsg is one cluster event.
type eventMsg struct{ ev cluster.Event }

// eventsClosedMsg says the cluster's event stream has ended.
type eventsClosedMsg struct{}

// resultMsg is the outcome of a command the UI ran.
type resultMsg struct {
	job   job
	res   lab.Result
	start time.Time
	// recErr is set when the command could not be written to the recording.
	recErr error
}

// stoppedMsg says the members are stopped and the UI may quit.
type stoppedMsg struct{}

// tick samples c and l (if not nil) after sampleEvery. The samples ride on
// the tick, so that each period costs one message and one View, not more.
// Leases, Watches and LoadStats read what the lab already knows: none of
// them waits on etcd.
func tick(id int, c lab.Backend, l *lab.Lab) tea.Cmd {
	return tea.Tick(sampleEvery, func(t time.Time) tea.Msg {
		msg := tickMsg{id: id, t: t}
		if c != nil {
			st := c.Status()
			msg.st = &st
		}
		if l != nil {
			msg.lab = &labMsg{at: t, leases: l.Leases(), watches: l.Watches(), load: l.LoadStats()}
		}
		return msg
	})
}

func sample(c lab.Backend) tea.Cmd {
	return func() tea.Msg { return statusMsg{st: c.Status()} }
}

// waitEvent waits for the next cluster event; the model re-arms it after
// each one.
func waitEvent(ch <-chan cluster.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{ev: ev}
	}
}

// maxNotesPerMsg bounds the notes one notesMsg carries, so that a watch on
// busy keys costs one Update per batch, not per event.
const maxNotesPerMsg = 256

// waitNotes waits for the lab's next notes and takes those already queued
// behind it; the model re-arms it after each batch. The lab never closes
// its notes, so the wait ends with ctx.
func waitNotes(ctx context.Context, ch <-chan lab.Note) tea.Cmd {
	return func() tea.Msg {
		var n lab.Note
		select {
		case n = <-ch:
		case <-ctx.Done():
			return notesClosedMsg{}
		}
		ns := []lab.Note{n}
		for len(ns) < maxNotesPerMsg {
			select {
			case n = <-ch:
				ns = append(ns, n)
			default:
				return notesMsg{notes: ns}
			}
		}
		return notesMsg{notes: ns}
	}
}

// execute runs one command through the lab's interpreter, under the lab's
// own deadlines, and records it if the session is being recorded.
func execute(ctx context.Context, l *lab.Lab, rec *lab.Recorder, j job) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		r := l.Exec(ctx, j.cmd)
		var recErr error
		if rec != nil && j.from != fromScript {
			recErr = rec.Record(j.cmd, r, start)
		}
		return resultMsg{job: j, res: r, start: start, recErr: recErr}
	}
}

// engine starts and stops the session for the model, so that Run can
// terminate the members however the program ends: a quit, a signal or a
// panic.
type engine struct {
	cfg    lab.Config
	recW   io.Writer
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	began  bool
	closed bool
	sess   *lab.Session
	done   chan struct{} // closed when start returns
}

func newEngine(ctx context.Context, cfg lab.Config, recW io.Writer) *engine {
	ctx, cancel := context.WithCancel(ctx)
	return &engine{cfg: cfg, recW: recW, ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// start launches the session; it is the tea.Cmd of the model's Init.
func (e *engine) start() tea.Msg {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return startErrMsg{err: errors.New("stopped before the members started")}
	}
	sess := e.sess
	if sess == nil {
		e.began = true
	}
	e.mu.Unlock()
	if sess == nil {
		defer close(e.done)
		var err error
		sess, err = lab.Start(e.ctx, e.cfg)
		if err != nil {
			return startErrMsg{err: err}
		}
		e.mu.Lock()
		e.sess = sess
		e.mu.Unlock()
	}
	var rec *lab.Recorder
	if e.recW != nil {
		rec = lab.NewRecorder(e.recW, len(sess.Cluster.Names()), time.Now())
	}
	return startedMsg{sess: sess, rec: rec, conn: append(lab.Warnings(sess.Cluster), lab.ConnectionInfo(sess.Cluster)...), at: sess.Started()}
}

// stop terminates the members; it is the tea.Cmd of a quit.
func (e *engine) stop() tea.Msg {
	e.close()
	return stoppedMsg{}
}

// close cancels a launch in progress, waits for it, and closes the
// session. It is safe to call more than once.
func (e *engine) close() {
	e.cancel()
	e.mu.Lock()
	e.closed = true
	began := e.began
	e.mu.Unlock()
	if began {
		<-e.done
	}
	e.mu.Lock()
	s := e.sess
	e.sess = nil
	e.mu.Unlock()
	if s != nil {
		s.Close()
	}
}
