package trace

import (
	"sync"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// A headless trace samples the status and the lab's own state every
// sampleEvery, and writes a sample only when something in it changed, or
// when quietEvery has passed since the last one.
const (
	sampleEvery = 100 * time.Millisecond
	quietEvery  = time.Second
)

// Follower traces a headless mode (etcdlab run, etcdlab serve): it is the
// lab.Observer its transcript tells, and it samples the session from a
// goroutine of its own while the mode runs.
type Follower struct {
	w *Writer

	mu   sync.Mutex
	sess *lab.Session
	err  error
	stop chan struct{}
	done chan struct{}
	// net is the last network sample taken in; only the sampling (and,
	// after it, Ended) touch it.
	net *cluster.NetStats
}

// Follow returns an observer that writes what it is told to w.
func Follow(w *Writer) *Follower { return &Follower{w: w} }

var _ lab.Observer = (*Follower)(nil)

// add takes a record in; the first error is kept for Err.
func (f *Follower) add(b Body) {
	if err := f.w.Write(time.Now(), b); err != nil {
		f.mu.Lock()
		if f.err == nil {
			f.err = err
		}
		f.mu.Unlock()
	}
}

// Began writes how to reach the members and starts sampling s.
func (f *Follower) Began(s *lab.Session) {
	f.add(Started{At: s.Started(), Conn: lab.Connect(s.Cluster), Warnings: s.Warnings()})
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stop != nil {
		return
	}
	f.sess, f.stop, f.done = s, make(chan struct{}), make(chan struct{})
	go f.sampling(s)
}

// sampling samples s until Ended.
func (f *Follower) sampling(s *lab.Session) {
	defer close(f.done)
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			f.sample(s)
		case <-f.stop:
			return
		}
	}
}

// sample takes the status, the lab's state and, when it is due, the
// network, and writes them if they changed or have been quiet for
// quietEvery. An attached cluster has no network to take.
func (f *Follower) sample(s *lab.Session) {
	st := s.Cluster.Status()
	now := time.Now()
	l := &Lab{At: now, Leases: s.Lab.Leases(), Watches: s.Lab.Watches(), Load: s.Lab.LoadStats()}
	smp := Sample{At: now, Status: &st, Lab: l}
	if n, err := s.Cluster.NetStats(); err == nil && NetDue(f.net, n) {
		smp.Net, f.net = &n, &n
	}
	if _, err := f.w.Sample(now, smp, quietEvery); err != nil {
		f.mu.Lock()
		if f.err == nil {
			f.err = err
		}
		f.mu.Unlock()
	}
}

// Event writes a cluster event, and how to reach the members after one
// that changed them.
func (f *Follower) Event(e cluster.Event) {
	f.add(Event{e})
	switch e.Kind {
	case cluster.MemberAdded, cluster.MemberRemoved:
		f.mu.Lock()
		s := f.sess
		f.mu.Unlock()
		if s != nil {
			f.add(Conn{Conn: lab.Connect(s.Cluster)})
		}
	}
}

// Note writes a note of the lab.
func (f *Follower) Note(n lab.Note) { f.add(Notes{Notes: []lab.Note{n}}) }

// Line writes a line read from standard input.
func (f *Follower) Line(text string) { f.add(Line{Text: text, From: FromStdin}) }

// Result writes a command's outcome; an exercise's check line is a Check.
func (f *Follower) Result(c *lab.Command, r lab.Result) {
	if c.IsCheck() {
		f.add(Check{Line: c.Line, Held: r.Err == nil, Result: r})
		return
	}
	from := FromStdin
	if c.Line > 0 {
		from = FromScript
	}
	f.add(Result{Command: c.Text, Name: c.Name, Line: c.Line, From: from, Result: r,
		Start: time.Now().Add(-r.Took), Fail: lab.Fails(c, r)})
}

// Ended stops sampling, takes a last sample, and writes the stop.
func (f *Follower) Ended() {
	f.mu.Lock()
	stop, done, s := f.stop, f.done, f.sess
	f.stop = nil
	f.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	<-done
	f.sample(s)
	f.add(Stop{})
}

// Err returns the first error taking a record in, if any.
func (f *Follower) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
