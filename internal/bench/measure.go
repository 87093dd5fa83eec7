package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// clientConfig is the configuration of every client of the bench, on both
// sides: no logs, and reconnects within 20 ms, so that a poll sees a
// member as soon as it listens.
func clientConfig(endpoints []string) clientv3.Config {
	return clientv3.Config{
		Endpoints: endpoints,
		Logger:    zap.NewNop(),
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 5 * time.Millisecond, Multiplier: 1.5, Jitter: 0.1, MaxDelay: 20 * time.Millisecond},
			MinConnectTimeout: time.Second,
		})},
	}
}

// firstSuccess starts op every interval, each call under its own timeout
// and at most limit at a time, until one succeeds, and returns when that
// call returned. Starting calls without waiting for the ones in flight
// keeps the resolution at interval, whatever a failing call costs (a read
// index dropped for want of a leader is retried by etcd only after 500 ms).
func firstSuccess(ctx context.Context, interval, timeout time.Duration, limit int, op func(context.Context) error) (time.Time, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	done := make(chan time.Time, 1)
	var mu sync.Mutex
	var lastErr error
	slots := make(chan struct{}, limit)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case slots <- struct{}{}:
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				actx, acancel := context.WithTimeout(ctx, timeout)
				defer acancel()
				err := op(actx)
				if err == nil {
					select {
					case done <- time.Now():
					default:
					}
					return
				}
				mu.Lock()
				lastErr = err
				mu.Unlock()
			}()
		default:
		}
		select {
		case at := <-done:
			return at, nil
		case <-ctx.Done():
			mu.Lock()
			defer mu.Unlock()
			if lastErr != nil {
				return time.Time{}, fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr)
			}
			return time.Time{}, ctx.Err()
		case <-t.C:
		}
	}
}

// readyClients returns one client per member, pinned to it, made before the
// members start so that making them is not timed.
func readyClients(urls []string) ([]*clientv3.Client, error) {
	var out []*clientv3.Client
	for _, u := range urls {
		c, err := clientv3.New(clientConfig([]string{u}))
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func closeAll(cs []*clientv3.Client) {
	for _, c := range cs {
		c.Close()
	}
}

// waitReady returns how long after start every member answered a
// linearizable get, each through its own client.
func waitReady(ctx context.Context, clients []*clientv3.Client, start time.Time, timeout time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var mu sync.Mutex
	var last time.Time
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at, err := firstSuccess(ctx, 10*time.Millisecond, time.Second, 8, func(ctx context.Context) error {
				_, err := c.Get(ctx, "bench-ready")
				return err
			})
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", c.Endpoints()[0], err)
				return
			}
			mu.Lock()
			if at.After(last) {
				last = at
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("not ready within %s: %w", timeout, err)
	}
	return last.Sub(start), nil
}

// idle is what a set of processes used while nobody asked anything of them.
type idle struct {
	cpuPct float64 // percent of one core, all processes together
	rssMB  float64 // resident memory, summed, mean over the window
	anonMB float64 // its anonymous part (heap, stacks), without mapped files
}

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTick = 100

// rssEvery is how often resident memory is sampled during an idle window:
// a Go heap grows and shrinks with each GC cycle.
const rssEvery = 250 * time.Millisecond

// measureIdle reads the CPU time of each group of pids over one window, and
// samples its resident memory every rssEvery.
func measureIdle(ctx context.Context, groups [][]int, window time.Duration) ([]idle, error) {
	before := make([]int64, len(groups))
	for i, pids := range groups {
		t, err := cpuTicks(pids)
		if err != nil {
			return nil, err
		}
		before[i] = t
	}
	t0 := time.Now()
	out := make([]idle, len(groups))
	samples := 0
	for {
		for i, pids := range groups {
			m, err := readMem(pids)
			if err != nil {
				return nil, err
			}
			out[i].rssMB += float64(m.rss) / 1024
			out[i].anonMB += float64(m.anon) / 1024
		}
		samples++
		left := window - time.Since(t0)
		if left <= 0 {
			break
		}
		if err := sleep(ctx, min(rssEvery, left)); err != nil {
			return nil, err
		}
	}
	took := time.Since(t0)
	for i, pids := range groups {
		after, err := cpuTicks(pids)
		if err != nil {
			return nil, err
		}
		out[i].cpuPct = float64(after-before[i]) / clockTick / took.Seconds() * 100
		out[i].rssMB /= float64(samples)
		out[i].anonMB /= float64(samples)
	}
	return out, nil
}

// cpuTicks sums utime and stime of pids, in clock ticks.
func cpuTicks(pids []int) (int64, error) {
	var sum int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, err
		}
		// The command name may hold spaces and parentheses: fields count
		// from the last ')'. utime and stime are fields 14 and 15.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
		}
		for _, s := range f[11:13] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/stat: %v", pid, err)
			}
			sum += n
		}
	}
	return sum, nil
}

// mem is resident memory in kB.
type mem struct{ rss, anon int64 }

// readMem sums VmRSS and RssAnon of pids.
func readMem(pids []int) (mem, error) {
	var sum mem
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return mem{}, err
		}
		found := 0
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok || (k != "VmRSS" && k != "RssAnon") {
				continue
			}
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return mem{}, fmt.Errorf("/proc/%d/status: %s %q", pid, k, v)
			}
			if k == "VmRSS" {
				sum.rss += n
			} else {
				sum.anon += n
			}
			found++
		}
		if found != 2 {
			return mem{}, fmt.Errorf("/proc/%d/status has no VmRSS and RssAnon (a zombie?)", pid)
		}
	}
	return sum, nil
}

// loadResult is the outcome of one load run.
type loadResult struct {
	putsPerSec float64
	p50, p99   time.Duration
	errors     int
	// lat holds every successful put's latency, sorted; wall is how long
	// the load ran.
	lat  []time.Duration
	wall time.Duration
}

// merge pools loads run one after another: puts/s over their summed wall
// time, quantiles over every latency.
func merge(rs []loadResult) loadResult {
	var out loadResult
	for _, r := range rs {
		out.lat = append(out.lat, r.lat...)
		out.wall += r.wall
		out.errors += r.errors
	}
	sort.Slice(out.lat, func(i, j int) bool { return out.lat[i] < out.lat[j] })
	if out.wall > 0 {
		out.putsPerSec = float64(len(out.lat)) / out.wall.Seconds()
	}
	out.p50, out.p99 = quantile(out.lat, 0.50), quantile(out.lat, 0.99)
	return out
}

// putValue is the value of every put: 64 bytes.
var putValue = strings.Repeat("v", 64)

// runLoad runs clients goroutines, each with its own clientv3 client over
// every URL, each doing puts sequential puts, and times them. Each client
// first does three untimed puts.
func runLoad(ctx context.Context, urls []string, clients, puts int) (loadResult, error) {
	cs := make([]*clientv3.Client, 0, clients)
	defer func() { closeAll(cs) }()
	for range clients {
		c, err := clientv3.New(clientConfig(urls))
		if err != nil {
			return loadResult{}, err
		}
		cs = append(cs, c)
	}
	put := func(c *clientv3.Client, key string) error {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err := c.Put(pctx, key, putValue)
		return err
	}
	var wg sync.WaitGroup
	warm := make([]error, clients)
	for g, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 {
				if err := put(c, fmt.Sprintf("bench/warm/%03d/%d", g, i)); err != nil {
					warm[g] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(warm...); err != nil {
		return loadResult{}, fmt.Errorf("warm-up puts failed: %w", err)
	}
	lat := make([][]time.Duration, clients)
	var failed atomic.Int64
	start := time.Now()
	for g, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat[g] = make([]time.Duration, 0, puts)
			for i := range puts {
				t := time.Now()
				if err := put(c, fmt.Sprintf("bench/%03d/%05d", g, i)); err != nil {
					failed.Add(1)
					continue
				}
				lat[g] = append(lat[g], time.Since(t))
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}
	if len(all) == 0 {
		return loadResult{}, fmt.Errorf("all %d puts failed", clients*puts)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return loadResult{
		putsPerSec: float64(len(all)) / wall.Seconds(),
		p50:        quantile(all, 0.50),
		p99:        quantile(all, 0.99),
		errors:     int(failed.Load()),
		lat:        all,
		wall:       wall,
	}, nil
}

// quantile returns the q-quantile of sorted values (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*q+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// failover finds the leader, has kill crash it, waits until its client port
// refuses connections, then returns the time from the kill to the first
// put that succeeds. Puts start every 10 ms over every URL.
func failover(ctx context.Context, urls []string, kill func(name string) error) (time.Duration, string, error) {
	c, err := clientv3.New(clientConfig(urls))
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var leader uint64
	for _, u := range urls {
		st, err := c.Status(sctx, u)
		if err == nil && st.Leader != 0 {
			leader = st.Leader
			break
		}
	}
	if leader == 0 {
		return 0, "", errors.New("no member names a leader")
	}
	ml, err := c.MemberList(sctx)
	if err != nil {
		return 0, "", err
	}
	var name, url string
	for _, m := range ml.Members {
		if m.ID == leader && len(m.ClientURLs) > 0 {
			name, url = m.Name, m.ClientURLs[0]
		}
	}
	if name == "" {
		return 0, "", fmt.Errorf("leader %x is not in the member list", leader)
	}
	if _, err := c.Put(sctx, "bench/failover", "before"); err != nil {
		return 0, "", fmt.Errorf("put before the kill: %w", err)
	}
	t0 := time.Now()
	if err := kill(name); err != nil {
		return 0, "", err
	}
	if err := waitRefused(ctx, hostPort(url), 10*time.Second); err != nil {
		return 0, "", fmt.Errorf("%s: %w", name, err)
	}
	fctx, fcancel := context.WithTimeout(ctx, 30*time.Second)
	defer fcancel()
	at, err := firstSuccess(fctx, 10*time.Millisecond, time.Second, 16, func(ctx context.Context) error {
		_, err := c.Put(ctx, "bench/failover", "after")
		return err
	})
	if err != nil {
		return 0, "", fmt.Errorf("no put succeeded after killing the leader %s: %w", name, err)
	}
	return at.Sub(t0), name, nil
}

// waitRefused polls addr until it refuses TCP connections.
func waitRefused(ctx context.Context, addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return nil
		}
		conn.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still accepts connections %s after the kill", addr, d)
		}
		if err := sleep(ctx, time.Millisecond); err != nil {
			return err
		}
	}
}

func hostPort(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		return url[i+3:]
	}
	return url
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
