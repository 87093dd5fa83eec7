package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/testutil"
)

// bench tests own ports 16000-16999, below every other test package's
// range and apart from etcdlab bench's default 14000-15999: ports hands
// out 16000-16499, and the bench's own portBlocks start at inProcessBase.
var ports = &testutil.Ports{Start: 16000, End: inProcessBase, Block: 2 * cluster.MaxMembers}

const inProcessBase = 16500

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

func TestValidate(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"runs 0", func(o *Options) { o.Runs = 0 }, "--runs 0 is out of range: choose 1 to 20"},
		{"runs 21", func(o *Options) { o.Runs = 21 }, "--runs 21 is out of range"},
		{"clients 0", func(o *Options) { o.Clients = 0 }, "--clients 0 is out of range"},
		{"puts -1", func(o *Options) { o.Puts = -1 }, "--puts -1 is out of range"},
		{"base-port 80", func(o *Options) { o.BasePort = 80 }, "--base-port 80 is out of range"},
		{"base-port too high", func(o *Options) { o.BasePort = 64000 }, "--base-port 64000 is out of range"},
		{"idle 0", func(o *Options) { o.Idle = 0 }, "--idle 0s is out of range: choose 1s to 5m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			tt.edit(&o)
			err := o.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line with %q", err, tt.want)
			}
		})
	}
}

func TestQuantiles(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if q := quantile(lat, 0.5); q != 100*time.Millisecond {
		t.Errorf("p50 %v", q)
	}
	if q := quantile(lat, 0.99); q != 198*time.Millisecond {
		t.Errorf("p99 %v", q)
	}
	if q := quantile(nil, 0.5); q != 0 {
		t.Errorf("p50 of nothing %v", q)
	}
	if m, _ := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median %v", m)
	}
	if m, _ := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median %v", m)
	}
	if _, ok := median(nil); ok {
		t.Error("median of nothing")
	}
	m := merge([]loadResult{
		{lat: lat[:100], wall: time.Second, errors: 1},
		{lat: lat[100:], wall: time.Second},
	})
	if m.putsPerSec != 100 || m.p50 != 100*time.Millisecond || m.errors != 1 {
		t.Errorf("merged %v puts/s, p50 %v, %d errors", m.putsPerSec, m.p50, m.errors)
	}
}

func TestBenchMetrics(t *testing.T) {
	out := `goos: linux
BenchmarkView9MembersColors/ascii-2         	    4760	    227237 ns/op	   62936 B/op	     948 allocs/op
BenchmarkView9MembersColors/ascii-2         	    4760	    221301 ns/op	   62936 B/op	     948 allocs/op
BenchmarkView9MembersColors/ansi16-2        	     986	   1211792 ns/op	   84647 B/op	    1338 allocs/op
BenchmarkLeaderOnScreen-2 	       5	1330187501 ns/op	        32.81 max-ms-to-frame	        28.02 ms-to-frame
PASS`
	if got := benchMetrics(out, "BenchmarkView9MembersColors/ascii", "ns/op"); len(got) != 2 || got[0] != 227237 || got[1] != 221301 {
		t.Errorf("View ns/op %v", got)
	}
	if got := benchMetrics(out, "BenchmarkLeaderOnScreen", "ms-to-frame"); len(got) != 1 || got[0] != 28.02 {
		t.Errorf("ms-to-frame %v", got)
	}
	if got := benchMetrics(out, "BenchmarkView9MembersColors/ansi", "ns/op"); len(got) != 0 {
		t.Errorf("a prefix of a name matched: %v", got)
	}
}

func TestProcReaders(t *testing.T) {
	self := os.Getpid()
	if _, err := cpuTicks([]int{self}); err != nil {
		t.Error(err)
	}
	one, err := readMem([]int{self})
	if err != nil || one.rss <= 0 || one.anon <= 0 || one.anon > one.rss {
		t.Errorf("memory %+v kB, %v", one, err)
	}
	idles, err := measureIdle(context.Background(), [][]int{{self}, {self, self}}, time.Second)
	if err != nil || len(idles) != 2 || idles[0].rssMB <= 0 || idles[1].rssMB < 1.5*idles[0].rssMB {
		t.Errorf("idle %+v, %v", idles, err)
	}
	if _, err := cpuTicks([]int{1 << 30}); err == nil {
		t.Error("no error for a pid that does not exist")
	}
	if !alive(self) || alive(1<<30) {
		t.Error("alive")
	}
}

// TestSmoke runs the measurements on a 3-member cluster in this process:
// ready, a small load, a failover and a report.
func TestSmoke(t *testing.T) {
	var c *cluster.Cluster
	for c == nil {
		var err error
		c, err = cluster.New(cluster.Config{Members: 3, BasePort: ports.Next(t), DataDir: t.TempDir(), LogFile: "-"})
		var pe *cluster.PortInUseError
		if errors.As(err, &pe) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(c.Terminate)
	var urls []string
	for _, e := range c.Endpoints() {
		urls = append(urls, e.ClientURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	clients, err := readyClients(urls)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(clients)
	start := time.Now()
	if err := c.Launch(ctx); err != nil {
		t.Fatal(err)
	}
	ready, err := waitReady(ctx, clients, start, 20*time.Second)
	if err != nil || ready <= 0 {
		t.Fatalf("ready after %v: %v", ready, err)
	}

	lr, err := runLoad(ctx, urls, 4, 20)
	if err != nil {
		t.Fatal(err)
	}
	if lr.errors != 0 || len(lr.lat) != 80 || lr.putsPerSec <= 0 || lr.p50 <= 0 || lr.p99 < lr.p50 {
		t.Errorf("load: %d errors, %d latencies, %v puts/s, p50 %v, p99 %v", lr.errors, len(lr.lat), lr.putsPerSec, lr.p50, lr.p99)
	}

	var killed string
	took, leader, err := failover(ctx, urls, func(name string) error {
		killed = name
		err := c.Kill(name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if leader != killed || took < 500*time.Millisecond {
		t.Errorf("failover: killed %s, leader %s, first write after %v (an election takes at least 1s)", killed, leader, took)
	}
	if m, _ := c.Status().Member(killed); m.State != cluster.Killed {
		t.Errorf("%s is %s", killed, m.State)
	}

	res := newResults()
	res.add("ready3.lab", ms(ready))
	res.add("puts.lab", lr.putsPerSec)
	res.add("puts.proc", lr.putsPerSec*2)
	res.add("failover.lab", ms(took))
	res.add("cpu.tui", 2.2000001)
	res.add("cpu.proc", 2.1999999)
	for k, v := range map[string]float64{"puts.relays": 950, "puts.direct": 1000, "ratio.puts.relays": 0.949,
		"cpu.relays": 2.2, "cpu.direct": 2.0, "ratio.cpu.relays": 1.1, "n9.puts.lab": 2000, "n9.puts.proc": 1000} {
		res.add(k, v)
	}
	var out bytes.Buffer
	report(&out, DefaultOptions(), machine("etcd Version: 3.7.3"), res, time.Minute)
	for _, want := range []string{
		"command: `etcdlab bench --runs 5 --clients 16 --puts 150 --idle 10s --base-port 14000`",
		"| metric | lab | 3 processes | ratio lab / processes | target | met? |",
		"| put throughput, 16 clients × 150 puts⁴ |",
		"| 0.50× | ≥ 1.0 × processes' | **no** |",
		"| 2.20 % | 2.20 % | 1.00× | ≤ processes' | yes |",
		"| put throughput, 3 members, 16 clients × 150 puts⁷ | 950 puts/s | 1000 puts/s | 0.95× | ≥ 0.95× | yes |",
		"| idle CPU, 3 members, % of one core⁷ | 2.20 % | 2.00 % | 1.10× | ≤ 1.10× | yes |",
		"| 9 | — | — | — | 2000 / 1000 puts/s (2.00×) |",
		"| relay cost: ratio of put throughput, 3 members, 16 clients × 150 puts | 0.949 × | — |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRelayRound measures what the relays cost on small loads: both
// clusters run and take puts, and an idle window is measured for each. A
// cluster with DirectPeers has no network to break.
func TestRelayRound(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := &bencher{o: Options{Runs: 1, Clients: 4, Puts: 20, Idle: time.Second},
		e: &env{tmp: t.TempDir(), ports: &portBlocks{base: inProcessBase}}, res: newResults(), stderr: io.Discard}
	c, _, err := b.launchInProcess(ctx, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Isolate("etcd1")
	_, serr := c.NetStats()
	c.Terminate()
	if err == nil || !strings.Contains(err.Error(), "DirectPeers") || serr == nil {
		t.Fatalf("a cluster without relays: isolate said %v, NetStats %v", err, serr)
	}

	if err := b.relayRound(ctx, true); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"puts.relays", "puts.direct", "ratio.puts.relays", "cpu.relays", "cpu.direct", "ratio.cpu.relays"} {
		if v, ok := b.res.last(k); !ok || v <= 0 {
			t.Errorf("%s = %v, %v", k, v, ok)
		}
	}
	for _, k := range []string{"errors.relays", "errors.direct"} {
		if v, _ := b.res.last(k); v != 0 {
			t.Errorf("%s: %v puts failed", k, v)
		}
	}
}
