package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// focus says which part of the screen gets the keys.
type focus int

const (
	focusPrompt focus = iota
	focusTable
)

// String returns the name of the part that has the focus.
func (f focus) String() string {
	if f == focusTable {
		return "table"
	}
	return "prompt"
}

// updateKey routes a key by focus and overlay.
func (m model) updateKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.ForceQuit):
		m.leave = leaveQuit
		return m.quit()
	}
	if mm, cmd, ok := m.rewindKey(k); ok {
		return mm, cmd
	}
	switch {
	case m.overlay != overlayNone:
		switch {
		case key.Matches(k, m.keys.Close):
			m.overlay = overlayNone
		case m.overlay == overlayConnect && key.Matches(k, m.keys.ScrollUp):
			m.connect.scroll(-max(m.connect.height-2, 1))
		case m.overlay == overlayConnect && key.Matches(k, m.keys.ScrollDown):
			m.connect.scroll(max(m.connect.height-2, 1))
		case m.overlay == overlayHelp && key.Matches(k, m.keys.ScrollUp):
			m.helpOff = max(min(m.helpOff, m.helpMaxOff())-m.helpPage()+1, 0)
		case m.overlay == overlayHelp && key.Matches(k, m.keys.ScrollDown):
			m.helpOff = min(m.helpOff+m.helpPage()-1, m.helpMaxOff())
		}
		return m, nil
	}
	if mm, cmd, ok := m.exerciseKey(k); ok {
		return mm, cmd
	}
	switch {
	case key.Matches(k, m.keys.ScrollUp):
		m.events.scroll(max(m.events.height-1, 1))
		return m, nil
	case key.Matches(k, m.keys.ScrollDown):
		m.events.scroll(-max(m.events.height-1, 1))
		return m, nil
	}
	if m.focus == focusTable {
		return m.tableKey(k)
	}
	return m.promptKey(k)
}

// promptKey handles a key while the prompt has the focus: the UI's own
// keys first, then the text input.
func (m model) promptKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Advance) && m.player.waiting() && strings.TrimSpace(m.prompt.value()) == "":
		m.prompt.take()
		return m.advance()
	case key.Matches(k, m.keys.Submit):
		return m.runLine(m.prompt.take(), fromPrompt)
	case key.Matches(k, m.keys.FocusTable):
		m.setFocus(focusTable)
		return m, nil
	case key.Matches(k, m.keys.Complete):
		m.prompt.complete(m.completions())
		return m, nil
	case key.Matches(k, m.keys.HistoryPrev):
		m.prompt.browse(-1)
		return m, nil
	case key.Matches(k, m.keys.HistoryNext):
		m.prompt.browse(+1)
		return m, nil
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.update(k)
	return m, cmd
}

// completions gathers what Tab may complete to: the members, and the
// leases and watches of the last sample of the lab.
func (m model) completions() completions {
	c := completions{members: m.members.names()}
	for _, l := range m.leases.leases {
		c.leases = append(c.leases, l.Hex())
	}
	for _, w := range m.leases.watches {
		c.watches = append(c.watches, strconv.Itoa(w.ID))
	}
	return c
}

// acts maps the member keys to the command each one types, %s standing
// for the selected member.
func (m model) acts() []struct {
	b    key.Binding
	line string
} {
	return []struct {
		b    key.Binding
		line string
	}{
		{m.keys.Kill, "kill %s"}, {m.keys.Stop, "stop %s"}, {m.keys.Restart, "restart %s"},
		{m.keys.Isolate, "isolate %s"}, {m.keys.CutOut, "cut %s all"}, {m.keys.CutIn, "cut all %s"},
		{m.keys.Heal, "heal %s"}, {m.keys.MoveLeader, "move-leader %s"},
	}
}

// tableKey handles a key while the member table has the focus: a member
// key types its command for the selected member.
func (m model) tableKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.keys.Quit):
		m.leave = leaveList
		return m.quit()
	case key.Matches(k, m.keys.FocusPrompt):
		m.setFocus(focusPrompt)
		return m, nil
	case key.Matches(k, m.keys.Advance) && m.player.waiting():
		return m.advance()
	case key.Matches(k, m.keys.Up):
		m.members.move(-1)
	case key.Matches(k, m.keys.Down):
		m.members.move(+1)
	case key.Matches(k, m.keys.Pick):
		m.members.pick(int(k.Runes[0] - '1'))
	case key.Matches(k, m.keys.HealAll):
		return m.runLine("heal", fromKey)
	case key.Matches(k, m.keys.Help):
		m.overlay, m.helpOff = overlayHelp, 0
	case key.Matches(k, m.keys.Connect):
		m.overlay = overlayConnect
	case key.Matches(k, m.keys.Net):
		return m.toggleNet()
	}
	for _, a := range m.acts() {
		if key.Matches(k, a.b) {
			name := m.members.selectedName()
			if name == "" {
				m.prompt.result, m.prompt.bad = "no member to act on yet", true
				return m, nil
			}
			return m.runLine(fmt.Sprintf(a.line, name), fromKey)
		}
	}
	return m, nil
}

// setFocus gives the keys to the prompt or the member table.
func (m *model) setFocus(f focus) {
	m.focus = f
	m.members.focused = f == focusTable
	m.prompt.focus(f == focusPrompt)
}

// quit stops the members, then quits; a second quit does not wait.
func (m model) quit() (tea.Model, tea.Cmd) {
	if m.state == stateStopping || m.eng == nil {
		return m, tea.Quit
	}
	m.tape.stop()
	return m.stopping(), m.eng.stop
}

// stopping says the members are being stopped, and stops sampling.
func (m model) stopping() model {
	m.state, m.banner.state = stateStopping, stateStopping
	m.tickID++ // no more sampling
	m.events.add(entry{kind: entryNote, text: "stopping the members…"})
	return m
}
