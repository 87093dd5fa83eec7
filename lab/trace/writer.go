package trace

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// flushEvery is how often a Writer writes the lines it holds: well within
// the second a crash may lose.
const flushEvery = 250 * time.Millisecond

// Writer takes records in as they come and returns each as Read will read
// it back, and writes their lines to its file at least every flushEvery
// from a goroutine of its own, so that taking a record in never waits on
// the disk. It is safe for concurrent use.
type Writer struct {
	h   Header
	out io.Writer // nil: the records are only returned

	mu      sync.Mutex
	enc     *Encoder
	dec     *Decoder
	buf     []byte
	written int64
	err     error
	sampled time.Time // when Sample last wrote a sample
	closed  bool
	// blind is set once Write or Sample took a record in without reading
	// it back: the reader is behind, and Add would misread.
	blind bool

	stop chan struct{}
	done chan struct{}
}

// NewWriter writes h to out at once, as the trace's first line, and
// returns a writer of the records that follow. With out nil it writes
// nothing and only returns the records as they read back: the dashboard
// rewinds over those. h's Format and Version are filled in, and its Start
// (now if zero) is taken as a wall clock time in UTC.
func NewWriter(out io.Writer, h Header) (*Writer, error) {
	h.Format, h.Version = Format, Version
	if h.Start.IsZero() {
		h.Start = time.Now()
	}
	// The encoder counts on the monotonic clock when h.Start has one, so
	// that a step of the wall clock never moves a record; the header
	// carries the wall time.
	mono := h.Start
	h.Start = h.Start.Round(0).UTC()
	w := &Writer{h: h, out: out, enc: NewEncoder(mono), dec: NewDecoder(h.Start)}
	if out == nil {
		return w, nil
	}
	line, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	if _, err := out.Write(append(line, '\n')); err != nil {
		return nil, fmt.Errorf("cannot write the trace: %v", err)
	}
	w.written = int64(len(line) + 1)
	w.stop, w.done = make(chan struct{}), make(chan struct{})
	go w.flushing()
	return w, nil
}

// Header returns the trace's header.
func (w *Writer) Header() Header { return w.h }

// Add takes b in at at (or at the previous record's time, if that is
// later) and returns the record as a reader reads it back.
func (w *Writer) Add(at time.Time, b Body) (Record, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.blind {
		return Record{}, errors.New("trace: Add after Write or Sample, which do not read back")
	}
	line, err := w.enc.Encode(at, b)
	if err != nil {
		return Record{}, err
	}
	return w.take(line)
}

// Write takes b in like Add, without reading it back: a headless trace
// has no screen to draw it. A writer that Writes or Samples never Adds.
func (w *Writer) Write(at time.Time, b Body) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.blind = true
	line, err := w.enc.Encode(at, b)
	if err != nil {
		return err
	}
	w.keep(line)
	return nil
}

// Sample takes s in like Write, unless nothing in it but its times
// changed and the last sample it took is less than every old: it reports
// whether it took it. Headless traces sample this way; the dashboard Adds
// each tick.
func (w *Writer) Sample(at time.Time, s Sample, every time.Duration) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.blind = true
	line, next, quiet, err := w.enc.line(at, s)
	if err != nil {
		return false, err
	}
	if quiet && at.Sub(w.sampled) < every {
		return false, nil
	}
	w.enc.last, w.enc.s, w.sampled = next.last, next.s, at
	w.keep(line)
	return true, nil
}

// take decodes an encoded line and keeps it for the file.
func (w *Writer) take(line []byte) (Record, error) {
	r, err := w.dec.Decode(line)
	if err != nil {
		return Record{}, fmt.Errorf("trace: a record does not read back: %v", err)
	}
	w.keep(line)
	return r, nil
}

// keep holds an encoded line for the file.
func (w *Writer) keep(line []byte) {
	if w.out != nil && !w.closed {
		w.buf = append(w.buf, line...)
	}
}

// flushing writes what the writer holds every flushEvery until Close.
func (w *Writer) flushing() {
	defer close(w.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.flush()
		case <-w.stop:
			w.flush()
			return
		}
	}
}

// flush writes the lines held; the first write error stops the writing.
func (w *Writer) flush() {
	w.mu.Lock()
	buf := w.buf
	w.buf = nil
	failed := w.err != nil
	w.mu.Unlock()
	if len(buf) == 0 || failed {
		return
	}
	n, err := w.out.Write(buf)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.written += int64(n)
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("cannot write the trace: %v", err)
	}
}

// Err returns the first error writing the file, if any.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Written returns how many bytes the file holds so far.
func (w *Writer) Written() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.written
}

// Close writes what is held and stops writing; it returns the first write
// error. It does not close the file. It is safe to call more than once.
func (w *Writer) Close() error {
	w.mu.Lock()
	closed := w.closed
	w.closed = true
	w.mu.Unlock()
	if w.out != nil && !closed {
		close(w.stop)
		<-w.done
	}
	return w.Err()
}
