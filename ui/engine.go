package ui

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/lab"
)

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
	// The dashboard notes what other clients write; its error can only be
	// that the lab is closing.
	_ = sess.Lab.FollowClientWrites(true)
	var rec *lab.Recorder
	if e.recW != nil {
		rec = lab.NewRecorder(e.recW, len(sess.Cluster.Names()), time.Now())
	}
	return startedMsg{sess: sess, rec: rec, conn: lab.Connect(sess.Cluster), warnings: sess.Warnings(), at: sess.Started()}
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
