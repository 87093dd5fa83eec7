package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// results holds every value measured, by metric key, in the order taken.
type results struct {
	vals map[string][]float64
}

func newResults() *results { return &results{vals: map[string][]float64{}} }

func (r *results) add(key string, v float64) { r.vals[key] = append(r.vals[key], v) }

// last returns the value a metric took last.
func (r *results) last(key string) (float64, bool) {
	vs := r.vals[key]
	if len(vs) == 0 {
		return 0, false
	}
	return vs[len(vs)-1], true
}

// median returns the median of a metric's values (the mean of the middle
// two for an even count).
func (r *results) median(key string) (float64, bool) {
	return median(r.vals[key])
}

func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// row is one line of the table: a metric of the lab, of the processes if
// they have it, and the target if it sets one.
type row struct {
	metric    string
	lab, proc string
	prec      int // digits after the point
	unit      string
	target    string
	met       func(lab, proc float64) bool
}

func (r row) format(v float64) string { return r.number(v) + " " + r.unit }

func (r row) number(v float64) string { return strconv.FormatFloat(v, 'f', r.prec, 64) }

func (r row) round(v float64) float64 {
	f, _ := strconv.ParseFloat(r.number(v), 64)
	return f
}

func rows(o Options) []row {
	atMost := func(limit float64) func(l, _ float64) bool { return func(l, _ float64) bool { return l <= limit } }
	below := func(limit float64) func(l, _ float64) bool { return func(l, _ float64) bool { return l < limit } }
	return []row{
		{"time to ready, 3 members¹", "ready3.lab", "ready3.proc", 0, "ms", "≤ 500 ms", atMost(500)},
		{"time to ready, 5 members (vs 5 processes)¹", "ready5.lab", "ready5.proc", 0, "ms", "≤ 800 ms", atMost(800)},
		{"time to ready, 3 members, TUI in tmux¹", "ready3.tui", "", 0, "ms", "", nil},
		{"cluster.Launch in process, 3 members²", "launch3", "", 0, "ms", "", nil},
		{"cluster.Launch in process, 5 members²", "launch5", "", 0, "ms", "", nil},
		{"idle CPU, TUI (status sampled every 80 ms), % of one core³", "cpu.tui", "cpu.proc", 2, "%", "≤ processes'", func(l, p float64) bool { return l <= p }},
		{"idle CPU, serve (no UI), % of one core³", "cpu.serve", "cpu.proc", 2, "%", "", nil},
		{"RSS, TUI³", "rss.tui", "rss.proc", 1, "MB", "≤ 0.5 × processes'", func(l, p float64) bool { return l <= p/2 }},
		{"RSS, serve (no UI)³", "rss.serve", "rss.proc", 1, "MB", "", nil},
		{"anonymous RSS (heap, stacks), TUI³", "anon.tui", "anon.proc", 1, "MB", "", nil},
		{"anonymous RSS (heap, stacks), serve³", "anon.serve", "anon.proc", 1, "MB", "", nil},
		{fmt.Sprintf("put throughput, %d clients × %d puts⁴", o.Clients, o.Puts), "puts.lab", "puts.proc", 0, "puts/s", "≥ 1.0 × processes'", func(l, p float64) bool { return l >= p }},
		{"put latency p50⁴", "p50.lab", "p50.proc", 2, "ms", "", nil},
		{"put latency p99⁴", "p99.lab", "p99.proc", 2, "ms", "", nil},
		{"failover: leader killed → first successful put⁵", "failover.lab", "failover.proc", 0, "ms", "", nil},
		{"View(), 9 members, full log and timeline, no colors (as in go test)⁶", "view.ascii", "", 0, "µs", "< 1 ms", below(1000)},
		{"View(), same, 16 colors⁶", "view.ansi16", "", 0, "µs", "< 1 ms", below(1000)},
		{"View(), same, 256 colors (tmux, xterm-256color)⁶", "view.ansi256", "", 0, "µs", "< 1 ms", below(1000)},
		{"View(), same, true color⁶", "view.truecolor", "", 0, "µs", "< 1 ms", below(1000)},
		{"leader change → first frame showing it, median⁶", "frame", "", 0, "ms", "≤ 100 ms", atMost(100)},
		{"leader change → first frame showing it, worst⁶", "frame.max", "", 0, "ms", "", nil},
	}
}

// footnotes say how each metric is measured.
const footnotes = `1. Two samples per run for 3 members, one for 5. From starting the process(es) until every member has answered a linearizable get through its own client (a new get every 10 ms). All etcd processes start at once; the lab starts its members one after another. The 3-member TUI, serve and processes start one after another while the ones already up idle; the order flips every run.
2. cluster.Launch inside the bench process (as BenchmarkLaunch), without starting a process: New is not timed, Launch runs until every member is ready.
3. utime+stime from /proc/PID/stat over one idle window shared by the TUI, serve and the processes, 2 s after the last was ready, no client connected; RSS is the mean of VmRSS sampled every 250 ms over the window; anonymous RSS is the same for RssAnon, VmRSS without the mapped binary and files (each etcd process counts its own mapping of the etcd binary in VmRSS, though the three share those pages in physical memory). Processes: the three summed. The TUI runs at 120x40 in a detached tmux session; tmux's own CPU is not counted.
4. The same client code for both: each client its own clientv3 over every client URL, sequential puts of 64-byte values, 3 untimed warm-up puts each. Every run loads each side twice, in the order A B B A (A flips every run); puts/s over both loads, quantiles over every put of both.
5. The leader is crashed (kill -9 of its process; the lab's kill command on serve's standard input); puts, one started every 10 ms over every URL, begin once the leader's client port refuses connections; the time runs from the kill to the first put that succeeds. It is dominated by etcd's randomized election timeout (1000-2000 ms), so it varies from run to run.
6. go test ./ui -bench (BenchmarkView9MembersColors: BenchmarkView9Members under each lipgloss color profile, 3 x 0.5s each; BenchmarkLeaderOnScreen: the real program over a real 3-member cluster, the leader killed and restarted max(runs, 5) times; from the moment cluster.Status first names the new leader to the first write of the renderer whose text holds "leader ★ NEW").`

// machineInfo describes where the bench ran.
type machineInfo struct {
	nproc     int
	cpu       string
	memGiB    float64
	kernel    string
	goVersion string
	etcd      string
	load      string
	loadAfter string
}

func machine(etcdVersion string) machineInfo {
	m := machineInfo{nproc: runtime.NumCPU(), goVersion: runtime.Version(), etcd: etcdVersion, load: loadAverage()}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	m.cpu = procField("/proc/cpuinfo", "model name")
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64)
		m.memGiB = kb / 1024 / 1024
	}
	return m
}

func (m machineInfo) summary() string {
	return fmt.Sprintf("%d CPUs (%s), %.1f GiB RAM, Linux %s, %s, %s", m.nproc, m.cpu, m.memGiB, m.kernel, m.goVersion, m.etcd)
}

// procField returns the value of the first "name: value" line of a /proc
// file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// command is the command line that repeats the bench.
func (o Options) command() string {
	return fmt.Sprintf("etcdlab bench --runs %d --clients %d --puts %d --idle %s --base-port %d", o.Runs, o.Clients, o.Puts, o.Idle, o.BasePort)
}

// report writes the table of medians, the values of every run and the
// notes, in Markdown.
func report(w io.Writer, o Options, m machineInfo, res *results, took time.Duration) {
	fmt.Fprintf(w, "command: `%s` (took %s)\n\n", o.command(), took.Round(time.Second))
	fmt.Fprintf(w, "machine: %s; load average before %s, after %s\n\n", m.summary(), m.load, m.loadAfter)
	fmt.Fprintf(w, "Medians of %d runs.\n\n", o.Runs)
	fmt.Fprintln(w, "| metric | lab | 3 processes | ratio lab / processes | target | met? |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows(o) {
		l, ok := res.median(r.lab)
		if !ok {
			continue
		}
		lab, proc, ratio, met := r.format(l), "—", "—", "—"
		p, pok := res.median(r.proc)
		if pok {
			proc = r.format(p)
			if p != 0 {
				ratio = fmt.Sprintf("%.2f×", l/p)
			}
		}
		if r.met != nil && (pok || r.proc == "") {
			met = "yes"
			// Compare what the table shows: its precision is that of the
			// measurement (a clock tick is 0.1 points of CPU over 10 s).
			if !r.met(r.round(l), r.round(p)) {
				met = "**no**"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.metric, lab, proc, ratio, orDash(r.target), met)
	}
	fmt.Fprintf(w, "\n%s\n", footnotes)
	reportCost(w, o, res)
	for _, k := range []string{"errors.lab", "errors.proc", "errors.relays", "errors.direct"} {
		for i, v := range res.vals[k] {
			if v > 0 {
				fmt.Fprintf(w, "\nnote: %s: %.0f puts failed in run %d\n", k, v, i+1)
			}
		}
	}

	fmt.Fprintf(w, "\nEvery run:\n\n| metric | lab | processes |\n|---|---|---|\n")
	for _, r := range rows(o) {
		if _, ok := res.vals[r.lab]; !ok {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", strings.TrimRight(r.metric, "¹²³⁴⁵⁶"), r.list(res.vals[r.lab]), r.list(res.vals[r.proc]))
	}
	reportCostRuns(w, o, res)
}

// list shows every run's value: "1 / 2 / 3 ms".
func (r row) list(vs []float64) string {
	if len(vs) == 0 {
		return "—"
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = r.number(v)
	}
	return strings.Join(out, " / ") + " " + r.unit
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
