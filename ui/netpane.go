package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
)

// traffic is what a link carried over the last second, by the kind of Raft
// message that says most about it.
type traffic int

const (
	// trafficNone: no Raft message crossed the link.
	trafficNone traffic = iota
	// trafficBeat: heartbeats and their answers (or read-index rounds)
	// only: the link is alive, but no entry crossed it.
	trafficBeat
	// trafficLog: entries of the log (MsgApp, MsgSnap, a forwarded MsgProp)
	// or their acknowledgements (MsgAppResp).
	trafficLog
	// trafficVote: a vote or pre-vote request, or its answer: someone
	// campaigns.
	trafficVote
	numTraffic
)

// trafficGlyph marks a cell by its traffic, so that the kinds read without
// colour.
var trafficGlyph = [numTraffic]string{
	trafficNone: " ",
	trafficBeat: "·",
	trafficLog:  "▸",
	trafficVote: "?",
}

// cutGlyph marks a cut link.
const cutGlyph = "✂"

// trafficOf classifies a link's last second.
func trafficOf(c network.Rates) traffic {
	m := &c.Messages
	switch {
	case m[network.KindVote]+m[network.KindVoteResp]+m[network.KindPreVote]+m[network.KindPreVoteResp] > 0:
		return trafficVote
	case m[network.KindApp]+m[network.KindAppResp]+m[network.KindSnap]+m[network.KindProp] > 0:
		return trafficLog
	case c.Total() > 0:
		return trafficBeat
	}
	return trafficNone
}

// netNotShown says why the pane has no matrix.
type netNotShown int

const (
	netShown netNotShown = iota
	netWaiting
	netAttached
	netFailed
	// netUnrecorded: a trace replayed holds no network sample.
	netUnrecorded
)

// netPane is the network pane: the directed matrix of Raft messages per
// second between members over the last second (row: from, column: to),
// with each link's rule (✂ cut, a delay, a loss) and the kind of traffic
// it carries. It takes every sample its trace keeps (trace.NetDue: on a
// change of rule or stream, and once a second), open or not, so that a
// moment rewound or replayed draws the sample of that moment; it lays
// the matrix out only while open.
type netPane struct {
	styles *Styles
	ink    inks
	open   bool
	stats  cluster.NetStats
	names  []string
	// idx maps a link's from and to to its index in stats.Links.
	idx map[[2]string]int
	why netNotShown
	err error
	// cramped is set when the layout could not give the whole matrix, and
	// room is then how many lines it had.
	cramped bool
	room    int
	// x is the matrix laid out for the width, kept from one sample (or
	// size) to the next so that View only draws it.
	x     matrix
	width int // inner width
	lines int // given by the layout; 0 hides the pane
}

func newNetPane(s *Styles) netPane {
	return netPane{styles: s, ink: newInks(s), why: netWaiting}
}

// update takes a sample of the network.
func (p netPane) update(msg netMsg) netPane {
	switch {
	case errors.Is(msg.err, cluster.ErrAttached):
		p.why, p.err = netAttached, msg.err
		return p
	case msg.err != nil:
		p.why, p.err = netFailed, msg.err
		return p
	}
	p.why, p.err, p.stats = netShown, nil, msg.stats
	p.names = nil
	p.idx = make(map[[2]string]int, len(msg.stats.Links))
	for i, l := range msg.stats.Links {
		if !containsName(p.names, l.From) {
			p.names = append(p.names, l.From)
		}
		p.idx[[2]string{l.From, l.To}] = i
	}
	if p.open {
		p.x = p.grid()
	}
	return p
}

// sampled returns the last sample taken, nil if there is none.
func (p netPane) sampled() *cluster.NetStats {
	if p.why != netShown {
		return nil
	}
	return &p.stats
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

// height returns the lines the open pane needs with n members: its title,
// the column names and a row per member; one line when it can only say
// why it is empty.
func (p netPane) height(n int) int {
	if !p.open {
		return 0
	}
	if p.why == netAttached || p.why == netFailed || p.why == netUnrecorded {
		return 1
	}
	return 2 + max(n, len(p.names))
}

func (p *netPane) setSize(w, h int) {
	p.width = w - p.styles.Pane.GetHorizontalFrameSize()
	p.lines = h
	if p.why == netShown && p.open {
		p.x = p.grid()
	}
}

// rateText formats a rate in at most four cells: 7, 312, 1.2k, 35k.
func rateText(n uint64) string {
	switch {
	case n < 1000:
		return strconv.FormatUint(n, 10)
	case n < 10000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	case n < 1000000:
		return strconv.FormatUint(n/1000, 10) + "k"
	}
	return strconv.FormatUint(n/1000000, 10) + "M"
}

// ruleForm is how fully a cell spells its link's rule.
type ruleForm int

const (
	ruleFull   ruleForm = iota // 50ms±20ms 20%
	ruleNoJit                  // ~50ms 20%: the jitter left to net
	ruleSymbol                 // ◷ %: the legend says which
)

// ruleText spells a rule's delay and loss (the cut is drawn apart).
func ruleText(r network.Rule, f ruleForm) string {
	var parts []string
	if r.Delay > 0 || r.Jitter > 0 {
		switch {
		case f == ruleSymbol:
			parts = append(parts, "◷")
		case r.Jitter > 0 && f == ruleNoJit:
			parts = append(parts, "~"+r.Delay.String())
		case r.Jitter > 0:
			parts = append(parts, r.Delay.String()+"±"+r.Jitter.String())
		default:
			parts = append(parts, r.Delay.String())
		}
	}
	if r.Loss > 0 {
		if f == ruleSymbol {
			parts = append(parts, "%")
		} else {
			parts = append(parts, strconv.FormatFloat(r.Loss, 'g', -1, 64)+"%")
		}
	}
	return strings.Join(parts, " ")
}

// cell is one link as drawn: the rate and its traffic glyph (or ✂), and
// before it the rule's delay and loss.
type cell struct {
	head, rule string
	traffic    traffic
	cut, self  bool
}

// width is the cell's width: "RULE HEAD" or "HEAD".
func (c cell) width() int {
	if c.rule == "" {
		return lipgloss.Width(c.head)
	}
	return lipgloss.Width(c.rule) + 1 + lipgloss.Width(c.head)
}

func (p netPane) cellOf(from, to string, f ruleForm) cell {
	if from == to {
		return cell{head: "-", self: true}
	}
	i, ok := p.idx[[2]string{from, to}]
	if !ok {
		return cell{head: "?"}
	}
	l := p.stats.Links[i]
	c := cell{rule: ruleText(l.Rule, f), cut: l.Rule.Cut}
	if c.cut {
		c.head = cutGlyph
		return c
	}
	c.traffic = trafficOf(l.LastSecond)
	c.head = rateText(l.LastSecond.Total()) + trafficGlyph[c.traffic]
	return c
}

// matrix is the pane's cells laid out for the width: a column per
// receiver, each as wide as its widest cell, the heads right-aligned so
// that the rates line up.
type matrix struct {
	cells [][]cell
	colW  []int
	label int
	form  ruleForm
}

// grid lays the matrix out in the fullest rule form that fits the width.
func (p netPane) grid() matrix {
	x := matrix{label: lipgloss.Width(netCorner), colW: make([]int, len(p.names))}
	for _, n := range p.names {
		x.label = max(x.label, lipgloss.Width(n))
	}
	for x.form = ruleFull; ; x.form++ {
		x.cells = make([][]cell, len(p.names))
		total := x.label
		for c, to := range p.names {
			x.colW[c] = lipgloss.Width(to)
		}
		for r, from := range p.names {
			x.cells[r] = make([]cell, len(p.names))
			for c, to := range p.names {
				cl := p.cellOf(from, to, x.form)
				x.cells[r][c] = cl
				x.colW[c] = max(x.colW[c], cl.width())
			}
		}
		for _, w := range x.colW {
			total += netGap + w
		}
		if total <= p.width || x.form == ruleSymbol {
			return x
		}
	}
}

// netCorner heads the column of senders.
const netCorner = "from╲to"

// netGap is the space before each column.
const netGap = 2

// view draws the pane in its lines.
func (p netPane) view() string {
	k := p.ink
	title := k.title.wrap("NETWORK")
	switch {
	case p.why == netAttached:
		return frame(p.styles.Pane, clip(title+k.dim.wrap("  empty: attached, etcdlab runs no relay here and sees no Raft message"), p.width))
	case p.why == netUnrecorded:
		return frame(p.styles.Pane, clip(title+k.dim.wrap("  empty: this trace holds no sample of the network (etcdlab recorded none then)"), p.width))
	case p.why == netFailed:
		return frame(p.styles.Pane, clip(title+"  "+k.warn.wrap(p.err.Error()), p.width))
	case p.cramped:
		return frame(p.styles.Pane, clip(title+k.warn.wrap(fmt.Sprintf("  needs %d lines, has %d: enlarge the terminal (l closes)", p.height(len(p.names)), p.room)), p.width))
	case p.why == netWaiting || len(p.names) == 0:
		return frame(p.styles.Pane, clip(title+k.dim.wrap("  waiting for the first sample of the relays…"), p.width))
	}
	x := p.x
	lines := []string{clip(title+"  "+k.dim.wrap(netLegend(p.width-len("NETWORK  "), x.form == ruleSymbol)), p.width)}
	var b strings.Builder
	b.WriteString(k.dim.wrap(pad(netCorner, x.label, false)))
	for c, n := range p.names {
		b.WriteString(strings.Repeat(" ", netGap))
		b.WriteString(k.label.wrap(pad(n, x.colW[c], true)))
	}
	lines = append(lines, clip(b.String(), p.width))
	for r, from := range p.names {
		b.Reset()
		b.WriteString(k.label.wrap(pad(from, x.label, false)))
		for c, cl := range x.cells[r] {
			b.WriteString(strings.Repeat(" ", netGap+x.colW[c]-cl.width()))
			p.drawCell(&b, cl)
		}
		lines = append(lines, clip(b.String(), p.width))
	}
	return frame(p.styles.Pane, lines...)
}

// drawCell writes the rule, then the head painted by what it says.
func (p netPane) drawCell(b *strings.Builder, x cell) {
	k := p.ink
	if x.rule != "" {
		b.WriteString(k.warn.wrap(x.rule))
		b.WriteByte(' ')
	}
	switch {
	case x.cut:
		b.WriteString(k.cut.wrap(x.head))
	case x.traffic == trafficLog:
		b.WriteString(k.value.wrap(x.head))
	case x.traffic == trafficVote:
		b.WriteString(k.warn.wrap(x.head))
	default:
		b.WriteString(k.dim.wrap(x.head))
	}
}

// netLegend says what the cells mean in at most w cells: the fullest of its
// forms that fits. A delay (50ms±20ms) and a loss (20%) spell themselves
// out, unless the width left only their symbols.
func netLegend(w int, symbols bool) string {
	g := trafficGlyph
	marks := func(wide bool) string {
		items := []string{g[trafficLog] + " appends", g[trafficBeat] + " heartbeats only", g[trafficVote] + " votes", cutGlyph + " cut"}
		if wide {
			items[0] = g[trafficLog] + " appends or acks"
		}
		if symbols {
			items = append(items, "◷ delay", "% loss")
		}
		return strings.Join(items, " ")
	}
	for _, f := range []string{
		"Raft messages/s over the last second, from row to column: " + marks(true),
		"Raft msg/s over the last second, row → column: " + marks(false),
		"msg/s, row → column: " + marks(false),
	} {
		if lipgloss.Width(f) <= w {
			return f
		}
	}
	return "msg/s: " + strings.ReplaceAll(marks(false), " only", "")
}
