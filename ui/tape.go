package ui

import (
	"sort"
	"time"

	"github.com/etcdlab/etcdlab/lab/trace"
)

// keepTape is how much of the past the live dashboard keeps to rewind
// over: at least this much, and a checkpoint's worth more at most.
const keepTape = 10 * time.Minute

// markEvery is how many records lie between two checkpoints: drawing a
// moment replays at most this many records on a copy of the checkpoint
// before it.
const markEvery = 64

// tape holds the records a dashboard took in, as its trace reads them
// back, and checkpoints of a model that replays them, so that any moment
// it holds can be drawn again by the same Update and View. The live
// dashboard writes its records through w (to --trace FILE, or nowhere)
// and keeps the last keepTape; etcdlab replay keeps a whole trace.
type tape struct {
	w    *trace.Writer
	keep time.Duration // 0 keeps every record
	// recs are the records kept; recs[0] is the first-th since the start.
	recs  []trace.Record
	first int
	// head has taken in every record; marks are copies of it, the first
	// at the oldest moment kept.
	head  model
	marks []mark
	// begin is when the trace began, the moment before its first record.
	begin time.Time
}

// mark is a checkpoint: a model that has taken in the first n records.
type mark struct {
	n  int
	at time.Time
	m  model
}

// newTape returns a tape, begun at begin, whose moments are drawn from
// base, the screen before any record; w may be nil for a tape of records
// read back.
func newTape(w *trace.Writer, begin time.Time, base model, keep time.Duration) *tape {
	base = base.replaying()
	return &tape{w: w, keep: keep, head: base, marks: []mark{{at: begin, m: base.clone()}}, begin: begin}
}

// add takes a body in through the writer and keeps its record; it
// reports false if the body could not be encoded, which leaves the tape
// as it was.
func (t *tape) add(at time.Time, b trace.Body) (trace.Record, bool) {
	r, err := t.w.Add(at, b)
	if err != nil {
		return r, false
	}
	t.push(r)
	return r, true
}

// push keeps a record, feeds it to the head, checkpoints every markEvery
// records and forgets what is older than keep.
func (t *tape) push(r trace.Record) {
	t.recs = append(t.recs, r)
	t.head = t.head.feed(r)
	if n := t.end(); n-t.marks[len(t.marks)-1].n >= markEvery {
		t.marks = append(t.marks, mark{n: n, at: r.At, m: t.head.clone()})
		t.trim(r.At)
	}
}

// trim forgets the checkpoints and records older than keep, keeping the
// newest checkpoint from before then.
func (t *tape) trim(now time.Time) {
	if t.keep == 0 {
		return
	}
	k := 0
	for k+1 < len(t.marks) && !t.marks[k+1].at.After(now.Add(-t.keep)) {
		k++
	}
	if k == 0 {
		return
	}
	t.marks = append(t.marks[:0:0], t.marks[k:]...)
	t.recs = append(t.recs[:0:0], t.recs[t.marks[0].n-t.first:]...)
	t.first = t.marks[0].n
}

// start and end are the first and last moments kept, as counts of
// records taken in.
func (t *tape) start() int { return t.marks[0].n }
func (t *tape) end() int   { return t.first + len(t.recs) }

// rec returns the n-th record since the start; n must be kept.
func (t *tape) rec(n int) trace.Record { return t.recs[n-t.first] }

// at returns a model that has taken in the first n records (n within
// start and end): a copy of the checkpoint before, fed the records after.
func (t *tape) at(n int) model {
	n = min(max(n, t.start()), t.end())
	i := sort.Search(len(t.marks), func(i int) bool { return t.marks[i].n > n }) - 1
	m := t.marks[i].m.clone()
	for k := t.marks[i].n; k < n; k++ {
		m = m.feed(t.rec(k))
	}
	return m
}

// timeOf returns when the moment n was: the time of its last record, or
// of the trace's start.
func (t *tape) timeOf(n int) time.Time {
	if n <= t.first || len(t.recs) == 0 {
		return t.marks[0].at
	}
	return t.rec(min(n, t.end()) - 1).At
}

// isEvent reports whether record n-1, the last of moment n, is more than
// a sample: ←/→ step between such moments.
func (t *tape) isEvent(n int) bool {
	_, sample := t.rec(n - 1).Body.(trace.Sample)
	return !sample
}

// step returns the moment of the next event after n (d > 0) or the one
// before (d < 0), or the end or start if there is none.
func (t *tape) step(n, d int) int {
	for k := n + d; k > t.start() && k <= t.end(); k += d {
		if t.isEvent(k) {
			return k
		}
	}
	if d > 0 {
		return t.end()
	}
	return t.start()
}

// jump returns the last moment at most d after (or before, d < 0) moment n.
func (t *tape) jump(n int, d time.Duration) int {
	want := t.timeOf(n).Add(d)
	k := sort.Search(t.end()-t.start(), func(i int) bool {
		return t.rec(t.start() + i).At.After(want)
	})
	return min(max(t.start()+k, t.start()), t.end())
}

// line, advance and stop take in what the live dashboard does on its own
// while it runs: a line typed, the presenter's next line, the quit. They
// do nothing on a nil tape.
func (t *tape) line(text string, from source) {
	if t != nil {
		t.add(traceTime(), trace.Line{Text: text, From: sourceNames[from]})
	}
}

func (t *tape) advance() {
	if t != nil {
		t.add(traceTime(), trace.Advance{})
	}
}

func (t *tape) stop() {
	if t != nil {
		t.add(traceTime(), trace.Stop{})
	}
}
