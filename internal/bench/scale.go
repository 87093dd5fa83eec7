package bench

import (
	"context"
	"fmt"
)

// The relays add n×(n-1) directed links to n members, so what the lab costs
// is measured again at more members: `etcdlab serve` against as many etcd
// processes. 3 members come from the main round (serve's rows); scaleSizes
// are the others.
var scaleSizes = []int{5, 9}

// scaleRound starts the lab (serve) and etcd processes of each of
// scaleSizes, one after the other, each timed to ready; measures both over
// one idle window; then loads them in the order A B B A. The processes go
// first on odd runs.
func (b *bencher) scaleRound(ctx context.Context, procsFirst bool) error {
	for _, n := range scaleSizes {
		if err := b.scaleOne(ctx, n, procsFirst); err != nil {
			return err
		}
	}
	return nil
}

func (b *bencher) scaleOne(ctx context.Context, n int, procsFirst bool) error {
	lab := &side{key: "lab", label: "lab serve", start: b.e.startLab}
	procs := &side{key: "proc", label: "processes", start: b.e.startProcesses}
	order := []*side{lab, procs}
	if procsFirst {
		order = []*side{procs, lab}
	}
	defer func() {
		for _, s := range order {
			s.stop()
		}
	}()
	key := func(metric string, s *side) string { return fmt.Sprintf("n%d.%s.%s", n, metric, s.key) }
	for _, s := range order {
		inst, err := s.start(ctx, n)
		if err != nil {
			return err
		}
		s.inst = inst
		b.res.add(key("ready", s), ms(inst.ready))
	}
	if err := sleep(ctx, settle); err != nil {
		return err
	}
	idles, err := measureIdle(ctx, [][]int{lab.inst.pids, procs.inst.pids}, b.o.Idle)
	if err != nil {
		return fmt.Errorf("idle, %d members: %w", n, err)
	}
	for i, s := range []*side{lab, procs} {
		b.res.add(key("cpu", s), idles[i].cpuPct)
		b.res.add(key("rss", s), idles[i].rssMB)
	}
	loads := map[string][]loadResult{}
	for _, s := range []*side{order[0], order[1], order[1], order[0]} {
		lr, err := runLoad(ctx, s.inst.urls, b.o.Clients, b.o.Puts)
		if err != nil {
			return fmt.Errorf("%s, %d members: load: %w", s.label, n, err)
		}
		loads[s.key] = append(loads[s.key], lr)
	}
	for _, s := range order {
		b.res.add(key("puts", s), merge(loads[s.key]).putsPerSec)
	}
	get := func(metric string, s *side) float64 { v, _ := b.res.last(key(metric, s)); return v }
	b.logf("%d members, lab serve / processes: ready %.0f / %.0f ms, idle CPU %.2f / %.2f%%, RSS %.1f / %.1f MB, %.0f / %.0f puts/s", n,
		get("ready", lab), get("ready", procs), get("cpu", lab), get("cpu", procs), get("rss", lab), get("rss", procs), get("puts", lab), get("puts", procs))
	return nil
}
