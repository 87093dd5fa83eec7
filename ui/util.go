package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// clip cuts a one-line string to w cells, marking the cut with an ellipsis.
func clip(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// frame indents lines by the style's left padding and joins them. Lines
// are already clipped to the inner width, so unlike Style.Render it
// measures nothing: View stays cheap at 10 frames a second and more.
func frame(st lipgloss.Style, lines ...string) string {
	pad := strings.Repeat(" ", st.GetPaddingLeft())
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(pad)
		b.WriteString(l)
	}
	return b.String()
}

// paint is a style reduced to the escape codes around its text, for
// drawing many small runs (timeline cells) without a Render each.
type paint struct{ pre, post string }

func newPaint(st lipgloss.Style) paint {
	const mark = "\x00"
	pre, post, _ := strings.Cut(st.Render(mark), mark)
	return paint{pre: pre, post: post}
}

func (p paint) wrap(s string) string { return p.pre + s + p.post }

// inks are the styles of the lab's panes (leases, watches, load chart)
// reduced to paints: they draw a dozen small runs a line at 10 frames a
// second, where a Render each costs more than the rest of the screen in a
// 16-color terminal.
type inks struct {
	title, label, dim, value, warn, up, bars, errs, mark, cut paint
}

func newInks(s *Styles) inks {
	return inks{
		title: newPaint(s.Title), label: newPaint(s.Label), dim: newPaint(s.Dim), value: newPaint(s.Value),
		warn: newPaint(s.Warn), up: newPaint(s.Up), bars: newPaint(s.Bars), errs: newPaint(s.ErrBars), mark: newPaint(s.Mark),
		cut: newPaint(s.Cut),
	}
}
