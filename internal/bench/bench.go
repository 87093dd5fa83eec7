package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"google.golang.org/grpc/grpclog"
)

// Options is what `etcdlab bench` measures.
type Options struct {
	// Runs is how many times every measurement is repeated; the table
	// shows medians.
	Runs int
	// Clients and Puts shape the load: Clients clients, each with its own
	// connection to every member, each doing Puts sequential puts.
	Clients int
	Puts    int
	// BasePort is the first of PortSpan ports the clusters use.
	BasePort int
	// Idle is the window over which idle CPU is measured.
	Idle time.Duration
}

// DefaultOptions returns the options of a plain `etcdlab bench`.
func DefaultOptions() Options {
	return Options{Runs: 5, Clients: 16, Puts: 150, BasePort: 14000, Idle: 10 * time.Second}
}

// Validate checks every option and returns one line saying what is wrong.
func (o Options) Validate() error {
	switch {
	case o.Runs < 1 || o.Runs > 20:
		return fmt.Errorf("--runs %d is out of range: choose 1 to 20", o.Runs)
	case o.Clients < 1 || o.Clients > 256:
		return fmt.Errorf("--clients %d is out of range: choose 1 to 256", o.Clients)
	case o.Puts < 1 || o.Puts > 100000:
		return fmt.Errorf("--puts %d is out of range: choose 1 to 100000", o.Puts)
	case o.BasePort < 1024 || o.BasePort+PortSpan > 65536:
		return fmt.Errorf("--base-port %d is out of range: the bench uses %d ports from it; choose 1024 to %d (below 32768 is best)", o.BasePort, PortSpan, 65536-PortSpan)
	case o.Idle < time.Second || o.Idle > 5*time.Minute:
		return fmt.Errorf("--idle %s is out of range: choose 1s to 5m", o.Idle)
	}
	return nil
}

// settle is how long a cluster is left alone after it is ready and before
// its idle window starts.
const settle = 2 * time.Second

// Run measures both sides o.Runs times (each run: the main round, what
// the relays cost, and the lab against processes at 5 and 9 members), then
// the UI, and writes the tables to stdout; progress goes to stderr. Every process it starts is killed
// and every file it writes removed, however it returns.
func Run(ctx context.Context, o Options, stdout, stderr io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if runtime.GOOS != "linux" {
		return fmt.Errorf("bench reads /proc: it runs on Linux only")
	}
	began := time.Now()
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		return fmt.Errorf("bench runs the UI in tmux, which is not installed (apt-get install tmux)")
	}
	fmt.Fprintf(stderr, "building etcd v3.7.3 into %s\n", filepath.Join(root, ".cache", "etcd"))
	etcdBin, etcdVersion, err := buildEtcd(ctx, root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "etcdlab-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	e := &env{self: self, etcd: etcdBin, tmp: tmp, ports: &portBlocks{base: o.BasePort}, tmuxSock: fmt.Sprintf("etcdlab-bench-%d", os.Getpid())}
	defer exec.Command("tmux", "-L", e.tmuxSock, "kill-server").Run()
	// clientv3 is quiet with a nop logger; grpc logs on its own.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, io.Discard))

	b := &bencher{o: o, e: e, res: newResults(), stderr: stderr}
	m := machine(etcdVersion)
	fmt.Fprintf(stderr, "%s; load average %s\n", m.summary(), m.load)
	for i := range o.Runs {
		b.run = i + 1
		// Odd runs start with the processes, so that a drift of the
		// machine hits both sides alike.
		if err := b.round(ctx, i%2 == 1); err != nil {
			return err
		}
		if err := b.relayRound(ctx, i%2 == 0); err != nil {
			return err
		}
		if err := b.scaleRound(ctx, i%2 == 1); err != nil {
			return err
		}
	}
	if err := b.uiRound(ctx, root); err != nil {
		return err
	}
	m.loadAfter = loadAverage()
	report(stdout, o, m, b.res, time.Since(began))
	return nil
}

// bencher runs the rounds and collects what they measure.
type bencher struct {
	o      Options
	e      *env
	res    *results
	stderr io.Writer
	run    int
}

func (b *bencher) logf(format string, args ...any) {
	fmt.Fprintf(b.stderr, "run %d/%d  %s\n", b.run, b.o.Runs, fmt.Sprintf(format, args...))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// side is one kind of cluster under measurement.
type side struct {
	key   string // "lab" or "proc"
	label string
	start func(context.Context, int) (*instance, error)
	inst  *instance
}

// stop stops the side's cluster, if one runs.
func (s *side) stop() {
	if s.inst != nil {
		s.inst.stop()
		s.inst = nil
	}
}

// round is one run: the TUI, `etcdlab serve` and three etcd processes, each
// started while the others idle and timed to ready; one idle window for
// all three; the TUI stopped, then loads in the order A B B A; a failover
// on each side; then 5 members and again 3 of each side timed to
// ready, and cluster.Launch in this process.
func (b *bencher) round(ctx context.Context, procsFirst bool) error {
	lab := &side{key: "lab", label: "lab serve", start: b.e.startLab}
	procs := &side{key: "proc", label: "processes", start: b.e.startProcesses}
	tui := &side{key: "tui", label: "lab TUI", start: b.e.startTUI}
	order := []*side{tui, lab, procs}
	if procsFirst {
		order = []*side{procs, lab, tui}
	}
	defer func() {
		for _, s := range order {
			s.stop()
		}
	}()
	for _, s := range order {
		inst, err := s.start(ctx, 3)
		if err != nil {
			return err
		}
		s.inst = inst
		b.res.add("ready3."+s.key, ms(inst.ready))
	}
	b.logf("3 members ready after: lab serve %.0f ms, processes %.0f ms, TUI %.0f ms", ms(lab.inst.ready), ms(procs.inst.ready), ms(tui.inst.ready))

	if err := b.idleRound(ctx, tui, lab, procs); err != nil {
		return err
	}
	tui.stop()

	first, second := lab, procs
	if procsFirst {
		first, second = procs, lab
	}
	if err := b.loadRound(ctx, []*side{first, second, second, first}, []*side{lab, procs}); err != nil {
		return err
	}
	if err := b.failoverRound(ctx, []*side{first, second}); err != nil {
		return err
	}
	for _, s := range order {
		s.stop()
	}
	if err := b.readyRound(ctx, []*side{first, second}); err != nil {
		return err
	}
	return b.launchRound(ctx)
}

// idleRound measures the CPU and memory of the three running sides over
// one idle window, after they have settled.
func (b *bencher) idleRound(ctx context.Context, tui, lab, procs *side) error {
	if err := sleep(ctx, settle); err != nil {
		return err
	}
	idles, err := measureIdle(ctx, [][]int{tui.inst.pids, lab.inst.pids, procs.inst.pids}, b.o.Idle)
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	for i, key := range []string{"tui", "serve", "proc"} {
		b.res.add("cpu."+key, idles[i].cpuPct)
		b.res.add("rss."+key, idles[i].rssMB)
		b.res.add("anon."+key, idles[i].anonMB)
	}
	b.logf("idle CPU / RSS: TUI %.2f%% %.1f MB, serve %.2f%% %.1f MB, processes %.2f%% %.1f MB",
		idles[0].cpuPct, idles[0].rssMB, idles[1].cpuPct, idles[1].rssMB, idles[2].cpuPct, idles[2].rssMB)
	return nil
}

// loadRound runs a load on each side of order in turn (A B B A, so that a
// drift of the machine hits both alike), then records the loads of each
// of sides, pooled.
func (b *bencher) loadRound(ctx context.Context, order, sides []*side) error {
	loads := map[string][]loadResult{}
	for _, s := range order {
		lr, err := runLoad(ctx, s.inst.urls, b.o.Clients, b.o.Puts)
		if err != nil {
			return fmt.Errorf("%s: load: %w", s.label, err)
		}
		loads[s.key] = append(loads[s.key], lr)
	}
	for _, s := range sides {
		lr := merge(loads[s.key])
		b.res.add("puts."+s.key, lr.putsPerSec)
		b.res.add("p50."+s.key, ms(lr.p50))
		b.res.add("p99."+s.key, ms(lr.p99))
		b.res.add("errors."+s.key, float64(lr.errors))
		b.logf("%-10s 2 x %d x %d puts: %6.0f puts/s   p50 %5.2f ms   p99 %6.2f ms   %d failed", s.label, b.o.Clients, b.o.Puts, lr.putsPerSec, ms(lr.p50), ms(lr.p99), lr.errors)
	}
	return nil
}

// failoverRound kills the leader of each running side and times the first
// write after it.
func (b *bencher) failoverRound(ctx context.Context, sides []*side) error {
	for _, s := range sides {
		fo, leader, err := failover(ctx, s.inst.urls, s.inst.kill)
		if err != nil {
			return fmt.Errorf("%s: failover: %w", s.label, err)
		}
		b.res.add("failover."+s.key, ms(fo))
		b.logf("%-10s killed the leader %s: first write after %4.0f ms", s.label, leader, ms(fo))
	}
	return nil
}

// readyRound starts 5 members, then again 3, of each side and times them
// to ready. It gives 3 members a second sample per run: the first
// election comes on a random tick, so time to ready varies more than
// anything else here.
func (b *bencher) readyRound(ctx context.Context, sides []*side) error {
	for _, n := range []int{5, 3} {
		for _, s := range sides {
			inst, err := s.start(ctx, n)
			if err != nil {
				return err
			}
			inst.stop()
			b.res.add(fmt.Sprintf("ready%d.%s", n, s.key), ms(inst.ready))
		}
		l, _ := b.res.last(fmt.Sprintf("ready%d.lab", n))
		p, _ := b.res.last(fmt.Sprintf("ready%d.proc", n))
		b.logf("%d members ready after: lab serve %.0f ms, processes %.0f ms", n, l, p)
	}
	return nil
}

// launchRound times cluster.Launch in this process, as BenchmarkLaunch
// does: members started one after another until every one is ready.
func (b *bencher) launchRound(ctx context.Context) error {
	var took []string
	for _, n := range []int{3, 5} {
		base, err := b.e.ports.take()
		if err != nil {
			return err
		}
		c, err := cluster.New(cluster.Config{Members: n, BasePort: base, DataDir: b.e.dir("launch"), LogFile: "-",
			HeartbeatMs: heartbeatMs, ElectionMs: electionMs})
		if err != nil {
			return err
		}
		lctx, cancel := context.WithTimeout(ctx, readyWithin)
		start := time.Now()
		err = c.Launch(lctx)
		d := time.Since(start)
		cancel()
		c.Terminate()
		if err != nil {
			return fmt.Errorf("cluster.Launch of %d members: %w", n, err)
		}
		b.res.add(fmt.Sprintf("launch%d", n), ms(d))
		took = append(took, fmt.Sprintf("%d members %.0f ms", n, ms(d)))
	}
	b.logf("cluster.Launch in process: %s", strings.Join(took, ", "))
	return nil
}

// moduleRoot returns the root of etcdlab's source tree that holds the
// working directory.
func moduleRoot(ctx context.Context) (string, error) {
	const hint = "run etcdlab bench inside etcdlab's source tree: it builds etcd from the module and runs go test ./ui"
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v: %s", err, hint)
	}
	gomod := strings.TrimSpace(string(out))
	b, err := os.ReadFile(gomod)
	if err != nil || !strings.HasPrefix(string(b), "module github.com/etcdlab/etcdlab\n") {
		return "", fmt.Errorf("not in etcdlab's module (go.mod: %q): %s", gomod, hint)
	}
	return filepath.Dir(gomod), nil
}

// buildEtcd builds etcd's server binary at the module's version into
// ROOT/.cache/etcd and returns its path and version line.
func buildEtcd(ctx context.Context, root string) (string, string, error) {
	bin := filepath.Join(root, ".cache", "etcd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "go.etcd.io/etcd/server/v3")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build go.etcd.io/etcd/server/v3: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", "", fmt.Errorf("%s --version: %v", bin, err)
	}
	version, _, _ := strings.Cut(string(out), "\n")
	return bin, strings.TrimSpace(version), nil
}
