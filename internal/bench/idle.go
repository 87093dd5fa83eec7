package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

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
