package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/lab"
)

// maxHistory bounds the prompt's history.
const maxHistory = 200

// prompt is the command line: input, history, completion and the result
// of the last command, shown in place above it.
type prompt struct {
	styles  *Styles
	input   textinput.Model
	history []string
	hist    int    // index into history while browsing; len(history) when not
	draft   string // what was typed before browsing began
	result  string // one line: the last result, or completion candidates
	bad     bool   // the result is an error
	busy    string // the command in flight, "" if none
	queued  int
	width   int // inner width
}

func newPrompt(s *Styles) prompt {
	in := textinput.New()
	in.Prompt = "etcdlab> "
	in.PromptStyle = s.Prompt
	in.Placeholder = "type a command (help lists them), or esc for member keys"
	in.PlaceholderStyle = s.Dim
	in.Cursor.SetMode(cursor.CursorStatic)
	// The UI owns tab (completion) and up/down (history).
	in.KeyMap.AcceptSuggestion.SetEnabled(false)
	in.KeyMap.NextSuggestion.SetEnabled(false)
	in.KeyMap.PrevSuggestion.SetEnabled(false)
	in.Focus()
	return prompt{styles: s, input: in}
}

func (p *prompt) setSize(w, _ int) {
	p.width = w - p.styles.Pane.GetHorizontalFrameSize()
	p.input.Width = max(p.width-len(p.input.Prompt)-1, 1)
}

func (p prompt) height() int { return 2 }

func (p *prompt) focus(on bool) {
	if on {
		p.input.Focus()
	} else {
		p.input.Blur()
	}
}

// update passes a key to the text input.
func (p prompt) update(msg tea.Msg) (prompt, tea.Cmd) {
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return p, cmd
}

func (p prompt) value() string { return p.input.Value() }

// take clears the input and remembers line in the history.
func (p *prompt) take() string {
	line := strings.TrimSpace(p.input.Value())
	p.input.Reset()
	if line != "" && (len(p.history) == 0 || p.history[len(p.history)-1] != line) {
		p.history = append(p.history, line)
		if len(p.history) > maxHistory {
			p.history = p.history[1:]
		}
	}
	p.hist, p.draft = len(p.history), ""
	return line
}

// browse moves through the history: -1 older, +1 newer.
func (p *prompt) browse(d int) {
	if p.hist == len(p.history) {
		p.draft = p.input.Value()
	}
	p.hist = min(max(p.hist+d, 0), len(p.history))
	if p.hist == len(p.history) {
		p.input.SetValue(p.draft)
	} else {
		p.input.SetValue(p.history[p.hist])
	}
	p.input.CursorEnd()
}

// completions are what Tab may complete a word to, besides command names
// and keywords: the members, and the lab's live leases and watches.
type completions struct {
	members []string
	leases  []string // lease IDs in hex
	watches []string // watch IDs
}

// complete completes the word before the cursor against command names (the
// first word), member names, keywords, lease IDs (after --lease= or a lease
// command) and watch IDs (after unwatch and watches).
func (p *prompt) complete(c completions) {
	line, cands := completeLine(p.input.Value(), c)
	p.input.SetValue(line)
	p.input.CursorEnd()
	if len(cands) > 1 {
		p.result, p.bad = "completions: "+strings.Join(cands, "  "), false
	}
}

// keywords are the words that follow a command name and are not members.
var keywords = map[string][]string{
	"wait":     {"leader", "new-leader", "quorum", "no-quorum", "role"},
	"expect":   {"leader", "quorum", "no-quorum", "ok", "fail", "role"},
	"help":     nil,
	"member":   {"list"},
	"endpoint": {"status"},
}

// leaseFlag is the flag whose value is a lease ID.
const leaseFlag = "--lease="

// completeLine returns line with its last word completed as far as the
// candidates agree, and the candidates.
func completeLine(line string, c completions) (string, []string) {
	words := strings.Fields(line)
	partial := ""
	if len(words) > 0 && !strings.HasSuffix(line, " ") {
		partial, words = words[len(words)-1], words[:len(words)-1]
	}
	pool := completionPool(words, partial, c)
	var cands []string
	for _, w := range pool {
		if strings.HasPrefix(w, partial) {
			cands = append(cands, w)
		}
	}
	if len(cands) == 0 {
		return line, nil
	}
	done := commonPrefix(cands)
	head := strings.TrimSuffix(line, partial)
	if len(cands) == 1 {
		return head + lab.Quote(done) + " ", cands
	}
	return head + done, cands
}

// completionPool returns the words the next word may be, after words.
func completionPool(words []string, partial string, c completions) []string {
	switch {
	case strings.HasPrefix(partial, leaseFlag):
		out := make([]string, len(c.leases))
		for i, id := range c.leases {
			out[i] = leaseFlag + id
		}
		return out
	case len(words) == 0:
		var out []string
		seen := map[string]bool{}
		for _, n := range lab.CommandNames() {
			first, _, _ := strings.Cut(n, " ")
			if !seen[first] {
				seen[first] = true
				out = append(out, first)
			}
		}
		return out
	case words[0] == "help" && len(words) == 1:
		return lab.CommandNames()
	case (words[0] == "unwatch" || words[0] == "watches") && len(words) == 1:
		return c.watches
	case words[0] == "lease" && len(words) == 1:
		var out []string
		for _, n := range lab.CommandNames() {
			if sub, ok := strings.CutPrefix(n, "lease "); ok {
				out = append(out, sub)
			}
		}
		return out
	case words[0] == "lease" && len(words) == 2 && words[1] != "grant" && words[1] != "list":
		return c.leases
	}
	var out []string
	if len(words) == 1 {
		out = append(out, keywords[words[0]]...)
	}
	return append(out, c.members...)
}

func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

func (p prompt) view() string {
	s := p.styles
	res := s.Dim.Render("results of commands appear here and, in full, under EVENTS")
	switch {
	case p.busy != "":
		res = s.Busy.Render("◌ running: " + p.busy)
		if p.queued > 0 {
			res += s.Busy.Render(fmt.Sprintf(" (%d more queued)", p.queued))
		}
	case p.result != "" && p.bad:
		res = s.LogError.Render(p.result)
	case p.result != "":
		res = s.LogResult.Render(p.result)
	}
	return frame(s.Pane, clip(res, p.width), clip(p.input.View(), p.width))
}
