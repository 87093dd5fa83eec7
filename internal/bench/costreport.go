package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// costRow is one line of the relay-cost table: the lab's members with
// relays against the same members talking directly.
type costRow struct {
	metric         string
	relays, direct string // metric keys
	ratio          string // key of the per-run ratios; empty: the ratio of the medians
	prec           int
	unit, target   string
	met            func(ratio float64) bool
}

func costRows(o Options) []costRow {
	return []costRow{
		{fmt.Sprintf("put throughput, 3 members, %d clients × %d puts⁷", o.Clients, o.Puts), "puts.relays", "puts.direct", "ratio.puts.relays", 0, "puts/s", "≥ 0.95×", func(r float64) bool { return r >= 0.95 }},
		{"put latency p50⁷", "p50.relays", "p50.direct", "", 2, "ms", "", nil},
		{"put latency p99⁷", "p99.relays", "p99.direct", "", 2, "ms", "", nil},
		{"idle CPU, 3 members, % of one core⁷", "cpu.relays", "cpu.direct", "ratio.cpu.relays", 2, "%", "≤ 1.10×", func(r float64) bool { return r <= 1.10 }},
	}
}

// scaleMetric is one column of the scaling table, with the keys its 3
// members take from the main round.
type scaleMetric struct {
	name, key  string
	lab3, pro3 string
	prec       int
	unit       string
}

var scaleMetrics = []scaleMetric{
	{"time to ready", "ready", "ready3.lab", "ready3.proc", 0, "ms"},
	{"idle CPU, % of one core", "cpu", "cpu.serve", "cpu.proc", 2, "%"},
	{"RSS", "rss", "rss.serve", "rss.proc", 1, "MB"},
	{"put throughput", "puts", "puts.lab", "puts.proc", 0, "puts/s"},
}

// keys returns the metric keys of the lab and the processes at n members.
func (m scaleMetric) keys(n int) (lab, proc string) {
	if n == 3 {
		return m.lab3, m.pro3
	}
	return fmt.Sprintf("n%d.%s.lab", n, m.key), fmt.Sprintf("n%d.%s.proc", n, m.key)
}

const costFootnotes = `7. In the bench process, with cluster.Launch: 3 members as the lab runs them, every peer request through its relay (cluster/network), against 3 members with cluster.Config.DirectPeers, which listen on their peer ports and talk directly, as plain embedded etcd. Throughput: both clusters run, loaded in the order A B B A with the clients of note 4 (A flips every run). Idle CPU: one cluster at a time, the process's getrusage time over the idle window, 2 s after Launch returned; the status monitor runs in both. The ratio is the median of each run's ratio (relays / direct) where the row has a target, else the ratio of the medians.
8. The lab is ` + "`etcdlab serve`" + ` (relays on), the processes as many etcd processes; measured as in notes 1, 3 and 4. 3 members: the main round's serve rows. 5 and 9: per run, the two sides started one after the other (the order flips every run), one idle window for both, then loads A B B A. Ratios are of the medians.`

// reportCost writes the relay-cost and scaling tables.
func reportCost(w io.Writer, o Options, res *results) {
	fmt.Fprintln(w, "\nWhat the relays cost (medians):")
	fmt.Fprintln(w, "\n| metric | relays | direct peers (plain embed) | ratio relays / direct | target | met? |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range costRows(o) {
		a, aok := res.median(r.relays)
		d, dok := res.median(r.direct)
		if !aok || !dok {
			continue
		}
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', r.prec, 64) + " " + r.unit }
		ratio, ok := res.median(r.ratio)
		if !ok && d != 0 {
			ratio, ok = a/d, true
		}
		shown, met := "—", "—"
		if ok {
			shown = fmt.Sprintf("%.2f×", ratio)
			if r.met != nil {
				met = "yes"
				if rounded, _ := strconv.ParseFloat(fmt.Sprintf("%.2f", ratio), 64); !r.met(rounded) {
					met = "**no**"
				}
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.metric, f(a), f(d), shown, orDash(r.target), met)
	}

	fmt.Fprintln(w, "\nHow the cost grows with members: lab serve / etcd processes (ratio), medians⁸:")
	head := []string{"members"}
	for _, m := range scaleMetrics {
		head = append(head, m.name)
	}
	fmt.Fprintf(w, "\n| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, n := range append([]int{3}, scaleSizes...) {
		cells := []string{strconv.Itoa(n)}
		for _, m := range scaleMetrics {
			lk, pk := m.keys(n)
			l, lok := res.median(lk)
			p, pok := res.median(pk)
			if !lok || !pok || p == 0 {
				cells = append(cells, "—")
				continue
			}
			cells = append(cells, fmt.Sprintf("%s / %s %s (%.2f×)",
				strconv.FormatFloat(l, 'f', m.prec, 64), strconv.FormatFloat(p, 'f', m.prec, 64), m.unit, l/p))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintf(w, "\n%s\n", costFootnotes)
}

// reportCostRuns writes every run's values of the relay-cost and scaling
// tables.
func reportCostRuns(w io.Writer, o Options, res *results) {
	line := func(name string, prec int, unit string, keys ...string) {
		var cells []string
		for _, k := range keys {
			cells = append(cells, row{prec: prec, unit: unit}.list(res.vals[k]))
		}
		fmt.Fprintf(w, "| %s | %s |\n", name, strings.Join(cells, " | "))
	}
	fmt.Fprintf(w, "\n| metric | relays or lab | direct or processes |\n|---|---|---|\n")
	for _, r := range costRows(o) {
		line("relay cost: "+strings.TrimRight(r.metric, "⁷"), r.prec, r.unit, r.relays, r.direct)
		if r.ratio != "" {
			line("relay cost: ratio of "+strings.TrimRight(r.metric, "⁷"), 3, "×", r.ratio, "")
		}
	}
	for _, n := range scaleSizes {
		for _, m := range scaleMetrics {
			lk, pk := m.keys(n)
			line(fmt.Sprintf("%d members: %s", n, m.name), m.prec, m.unit, lk, pk)
		}
	}
}
