package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/lab"
)

// source says where a command came from.
type source int

const (
	fromPrompt source = iota
	fromKey
	fromScript
)

// job is a parsed command waiting for, or in, its turn to run.
type job struct {
	cmd  *lab.Command
	from source
}

// runLine parses a line of the command language and queues it.
func (m model) runLine(line string, from source) (tea.Model, tea.Cmd) {
	c, err := lab.Parse(line)
	if errors.Is(err, lab.ErrEmpty) {
		return m, nil
	}
	m.tape.line(line, from)
	if err != nil {
		m.events.add(entry{kind: entryCommand, text: line}, entry{kind: entryError, text: "error: " + err.Error()})
		m.prompt.result, m.prompt.bad = "✗ "+err.Error(), true
		return m, nil
	}
	m.queue = append(m.queue, job{cmd: c, from: from})
	m.prompt.queued = max(len(m.queue)-1, 0)
	return m, m.runNext()
}

// advance runs the next scenario line in presenter mode.
func (m model) advance() (tea.Model, tea.Cmd) {
	m.tape.advance()
	m = m.playNext()
	return m, m.runNext()
}

// playNext queues the scenario's next line if it may run now.
func (m model) playNext() model {
	if c, ok := m.player.take(); ok {
		m.queue = append(m.queue, job{cmd: c, from: fromScript})
	}
	return m
}

// runNext starts the first queued command unless one is running: commands
// run one at a time, in order, as they would in a scenario file.
func (m *model) runNext() tea.Cmd {
	if m.running || len(m.queue) == 0 || (m.sess == nil && !m.replay) || m.state == stateStopping {
		return nil
	}
	j := m.queue[0]
	m.queue = m.queue[1:]
	m.running, m.current = true, j
	m.prompt.busy, m.prompt.queued = j.cmd.Text, len(m.queue)
	text := j.cmd.Text
	if j.from == fromScript {
		text = fmt.Sprintf("line %d: %s", j.cmd.Line, text)
	}
	if j.cmd.Name != "say" { // its text is logged as a caption when it runs
		m.events.add(entry{at: m.clock(), kind: entryCommand, text: text})
	}
	if m.replay {
		return nil // its result is the trace's next
	}
	return execute(m.ctx, m.sess.Lab, m.rec, j)
}

// clock is the time of the newest message that carried one; Update never
// reads the wall clock, so a replayed session draws the same screen.
func (m model) clock() time.Time {
	if m.banner.now.After(m.members.st.Time) {
		return m.banner.now
	}
	return m.members.st.Time
}

// onResult logs a command's result, moves the scenario on, and starts the
// next queued command.
func (m model) onResult(msg resultMsg) (tea.Model, tea.Cmd) {
	m.running, m.current = false, job{}
	m.prompt.busy = ""
	c, r := msg.job.cmd, msg.res
	m.events.add(resultEntries(c, r)...)
	m.prompt.result, m.prompt.bad = summary(c, r), r.Err != nil
	if msg.recErr != nil && !m.recWarn {
		m.recWarn = true
		m.events.add(entry{at: msg.start, kind: entryError, text: msg.recErr.Error()})
	}
	m.player.heard(c, r)
	if msg.job.from == fromScript {
		h := m.player.height()
		m.player.done(c, r)
		if !m.player.step {
			m = m.playNext()
		}
		if m.player.height() != h {
			m.setSize(m.width, m.height)
		}
	}
	cmds := []tea.Cmd{m.runNext(), m.finishExercise()}
	if m.sess != nil {
		cmds = append(cmds, sample(m.sess.Cluster))
	}
	return m, tea.Batch(cmds...)
}

// resultEntries turns a command's result into log entries.
func resultEntries(c *lab.Command, r lab.Result) []entry {
	at := time.Time{}
	switch {
	case r.Err != nil && c.Name == "expect":
		return []entry{{at: at, kind: entryFail, text: "FAIL " + c.Text + ": " + r.Err.Error()}}
	case r.Err != nil:
		return []entry{{at: at, kind: entryError, text: "error: " + r.Err.Error()}}
	case c.Name == "expect":
		return []entry{{at: at, kind: entryPass, text: "PASS " + strings.TrimPrefix(strings.Join(r.Lines, "\n"), "passed: ")}}
	case c.Name == "say":
		return []entry{{at: at, kind: entrySay, text: strings.Join(r.Lines, "\n")}}
	}
	out := make([]entry, 0, len(r.Lines))
	for _, l := range r.Lines {
		out = append(out, entry{at: at, kind: entryResult, text: l})
	}
	return out
}

// summary is the one line shown in place above the prompt.
func summary(c *lab.Command, r lab.Result) string {
	took := r.Took.Round(time.Millisecond).String()
	if r.Via != "" {
		took += " via " + r.Via
	}
	if r.Err != nil {
		return fmt.Sprintf("✗ %s (%s): %s", c.Text, took, firstLine(r.Err.Error()))
	}
	switch {
	case len(r.Lines) == 0 && c.Name == "get":
		// etcdctl prints nothing for a get that matched no key; the
		// summary says so in words.
		return fmt.Sprintf("✓ %s (%s): no key matched", c.Text, took)
	case len(r.Lines) == 0:
		return fmt.Sprintf("✓ %s (%s)", c.Text, took)
	}
	more := ""
	if len(r.Lines) > 1 {
		more = fmt.Sprintf("  (+%d lines under EVENTS)", len(r.Lines)-1)
	}
	return fmt.Sprintf("✓ %s (%s): %s%s", c.Text, took, r.Lines[0], more)
}
