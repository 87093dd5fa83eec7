package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/etcdlab/etcdlab/lab"
)

// picker is etcdlab learn's list of exercises: each one's title, its size,
// whether it is done, and what the chosen one teaches. It needs no
// cluster: choosing one ends it, and Learn starts the exercise's own.
type picker struct {
	keys   KeyMap
	styles *Styles
	help   help.Model
	exs    []lab.Exercise
	done   []bool
	sel    int
	notice string
	// chosen is the index of the exercise chosen, -1 while none is.
	chosen        int
	width, height int
}

// newPicker returns the list with sel selected; done says which
// exercises are done, and notice is a line to show above the list (a
// progress file found damaged).
func newPicker(exs []lab.Exercise, done []bool, sel int, notice string) picker {
	s := DefaultStyles()
	p := picker{keys: DefaultKeyMap(), styles: &s, help: help.New(), exs: exs, done: done, sel: sel, notice: notice, chosen: -1}
	p.help.Styles = s.Help
	return p
}

// Init does nothing: the list is already known.
func (p picker) Init() tea.Cmd { return nil }

// Update moves the selection, chooses, or quits.
func (p picker) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.width, p.height = msg.Width, msg.Height
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.ForceQuit), key.Matches(msg, p.keys.Quit), key.Matches(msg, p.keys.HideSolution):
			return p, tea.Quit
		case key.Matches(msg, p.keys.Up):
			p.sel = (p.sel + len(p.exs) - 1) % len(p.exs)
		case key.Matches(msg, p.keys.Down):
			p.sel = (p.sel + 1) % len(p.exs)
		case key.Matches(msg, p.keys.Pick):
			if i := int(msg.Runes[0] - '1'); i < len(p.exs) {
				p.sel = i
			}
		case key.Matches(msg, p.keys.StartExercise):
			p.chosen = p.sel
			return p, tea.Quit
		}
	}
	return p, nil
}

// View draws the list.
func (p picker) View() string {
	if p.width == 0 {
		return ""
	}
	s := p.styles
	w := p.width - s.Pane.GetHorizontalFrameSize()
	n := 0
	for _, d := range p.done {
		if d {
			n++
		}
	}
	lines := []string{s.Title.Render("ETCDLAB LEARN") + s.Dim.Render(fmt.Sprintf("  hands-on exercises on real etcd members · %d of %d done", n, len(p.exs))), ""}
	if p.notice != "" {
		lines = append(lines, s.Warn.Render(p.notice), "")
	}
	tw := 0
	for _, e := range p.exs {
		tw = max(tw, ansi.StringWidth(e.Title()))
	}
	for i, e := range p.exs {
		mark, cur := s.Dim.Render("· todo"), "  "
		if p.done[i] {
			mark = s.LogGood.Render("✓ done")
		}
		title := e.Title() + strings.Repeat(" ", tw-ansi.StringWidth(e.Title()))
		if i == p.sel {
			cur, title = s.Prompt.Render("▸ "), s.Caption.Render(title)
		}
		size := s.Dim.Render(fmt.Sprintf("%d task%s · %d members", len(e.Script.Tasks), plural(len(e.Script.Tasks)), e.Script.Members))
		lines = append(lines, fmt.Sprintf("%s%d  %s  %s  %s", cur, i+1, mark, title, size))
	}
	lines = append(lines, "")
	if about := p.exs[p.sel].Script.About; about != "" {
		lines = append(lines, strings.Split(ansi.Wrap(about, w, " "), "\n")...)
	}
	for i, l := range lines {
		lines[i] = clip(l, w)
	}
	for len(lines) < p.height-1 {
		lines = append(lines, "")
	}
	hm := p.help
	hm.Width = w
	keys := []key.Binding{upDown(p.keys.Up, p.keys.Down), p.keys.StartExercise, p.keys.Quit}
	lines = append(lines, hm.ShortHelpView(keys))
	return frame(s.Pane, lines...)
}
