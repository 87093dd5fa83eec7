package workload

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// Hand-made histories: times are milliseconds since the load began.
var testKeys = []string{"load/t/k0", "load/t/k1"}

func hPut(client, key int, v string, call, ret int) op {
	return op{client: client, write: true, key: key, value: v, call: ms(call), ret: ms(ret), member: "etcd1"}
}

func hPutMaybe(client, key int, v string, call, ret int) op {
	o := hPut(client, key, v, call, ret)
	o.status = opMaybe
	return o
}

func hGet(client, key int, v string, call, ret int) op {
	return op{client: client, key: key, value: v, found: v != "", call: ms(call), ret: ms(ret), member: "etcd2"}
}

func hGetFailed(client, key int, call, ret int) op {
	o := hGet(client, key, "", call, ret)
	o.status = opFailed
	return o
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// final is the final read at 1000-1001 ms: key index to value.
func hFinal(values map[int]string) *finalRead {
	return &finalRead{values: values, call: ms(1000), ret: ms(1001), rev: 9, member: "etcd3"}
}

func TestCheckerLinearizableHistories(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []op
		fin  *finalRead
	}{
		{"sequential", []op{
			hPut(0, 0, "w1", 0, 10), hGet(1, 0, "w1", 20, 30), hPut(1, 0, "w2", 40, 50), hGet(0, 0, "w2", 60, 70),
		}, hFinal(map[int]string{0: "w2"})},
		{"concurrent read may see either value", []op{
			hPut(0, 0, "w1", 0, 10), hPut(0, 0, "w2", 20, 60), hGet(1, 0, "w1", 30, 40), hGet(2, 0, "w2", 35, 45),
		}, hFinal(map[int]string{0: "w2"})},
		{"read before any write finds nothing", []op{
			hGet(0, 1, "", 0, 5), hPut(1, 1, "w1", 10, 20),
		}, hFinal(map[int]string{1: "w1"})},
		{"a timed-out write that a read saw took effect", []op{
			hPut(0, 0, "w1", 0, 10), hPutMaybe(1, 0, "w2", 20, 2020), hGet(2, 0, "w2", 500, 510),
		}, hFinal(map[int]string{0: "w2"})},
		{"a timed-out write may land after everything", []op{
			hPut(0, 0, "w1", 0, 10), hPutMaybe(1, 0, "w2", 20, 2020), hGet(2, 0, "w1", 500, 510),
		}, hFinal(map[int]string{0: "w2"})},
		{"a timed-out write nobody saw", []op{
			hPut(0, 0, "w1", 0, 10), hPutMaybe(1, 0, "w2", 20, 2020), hGet(2, 0, "w1", 500, 510),
		}, hFinal(map[int]string{0: "w1"})},
		{"failed reads are dropped", []op{
			hPut(0, 0, "w1", 0, 10), hGetFailed(1, 0, 20, 2020),
		}, hFinal(map[int]string{0: "w1"})},
		{"keys are independent", []op{
			hPut(0, 0, "w1", 0, 10), hPut(1, 1, "w2", 0, 10), hGet(2, 0, "w1", 20, 30), hGet(2, 1, "w2", 40, 50),
		}, hFinal(map[int]string{0: "w1", 1: "w2"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := checkHistory(testKeys, tc.ops, tc.fin, nil, 10*time.Second)
			if rep.result != porcupine.Ok {
				t.Errorf("result %s, want Ok: %q", rep.result, rep.violation)
			}
			if len(rep.lost) > 0 {
				t.Errorf("lost writes %q, want none", rep.lost)
			}
		})
	}
}

// TestCheckerCatchesStaleRead shows the checker can fail: a read returns a
// value that was overwritten before the read began.
func TestCheckerCatchesStaleRead(t *testing.T) {
	ops := []op{
		hPut(0, 0, "w1", 0, 10),
		hPut(0, 0, "w2", 20, 30),
		hGet(1, 0, "w1", 40, 50), // w2 was acknowledged before this read began
		hPut(1, 1, "w3", 0, 10),
	}
	rep := checkHistory(testKeys, ops, hFinal(map[int]string{0: "w2", 1: "w3"}), nil, 10*time.Second)
	if rep.result != porcupine.Illegal {
		t.Fatalf("result %s, want Illegal", rep.result)
	}
	text := strings.Join(rep.violation, "\n")
	for _, want := range []string{"key load/t/k0: only 2 of its 4 operations linearize, leaving the key at w2",
		"last that linearizes: put(k0, w2)  client 0 via etcd1",
		"first that cannot:    get(k0) -> w1  client 1 via etcd2, invoked 0.040s, returned 0.050s",
		"(1 later operation on this key not linearized past it"} {
		if !strings.Contains(text, want) {
			t.Errorf("violation does not say %q:\n%s", want, text)
		}
	}
	if len(rep.lost) > 0 {
		t.Errorf("lost %q, want none", rep.lost)
	}
	cr := &checkReport{run: 1, prefix: "load/t/", fin: hFinal(nil), hist: rep, agree: agreement{ok: true}}
	if lines := strings.Join(cr.lines(), "\n"); !strings.Contains(lines, "linearizable: NO") || !strings.Contains(lines, "FAIL: not shown linearizable") {
		t.Errorf("report does not fail:\n%s", lines)
	}
}

// TestCheckerCatchesReadOfUnwrittenValue: a read returns a value nobody
// wrote (or a failed write that was never invoked on that key).
func TestCheckerCatchesReadOfUnwrittenValue(t *testing.T) {
	ops := []op{hPut(0, 0, "w1", 0, 10), hGet(1, 0, "w9", 20, 30)}
	if rep := checkHistory(testKeys, ops, nil, nil, 10*time.Second); rep.result != porcupine.Illegal {
		t.Fatalf("result %s, want Illegal", rep.result)
	}
}

// TestCheckerCatchesLostWrite shows the checker can fail on the final
// state: an acknowledged write that nothing could have overwritten is gone.
func TestCheckerCatchesLostWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []op
		fin  *finalRead
		lost int
	}{
		{"key empty at the end", []op{hPut(0, 0, "w1", 0, 10)}, hFinal(map[int]string{}), 1},
		{"older value at the end", []op{hPut(0, 0, "w1", 0, 10), hPut(0, 0, "w2", 20, 30)}, hFinal(map[int]string{0: "w1"}), 1},
		{"overwritten by a concurrent write", []op{hPut(0, 0, "w1", 0, 30), hPut(1, 0, "w2", 20, 40)}, hFinal(map[int]string{0: "w1"}), 0},
		{"overwritten by a maybe-applied write", []op{hPut(0, 0, "w1", 0, 10), hPutMaybe(1, 0, "w2", 20, 2020)}, hFinal(map[int]string{0: "w2"}), 0},
		{"a failed write is not lost", []op{hPutMaybe(0, 0, "w1", 0, 2000)}, hFinal(map[int]string{}), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := checkHistory(testKeys, tc.ops, tc.fin, nil, 10*time.Second)
			if len(rep.lost) != tc.lost {
				t.Fatalf("lost %q, want %d", rep.lost, tc.lost)
			}
			if tc.lost > 0 {
				if !strings.Contains(rep.lost[0], "acknowledged at") || rep.result != porcupine.Illegal {
					t.Errorf("lost write %q, result %s: want it named and the history not linearizable", rep.lost[0], rep.result)
				}
				cr := &checkReport{run: 1, prefix: "load/t/", fin: tc.fin, hist: rep, agree: agreement{ok: true}}
				if lines := strings.Join(cr.lines(), "\n"); !strings.Contains(lines, "lost writes: 1 acknowledged write missing") || !strings.Contains(lines, "FAIL:") {
					t.Errorf("report does not fail:\n%s", lines)
				}
			}
		})
	}
}

// TestHistoryPrefix checks the prefix a full history is checked on: a read
// that returned after the cut goes (it may have seen an unrecorded write),
// a write invoked before the cut stays (a kept read may have seen it).
func TestHistoryPrefix(t *testing.T) {
	r := &loadRun{start: time.Now(), keys: testKeys, limit: 2}
	r.record(hPut(0, 0, "w1", 0, 10), false)
	r.record(hGet(1, 0, "w1", 5, 12), false) // fills the history: cut at 12ms
	r.record(hPut(2, 0, "w2", 11, 30), false)
	r.record(hGet(3, 0, "w2", 11, 35), false)
	r.record(hPut(0, 0, "w3", 40, 50), false)
	ops, full, cut := r.history()
	if !full || cut != ms(12) || len(ops) != 3 {
		t.Fatalf("history full=%v cut=%s with %d ops, want full at 12ms with w1, its read and w2", full, cut, len(ops))
	}
	ops = append(ops, hGet(3, 0, "w3", 11, 55), hPut(1, 1, "w4", 13, 14))
	kept := prefixAt(ops, cut)
	if len(kept) != 3 || kept[2].value != "w2" {
		t.Errorf("prefix = %+v, want w1, its read and w2", kept)
	}
	if rep := checkHistory(testKeys, kept, nil, nil, 10*time.Second); rep.result != porcupine.Ok {
		t.Errorf("prefix is %s: %q", rep.result, rep.violation)
	}
}

// synthHistory makes a linearizable history of n operations: rounds of
// overlapping operations, one per client, each taking effect when invoked;
// one write in 50 fails, and half of those still take effect.
func synthHistory(n, clients, keys int, seed uint64) ([]op, *finalRead) {
	rng := rand.New(rand.NewPCG(seed, 1))
	state := map[int]string{}
	now := time.Duration(0)
	var ops []op
	seq := 0
	for len(ops) < n {
		// each round: every client issues one op overlapping the others
		var ps []op
		for c := 0; c < clients; c++ {
			o := op{client: c, key: rng.IntN(keys), call: now + time.Duration(rng.IntN(1000))*time.Microsecond, member: "etcd1"}
			o.ret = o.call + time.Duration(500+rng.IntN(3000))*time.Microsecond
			if rng.IntN(2) == 0 {
				seq++
				o.write, o.value = true, fmt.Sprintf("w%d", seq)
				if rng.IntN(50) == 0 {
					o.status = opMaybe
				}
			}
			ps = append(ps, o)
		}
		// linearize at each call
		slices.SortFunc(ps, func(a, b op) int { return cmp.Compare(a.call, b.call) })
		for i := range ps {
			o := &ps[i]
			if o.write {
				if o.status == opOK || rng.IntN(2) == 0 {
					state[o.key] = o.value
				}
			} else {
				o.value, o.found = state[o.key]
			}
		}
		ops = append(ops, ps...)
		now += 5 * time.Millisecond
	}
	fin := &finalRead{values: map[int]string{}, call: now + time.Second, ret: now + time.Second + time.Millisecond, member: "etcd1"}
	for k, v := range state {
		fin.values[k] = v
	}
	return ops, fin
}

// BenchmarkCheckHistory measures the checker on a synthetic history like
// the load's (4 clients, 8 keys, 10% of the history bound).
func BenchmarkCheckHistory(b *testing.B) {
	keys := make([]string, 8)
	for i := range keys {
		keys[i] = fmt.Sprintf("load/x/k%d", i)
	}
	ops, fin := synthHistory(historyLimit/10, 4, len(keys), 3)
	b.ResetTimer()
	for range b.N {
		if rep := checkHistory(keys, ops, fin, nil, time.Minute); rep.result != porcupine.Ok {
			b.Fatalf("synthetic history is %s: %q", rep.result, rep.violation)
		}
	}
}
