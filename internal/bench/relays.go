package bench

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// What the relays cost is measured in this process, with cluster.Launch:
// 3 members as the lab runs them (every peer request through a relay, see
// cluster/network) against 3 members with cluster.Config.DirectPeers,
// which talk to each other directly as plain embedded etcd does. Both are
// the same code but for the relays, on the same clients, so the ratio is
// the relays' share alone. A subprocess would need a flag of `etcdlab
// serve` that users should never see; in process, nothing but the cluster
// differs.

// relayKinds are the two sides of the relay cost: the key and whether the
// peers talk directly.
var relayKinds = []struct {
	key    string
	direct bool
}{{"relays", false}, {"direct", true}}

// launchInProcess starts a cluster of n members in this process and
// returns it with its client URLs.
func (b *bencher) launchInProcess(ctx context.Context, n int, direct bool) (*cluster.Cluster, []string, error) {
	base, err := b.e.ports.take()
	if err != nil {
		return nil, nil, err
	}
	c, err := cluster.New(cluster.Config{Members: n, BasePort: base, DataDir: b.e.dir("inproc"), LogFile: "-",
		HeartbeatMs: heartbeatMs, ElectionMs: electionMs, DirectPeers: direct})
	if err != nil {
		return nil, nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, readyWithin)
	defer cancel()
	if err := c.Launch(lctx); err != nil {
		c.Terminate()
		return nil, nil, fmt.Errorf("cluster.Launch of %d members (direct peers: %t): %w", n, direct, err)
	}
	var urls []string
	for _, e := range c.Endpoints() {
		urls = append(urls, e.ClientURL)
	}
	return c, urls, nil
}

// relayRound measures the relays' cost: put throughput with both clusters
// running, loaded in the order A B B A; then idle CPU with one cluster
// running at a time, in the order A B. A is the relays on odd runs.
func (b *bencher) relayRound(ctx context.Context, relaysFirst bool) error {
	kinds := relayKinds
	if !relaysFirst {
		kinds = append(kinds[:0:0], kinds[1], kinds[0])
	}
	var sides []*side
	defer func() {
		for _, s := range sides {
			s.stop()
		}
	}()
	for _, k := range kinds {
		c, urls, err := b.launchInProcess(ctx, 3, k.direct)
		if err != nil {
			return err
		}
		sides = append(sides, &side{key: k.key, label: k.key, inst: &instance{urls: urls, stop: c.Terminate}})
	}
	if err := b.loadRound(ctx, []*side{sides[0], sides[1], sides[1], sides[0]}, sides); err != nil {
		return err
	}
	for _, s := range sides {
		s.stop()
	}
	b.res.add("ratio.puts.relays", b.ratio("puts.relays", "puts.direct"))

	for _, k := range kinds {
		c, _, err := b.launchInProcess(ctx, 3, k.direct)
		if err != nil {
			return err
		}
		pct, err := idleSelf(ctx, b.o.Idle)
		c.Terminate()
		if err != nil {
			return err
		}
		b.res.add("cpu."+k.key, pct)
	}
	b.res.add("ratio.cpu.relays", b.ratio("cpu.relays", "cpu.direct"))
	r, _ := b.res.last("cpu.relays")
	d, _ := b.res.last("cpu.direct")
	b.logf("idle CPU in process, 3 members: relays %.2f%%, direct peers %.2f%%", r, d)
	return nil
}

// ratio returns this run's value of key a over that of key b.
func (b *bencher) ratio(a, bk string) float64 {
	x, _ := b.res.last(a)
	y, _ := b.res.last(bk)
	if y == 0 {
		return 0
	}
	return x / y
}

// idleSelf returns the CPU this process uses, in percent of one core, over
// a window that starts settle after now.
func idleSelf(ctx context.Context, window time.Duration) (float64, error) {
	if err := sleep(ctx, settle); err != nil {
		return 0, err
	}
	before, t0 := selfCPU(), time.Now()
	if err := sleep(ctx, window); err != nil {
		return 0, err
	}
	return (selfCPU() - before).Seconds() / time.Since(t0).Seconds() * 100, nil
}

// selfCPU returns this process's user and system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
