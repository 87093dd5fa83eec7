package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/workload"
)

const (
	// chartSpan is the time the load chart covers at most, one cell a
	// second: what LoadStats keeps.
	chartSpan = 60 * time.Second
	// chartLabelW is the width of the row labels ("errors ").
	chartLabelW = 7
	// chartRightW is the room kept right of the bars for the numbers, so
	// that none is ever cut: the widest is a latency and its maximum,
	// "999.9ms last, max 999.9ms" (latencyText is at most 7 cells wide).
	chartRightW = 26
	// chartFull and chartCompact are the chart's heights with and without
	// the p50 row.
	chartFull    = 6
	chartCompact = 5
)

// barGlyphs are the eighths of a bar; a value above zero shows at least ▁.
var barGlyphs = []string{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// Cells without a sample are blank; a sample of zero is a dot, so that a
// second without a successful operation reads apart from no data.
const (
	chartNoData = " "
	chartZero   = "·"
	chartAxis   = "─"
)

// markOf returns the symbol of an event on the chart's axis and its rank:
// a cell shows the highest-ranked event it holds. Other events have none.
func markOf(k cluster.EventKind) (string, int) {
	switch k {
	case cluster.MemberKilled, cluster.MemberStopped, cluster.MemberFailed, cluster.MemberRemoved:
		return "✗", 4
	case cluster.Partitioned, cluster.MemberUnreachable:
		return "✂", 3
	case cluster.LeaderElected, cluster.LeaderChanged:
		return "★", 2
	case cluster.MemberRestarted, cluster.Healed, cluster.MemberReachable:
		return "↺", 1
	}
	return "", 0
}

// markLegend says what the symbols of the events row stand for.
const markLegend = "✗ kill/stop ✂ partition ★ election ↺ restart/heal"

// loadChart draws the current or last load over the last minute: ops per
// second, p50 and p99 latency and errors, one cell a second with now at the
// right, over a row of the cluster's events on the same time axis.
type loadChart struct {
	styles *Styles
	st     workload.LoadStats
	now    time.Time
	width  int // inner width
	lines  int // given by the layout: 0 hides the chart
	ink    inks
}

func newLoadChart(s *Styles) loadChart {
	return loadChart{styles: s, ink: newInks(s)}
}

// update takes a sample of the lab.
func (c loadChart) update(msg labMsg) loadChart {
	c.st, c.now = msg.load, msg.at
	return c
}

func (c *loadChart) setSize(w, h int) {
	c.width = w - c.styles.Pane.GetHorizontalFrameSize()
	c.lines = h
}

// wanted reports whether there is a load to draw: one runs, or its last
// second has not yet scrolled out of the chart.
func (c loadChart) wanted() bool {
	if c.st.Started.IsZero() {
		return false
	}
	if c.st.Running {
		return true
	}
	return c.now.Sub(c.last()) < chartSpan
}

// last is the end of the newest sample, or the start before the first.
func (c loadChart) last() time.Time {
	if n := len(c.st.Samples); n > 0 {
		return c.st.Samples[n-1].Time
	}
	return c.st.Started
}

// cells returns how many seconds fit beside the labels and the numbers.
func (c loadChart) cells() int {
	return max(min(int(chartSpan/time.Second), c.width-chartLabelW-1-chartRightW), 1)
}

// end returns the end of the rightmost cell: the second in progress. The
// cells are aligned with the samples, which end on whole seconds of the
// load, so that the bars step left without shimmering.
func (c loadChart) end() time.Time {
	last := c.last()
	k := time.Duration(0)
	if c.now.After(last) {
		k = c.now.Sub(last) / time.Second
	}
	return last.Add((k + 1) * time.Second)
}

// sampleCell returns the cell of a sample ending at t, or -1 if off the chart.
func sampleCell(end, t time.Time, n int) int {
	k := int((end.Sub(t) + time.Second/2) / time.Second)
	if j := n - 1 - k; j >= 0 && j < n {
		return j
	}
	return -1
}

// bar returns the glyph of v on a scale up to top.
func bar(v, top int64) string {
	if v <= 0 {
		return chartZero
	}
	i := int((v*int64(len(barGlyphs)) + top - 1) / max(top, 1))
	return barGlyphs[min(max(i-1, 0), len(barGlyphs)-1)]
}

// latencyText formats a latency like "2.1ms", "850µs" or "1.52s".
func latencyText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// view draws the title, a row of bars per measure, then the events row.
func (c loadChart) view() string {
	k := c.ink
	n := c.cells()
	end := c.end()
	idx, topOps, topErr, top50, top99 := c.place(end, n)

	row := func(label string, p paint, cell func(workload.LoadSample) string, right string) string {
		var b strings.Builder
		b.WriteString(k.label.wrap(pad(label, chartLabelW, false)))
		var cells strings.Builder
		for _, i := range idx {
			if i < 0 {
				cells.WriteString(chartNoData)
				continue
			}
			cells.WriteString(cell(c.st.Samples[i]))
		}
		b.WriteString(p.wrap(cells.String()))
		b.WriteString(" ")
		b.WriteString(right)
		return clip(b.String(), c.width)
	}
	latency := func(pick func(workload.LoadSample) time.Duration, top time.Duration) func(workload.LoadSample) string {
		return func(sm workload.LoadSample) string {
			if sm.Ops == 0 {
				return chartNoData
			}
			return bar(int64(pick(sm)), int64(top))
		}
	}

	var cur workload.LoadSample
	have := len(c.st.Samples) > 0
	if have {
		cur = c.st.Samples[len(c.st.Samples)-1]
	}
	when := " now, max "
	if !c.st.Running {
		when = " last, max "
	}
	num := func(now, top string) string {
		if !have {
			return k.dim.wrap("waiting for the first second")
		}
		return k.value.wrap(now) + k.dim.wrap(when+top)
	}
	curLat := func(d time.Duration) string {
		if cur.Ops == 0 {
			return "-"
		}
		return latencyText(d)
	}

	lines := []string{clip(c.title(n), c.width)}
	lines = append(lines, row("ops/s", k.bars, func(sm workload.LoadSample) string { return bar(int64(sm.Ops), topOps) },
		num(fmt.Sprint(cur.Ops), fmt.Sprint(topOps))))
	if c.lines >= chartFull {
		lines = append(lines, row("p50", k.bars, latency(func(sm workload.LoadSample) time.Duration { return sm.P50 }, top50), num(curLat(cur.P50), latencyText(top50))))
	}
	lines = append(lines, row("p99", k.bars, latency(func(sm workload.LoadSample) time.Duration { return sm.P99 }, top99), num(curLat(cur.P99), latencyText(top99))))
	lines = append(lines, row("errors", k.errs, func(sm workload.LoadSample) string { return bar(int64(sm.Errors), topErr) },
		num(fmt.Sprint(cur.Errors), fmt.Sprint(topErr))))
	lines = append(lines, c.markRow(end, n))
	return frame(c.styles.Pane, lines...)
}

// place puts the samples in the n cells that end at end: idx[j] is the
// sample of cell j, -1 if it has none. Each row has its own scale, stated
// on its right: place also returns the top of each over the cells.
func (c loadChart) place(end time.Time, n int) (idx []int, topOps, topErr int64, top50, top99 time.Duration) {
	idx = make([]int, n)
	for j := range idx {
		idx[j] = -1
	}
	for i, sm := range c.st.Samples {
		j := sampleCell(end, sm.Time, n)
		if j < 0 {
			continue
		}
		idx[j] = i
		topOps, topErr = max(topOps, int64(sm.Ops)), max(topErr, int64(sm.Errors))
		top50, top99 = max(top50, sm.P50), max(top99, sm.P99)
	}
	return idx, topOps, topErr, top50, top99
}

// title says whether the load runs, how many writes clients saw fail and
// how many of those were applied anyway, the seconds shown and the
// events' symbols (cut first when the line is too long).
func (c loadChart) title(n int) string {
	k := c.ink
	state := "stopped"
	if c.st.Running {
		state = fmt.Sprintf("running %ds", int(c.now.Sub(c.st.Started)/time.Second))
	}
	t := k.title.wrap("LOAD") + "  " + k.value.wrap(state)
	if f := c.st.FailedWrites; f > 0 {
		t += k.dim.wrap(" · ") + k.value.wrap(fmt.Sprint(f)) + k.dim.wrap(" writes failed, ") +
			k.value.wrap(fmt.Sprint(c.st.AppliedAnyway)) + k.dim.wrap(" applied anyway")
	}
	return t + k.dim.wrap(fmt.Sprintf(", last %ds: ", n)) + k.label.wrap(markLegend)
}

// markRow draws the cluster's events on the time axis, then the longest
// availability window.
func (c loadChart) markRow(end time.Time, n int) string {
	k := c.ink
	glyph := make([]string, n)
	rank := make([]int, n)
	for _, mk := range c.st.Marks {
		g, r := markOf(mk.Kind)
		if r == 0 {
			continue
		}
		back := 0
		if d := end.Sub(mk.Time); d > 0 {
			back = int(d / time.Second)
		}
		if j := n - 1 - back; j >= 0 && r > rank[j] {
			glyph[j], rank[j] = g, r
		}
	}
	var b strings.Builder
	b.WriteString(k.label.wrap(pad("events", chartLabelW, false)))
	var run strings.Builder
	for j := range n {
		if rank[j] == 0 {
			run.WriteString(chartAxis)
			continue
		}
		if run.Len() > 0 {
			b.WriteString(k.dim.wrap(run.String()))
			run.Reset()
		}
		b.WriteString(k.mark.wrap(glyph[j]))
	}
	if run.Len() > 0 {
		b.WriteString(k.dim.wrap(run.String()))
	}
	b.WriteString(" ")
	if o := c.st.Longest; o.Length > 0 {
		w := "max outage "
		if o.Open {
			w = "outage so far "
		}
		b.WriteString(k.label.wrap(w) + k.value.wrap(latencyText(o.Length)) + k.dim.wrap(" after "+o.Fault))
	} else {
		b.WriteString(k.dim.wrap("no outage"))
	}
	return clip(b.String(), c.width)
}
