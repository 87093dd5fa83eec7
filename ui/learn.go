package ui

import (
	"context"
	"errors"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/lab"
)

// Progress is where etcdlab learn keeps which exercises are done.
type Progress interface {
	Done(id string) bool
	// Mark records an exercise as done; it is called once the exercise's
	// last line has run, in a tea.Cmd.
	Mark(id string) error
}

// LearnOptions is what etcdlab learn runs.
type LearnOptions struct {
	// Config is every exercise's cluster but its size, which is the
	// exercise's own.
	Config    lab.Config
	Exercises []lab.Exercise
	Progress  Progress
	// Notice is a line to show above the list, e.g. that the progress file
	// was damaged and started afresh.
	Notice string
}

// leave says where the dashboard goes once it quits, in etcdlab learn.
type leave int

const (
	leaveQuit leave = iota // ctrl+c: leave etcdlab learn
	leaveList              // q: back to the list
	leaveNext              // n: the next exercise
)

// Learn shows the list of exercises, and plays the one chosen in the
// dashboard on a fresh cluster of its size; q brings the list back, n the
// next exercise, ctrl+c ends it all. Progress is saved as each exercise is
// done, so leaving loses nothing.
func Learn(ctx context.Context, o LearnOptions) error {
	if len(o.Exercises) == 0 {
		return errors.New("no exercises to learn from")
	}
	sel, notice := firstTodo(o), o.Notice
	for {
		choice, err := pick(ctx, o, sel, notice)
		if err != nil || choice < 0 {
			return err
		}
		notice = ""
		lv, err := playFrom(ctx, o, choice)
		if err != nil || lv.how == leaveQuit {
			return err
		}
		sel = lv.at
	}
}

// left is where the dashboard was left: how, and at which exercise.
type left struct {
	how leave
	at  int
}

// playFrom plays exercise i, then the next for as long as n asks for it.
func playFrom(ctx context.Context, o LearnOptions, i int) (left, error) {
	for {
		ex := o.Exercises[i]
		step := &LearnStep{ID: ex.ID, Progress: o.Progress}
		if i+1 < len(o.Exercises) {
			step.Next = o.Exercises[i+1].Title()
		}
		cfg := o.Config
		cfg.Cluster.Members = ex.Script.Members
		lv, err := runDashboard(ctx, Options{Config: cfg, Script: ex.Script, ScriptPath: ex.Title(), Learn: step})
		if err != nil || lv != leaveNext {
			return left{how: lv, at: i}, err
		}
		i++
	}
}

// pick shows the list and returns the index of the exercise chosen, -1 if
// the user left.
func pick(ctx context.Context, o LearnOptions, sel int, notice string) (int, error) {
	done := make([]bool, len(o.Exercises))
	for i, e := range o.Exercises {
		done[i] = o.Progress != nil && o.Progress.Done(e.ID)
	}
	p := tea.NewProgram(newPicker(o.Exercises, done, sel, notice), tea.WithAltScreen(), tea.WithContext(ctx))
	final, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return -1, ctx.Err()
	}
	if err != nil {
		return -1, err
	}
	return final.(picker).chosen, nil
}

// firstTodo returns the first exercise not done yet, or the first.
func firstTodo(o LearnOptions) int {
	for i, e := range o.Exercises {
		if o.Progress == nil || !o.Progress.Done(e.ID) {
			return i
		}
	}
	return 0
}
