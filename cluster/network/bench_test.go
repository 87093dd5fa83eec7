package network

import (
	"fmt"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"
)

// putBurst runs clients goroutines that each put n keys, spread over the
// members, and returns how long it took; it fails on any error.
func (c *tcluster) putBurst(b *testing.B, clients, n int, prefix string) time.Duration {
	var wg sync.WaitGroup
	errc := make(chan error, clients)
	start := time.Now()
	for g := 0; g < clients; g++ {
		m := c.members[g%len(c.members)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if err := c.put(m, fmt.Sprintf("%s-%d-%d", prefix, g, i), "value", 10*time.Second); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	close(errc)
	for err := range errc {
		b.Fatal(err)
	}
	return d
}

// BenchmarkPutThroughput compares put throughput through relays with
// members that talk directly, side by side: two 3-member clusters run at
// once, and each iteration puts 16 clients x 300 keys into each. The two
// sides alternate every 25 puts per client, so that load from outside the
// benchmark falls on both alike. relay/plain is the headline, over all
// puts and as the median of the iterations' ratios.
//
//	flock /tmp/etcdlab-test.lock go test ./cluster/network/ -run XXX -bench PutThroughput -benchtime 10x
func BenchmarkPutThroughput(b *testing.B) {
	const clients, puts, slice = 16, 300, 25
	relayed := newCluster(b, 3, opts{})
	plain := newCluster(b, 3, opts{plain: true})
	var tr, tp, cr, cp time.Duration
	var ratios []float64
	i := 0
	for b.Loop() {
		var dr, dp time.Duration
		for k := 0; k < puts/slice; k++ {
			sides := []*tcluster{relayed, plain}
			if k%2 == 1 {
				sides[0], sides[1] = plain, relayed
			}
			for _, c := range sides {
				cpu := cpuTime()
				d := c.putBurst(b, clients, slice, fmt.Sprintf("r%d-%d", i, k))
				cpu = cpuTime() - cpu
				if c == relayed {
					dr, cr = dr+d, cr+cpu
				} else {
					dp, cp = dp+d, cp+cpu
				}
			}
		}
		tr, tp = tr+dr, tp+dp
		ratios = append(ratios, dp.Seconds()/dr.Seconds())
		i++
	}
	n := float64(i * clients * puts)
	b.ReportMetric(n/tr.Seconds(), "relay-puts/s")
	b.ReportMetric(n/tp.Seconds(), "plain-puts/s")
	b.ReportMetric(tp.Seconds()/tr.Seconds(), "relay/plain")
	// CPU per put: this process's CPU time (both clusters, the idle one
	// included) while one side runs, over that side's puts.
	b.ReportMetric(float64(cr.Microseconds())/n, "relay-cpu-µs/put")
	b.ReportMetric(float64(cp.Microseconds())/n, "plain-cpu-µs/put")
	sort.Float64s(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "median-relay/plain")
	b.Logf("relay/plain throughput per iteration: %.3f", ratios)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleCPU measures the CPU an idle 3-member cluster costs this
// process, with and without relays: each iteration starts one cluster of
// each kind in turn, lets it settle for 2 s, counts the process's CPU time
// (getrusage) over a 10 s idle window, and stops it. Only one cluster runs
// during a window.
//
//	flock /tmp/etcdlab-test.lock go test ./cluster/network/ -run XXX -bench IdleCPU -benchtime 3x
func BenchmarkIdleCPU(b *testing.B) {
	const settle, window = 2 * time.Second, 10 * time.Second
	var cr, cp time.Duration
	i := 0
	for b.Loop() {
		kinds := []bool{false, true}
		if i%2 == 1 {
			kinds[0], kinds[1] = true, false
		}
		for _, plain := range kinds {
			c := newCluster(b, 3, opts{plain: plain})
			time.Sleep(settle)
			start := cpuTime()
			time.Sleep(window)
			used := cpuTime() - start
			if plain {
				cp += used
			} else {
				cr += used
			}
			c.stopAll()
			if c.net != nil {
				c.net.Close()
			}
		}
		i++
	}
	secs := float64(i) * window.Seconds()
	b.ReportMetric(float64(cr.Milliseconds())/secs, "relay-cpu-ms/s")
	b.ReportMetric(float64(cp.Milliseconds())/secs, "plain-cpu-ms/s")
	b.ReportMetric(cr.Seconds()/cp.Seconds(), "relay/plain")
}
