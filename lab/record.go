package lab

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// minPause is the shortest pause between two commands that a recording
// keeps as a sleep line; shorter ones are typing speed, not intent.
const minPause = 100 * time.Millisecond

// Recorder writes the commands of a session as a scenario file that
// `etcdlab run` replays: a "members N" line, then each command in order,
// with a sleep line for each pause between them. It is safe for concurrent
// use.
type Recorder struct {
	mu   sync.Mutex
	w    io.Writer
	last time.Time
	err  error
}

// NewRecorder writes the scenario's header for a cluster of the given size
// to w and starts the clock of the first pause at start.
func NewRecorder(w io.Writer, members int, start time.Time) *Recorder {
	r := &Recorder{w: w, last: start}
	r.printf("# recorded by etcdlab; replay with: etcdlab run FILE\nmembers %d\n", members)
	return r
}

// Record appends a command that started at start and produced res. A
// command whose failure would stop a replay (a kill of a member already
// down, a failed expect) is written as a comment, so the recording replays
// what worked and still shows what was tried. It returns the first write
// error of the recording.
func (r *Recorder) Record(c *Command, res Result, start time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.Name == "members" {
		return r.err
	}
	if pause := start.Sub(r.last).Truncate(minPause); pause >= minPause {
		r.printf("sleep %s\n", pause)
	}
	end := start.Add(res.Took)
	if end.After(r.last) {
		r.last = end
	}
	text := strings.TrimSpace(c.Text)
	if Fails(c, res) {
		reason, _, _ := strings.Cut(res.Err.Error(), "\n")
		r.printf("# %s  (failed: %s)\n", text, reason)
		return r.err
	}
	r.printf("%s\n", text)
	return r.err
}

func (r *Recorder) printf(format string, args ...any) {
	if r.err != nil {
		return
	}
	if _, err := fmt.Fprintf(r.w, format, args...); err != nil {
		r.err = fmt.Errorf("cannot write the recording: %v", err)
	}
}
