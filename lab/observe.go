package lab

import "github.com/etcdlab/etcdlab/cluster"

// Observer is told what a headless mode (RunFile, Serve) sees, in the
// order its transcript prints it: the session once its members are ready,
// every cluster event and note, every line read from serve's standard
// input, every command's result, and the end. etcdlab's trace
// (lab/trace) is one. Its methods are called with the transcript's lock
// held, so they must not block.
type Observer interface {
	// Began is called once the members are ready, before any event is
	// told; the observer may read s (its status, the lab's leases) until
	// Ended.
	Began(s *Session)
	// Event is a cluster event, as the transcript prints it.
	Event(e cluster.Event)
	// Note is a note of the lab, as the transcript prints it.
	Note(n Note)
	// Line is a line read from serve's standard input, before it is
	// parsed: a line that does not parse is told too.
	Line(text string)
	// Result is a command's outcome, as the transcript prints it.
	Result(c *Command, r Result)
	// Ended is called once the mode is done, after the last event.
	Ended()
}

// observe tells the transcript's observer, if any.
func (t *Transcript) observe(tell func(Observer)) {
	if t.obs != nil {
		tell(t.obs)
	}
}

// Line tells the observer of a line read from standard input, after every
// event and note raised before it.
func (t *Transcript) Line(text string) {
	t.catchUp()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.observe(func(o Observer) { o.Line(text) })
}

// end tells the observer that the mode is done.
func (t *Transcript) end() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.observe(func(o Observer) { o.Ended() })
}
