package bench

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

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
