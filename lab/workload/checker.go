package workload

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

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
// return time (Jepsen's :info); one whose value no read ever returned (in
// ops, in fin, or as known reports: the load's own count, which also saw
// load stop's final read) is dropped instead, which cannot change the verdict: with values unique, an
// unseen write can always be placed where nobody looks. Failed reads did
// nothing and are dropped.
func checkHistory(keys []string, ops []op, fin *finalRead, known func(value string) bool, timeout time.Duration) historyReport {
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
			if !seen[kv{o.key, o.value}] && (known == nil || !known(o.value)) {
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
