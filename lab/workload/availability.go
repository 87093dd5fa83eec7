package workload

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

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

// String describes the window as the load's notes and summary do.
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
	// FailedWrites counts the writes clients saw fail (or load stop cut
	// short), AppliedAnyway those of them known to be applied: a read
	// returned their value, or it is a key's final value (as read by load
	// stop and check).
	FailedWrites, AppliedAnyway int
}

// LoadStats returns a snapshot of the current or last load. It is cheap
// (a few small copies under a lock held only by bookkeeping) and never
// waits on etcd, so a UI may call it on every frame.
func (w *Workload) LoadStats() LoadStats {
	r := w.run.Load()
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
		FailedWrites: r.applied.failures, AppliedAnyway: r.applied.anyway,
	}
	if o, ok := r.openOutage(now); ok {
		s.Outages = append(s.Outages, o)
		if o.Length > s.Longest.Length {
			s.Longest = o
		}
	}
	return s
}

// openOutage is the availability window open now.
type openOutage struct {
	fault string
	start time.Duration
	last  time.Duration // the latest fault joined to the window
}

// ack is an acknowledged write's call and return.
type ack struct{ call, ret time.Duration }

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
