package workload

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Defaults and limits of a load; the defaults suit a 2-core machine running
// five members.
const (
	DefaultClients   = 4
	DefaultRate      = 100
	DefaultKeys      = 8
	DefaultReadRatio = 0.5
	MaxClients       = 64
	MaxRate          = 5000
	MaxKeys          = 1000
)

// LoadConfig describes a load: Clients clients send Rate operations per
// second in all to Keys keys, a ReadRatio share of them reads.
type LoadConfig struct {
	Clients, Rate, Keys int
	ReadRatio           float64
	// Serializable makes reads local to the member that serves them: not
	// linearizable, which check can catch.
	Serializable bool
}

// loadRun is one run of the load, from load start to load stop.
type loadRun struct {
	num       int
	prefix    string
	keys      []string
	clients   int
	rate      int
	readRatio float64
	// serializable makes reads local to the member: not linearizable.
	serializable bool
	timeout      time.Duration
	start        time.Time
	members      []string // member of each client
	note         func(source, text string)
	// limit is historyLimit; tests lower it.
	limit int

	seq    atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	unsub  func()
	clis   []*clientv3.Client

	mu    sync.Mutex
	ended time.Time
	ops   []op
	// full is set once the history reached historyLimit at cut; later
	// operations are kept only if they are writes invoked before cut.
	full bool
	cut  time.Duration

	// leader is the leader as the events tell, to name it in faults.
	leader string
	// cutShort counts operations cut short by load stop.
	cutShort int

	totalOps, totalErrors int64
	second                struct {
		ops, errors int
		lat         []time.Duration
	}
	samples []LoadSample
	marks   []LoadMark
	faults  []LoadMark

	// applied counts the writes clients saw fail, and those applied anyway.
	applied applied

	outages []Outage
	longest Outage
	open    *openOutage
	acks    [acksKept]ack
	nacks   int
	lastAck time.Duration
	maxGap  time.Duration

	report *checkReport
}

func (r *loadRun) running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ended.IsZero()
}

// StartLoad starts a load in the background and returns the lines that
// describe it. Only one load runs at a time.
func (w *Workload) StartLoad(cfg LoadConfig) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	prev := w.run.Load()
	if prev != nil && prev.running() {
		return nil, fmt.Errorf("a load is already running (%d clients since %s ago): load stop first", prev.clients, kit.Round(time.Since(prev.start)))
	}
	var targets []cluster.Endpoint
	st := w.t.Status()
	for _, e := range w.t.Endpoints() {
		if m, ok := st.Member(e.Name); ok && !m.Learner {
			targets = append(targets, e)
		}
	}
	if len(targets) == 0 {
		return nil, errors.New("no voting member to send the load to")
	}
	r := w.newRun(cfg, prev, st.Leader)
	for i := range cfg.Clients {
		e := targets[i%len(targets)]
		cli, err := w.newClient(e.ClientURL)
		if err != nil {
			for _, c := range r.clis {
				c.Close()
			}
			return nil, fmt.Errorf("cannot make a client for %s: %v", e.Name, err)
		}
		r.clis = append(r.clis, cli)
		r.members = append(r.members, e.Name)
	}
	events, unsub := w.t.Subscribe()
	r.unsub = unsub
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for i := range cfg.Clients {
		r.wg.Add(1)
		go r.client(ctx, i)
	}
	r.wg.Add(1)
	go r.monitor(ctx, events)
	w.run.Store(r)
	var names []string
	for _, t := range targets[:min(len(targets), cfg.Clients)] {
		names = append(names, t.Name)
	}
	reads := "linearizable"
	if r.serializable {
		reads = "serializable (local, maybe stale)"
	}
	return []string{
		fmt.Sprintf("load %d started: %d client%s over %s, %d ops/s, %.0f%% %s reads", r.num, cfg.Clients, kit.Plural(cfg.Clients), strings.Join(names, ", "), cfg.Rate, 100*cfg.ReadRatio, reads),
		fmt.Sprintf("keys %sk0..k%d, unique values w1, w2, ...; every operation has a %s deadline", r.prefix, cfg.Keys-1, w.timeout),
	}, nil
}

// newRun makes the run that follows prev, not started yet.
func (w *Workload) newRun(cfg LoadConfig, prev *loadRun, leader string) *loadRun {
	num := 1
	if prev != nil {
		num = prev.num + 1
	}
	now := time.Now()
	// The key prefix is new for every run, so that each history starts
	// from absent keys, even on a data dir kept from an earlier lab.
	prefix := fmt.Sprintf("load/%s/", strconv.FormatInt(now.UnixMilli(), 36))
	r := &loadRun{num: num, prefix: prefix, clients: cfg.Clients, rate: cfg.Rate, readRatio: cfg.ReadRatio, serializable: cfg.Serializable,
		timeout: w.timeout, start: now, note: w.h.Note, limit: historyLimit, leader: leader}
	for i := range cfg.Keys {
		r.keys = append(r.keys, prefix+"k"+strconv.Itoa(i))
	}
	return r
}

// stopLoad stops the running load, if any, and waits for its goroutines.
// It returns the run and whether it was running.
func (w *Workload) stopLoad() (*loadRun, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.run.Load()
	if r == nil || !r.running() {
		return r, false
	}
	r.cancel()
	r.wg.Wait()
	r.unsub()
	for _, c := range r.clis {
		c.Close()
	}
	r.mu.Lock()
	r.ended = time.Now()
	if o, ok := r.openOutage(r.ended); ok {
		r.addOutage(o)
		r.open = nil
	}
	r.mu.Unlock()
	return r, true
}

// StopLoad stops the load and returns its summary: operations, failures,
// availability windows.
func (w *Workload) StopLoad() ([]string, error) {
	r, ok := w.stopLoad()
	if !ok {
		return nil, errors.New("no load is running: start one with load start")
	}
	return append(r.summary(), w.appliedLine(context.Background(), r)), nil
}

// LoadStatus returns the load's last second, totals and availability
// windows.
func (w *Workload) LoadStatus() ([]string, error) {
	r := w.run.Load()
	if r == nil {
		return nil, errors.New("no load has run: start one with load start")
	}
	s := w.LoadStats()
	var out []string
	if s.Running {
		out = append(out, fmt.Sprintf("load %d running for %s: %d clients, %d ops/s asked", r.num, secs(time.Since(r.start)), r.clients, r.rate))
		if n := len(s.Samples); n > 0 {
			out = append(out, "last second: "+sampleText(s.Samples[n-1]))
		}
	}
	out = append(out, r.summary()...)
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(out, r.applied.line(byReads)), nil
}

// summary describes the run for load stop and load status.
func (r *loadRun) summary() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.ended
	verb := "stopped"
	if end.IsZero() {
		end, verb = time.Now(), "so far"
	}
	var writes, maybe, failedReads int
	for _, o := range r.ops {
		switch {
		case o.write && o.status == opMaybe:
			writes++
			maybe++
		case o.write:
			writes++
		case o.status == opFailed:
			failedReads++
		}
	}
	// Every operation invoked, as the history records it: those cut short
	// by load stop count too.
	first := fmt.Sprintf("load %d %s after %s: %d operations, %d failed or timed out", r.num, verb, secs(end.Sub(r.start)), r.totalOps+r.totalErrors+int64(r.cutShort), r.totalErrors)
	if r.cutShort > 0 {
		first += fmt.Sprintf(", %d cut short by load stop", r.cutShort)
	}
	out := []string{first}
	hist := fmt.Sprintf("history: %d operations (%d writes, %d of them maybe applied; %d reads, %d failed)", len(r.ops), writes, maybe, len(r.ops)-writes, failedReads)
	if r.full {
		hist += fmt.Sprintf("; FULL at %s: the bound of %d was reached and later operations were not recorded", secs(r.cut), r.limit)
	}
	out = append(out, hist)
	gap := max(r.maxGap, end.Sub(r.start)-r.lastAck)
	if r.longest.Fault == "" {
		out = append(out, fmt.Sprintf("availability: no fault during the load; longest stretch without an acknowledged write %s", secs(gap)))
		return out
	}
	n := len(r.outages)
	out = append(out, fmt.Sprintf("availability: %d window%s after faults; the longest: %s", n, kit.Plural(n), r.longest))
	if n > 1 {
		for _, o := range r.outages {
			out = append(out, "  "+o.String())
		}
	}
	out = append(out, fmt.Sprintf("longest stretch without an acknowledged write: %s", secs(gap)))
	return out
}

func (r *loadRun) client(ctx context.Context, i int) {
	defer r.wg.Done()
	cli, member := r.clis[i], r.members[i]
	rng := rand.New(rand.NewPCG(uint64(r.start.UnixNano()), uint64(i)))
	every := time.Duration(float64(time.Second) * float64(r.clients) / float64(r.rate))
	// Spread the clients over one interval so they do not fire together.
	first := time.NewTimer(every * time.Duration(i) / time.Duration(r.clients))
	select {
	case <-first.C:
	case <-ctx.Done():
		first.Stop()
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		o := r.do(ctx, cli, op{client: i, key: rng.IntN(len(r.keys)), member: member, write: rng.Float64() >= r.readRatio})
		for _, n := range r.record(o, ctx.Err() != nil) {
			r.note(n.source, n.text)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// do carries out one operation within the run's deadline and returns it
// as the history records it.
func (r *loadRun) do(ctx context.Context, cli *clientv3.Client, o op) op {
	octx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	o.call = time.Since(r.start)
	var err error
	if o.write {
		o.value = "w" + strconv.FormatInt(r.seq.Add(1), 10)
		_, err = cli.Put(octx, r.keys[o.key], o.value)
	} else {
		var resp *clientv3.GetResponse
		if r.serializable {
			resp, err = cli.Get(octx, r.keys[o.key], clientv3.WithSerializable())
		} else {
			resp, err = cli.Get(octx, r.keys[o.key])
		}
		if err == nil && len(resp.Kvs) > 0 {
			o.value, o.found = string(resp.Kvs[0].Value), true
		}
	}
	o.ret = time.Since(r.start)
	if err != nil {
		o.status = opFailed
		if o.write {
			o.status = opMaybe
		}
	}
	return o
}

// note is a line to print once the run's lock is released.
type note struct{ source, text string }

// record adds an operation to the history and the stats, and returns the
// notes to print. stopping marks an operation cut short by load stop: it
// goes into the history (a write may still have been applied) but not
// into the stats.
func (r *loadRun) record(o op, stopping bool) []note {
	r.mu.Lock()
	defer r.mu.Unlock()
	var notes []note
	switch {
	case !r.full:
		r.ops = append(r.ops, o)
		if len(r.ops) >= r.limit {
			r.full, r.cut = true, o.ret
			notes = append(notes, note{"load", fmt.Sprintf("history full: %d operations recorded; later operations are not recorded (check will check this prefix)", r.limit)})
		}
	case o.write && o.call <= r.cut:
		// A write invoked before the cut may have been read before it;
		// keep it so the prefix stays checkable.
		r.ops = append(r.ops, o)
	}
	switch {
	case o.write && o.status != opOK:
		r.applied.fail(o.value)
	case !o.write && o.status == opOK && o.found:
		r.applied.see(o.value)
	}
	if stopping {
		r.cutShort++
		return notes
	}
	if o.status != opOK {
		r.totalErrors++
		r.second.errors++
		return notes
	}
	r.totalOps++
	r.second.ops++
	if len(r.second.lat) < latencyLimit {
		r.second.lat = append(r.second.lat, o.ret-o.call)
	}
	if !o.write {
		return notes
	}
	r.acks[r.nacks%acksKept] = ack{o.call, o.ret}
	r.nacks++
	if o.ret > r.lastAck {
		r.maxGap = max(r.maxGap, o.ret-r.lastAck)
		r.lastAck = o.ret
	}
	if r.open != nil && o.call >= r.open.last {
		notes = append(notes, note{"avail", r.closeOutage(o.ret)})
	}
	return notes
}
