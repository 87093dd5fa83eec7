package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/etcdlab/etcdlab/lab"
)

// coach is the player's side of an exercise: the task under way and the
// line of its check being waited for, what the student asked for (a hint,
// the solution), and the end of the exercise. It draws the task bar.
//
// A check line is never queued: the student's commands keep the queue
// while the model tries the line on each status sample (Lab.Try, in a
// tea.Cmd), one try at a time, with no deadline unless the line has its
// own --timeout.
type coach struct {
	styles  *Styles
	task    *lab.Task
	check   int          // index in task.Check of the line waited for; -1 when none
	since   time.Time    // when that line began to be waited for; zero until the next tick
	trying  bool         // a try is in flight
	reached string       // the state the last line that held reached
	why     string       // why a line of the check did not hold at its last try
	whyLine *lab.Command // that line
	hint    string       // the last hint asked for
	offer   []string     // the solution, shown and waiting for enter or esc
	done    int          // tasks done
	last    string       // the explanation of the last task done
	// learn is set in etcdlab learn: the exercise's ID for the progress,
	// and the next exercise to offer.
	learn *LearnStep
}

// LearnStep is what the dashboard knows of etcdlab learn while it plays
// one exercise.
type LearnStep struct {
	// ID names the exercise in Progress.
	ID       string
	Progress Progress
	// Next is the title of the exercise that follows, "" for the last.
	Next string
}

func newCoach(s *Styles, l *LearnStep) coach { return coach{styles: s, check: -1, learn: l} }

// exercise reports whether the script is an exercise: it has tasks.
func (p player) exercise() bool { return p.script != nil && len(p.script.Tasks) > 0 }

// waitingCheck returns the check line being waited for, if any.
func (p player) waitingCheck() *lab.Command {
	if p.coach.task == nil || p.coach.check < 0 || p.stopped != "" {
		return nil
	}
	return p.coach.task.Check[p.coach.check]
}

// skipTask moves past the lines of a task that the student, not the lab,
// does: its hints and solutions. It stops at the task's check, which the
// model then tries. It reports whether the next line may be queued.
func (p *player) skipTask() bool {
	for !p.finished() {
		c := p.script.Commands[p.next]
		switch {
		case c.IsCheck():
			if p.coach.check < 0 {
				p.coach.check, p.coach.since = 0, time.Time{}
			}
			return false
		case c.Task != nil && c.Name != "task":
			p.next++
		default:
			return true
		}
	}
	return false
}

// checked takes a try of the current check line: the next line, or the
// task done. After a check line that does not hold, an expect sends the
// check back to its first line, so that the task is done only when its
// lines hold in order.
func (p *player) checked(msg checkMsg) (done *lab.Task) {
	x := &p.coach
	x.trying = false
	if msg.cmd != p.waitingCheck() {
		return nil
	}
	if !msg.held {
		x.why, x.whyLine = firstLine(msg.res.Err.Error()), msg.cmd
		if msg.cmd.Name == "expect" && x.check > 0 {
			x.check, x.since = 0, time.Time{}
		}
		return nil
	}
	if x.whyLine == msg.cmd {
		x.why, x.whyLine = "", nil
	}
	if len(msg.res.Lines) > 0 {
		x.reached = strings.TrimPrefix(msg.res.Lines[0], "passed: ")
	}
	x.check, x.since = x.check+1, time.Time{}
	if x.check < len(x.task.Check) {
		return nil
	}
	t := x.task
	x.check, x.done, x.last, x.hint, x.offer = -1, x.done+1, t.Explanation(), "", nil
	for !p.finished() && p.script.Commands[p.next].Task == t {
		p.next++
	}
	return t
}

// timedOut stops the exercise when the line waited for has a --timeout
// and it has passed.
func (p *player) timedOut(now time.Time) {
	c := p.waitingCheck()
	if c == nil {
		return
	}
	x := &p.coach
	if x.since.IsZero() {
		x.since = now
		return
	}
	v, ok := c.Flag("timeout")
	if !ok {
		return
	}
	if d, _ := time.ParseDuration(v); now.Sub(x.since) > d {
		p.stopped = fmt.Sprintf("line %d: task %d not done within %s (%s)", c.Line, x.task.Number, v, x.why)
	}
}

// heard takes the result of a command of any source that concerns the
// task: its task line, a hint, the solution shown or run.
func (p *player) heard(c *lab.Command, r lab.Result) {
	x := &p.coach
	switch {
	case r.Err != nil && (c.Name == "hint" || c.Name == "solution"):
		x.hint, x.offer = "", nil
	case c.Name == "task" && c.Task != nil:
		x.task, x.check, x.why, x.whyLine, x.hint, x.offer = c.Task, -1, "", nil, "", nil
	case c.Name == "hint" && len(c.Args) == 0 && len(r.Lines) > 0:
		x.hint, x.offer = r.Lines[0], nil
	case c.Name == "solution" && c.Inner == nil && !c.Bool("run") && x.task != nil:
		x.offer, x.hint = nil, ""
		for _, s := range x.task.Solution {
			x.offer = append(x.offer, s.Text)
		}
	case c.Name == "solution" && c.Bool("run"):
		x.offer = nil
	}
}

// exerciseOver reports whether the exercise has run its last line.
func (p player) exerciseOver() bool {
	return p.exercise() && p.finished() && !p.busy && p.stopped == ""
}

// tryTask tries the check line waited for, unless a try is in flight; the
// model calls it on each status sample.
func (m *model) tryTask(now time.Time) tea.Cmd {
	m.player.timedOut(now)
	c := m.player.waitingCheck()
	if c == nil || m.player.coach.trying || m.sess == nil || m.state != stateReady {
		return nil
	}
	m.player.coach.trying = true
	return tryCheck(m.ctx, m.sess.Lab, c)
}

// tryCheck tries a check line once through the lab.
func tryCheck(ctx context.Context, l *lab.Lab, c *lab.Command) tea.Cmd {
	return func() tea.Msg {
		held, r := l.Try(ctx, c)
		return checkMsg{cmd: c, held: held, res: r}
	}
}

// onCheck takes a try of a check line; a task done logs its explanation
// and lets the exercise go on.
func (m model) onCheck(msg checkMsg) (tea.Model, tea.Cmd) {
	t := m.player.checked(msg)
	if t == nil {
		return m, nil
	}
	m.events.add(entry{at: m.clock(), kind: entryPass, text: fmt.Sprintf("task %d of %d done: %s", t.Number, t.Of, m.player.coach.reached)})
	for _, e := range t.Explain {
		m.events.add(entry{at: m.clock(), kind: entrySay, text: e})
	}
	m = m.playNext()
	return m, tea.Batch(m.runNext(), m.finishExercise())
}

// finishExercise records an exercise of etcdlab learn as done once its
// last line has run, once.
func (m *model) finishExercise() tea.Cmd {
	x := &m.player.coach
	if !m.player.exerciseOver() || x.learn == nil || x.learn.Progress == nil {
		return nil
	}
	l := x.learn
	x.learn = &LearnStep{ID: l.ID, Next: l.Next} // no Progress: marked once
	return func() tea.Msg { return markedMsg{err: l.Progress.Mark(l.ID)} }
}

// onMarked logs a failure to record the progress.
func (m model) onMarked(msg markedMsg) model {
	if msg.err != nil {
		m.events.add(entry{at: m.clock(), kind: entryError, text: "error: " + msg.err.Error()})
	}
	return m
}

// exerciseKey handles the keys of an exercise, which act in either focus:
// a hint, the solution (shown, then run on enter or hidden on esc), and at
// the end of an exercise of etcdlab learn, the next one. It reports
// whether it took the key.
func (m model) exerciseKey(k tea.KeyMsg) (tea.Model, tea.Cmd, bool) {
	x := m.player.coach
	empty := m.focus == focusTable || strings.TrimSpace(m.prompt.value()) == ""
	switch {
	case !m.player.exercise():
		return m, nil, false
	case len(x.offer) > 0 && key.Matches(k, m.keys.RunSolution) && empty:
		m.prompt.take()
		mm, cmd := m.runLine("solution --run", fromKey)
		return mm, cmd, true
	case len(x.offer) > 0 && key.Matches(k, m.keys.HideSolution):
		m.player.coach.offer = nil
		return m, nil, true
	case x.task != nil && x.check >= 0 && key.Matches(k, m.keys.Hint):
		mm, cmd := m.runLine("hint", fromKey)
		return mm, cmd, true
	case x.task != nil && x.check >= 0 && key.Matches(k, m.keys.Solution):
		mm, cmd := m.runLine("solution", fromKey)
		return mm, cmd, true
	case m.player.exerciseOver() && x.learn != nil && x.learn.Next != "" && m.focus == focusTable && key.Matches(k, m.keys.NextExercise):
		m.leave = leaveNext
		mm, cmd := m.quit()
		return mm, cmd, true
	}
	return m, nil, false
}

// exerciseHeight is the task bar's: the task in two lines, then its state.
const exerciseHeight = 3

// exerciseView draws the task bar.
func (p player) exerciseView() string {
	s, x, w := p.styles, p.coach, p.width
	var lines []string
	switch {
	case p.stopped != "":
		lines = []string{s.LogBad.Render("✗ exercise stopped at " + p.stopped), "", s.Dim.Render("leave, then start the exercise again")}
	case p.exerciseOver():
		lines = []string{s.LogGood.Render(fmt.Sprintf("✓ EXERCISE DONE: %s (%d task%s)", p.title(), x.done, plural(x.done))), x.last, p.nextOffer()}
	case x.task == nil:
		lines = []string{s.Title.Render("EXERCISE " + p.title()), s.Dim.Render("setting up the first task…"), ""}
	default:
		lines = p.taskLines()
	}
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	return frame(s.Pane, lines...)
}

// taskLines are the task in two lines and the state of its check, or the
// hint or solution asked for.
func (p player) taskLines() []string {
	s, x, w := p.styles, p.coach, p.width
	head := s.Title.Render(fmt.Sprintf("TASK %d of %d ▸ ", x.task.Number, x.task.Of))
	text := strings.Split(ansi.Wrap(x.task.Text, max(w-ansi.StringWidth(head), 10), " "), "\n")
	second := ""
	if len(text) > 1 {
		second = strings.Repeat(" ", ansi.StringWidth(head)) + strings.Join(text[1:], " ")
	}
	keys := s.Dim.Render("ctrl+t hint · ctrl+o solution │ ")
	var third string
	switch {
	case len(x.offer) > 0:
		third = s.Warn.Render("solution: "+strings.Join(x.offer, " ; ")) + s.Dim.Render("   enter runs it · esc hides it")
	case x.hint != "":
		third = keys + s.Caption.Render(x.hint)
	case x.check < 0:
		third = keys + s.Busy.Render("✓ done")
	default:
		// The line that last did not hold says what stands in the way,
		// even while the check goes through the lines before it again.
		c, state := x.task.Check[x.check], "checking…"
		if x.whyLine != nil {
			c, state = x.whyLine, x.why
		}
		third = keys + s.Busy.Render(fmt.Sprintf("⧗ %s: %s", strings.TrimPrefix(c.Text, "expect "), state))
	}
	return []string{head + text[0], second, third}
}

// title is the exercise's title, or its file's name if it has none.
func (p player) title() string {
	if p.script.Title != "" {
		return p.script.Title
	}
	return p.name
}

// nextOffer says what comes after an exercise.
func (p player) nextOffer() string {
	s, l := p.styles, p.coach.learn
	switch {
	case l == nil:
		return s.Dim.Render("q (member keys) or ctrl+c quits")
	case l.Next == "":
		return s.Dim.Render("that was the last exercise · q: back to the list (esc first at the prompt)")
	}
	return s.Warn.Render("n: next exercise, "+l.Next) + s.Dim.Render(" · q: back to the list (esc first at the prompt)")
}
