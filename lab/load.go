package lab

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Bounds of what a load keeps, so that a lab left running all day does not
// grow without limit.
const (
	// historyLimit is how many operations one load run records, about 20 MB.
	// At the default 100 ops/s it is reached after 33 minutes; recording
	// then stops (the load goes on) and check checks that prefix.
	historyLimit = 200_000
	// statsSeconds is how many per-second samples LoadStats keeps.
	statsSeconds = 60
	// marksLimit bounds the cluster events kept for the charts.
	marksLimit = 64
	// outagesLimit bounds the availability windows kept for LoadStats.
	outagesLimit = 32
	// faultsLimit bounds the faults kept per run for check --html.
	faultsLimit = 1000
	// latencyLimit bounds the latencies one second keeps for p50/p99.
	latencyLimit = 10_000
	// acksKept is how many recent acknowledged writes are kept to close an
	// availability window whose fault event arrives after the write.
	acksKept = 256
)

// Defaults and limits of load start's flags; the defaults suit a 2-core
// machine running five members.
const (
	defaultLoadClients = 4
	defaultLoadRate    = 100
	defaultLoadKeys    = 8
	defaultReadRatio   = 0.5
	maxLoadClients     = 64
	maxLoadRate        = 5000
	maxLoadKeys        = 1000
)

// loadCommands are the commands of the load generator.
var loadCommands = map[string]spec{
	"load start": {usage: "load start [--clients C] [--rate R] [--keys K] [--read-ratio X] [--consistency=l|s]",
		summary: fmt.Sprintf("run a background load of puts and gets, recorded for check (default %d clients, %d ops/s, %d keys, %.1f reads); --consistency=s reads serializably, which check can catch", defaultLoadClients, defaultLoadRate, defaultLoadKeys, defaultReadRatio),
		values: map[string]func(string) error{
			"clients":     intValue("--clients", 1, maxLoadClients),
			"rate":        intValue("--rate", 1, maxLoadRate),
			"keys":        intValue("--keys", 1, maxLoadKeys),
			"read-ratio":  ratioValue,
			"consistency": consistencyValue,
		}, run: (*Lab).loadStart},
	"load stop":   {usage: "load stop", summary: "stop the load and summarize it: operations, failures, availability windows", run: (*Lab).loadStop},
	"load status": {usage: "load status", summary: "the load's last second, totals and availability windows", run: (*Lab).loadStatus},
}

func intValue(flag string, lo, hi int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("%s must be a whole number from %d to %d, not %q", flag, lo, hi, v)
		}
		return nil
	}
}

func ratioValue(v string) error {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 || x > 1 {
		return fmt.Errorf("--read-ratio must be a number from 0 to 1 (the share of reads), not %q", v)
	}
	return nil
}

func intFlag(c *Command, name string, def int) int {
	if v, ok := c.Flag(name); ok {
		n, _ := strconv.Atoi(v)
		return n
	}
	return def
}

// loadState holds the current or last load run. Its zero value is ready.
type loadState struct {
	// mu serializes load start and load stop.
	mu sync.Mutex
	// run is read without mu by LoadStats, check and expect.
	run atomic.Pointer[loadRun]
}

// opStatus is how an operation ended.
type opStatus uint8

const (
	opOK opStatus = iota
	// opFailed is a read that failed: it did nothing.
	opFailed
	// opMaybe is a write that failed or timed out: it may have been
	// applied, so the checker gives it no return time (Jepsen's :info).
	opMaybe
)

// op is one load operation as the history records it.
type op struct {
	client int
	write  bool
	key    int
	// value is the value written (unique within the run) or read.
	value string
	// found reports whether a read found the key.
	found  bool
	call   time.Duration // since the run began
	ret    time.Duration
	status opStatus
	member string
}

// LoadSample is one second of load.
type LoadSample struct {
	// Time is the end of the second.
	Time time.Time
	// Ops is the number of operations that succeeded in that second.
	Ops int
	// Errors is the number that failed or timed out.
	Errors int
	// P50 and P99 are latencies of the successful operations.
	P50, P99 time.Duration
}

// LoadMark is a cluster event on the charts' time axis: a kill, a
// partition, an election.
type LoadMark struct {
	Time   time.Time
	Kind   cluster.EventKind
	Member string
	Text   string
}

// Outage is an availability window: the time from a fault until a write
// invoked after it was acknowledged. Faults that come while a window is
// open join it; the window then waits for a write invoked after the last.
type Outage struct {
	// Fault says what happened, e.g. "etcd2 (leader) was killed".
	Fault string
	Start time.Time
	// Length is the window, or its length so far while Open.
	Length time.Duration
	// Open reports that no write has been acknowledged since the fault.
	Open bool
}

func (o Outage) String() string {
	if o.Open {
		return fmt.Sprintf("no successful write for %s after %s (still none)", secs(o.Length), o.Fault)
	}
	return fmt.Sprintf("no successful write for %s after %s", secs(o.Length), o.Fault)
}

// LoadStats is a snapshot of the current or last load, for charts.
type LoadStats struct {
	// Running reports whether the load runs; false with a zero Started
	// means no load has run yet.
	Running bool
	Started time.Time
	Clients int
	Rate    int
	// Samples holds the last statsSeconds seconds, oldest first.
	Samples []LoadSample
	// Marks holds the cluster events of the same time span, oldest first.
	Marks []LoadMark
	// Outages holds the most recent availability windows, oldest first;
	// an open one is last.
	Outages []Outage
	// Longest is the longest availability window of the run.
	Longest Outage
	// Ops and Errors count every operation of the run.
	Ops, Errors int64
	// Recorded is the number of operations in the history, HistoryFull
	// whether the history reached its bound and stopped recording.
	Recorded    int
	HistoryFull bool
}

// LoadStats returns a snapshot of the current or last load. It is cheap
// (a few small copies under a lock held only by bookkeeping) and never
// waits on etcd, so a UI may call it on every frame.
func (l *Lab) LoadStats() LoadStats {
	r := l.load.run.Load()
	if r == nil {
		return LoadStats{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	s := LoadStats{
		Running: r.ended.IsZero(), Started: r.start, Clients: r.clients, Rate: r.rate,
		Samples: slices.Clone(r.samples), Marks: slices.Clone(r.marks), Outages: slices.Clone(r.outages),
		Longest: r.longest, Ops: r.totalOps, Errors: r.totalErrors,
		Recorded: len(r.ops), HistoryFull: r.full,
	}
	if o, ok := r.openOutage(now); ok {
		s.Outages = append(s.Outages, o)
		if o.Length > s.Longest.Length {
			s.Longest = o
		}
	}
	return s
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

	outages []Outage
	longest Outage
	open    *openOutage
	acks    [acksKept]ack
	nacks   int
	lastAck time.Duration
	maxGap  time.Duration

	report *checkReport
}

type openOutage struct {
	fault string
	start time.Duration
	last  time.Duration // the latest fault joined to the window
}

type ack struct{ call, ret time.Duration }

func (r *loadRun) running() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ended.IsZero()
}

func (l *Lab) loadStart(_ context.Context, c *Command) Result {
	clients := intFlag(c, "clients", defaultLoadClients)
	rate := intFlag(c, "rate", defaultLoadRate)
	nkeys := intFlag(c, "keys", defaultLoadKeys)
	ratio := defaultReadRatio
	if v, ok := c.Flag("read-ratio"); ok {
		ratio, _ = strconv.ParseFloat(v, 64)
	}
	l.load.mu.Lock()
	defer l.load.mu.Unlock()
	prev := l.load.run.Load()
	if prev != nil && prev.running() {
		return Result{Err: fmt.Errorf("a load is already running (%d clients since %s ago): load stop first", prev.clients, kit.Round(time.Since(prev.start)))}
	}
	var targets []cluster.Endpoint
	st := l.c.Status()
	for _, e := range l.c.Endpoints() {
		if m, ok := st.Member(e.Name); ok && !m.Learner {
			targets = append(targets, e)
		}
	}
	if len(targets) == 0 {
		return Result{Err: errors.New("no voting member to send the load to")}
	}
	num := 1
	if prev != nil {
		num = prev.num + 1
	}
	now := time.Now()
	// The key prefix is new for every run, so that each history starts
	// from absent keys, even on a data dir kept from an earlier lab.
	prefix := fmt.Sprintf("load/%s/", strconv.FormatInt(now.UnixMilli(), 36))
	consistency, _ := c.Flag("consistency")
	r := &loadRun{num: num, prefix: prefix, clients: clients, rate: rate, readRatio: ratio, serializable: consistency == "s",
		timeout: l.timeout, start: now, note: l.note, limit: historyLimit, leader: st.Leader}
	for i := range nkeys {
		r.keys = append(r.keys, prefix+"k"+strconv.Itoa(i))
	}
	for i := range clients {
		e := targets[i%len(targets)]
		cli, err := l.newClient([]string{e.ClientURL})
		if err != nil {
			for _, c := range r.clis {
				c.Close()
			}
			return Result{Err: fmt.Errorf("cannot make a client for %s: %v", e.Name, err)}
		}
		r.clis = append(r.clis, cli)
		r.members = append(r.members, e.Name)
	}
	events, unsub := l.c.Subscribe()
	r.unsub = unsub
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for i := range clients {
		r.wg.Add(1)
		go r.client(ctx, i)
	}
	r.wg.Add(1)
	go r.monitor(ctx, events)
	l.load.run.Store(r)
	var names []string
	for _, t := range targets[:min(len(targets), clients)] {
		names = append(names, t.Name)
	}
	reads := "linearizable"
	if r.serializable {
		reads = "serializable (local, maybe stale)"
	}
	return Result{Lines: []string{
		fmt.Sprintf("load %d started: %d client%s over %s, %d ops/s, %.0f%% %s reads", num, clients, kit.Plural(clients), strings.Join(names, ", "), rate, 100*ratio, reads),
		fmt.Sprintf("keys %sk0..k%d, unique values w1, w2, ...; every operation has a %s deadline", prefix, nkeys-1, l.timeout),
	}}
}

// stopLoad stops the running load, if any, and waits for its goroutines.
// It returns the run and whether it was running.
func (l *Lab) stopLoad() (*loadRun, bool) {
	l.load.mu.Lock()
	defer l.load.mu.Unlock()
	r := l.load.run.Load()
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

func (l *Lab) loadStop(context.Context, *Command) Result {
	r, ok := l.stopLoad()
	if !ok {
		return Result{Err: errors.New("no load is running: start one with load start")}
	}
	return Result{Lines: r.summary()}
}

func (l *Lab) loadStatus(context.Context, *Command) Result {
	r := l.load.run.Load()
	if r == nil {
		return Result{Err: errors.New("no load has run: start one with load start")}
	}
	s := l.LoadStats()
	var out []string
	if s.Running {
		out = append(out, fmt.Sprintf("load %d running for %s: %d clients, %d ops/s asked", r.num, secs(time.Since(r.start)), r.clients, r.rate))
		if n := len(s.Samples); n > 0 {
			out = append(out, "last second: "+sampleText(s.Samples[n-1]))
		}
	}
	return Result{Lines: append(out, r.summary()...)}
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
	first := fmt.Sprintf("load %d %s after %s: %d operations, %d failed or timed out", r.num, verb, secs(end.Sub(r.start)), r.totalOps+r.totalErrors, r.totalErrors)
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
		o := op{client: i, key: rng.IntN(len(r.keys)), member: member, write: rng.Float64() >= r.readRatio}
		octx, cancel := context.WithTimeout(ctx, r.timeout)
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
		cancel()
		if err != nil {
			o.status = opFailed
			if o.write {
				o.status = opMaybe
			}
		}
		for _, n := range r.record(o, ctx.Err() != nil) {
			r.note(n.Source, n.Text)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// record adds an operation to the history and the stats, and returns the
// notes to print (their Time is not set). stopping marks an operation cut short by load stop: it
// goes into the history (a write may still have been applied) but not
// into the stats.
func (r *loadRun) record(o op, stopping bool) []Note {
	r.mu.Lock()
	defer r.mu.Unlock()
	var notes []Note
	switch {
	case !r.full:
		r.ops = append(r.ops, o)
		if len(r.ops) >= r.limit {
			r.full, r.cut = true, o.ret
			notes = append(notes, Note{Source: "load", Text: fmt.Sprintf("history full: %d operations recorded; later operations are not recorded (check will check this prefix)", r.limit)})
		}
	case o.write && o.call <= r.cut:
		// A write invoked before the cut may have been read before it;
		// keep it so the prefix stays checkable.
		r.ops = append(r.ops, o)
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
		notes = append(notes, Note{Source: "avail", Text: r.closeOutage(o.ret)})
	}
	return notes
}

// monitor closes each second into a sample and a note, and turns cluster
// events into chart marks and availability windows.
func (r *loadRun) monitor(ctx context.Context, events <-chan cluster.Event) {
	defer r.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				events = nil // the cluster was terminated
				continue
			}
			for _, n := range r.event(e) {
				r.note("avail", n)
			}
		case now := <-tick.C:
			r.note("load", r.closeSecond(now))
		}
	}
}

func (r *loadRun) closeSecond(now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := LoadSample{Time: now, Ops: r.second.ops, Errors: r.second.errors}
	lat := r.second.lat
	if len(lat) > 0 {
		slices.Sort(lat)
		s.P50 = lat[(len(lat)-1)*50/100]
		s.P99 = lat[(len(lat)-1)*99/100]
	}
	r.second.ops, r.second.errors, r.second.lat = 0, 0, lat[:0]
	r.samples = append(r.samples, s)
	if len(r.samples) > statsSeconds {
		r.samples = slices.Delete(r.samples, 0, len(r.samples)-statsSeconds)
	}
	r.trimMarks(now)
	text := sampleText(s)
	if o, ok := r.openOutage(now); ok {
		text += fmt.Sprintf("  no successful write for %s", secs(o.Length))
	}
	return text
}

func sampleText(s LoadSample) string {
	if s.Ops == 0 {
		return fmt.Sprintf("%4d ops/s  p50 -  p99 -  errors %d", s.Ops, s.Errors)
	}
	return fmt.Sprintf("%4d ops/s  p50 %s  p99 %s  errors %d", s.Ops, latency(s.P50), latency(s.P99), s.Errors)
}

func (r *loadRun) trimMarks(now time.Time) {
	old := now.Add(-statsSeconds * time.Second)
	i := 0
	for i < len(r.marks) && (r.marks[i].Time.Before(old) || len(r.marks)-i > marksLimit) {
		i++
	}
	r.marks = slices.Delete(r.marks, 0, i)
}

// event records a cluster event as a mark and opens or joins an
// availability window if it is a fault.
func (r *loadRun) event(e cluster.Event) []string {
	if e.Kind == cluster.MemberStarted || e.Kind == cluster.MemberReady {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := LoadMark{Time: e.Time, Kind: e.Kind, Member: e.Member, Text: e.Text}
	r.marks = append(r.marks, m)
	r.trimMarks(time.Now())
	fault := faultText(e, r.leader)
	switch e.Kind {
	case cluster.LeaderElected, cluster.LeaderChanged:
		r.leader = e.Member
	case cluster.LeaderLost:
		r.leader = ""
	}
	if fault == "" {
		return nil
	}
	if len(r.faults) < faultsLimit {
		r.faults = append(r.faults, m)
	}
	at := e.Time.Sub(r.start)
	if r.open == nil {
		r.open = &openOutage{fault: fault, start: at}
	}
	r.open.last = max(r.open.last, at)
	// The event may arrive after a write invoked after it was acknowledged.
	first := time.Duration(-1)
	for i := range min(r.nacks, acksKept) {
		if a := r.acks[i]; a.call >= r.open.last && (first < 0 || a.ret < first) {
			first = a.ret
		}
	}
	if first >= 0 {
		return []string{r.closeOutage(first)}
	}
	return nil
}

// faultText describes an event that may stop writes, or returns "".
func faultText(e cluster.Event, leaderName string) string {
	leader := ""
	if strings.Contains(e.Text, "while leader") || (e.Member != "" && e.Member == leaderName && e.Kind != cluster.LeaderLost) {
		leader = " (leader)"
	}
	switch e.Kind {
	case cluster.MemberKilled:
		return e.Member + leader + " was killed"
	case cluster.MemberStopped:
		return e.Member + leader + " was stopped"
	case cluster.MemberFailed:
		return e.Member + leader + " failed"
	case cluster.MemberRemoved:
		return e.Member + leader + " was removed"
	case cluster.MemberUnreachable:
		return e.Member + leader + " became unreachable"
	case cluster.Partitioned:
		if e.Member != "" {
			return e.Member + leader + " was isolated"
		}
		return "the network was " + e.Text
	case cluster.LeaderLost:
		return "leader " + e.Member + " was lost"
	case cluster.QuorumLost:
		return "quorum was lost"
	}
	return ""
}

// closeOutage closes the open window at ret and returns its note.
func (r *loadRun) closeOutage(ret time.Duration) string {
	o := Outage{Fault: r.open.fault, Start: r.start.Add(r.open.start), Length: max(0, ret-r.open.start)}
	r.open = nil
	r.addOutage(o)
	return o.String()
}

func (r *loadRun) addOutage(o Outage) {
	r.outages = append(r.outages, o)
	if len(r.outages) > outagesLimit {
		r.outages = slices.Delete(r.outages, 0, len(r.outages)-outagesLimit)
	}
	if o.Length >= r.longest.Length {
		r.longest = o
	}
}

// openOutage returns the open window as it stands at now.
func (r *loadRun) openOutage(now time.Time) (Outage, bool) {
	if r.open == nil {
		return Outage{}, false
	}
	return Outage{Fault: r.open.fault, Start: r.start.Add(r.open.start), Length: max(0, now.Sub(r.start)-r.open.start), Open: true}, true
}

// history returns a copy of the recorded operations and the cut, if the
// history is full.
func (r *loadRun) history() ([]op, bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ops), r.full, r.cut
}

// secs formats a window like "1.42s".
func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// latency formats a latency like "2.1ms".
func latency(d time.Duration) string {
	if d >= time.Second {
		return secs(d)
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
