package workload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// DefaultCheckTimeout bounds porcupine's search; the answer is then
// "unknown", which no expectation accepts.
const DefaultCheckTimeout = 30 * time.Second

// checkReport is what check says about one load run.
type checkReport struct {
	run    int
	prefix string
	fin    *finalRead
	hist   historyReport
	agree  agreement
	// applied says how many writes clients saw fail and how many of them
	// were applied anyway.
	applied string
}

func (r *checkReport) lines() []string {
	h := r.hist
	out := []string{fmt.Sprintf("check of load %d (keys %s*): %d operations over %s", r.run, r.prefix, h.ops, secs(h.span))}
	if h.truncated {
		out = append(out, fmt.Sprintf("  the history reached its bound of %d operations: this checks that prefix only; lost writes are not checked", historyLimit))
	}
	if r.fin != nil {
		out = append(out, fmt.Sprintf("final read: %d keys at revision %d through %s", len(r.fin.values), r.fin.rev, r.fin.member))
	}
	used := fmt.Sprintf("porcupine, a register per key; %d writes acknowledged, %d maybe applied (%d seen by a read, kept without a return time; %d never seen, dropped), %d reads (%d failed, dropped); %s",
		h.acked, h.maybeKept+h.maybeDropped, h.maybeKept, h.maybeDropped, h.reads, h.droppedReads, latency(h.took))
	switch h.result {
	case porcupine.Ok:
		out = append(out, "linearizable: yes ("+used+")")
	case porcupine.Illegal:
		out = append(out, "linearizable: NO ("+used+")")
		for _, v := range h.violation {
			out = append(out, "  "+v)
		}
	default:
		out = append(out, "linearizable: UNKNOWN: porcupine gave up at the timeout ("+used+"); give check a longer --timeout")
	}
	switch {
	case h.truncated:
		out = append(out, "lost writes: not checked (history truncated)")
	case len(h.lost) == 0:
		out = append(out, fmt.Sprintf("lost writes: none of %d acknowledged writes", h.acked))
	default:
		out = append(out, fmt.Sprintf("lost writes: %d acknowledged write%s missing from the final state:", len(h.lost), kit.Plural(len(h.lost))))
		for _, l := range h.lost[:min(5, len(h.lost))] {
			out = append(out, "  "+l)
		}
	}
	out = append(out, r.applied)
	out = append(out, r.agree.lines()...)
	verdict := "PASS: linearizable, no lost writes, members agree"
	if !r.pass() {
		var bad []string
		if h.result != porcupine.Ok {
			bad = append(bad, "not shown linearizable")
		}
		if len(h.lost) > 0 || h.truncated {
			bad = append(bad, "lost writes")
		}
		if !r.agree.ok {
			bad = append(bad, "members disagree")
		}
		verdict = "FAIL: " + strings.Join(bad, ", ")
		if h.truncated && len(h.lost) == 0 {
			verdict = strings.Replace(verdict, "lost writes", "lost writes not checked", 1)
		}
	}
	return append(out, verdict)
}

func (r *checkReport) pass() bool {
	return r.hist.result == porcupine.Ok && len(r.hist.lost) == 0 && !r.hist.truncated && r.agree.ok
}

// readFinal reads every key of the run through the cluster, retrying for up
// to tries timeouts (an election may be under way).
func (w *Workload) readFinal(ctx context.Context, r *loadRun, tries int) (*finalRead, error) {
	index := map[string]int{}
	for i, k := range r.keys {
		index[k] = i
	}
	var urls []string
	for _, e := range w.t.Endpoints() {
		urls = append(urls, e.ClientURL)
	}
	cli, err := w.newClient(urls...)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	deadline := time.Now().Add(time.Duration(tries) * w.timeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, w.timeout)
		call := time.Since(r.start)
		resp, err := cli.Get(cctx, r.prefix, clientv3.WithPrefix())
		ret := time.Since(r.start)
		cancel()
		if err == nil {
			fin := &finalRead{values: map[int]string{}, call: call, ret: ret, rev: resp.Header.Revision, member: kit.MemberName(w.t.Status(), resp.Header.MemberId)}
			for _, kv := range resp.Kvs {
				if i, ok := index[string(kv.Key)]; ok {
					fin.values[i] = string(kv.Value)
				}
			}
			return fin, nil
		}
		if time.Now().After(deadline) || !kit.Sleep(ctx, 50*time.Millisecond) {
			return nil, fmt.Errorf("cannot read the final state of the keys: %v", w.h.Explain(err, ""))
		}
	}
}

// runCheck checks the last load run. It refuses while the load runs: an
// operation still in flight would be missing from the history.
func (w *Workload) runCheck(ctx context.Context, timeout time.Duration) (*checkReport, *loadRun, error) {
	r := w.run.Load()
	if r == nil {
		return nil, nil, errors.New("no load history to check: run load start, cause some faults, then load stop")
	}
	if r.running() {
		return nil, nil, errors.New("the load is still running: load stop first, so that every operation has returned")
	}
	ops, full, cut := r.history()
	rep := &checkReport{run: r.num, prefix: r.prefix}
	if full {
		// No final read: writes after the cut were not recorded.
		ops = prefixAt(ops, cut)
	} else {
		fin, err := w.readFinal(ctx, r, 5)
		if err != nil {
			return nil, nil, err
		}
		rep.fin = fin
		r.seeFinal(fin)
	}
	rep.hist = checkHistory(r.keys, ops, rep.fin, r.knownApplied(), timeout)
	r.mu.Lock()
	rep.applied = r.applied.line(byReadsFinal)
	r.mu.Unlock()
	rep.hist.truncated = full
	rep.agree = w.agreement(ctx)
	r.mu.Lock()
	r.report = rep
	r.mu.Unlock()
	return rep, r, nil
}

// Check checks the last load, after load stop: linearizability
// (porcupine, bounded by timeout), lost writes, and the members' revision
// and KV hash. It returns the report's lines, whose last says PASS or
// FAIL. With html set, it writes porcupine's visualization there, with the
// cluster's faults marked.
func (w *Workload) Check(ctx context.Context, timeout time.Duration, html string) ([]string, error) {
	rep, r, err := w.runCheck(ctx, timeout)
	if err != nil {
		return nil, err
	}
	out := rep.lines()
	if html == "" {
		return out, nil
	}
	info := rep.hist.info
	r.mu.Lock()
	var notes []porcupine.Annotation
	for _, f := range r.faults {
		at := int64(f.Time.Sub(r.start))
		notes = append(notes, porcupine.Annotation{Tag: "cluster", Start: at, End: at, Description: f.Kind.String(), Details: f.Text})
	}
	r.mu.Unlock()
	info.AddAnnotations(notes)
	if err := porcupine.VisualizePath(rep.hist.model, info, html); err != nil {
		return out, fmt.Errorf("cannot write the visualization: %v", err)
	}
	return append(out, "visualization: "+html+" (open it in a browser)"), nil
}

// lastReport returns the report of the last check of the last load run,
// checking it now if it was not checked yet.
func (w *Workload) lastReport(ctx context.Context) (*checkReport, error) {
	if r := w.run.Load(); r != nil {
		r.mu.Lock()
		rep := r.report
		r.mu.Unlock()
		if rep != nil {
			return rep, nil
		}
	}
	rep, _, err := w.runCheck(ctx, DefaultCheckTimeout)
	return rep, err
}

// ExpectLinearizable says whether the last load's history is
// linearizable, checking it first if check has not.
func (w *Workload) ExpectLinearizable(ctx context.Context) (string, error) {
	rep, err := w.lastReport(ctx)
	if err != nil {
		return "", err
	}
	h := rep.hist
	switch h.result {
	case porcupine.Ok:
		return fmt.Sprintf("the history of load %d is linearizable (%d operations)", rep.run, h.ops), nil
	case porcupine.Illegal:
		return "", fmt.Errorf("expected a linearizable history, but load %d is not:\n%s", rep.run, strings.Join(h.violation, "\n"))
	}
	return "", fmt.Errorf("expected a linearizable history, but porcupine gave up on load %d at the timeout", rep.run)
}

// ExpectNoLostWrites says whether every write the last load saw
// acknowledged is in the final state, checking it first if check has not.
func (w *Workload) ExpectNoLostWrites(ctx context.Context) (string, error) {
	rep, err := w.lastReport(ctx)
	if err != nil {
		return "", err
	}
	h := rep.hist
	switch {
	case h.truncated:
		return "", fmt.Errorf("cannot tell: the history of load %d reached its bound of %d operations, so writes after it were not recorded", rep.run, historyLimit)
	case len(h.lost) > 0:
		return "", fmt.Errorf("expected no lost writes, but load %d lost %d acknowledged write%s:\n%s",
			rep.run, len(h.lost), kit.Plural(len(h.lost)), strings.Join(h.lost, "\n"))
	}
	return fmt.Sprintf("all %d acknowledged writes of load %d are in the final state", h.acked, rep.run), nil
}

// ExpectMembersAgree says whether the running members hold the same state:
// the same revision and KV hash. It needs no load.
func (w *Workload) ExpectMembersAgree(ctx context.Context) ([]string, error) {
	a := w.agreement(ctx)
	if !a.ok {
		return nil, fmt.Errorf("expected the members to agree, but:\n%s", strings.Join(a.lines(), "\n"))
	}
	return a.lines(), nil
}

// ExpectUnavailable says whether every availability window of the last
// load was shorter than bound.
func (w *Workload) ExpectUnavailable(bound time.Duration) (string, error) {
	if w.run.Load() == nil {
		return "", errors.New("no load has run: availability is measured by the load; start one with load start")
	}
	s := w.LoadStats()
	if s.Longest.Fault == "" {
		return "no fault during the load, so no availability window", nil
	}
	if s.Longest.Length >= bound {
		return "", fmt.Errorf("expected every availability window under %s, but there was %s", bound, s.Longest)
	}
	return fmt.Sprintf("longest availability window %s < %s: %s", secs(s.Longest.Length), bound, s.Longest), nil
}
