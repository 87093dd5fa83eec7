package lab

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// defaultCheckTimeout bounds porcupine's search; the answer is then
// "unknown", which no expectation accepts.
const defaultCheckTimeout = 30 * time.Second

// checkCommands are the commands that judge a load's history.
var checkCommands = map[string]spec{
	"check": {usage: "check [--html FILE] [--timeout D]",
		summary: "check the last load (after load stop): linearizability (porcupine), lost writes, members' revision and KV hash; --html writes porcupine's visualization",
		values:  map[string]func(string) error{"html": anyValue, "timeout": durationValue}, run: (*Lab).check},
}

// checkExpects are the conditions of expect about the last load.
var checkExpects = map[string]expectSpec{
	"linearizable":   {usage: "linearizable", parse: noArgs("linearizable"), run: (*Lab).expectLinearizable},
	"no-lost-writes": {usage: "no-lost-writes", parse: noArgs("no-lost-writes"), run: (*Lab).expectNoLostWrites},
	"members-agree":  {usage: "members-agree", parse: noArgs("members-agree"), run: (*Lab).expectMembersAgree},
	"unavailable":    {usage: "unavailable < D", parse: parseUnavailable, run: (*Lab).expectUnavailable},
}

func noArgs(kind string) func(*Expectation, []string) error {
	return func(_ *Expectation, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("expect %s takes no arguments", kind)
		}
		return nil
	}
}

func parseUnavailable(e *Expectation, args []string) error {
	if len(args) != 2 || args[0] != "<" {
		return errors.New("expect unavailable needs a bound: expect unavailable < 3s")
	}
	if err := durationValue(args[1]); err != nil {
		return err
	}
	e.Want = args
	return nil
}

// kvInput is the input of a porcupine operation: a put or a get of one key.
type kvInput struct {
	write bool
	key   int
	value string
}

// kvOutput is what a get returned; a put's output is ignored.
type kvOutput struct {
	value string
	found bool
}

// kvState is one key's register.
type kvState struct {
	value string
	found bool
}

// opMeta travels with each porcupine operation to name it in reports.
type opMeta struct {
	index  int // in the history; -1 for the final read
	member string
	maybe  bool
}

func (m opMeta) String() string {
	if m.maybe {
		return "via " + m.member + ", failed or timed out: maybe applied"
	}
	return "via " + m.member
}

// kvModel is a register per key: porcupine checks each key apart, which
// keeps the search small.
func kvModel(keys []string) porcupine.Model {
	short := func(k int) string {
		if k < len(keys) {
			return keys[k][strings.LastIndexByte(keys[k], '/')+1:]
		}
		return fmt.Sprintf("k%d", k)
	}
	return porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			by := map[int][]porcupine.Operation{}
			for _, o := range h {
				k := o.Input.(kvInput).key
				by[k] = append(by[k], o)
			}
			out := make([][]porcupine.Operation, 0, len(by))
			for _, k := range slices.Sorted(maps.Keys(by)) {
				out = append(out, by[k])
			}
			return out
		},
		Init: func() any { return kvState{} },
		Step: func(state, input, output any) (bool, any) {
			st, in := state.(kvState), input.(kvInput)
			if in.write {
				return true, kvState{in.value, true}
			}
			out := output.(kvOutput)
			return out.found == st.found && out.value == st.value, st
		},
		DescribeOperation: func(input, output any) string {
			in := input.(kvInput)
			if in.write {
				return fmt.Sprintf("put(%s, %s)", short(in.key), in.value)
			}
			return fmt.Sprintf("get(%s) -> %s", short(in.key), valueText(output.(kvOutput).value, output.(kvOutput).found))
		},
		DescribeState: func(state any) string {
			st := state.(kvState)
			return valueText(st.value, st.found)
		},
	}
}

func valueText(v string, found bool) string {
	if !found {
		return "(none)"
	}
	return v
}

// finalRead is the state of every key read once the load stopped.
type finalRead struct {
	values    map[int]string // absent keys are missing
	call, ret time.Duration
	rev       int64
	member    string
}

// historyReport is the verdict on a history: linearizability and lost
// writes. It depends only on the history and the final read.
type historyReport struct {
	ops, writes, reads int
	acked              int
	droppedReads       int
	maybeKept          int
	maybeDropped       int
	span               time.Duration
	truncated          bool

	result porcupine.CheckResult
	took   time.Duration
	// violation describes the first operations that cannot be linearized.
	violation []string
	info      porcupine.LinearizationInfo
	model     porcupine.Model
	// lost lists acknowledged writes missing from the final state.
	lost []string
}

// checkHistory checks a history (with the final read, if fin is not nil)
// against the per-key register model, and looks for lost writes.
//
// A write that failed or timed out may have been applied, so it gets no
// return time (Jepsen's :info); one whose value no read ever returned is
// dropped instead, which cannot change the verdict: with values unique, an
// unseen write can always be placed where nobody looks. Failed reads did
// nothing and are dropped.
func checkHistory(keys []string, ops []op, fin *finalRead, timeout time.Duration) historyReport {
	rep := historyReport{model: kvModel(keys), ops: len(ops)}
	type kv struct {
		key   int
		value string
	}
	seen := map[kv]bool{}
	var end time.Duration
	for _, o := range ops {
		end = max(end, o.ret)
		if !o.write && o.status == opOK && o.found {
			seen[kv{o.key, o.value}] = true
		}
	}
	if fin != nil {
		end = max(end, fin.ret)
		for k, v := range fin.values {
			seen[kv{k, v}] = true
		}
	}
	rep.span = end
	var h []porcupine.Operation
	for i, o := range ops {
		po := porcupine.Operation{ClientId: o.client, Input: kvInput{o.write, o.key, o.value}, Call: int64(o.call), Return: int64(o.ret),
			Output: kvOutput{}, Metadata: opMeta{index: i, member: o.member}}
		switch {
		case o.write:
			rep.writes++
			if o.status == opOK {
				rep.acked++
				break
			}
			if !seen[kv{o.key, o.value}] {
				rep.maybeDropped++
				continue
			}
			rep.maybeKept++
			po.Return = math.MaxInt64
			po.Metadata = opMeta{index: i, member: o.member, maybe: true}
		case o.status != opOK:
			rep.droppedReads++
			continue
		default:
			rep.reads++
			po.Output = kvOutput{o.value, o.found}
		}
		h = append(h, po)
	}
	if fin != nil {
		reader := 0
		for _, o := range ops {
			reader = max(reader, o.client+1)
		}
		for k := range keys {
			v, ok := fin.values[k]
			h = append(h, porcupine.Operation{ClientId: reader, Input: kvInput{key: k}, Output: kvOutput{v, ok},
				Call: int64(fin.call), Return: int64(fin.ret), Metadata: opMeta{index: -1, member: fin.member}})
		}
	}
	start := time.Now()
	rep.result, rep.info = porcupine.CheckOperationsVerbose(rep.model, h, timeout)
	rep.took = time.Since(start)
	if rep.result == porcupine.Illegal {
		rep.violation = describeViolation(rep.model, keys, ops, h, rep.info)
	}
	if fin != nil {
		rep.lost = lostWrites(keys, ops, fin)
	}
	return rep
}

// describeViolation names the first operations, by invocation time, that
// are outside the longest linearizable prefix of the key that fails, and
// the value the key held at the end of that prefix.
func describeViolation(model porcupine.Model, keys []string, ops []op, h []porcupine.Operation, info porcupine.LinearizationInfo) []string {
	parts := model.Partition(h)
	partials := info.PartialLinearizationsOperations()
	type failure struct {
		key     int
		first   porcupine.Operation
		rest    []porcupine.Operation
		longest []porcupine.Operation
	}
	var worst *failure
	for p, part := range parts {
		if p >= len(partials) {
			break
		}
		var longest []porcupine.Operation
		for _, l := range partials[p] {
			if len(l) > len(longest) {
				longest = l
			}
		}
		if len(longest) == len(part) {
			continue
		}
		in := map[opMeta]bool{}
		for _, o := range longest {
			in[o.Metadata.(opMeta)] = true
		}
		var out []porcupine.Operation
		for _, o := range part {
			if !in[o.Metadata.(opMeta)] {
				out = append(out, o)
			}
		}
		slices.SortFunc(out, func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
		if len(out) == 0 {
			continue
		}
		if worst == nil || out[0].Call < worst.first.Call {
			worst = &failure{key: part[0].Input.(kvInput).key, first: out[0], rest: out, longest: longest}
		}
	}
	if worst == nil {
		return []string{"porcupine found no linearization, but named no operation"}
	}
	var st any = model.Init()
	for _, o := range worst.longest {
		_, st = model.Step(st, o.Input, o.Output)
	}
	out := []string{fmt.Sprintf("key %s: only %d of its %d operations linearize, leaving the key at %s", keys[worst.key],
		len(worst.longest), len(worst.longest)+len(worst.rest), model.DescribeState(st))}
	if n := len(worst.longest); n > 0 {
		out = append(out, "  last that linearizes: "+describeOp(model, worst.longest[n-1]))
	}
	out = append(out, "  first that cannot:    "+describeOp(model, worst.first))
	if n := len(worst.rest) - 1; n > 0 {
		out = append(out, fmt.Sprintf("  (%d later operation%s on this key not linearized past it; check --html FILE shows them all)", n, kit.Plural(n)))
	}
	return out
}

func describeOp(model porcupine.Model, o porcupine.Operation) string {
	m := o.Metadata.(opMeta)
	who := fmt.Sprintf("client %d", o.ClientId)
	if m.index < 0 {
		who = "final read"
	}
	ret := fmt.Sprintf("%.3fs", time.Duration(o.Return).Seconds())
	if o.Return == math.MaxInt64 {
		ret = "never (maybe applied)"
	}
	return fmt.Sprintf("%s  %s via %s, invoked %.3fs, returned %s", model.DescribeOperation(o.Input, o.Output), who, m.member,
		time.Duration(o.Call).Seconds(), ret)
}

// lostWrites returns the acknowledged writes missing from the final state.
// An acknowledged write W is lost when its key's final value is neither
// W's value nor the value of another write that may come after W: one that
// was not acknowledged before W was invoked (a write that failed or timed
// out may come anywhere after its invocation).
func lostWrites(keys []string, ops []op, fin *finalRead) []string {
	type kv struct {
		key   int
		value string
	}
	writer := map[kv]int{}
	for i, o := range ops {
		if o.write {
			writer[kv{o.key, o.value}] = i
		}
	}
	var lost []string
	for _, w := range ops {
		if !w.write || w.status != opOK {
			continue
		}
		v, found := fin.values[w.key]
		if found && v == w.value {
			continue
		}
		if i, ok := writer[kv{w.key, v}]; ok && found {
			if f := ops[i]; f.status == opMaybe || f.ret >= w.call {
				continue
			}
		}
		lost = append(lost, fmt.Sprintf("put(%s, %s) by client %d via %s, acknowledged at %.3fs; final value %s",
			keys[w.key], w.value, w.client, w.member, w.ret.Seconds(), valueText(v, found)))
	}
	return lost
}

// memberHash is one member's view of the final state.
type memberHash struct {
	name string
	rev  int64
	hash uint32
	err  error
	down bool
}

// agreement is whether the live members hold the same state.
type agreement struct {
	members  []memberHash
	rev      int64 // the revision the hashes were taken at
	caughtUp bool
	ok       bool
}

// agreement waits (up to five lab timeouts) for every running member to
// reach the same revision, then compares their KV hashes
// (Maintenance.HashKV) at the lowest revision among them.
func (l *Lab) agreement(ctx context.Context) agreement {
	var a agreement
	deadline := time.Now().Add(5 * l.timeout)
	for {
		st := l.c.Status()
		a = agreement{caughtUp: true}
		var lo int64 = -1
		for _, m := range st.Members {
			mh := memberHash{name: m.Name, rev: m.Revision, down: !m.State.Running()}
			a.members = append(a.members, mh)
			if mh.down {
				continue
			}
			if lo >= 0 && m.Revision != lo {
				a.caughtUp = false
			}
			if lo < 0 || m.Revision < lo {
				lo = m.Revision
			}
		}
		a.rev = lo
		if a.caughtUp || time.Now().After(deadline) || !kit.Sleep(ctx, 20*time.Millisecond) {
			break
		}
	}
	if a.rev < 0 {
		return a
	}
	a.ok = a.caughtUp
	var first *memberHash
	for i := range a.members {
		m := &a.members[i]
		if m.down {
			continue
		}
		m.hash, m.err = l.hashKV(ctx, m.name, a.rev)
		switch {
		case m.err != nil:
			a.ok = false
		case first == nil:
			first = m
		case m.hash != first.hash:
			a.ok = false
		}
	}
	return a
}

func (l *Lab) hashKV(ctx context.Context, name string, rev int64) (uint32, error) {
	cli, _, err := l.client(name)
	if err != nil {
		return 0, err
	}
	url, err := l.c.ClientURL(name)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := cli.HashKV(ctx, url, rev)
	if err != nil {
		return 0, l.explain(err, name)
	}
	return resp.Hash, nil
}

func (a agreement) lines() []string {
	var up, down []string
	for _, m := range a.members {
		if m.down {
			down = append(down, m.name)
		} else {
			up = append(up, m.name)
		}
	}
	var out []string
	switch {
	case len(up) == 0:
		return []string{"members: none is running"}
	case a.ok:
		out = append(out, fmt.Sprintf("members agree: %s at revision %d, KV hash %08x", strings.Join(up, ", "), a.rev, a.members[slices.IndexFunc(a.members, func(m memberHash) bool { return !m.down })].hash))
	default:
		out = append(out, "members DISAGREE:")
		if !a.caughtUp {
			var revs []string
			for _, m := range a.members {
				if !m.down {
					revs = append(revs, fmt.Sprintf("%s at %d", m.name, m.rev))
				}
			}
			out = append(out, "  revisions did not converge: "+strings.Join(revs, ", ")+" (a member cut off or still catching up?)")
		}
		for _, m := range a.members {
			switch {
			case m.down:
			case m.err != nil:
				out = append(out, fmt.Sprintf("  %s: no hash at revision %d: %v", m.name, a.rev, m.err))
			default:
				out = append(out, fmt.Sprintf("  %s: KV hash %08x at revision %d", m.name, m.hash, a.rev))
			}
		}
	}
	if len(down) > 0 {
		out = append(out, "  not compared (down): "+strings.Join(down, ", "))
	}
	return out
}

// checkReport is what check says about one load run.
type checkReport struct {
	run    int
	prefix string
	fin    *finalRead
	hist   historyReport
	agree  agreement
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
// to five lab timeouts (an election may be under way).
func (l *Lab) readFinal(ctx context.Context, r *loadRun) (*finalRead, error) {
	index := map[string]int{}
	for i, k := range r.keys {
		index[k] = i
	}
	deadline := time.Now().Add(5 * l.timeout)
	for {
		cli, _, err := l.client("")
		if err != nil {
			return nil, err
		}
		cctx, cancel := context.WithTimeout(ctx, l.timeout)
		call := time.Since(r.start)
		resp, err := cli.Get(cctx, r.prefix, clientv3.WithPrefix())
		ret := time.Since(r.start)
		cancel()
		if err == nil {
			fin := &finalRead{values: map[int]string{}, call: call, ret: ret, rev: resp.Header.Revision, member: l.nameOfMember(resp.Header.MemberId)}
			for _, kv := range resp.Kvs {
				if i, ok := index[string(kv.Key)]; ok {
					fin.values[i] = string(kv.Value)
				}
			}
			return fin, nil
		}
		if time.Now().After(deadline) || !kit.Sleep(ctx, 50*time.Millisecond) {
			return nil, fmt.Errorf("cannot read the final state of the keys: %v", l.explain(err, ""))
		}
	}
}

// prefixAt keeps what a prefix of time can explain: reads that returned
// by cut and writes invoked by it (a read may have seen one that had not
// returned yet).
func prefixAt(ops []op, cut time.Duration) []op {
	return slices.DeleteFunc(ops, func(o op) bool { return (o.write && o.call > cut) || (!o.write && o.ret > cut) })
}

// runCheck checks the last load run. It refuses while the load runs: an
// operation still in flight would be missing from the history.
func (l *Lab) runCheck(ctx context.Context, timeout time.Duration) (*checkReport, *loadRun, error) {
	r := l.load.run.Load()
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
		fin, err := l.readFinal(ctx, r)
		if err != nil {
			return nil, nil, err
		}
		rep.fin = fin
	}
	rep.hist = checkHistory(r.keys, ops, rep.fin, timeout)
	rep.hist.truncated = full
	rep.agree = l.agreement(ctx)
	r.mu.Lock()
	r.report = rep
	r.mu.Unlock()
	return rep, r, nil
}

func (l *Lab) check(ctx context.Context, c *Command) Result {
	timeout := defaultCheckTimeout
	if v, ok := c.Flag("timeout"); ok {
		timeout, _ = time.ParseDuration(v)
	}
	rep, r, err := l.runCheck(ctx, timeout)
	if err != nil {
		return Result{Err: err}
	}
	out := rep.lines()
	if path, ok := c.Flag("html"); ok {
		info := rep.hist.info
		r.mu.Lock()
		var notes []porcupine.Annotation
		for _, f := range r.faults {
			at := int64(f.Time.Sub(r.start))
			notes = append(notes, porcupine.Annotation{Tag: "cluster", Start: at, End: at, Description: f.Kind.String(), Details: f.Text})
		}
		r.mu.Unlock()
		info.AddAnnotations(notes)
		if err := porcupine.VisualizePath(rep.hist.model, info, path); err != nil {
			return Result{Lines: out, Err: fmt.Errorf("cannot write the visualization: %v", err)}
		}
		out = append(out, "visualization: "+path+" (open it in a browser)")
	}
	return Result{Lines: out}
}

// lastReport returns the report of the last check of the last load run,
// checking it now if it was not checked yet.
func (l *Lab) lastReport(ctx context.Context) (*checkReport, error) {
	if r := l.load.run.Load(); r != nil {
		r.mu.Lock()
		rep := r.report
		r.mu.Unlock()
		if rep != nil {
			return rep, nil
		}
	}
	rep, _, err := l.runCheck(ctx, defaultCheckTimeout)
	return rep, err
}

func (l *Lab) expectLinearizable(ctx context.Context, _ *Expectation) Result {
	rep, err := l.lastReport(ctx)
	if err != nil {
		return Result{Err: err}
	}
	h := rep.hist
	switch h.result {
	case porcupine.Ok:
		return Result{Lines: []string{fmt.Sprintf("passed: the history of load %d is linearizable (%d operations)", rep.run, h.ops)}}
	case porcupine.Illegal:
		return Result{Err: fmt.Errorf("expected a linearizable history, but load %d is not:\n%s", rep.run, strings.Join(h.violation, "\n"))}
	}
	return Result{Err: fmt.Errorf("expected a linearizable history, but porcupine gave up on load %d at the timeout", rep.run)}
}

func (l *Lab) expectNoLostWrites(ctx context.Context, _ *Expectation) Result {
	rep, err := l.lastReport(ctx)
	if err != nil {
		return Result{Err: err}
	}
	h := rep.hist
	switch {
	case h.truncated:
		return Result{Err: fmt.Errorf("cannot tell: the history of load %d reached its bound of %d operations, so writes after it were not recorded", rep.run, historyLimit)}
	case len(h.lost) > 0:
		return Result{Err: fmt.Errorf("expected no lost writes, but load %d lost %d acknowledged write%s:\n%s",
			rep.run, len(h.lost), kit.Plural(len(h.lost)), strings.Join(h.lost, "\n"))}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: all %d acknowledged writes of load %d are in the final state", h.acked, rep.run)}}
}

func (l *Lab) expectMembersAgree(ctx context.Context, _ *Expectation) Result {
	a := l.agreement(ctx)
	if !a.ok {
		return Result{Err: fmt.Errorf("expected the members to agree, but:\n%s", strings.Join(a.lines(), "\n"))}
	}
	ls := a.lines()
	ls[0] = "passed: " + ls[0]
	return Result{Lines: ls}
}

func (l *Lab) expectUnavailable(_ context.Context, e *Expectation) Result {
	bound, _ := time.ParseDuration(e.Want[1])
	if l.load.run.Load() == nil {
		return Result{Err: errors.New("no load has run: availability is measured by the load; start one with load start")}
	}
	s := l.LoadStats()
	if s.Longest.Fault == "" {
		return Result{Lines: []string{"passed: no fault during the load, so no availability window"}}
	}
	if s.Longest.Length >= bound {
		return Result{Err: fmt.Errorf("expected every availability window under %s, but there was %s", bound, s.Longest)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: longest availability window %s < %s: %s", secs(s.Longest.Length), bound, s.Longest)}}
}
