package ui

import (
	"fmt"
	"strings"

	"github.com/etcdlab/etcdlab/lab"
)

// player plays a scenario inside the UI: by itself, or one line per key
// press in presenter mode.
type player struct {
	styles  *Styles
	script  *lab.Script
	name    string
	step    bool
	next    int  // index of the next command
	busy    bool // a line is queued or running
	passed  int
	stopped string // why the scenario stopped early, "" if it did not
	caption string
	width   int // inner width
	// coach plays the tasks of an exercise (exercise.go).
	coach coach
}

func (p *player) setSize(w, _ int) { p.width = w - p.styles.Pane.GetHorizontalFrameSize() }

func (p player) active() bool { return p.script != nil }

// height is two lines (the caption and the line in play) while the
// scenario runs, one (its verdict) once it has finished; an exercise's
// task bar keeps exerciseHeight.
func (p player) height() int {
	switch {
	case !p.active():
		return 0
	case p.exercise():
		return exerciseHeight
	case p.over():
		return 1
	}
	return 2
}

// over reports whether the scenario has nothing more to run: it stopped,
// or its last line has run.
func (p player) over() bool { return p.finished() && !p.busy }

func (p player) finished() bool {
	return p.script == nil || p.stopped != "" || p.next >= len(p.script.Commands)
}

// waiting reports whether presenter mode waits for a key to run a line.
func (p player) waiting() bool { return p.step && !p.busy && !p.finished() }

// take returns the next line to run, if one may run now.
func (p *player) take() (*lab.Command, bool) {
	if p.busy || p.finished() || (p.exercise() && !p.skipTask()) {
		return nil, false
	}
	c := p.script.Commands[p.next]
	p.next++
	p.busy = true
	return c, true
}

// done takes a scripted line's result; it returns the log entry that marks
// an expectation, if the line was one.
func (p *player) done(c *lab.Command, r lab.Result) {
	p.busy = false
	switch {
	case c.Name == "say" && r.Err == nil && len(r.Lines) > 0:
		p.caption = r.Lines[0]
	case lab.Fails(c, r):
		p.stopped = fmt.Sprintf("line %d: %s", c.Line, firstLine(r.Err.Error()))
	case c.Name == "expect":
		p.passed++
	}
}

func (p player) view() string {
	if p.exercise() {
		return p.exerciseView()
	}
	s := p.styles
	caption := s.Dim.Render("scenario " + p.name)
	if p.caption != "" {
		caption = s.Caption.Render("» " + p.caption)
	}
	total := len(p.script.Commands)
	var line string
	switch {
	case p.stopped != "":
		line = s.LogBad.Render("✗ FAIL: scenario stopped at " + p.stopped)
	case p.over():
		line = s.LogGood.Render(fmt.Sprintf("✓ PASS: scenario finished, %d lines, %d expectations passed", total, p.passed))
	case p.busy:
		c := p.script.Commands[p.next-1]
		line = s.Busy.Render(fmt.Sprintf("▶ line %d (%d of %d): %s", c.Line, p.next, total, c.Text))
	case p.step:
		c := p.script.Commands[p.next]
		line = s.Warn.Render(fmt.Sprintf("next ▸ line %d (%d of %d): %s", c.Line, p.next+1, total, c.Text)) +
			s.Dim.Render("   space/enter runs it")
	default:
		line = s.Dim.Render("scenario waiting")
	}
	if p.over() {
		return frame(s.Pane, clip(line, p.width))
	}
	return frame(s.Pane, clip(caption, p.width), clip(line, p.width))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
