package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// changedFor is how long a value that just changed stays highlighted.
const changedFor = time.Second

// field names the member values whose changes are highlighted.
type field int

const (
	fState field = iota
	fRole
	fTerm
	fCommitted
	fApplied
	fRevision
	fDB
	fCut
	numFields
)

// column is one column of the member table. Columns of low priority are
// dropped first when the terminal is narrow.
type column struct {
	title string
	prio  int
	right bool
	field field
	cell  func(m cluster.MemberStatus) string
}

// members is the member table.
type members struct {
	styles   *Styles
	st       cluster.Status
	selected int
	focused  bool
	width    int // inner width
	want     int // rows to keep free before the first sample
	prev     map[string]cluster.MemberStatus
	changed  map[string]*[numFields]time.Time
}

func newMembers(s *Styles) members {
	return members{styles: s, prev: map[string]cluster.MemberStatus{}, changed: map[string]*[numFields]time.Time{}}
}

func (m *members) setSize(w, _ int) { m.width = w - m.styles.Pane.GetHorizontalFrameSize() }

func (m members) height() int { return 1 + max(len(m.st.Members), m.want) }

// selectedName returns the name of the selected member, "" if none.
func (m members) selectedName() string {
	if m.selected < 0 || m.selected >= len(m.st.Members) {
		return ""
	}
	return m.st.Members[m.selected].Name
}

func (m members) names() []string {
	out := make([]string, len(m.st.Members))
	for i, ms := range m.st.Members {
		out[i] = ms.Name
	}
	return out
}

// update takes a status sample and notes which values changed.
func (m members) update(msg statusMsg) members {
	for _, ms := range msg.st.Members {
		old, seen := m.prev[ms.Name]
		ch := m.changed[ms.Name]
		if ch == nil {
			ch = &[numFields]time.Time{}
			m.changed[ms.Name] = ch
		}
		if seen {
			for f, differs := range [numFields]bool{
				fState:     old.State != ms.State,
				fRole:      old.Role != ms.Role,
				fTerm:      old.Term != ms.Term,
				fCommitted: old.Committed != ms.Committed,
				fApplied:   old.Applied != ms.Applied,
				fRevision:  old.Revision != ms.Revision,
				fDB:        old.DBSize != ms.DBSize,
				fCut:       len(old.Cut) != len(ms.Cut),
			} {
				if differs {
					ch[f] = msg.st.Time
				}
			}
		}
		m.prev[ms.Name] = ms
	}
	m.st = msg.st
	if m.selected >= len(m.st.Members) {
		m.selected = max(len(m.st.Members)-1, 0)
	}
	return m
}

// move selects the member d rows away, staying within the table.
func (m *members) move(d int) {
	m.selected = min(max(m.selected+d, 0), max(len(m.st.Members)-1, 0))
}

// pick selects the i-th member (0-based) if it exists.
func (m *members) pick(i int) {
	if i >= 0 && i < len(m.st.Members) {
		m.selected = i
	}
}

func stateText(m cluster.MemberStatus) string {
	return m.State.String()
}

// roleText is a member's role in the table. A leader cut off from the
// majority is a stale leader: it still thinks it leads, but cannot commit.
func roleText(st cluster.Status, m cluster.MemberStatus) string {
	switch {
	case !m.State.Running():
		return "-"
	case st.StaleLeader(m.Name):
		return "▒ stale leader"
	case m.Role == cluster.RoleLeader:
		return "★ leader"
	case m.Role == cluster.RoleNoLeader:
		return "? no leader"
	}
	return m.Role.String()
}

func num(running bool, v uint64) string {
	if !running {
		return "-"
	}
	return strconv.FormatUint(v, 10)
}

// cutText marks a member cut from others (MemberStatus.Cut), saying which
// way where the rules tell: isolated when it exchanges messages with
// nobody, "cut:" from those it is cut from both ways, "deaf to" those it
// no longer hears and "mute to" those that no longer hear it; "all" when
// that is every other member.
func cutText(st cluster.Status, m cluster.MemberStatus) string {
	if len(m.Cut) == 0 {
		return ""
	}
	out, in := map[string]bool{}, map[string]bool{}
	for _, r := range st.Rules {
		if !r.Cut && r.Loss < 100 {
			continue
		}
		switch m.Name {
		case r.From:
			out[r.To] = true
		case r.To:
			in[r.From] = true
		}
	}
	var both, deaf, mute []string
	for _, o := range m.Cut {
		switch {
		case in[o] && !out[o]:
			deaf = append(deaf, o)
		case out[o] && !in[o]:
			mute = append(mute, o)
		default:
			both = append(both, o)
		}
	}
	others := len(st.Members) - 1
	if len(both) >= others {
		return "✂ isolated"
	}
	names := func(ns []string) string {
		if len(ns) >= others {
			return "all"
		}
		return strings.Join(ns, ",")
	}
	var parts []string
	for _, p := range []struct {
		words string
		ns    []string
	}{{"cut: ", both}, {"deaf to ", deaf}, {"mute to ", mute}} {
		if len(p.ns) > 0 {
			parts = append(parts, p.words+names(p.ns))
		}
	}
	return "✂ " + strings.Join(parts, ", ")
}

func (m members) columns(fullURL bool) []column {
	cols := []column{
		{title: "NAME", prio: 10, field: -1, cell: func(ms cluster.MemberStatus) string { return ms.Name }},
		{title: "CLIENT URL", prio: 3, field: -1, cell: func(ms cluster.MemberStatus) string {
			if fullURL {
				return ms.ClientURL
			}
			return strings.TrimPrefix(ms.ClientURL, "http://")
		}},
		{title: "STATE", prio: 10, field: fState, cell: stateText},
		{title: "ROLE", prio: 10, field: fRole, cell: func(ms cluster.MemberStatus) string { return roleText(m.st, ms) }},
		{title: "TERM", prio: 8, right: true, field: fTerm, cell: func(ms cluster.MemberStatus) string { return num(ms.State.Running(), ms.Term) }},
		{title: "COMMIT", prio: 7, right: true, field: fCommitted, cell: func(ms cluster.MemberStatus) string { return num(ms.State.Running(), ms.Committed) }},
		{title: "APPLIED", prio: 4, right: true, field: fApplied, cell: func(ms cluster.MemberStatus) string { return num(ms.State.Running(), ms.Applied) }},
		{title: "REV", prio: 6, right: true, field: fRevision, cell: func(ms cluster.MemberStatus) string {
			if !ms.State.Running() {
				return "-"
			}
			return strconv.FormatInt(ms.Revision, 10)
		}},
		{title: "DB", prio: 5, right: true, field: fDB, cell: func(ms cluster.MemberStatus) string {
			if !ms.State.Running() {
				return "-"
			}
			return lab.Bytes(ms.DBSize)
		}},
	}
	for _, ms := range m.st.Members {
		if ms.Lag.Known {
			cols = append(cols, column{title: "LAG", prio: 6, right: true, field: -1, cell: func(ms cluster.MemberStatus) string {
				if !ms.State.Running() || !ms.Lag.Known {
					return "-"
				}
				return ms.Lag.String()
			}})
			break
		}
	}
	for _, ms := range m.st.Members {
		if len(ms.Cut) > 0 {
			cols = append(cols, column{title: "NETWORK", prio: 9, field: fCut, cell: func(ms cluster.MemberStatus) string { return cutText(m.st, ms) }})
			break
		}
	}
	return cols
}

const markerW = 2

// layout returns the columns that fit the width, their widths and the gap
// between them: full URLs and wide gaps if there is room, then short URLs
// and narrow gaps, then without the least important columns.
func (m members) layout() ([]column, []int, int) {
	for _, try := range []struct {
		full bool
		gap  int
	}{{true, 2}, {false, 2}, {false, 1}} {
		full, colGap := try.full, try.gap
		cols := m.columns(full)
		widths := make([]int, len(cols))
		for i, c := range cols {
			widths[i] = lipgloss.Width(c.title)
			for _, ms := range m.st.Members {
				widths[i] = max(widths[i], lipgloss.Width(c.cell(ms)))
			}
		}
		total := func() int {
			t := markerW
			for _, w := range widths {
				t += w + colGap
			}
			return t - colGap
		}
		if total() <= m.width {
			return cols, widths, colGap
		}
		if colGap > 1 {
			continue
		}
		// Drop the least important columns until the rest fits.
		for total() > m.width && len(cols) > 1 {
			low := 0
			for i, c := range cols {
				if c.prio < cols[low].prio {
					low = i
				}
			}
			cols = append(cols[:low:low], cols[low+1:]...)
			widths = append(widths[:low:low], widths[low+1:]...)
		}
		return cols, widths, colGap
	}
	return nil, nil, 1
}

func (m members) view() string {
	s := m.styles
	cols, widths, colGap := m.layout()
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markerW))
	for i, c := range cols {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", colGap))
		}
		b.WriteString(s.Header.Render(pad(c.title, widths[i], c.right)))
	}
	lines := []string{clip(b.String(), m.width)}
	for r, ms := range m.st.Members {
		b.Reset()
		sel := m.focused && r == m.selected
		if sel {
			b.WriteString("▶ ")
		} else {
			b.WriteString("  ")
		}
		for i, c := range cols {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", colGap))
			}
			b.WriteString(m.cellStyle(ms, c).Render(pad(c.cell(ms), widths[i], c.right)))
		}
		line := clip(b.String(), m.width)
		if sel {
			line = s.Selected.Render(line)
		}
		lines = append(lines, line)
	}
	for len(lines) < m.height() {
		lines = append(lines, "")
	}
	return frame(s.Pane, lines...)
}

func (m members) cellStyle(ms cluster.MemberStatus, c column) lipgloss.Style {
	s := m.styles
	if c.field >= 0 {
		if ch := m.changed[ms.Name]; ch != nil && !ch[c.field].IsZero() && m.st.Time.Sub(ch[c.field]) < changedFor {
			return s.Changed
		}
	}
	switch c.field {
	case fState:
		switch {
		case ms.State == cluster.Up:
			return s.Up
		case ms.State == cluster.Starting:
			return s.Starting
		}
		return s.Down
	case fRole:
		switch {
		case m.st.StaleLeader(ms.Name):
			return s.Cut
		case ms.Role == cluster.RoleLeader:
			return s.Leader
		case ms.Role == cluster.RoleNoLeader:
			return s.Elect
		}
	case fCut:
		return s.Cut
	}
	return lipgloss.NewStyle()
}

func pad(s string, w int, right bool) string {
	gap := w - lipgloss.Width(s)
	if gap <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", gap) + s
	}
	return s + strings.Repeat(" ", gap)
}
