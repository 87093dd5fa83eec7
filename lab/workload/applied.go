package workload

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

// applied counts the writes clients saw fail (a deadline, a broken
// connection, an error, or load stop cutting them short) and how many of
// them were applied anyway: their unique value was returned by a read, or
// is a key's final value. A write's value "wN" numbers it, so two bits a
// write (failed, seen) suffice, whatever the length of the load; it keeps
// counting when the history is full. Its bits are guarded by the run's mu.
type applied struct {
	failed, seen bitset
	// failures and anyway are the counts: writes that failed, and those of
	// them whose value was seen.
	failures, anyway int
}

// fail records that the write of value v failed as its client saw it.
func (a *applied) fail(v string) {
	n, ok := writeNumber(v)
	if !ok || a.failed.has(n) {
		return
	}
	a.failed.set(n)
	a.failures++
	if a.seen.has(n) {
		a.anyway++
	}
}

// see records that value v was read, or is a final value.
func (a *applied) see(v string) {
	n, ok := writeNumber(v)
	if !ok || a.seen.has(n) {
		return
	}
	a.seen.set(n)
	if a.failed.has(n) {
		a.anyway++
	}
}

// has reports whether the failed write of value v is known to be applied.
func (a *applied) has(v string) bool {
	n, ok := writeNumber(v)
	return ok && a.seen.has(n)
}

// line says it as load status, load stop and check do; how says what
// the count rests on.
func (a *applied) line(how string) string {
	if a.failures == 0 {
		return "no write failed as seen by clients"
	}
	return fmt.Sprintf("%d write%s failed as seen by clients; %d of them %s applied anyway (%s)",
		a.failures, kit.Plural(a.failures), a.anyway, wasWere(a.anyway), how)
}

// What an applied-anyway count rests on.
const (
	byReads      = "a read returned the value it wrote"
	byReadsFinal = "a read returned the value it wrote, or it is a key's final value"
)

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// writeNumber returns N of a load's value "wN".
func writeNumber(v string) (int, bool) {
	s, ok := strings.CutPrefix(v, "w")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// bitset is a growable set of small non-negative numbers.
type bitset []uint64

func (b *bitset) set(n int) {
	for len(*b) <= n/64 {
		*b = append(*b, 0)
	}
	(*b)[n/64] |= 1 << (n % 64)
}

func (b bitset) has(n int) bool { return n/64 < len(b) && b[n/64]&(1<<(n%64)) != 0 }

// seeFinal marks the values of a final read as seen.
func (r *loadRun) seeFinal(fin *finalRead) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range fin.values {
		r.applied.see(v)
	}
}

// appliedLine reads the final values once, so that a failed write whose
// value is final counts as applied, and says how many failed writes were
// applied anyway. If the read fails, it says so: check reads them again.
func (w *Workload) appliedLine(ctx context.Context, r *loadRun) string {
	fin, err := w.readFinal(ctx, r, 1)
	if err == nil {
		r.seeFinal(fin)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		return r.applied.line(fmt.Sprintf("%s; the final values could not be read: %v; check reads them again", byReads, err))
	}
	return r.applied.line(byReadsFinal)
}

// knownApplied returns a test of whether the failed write of a value is
// known to be applied, as of now.
func (r *loadRun) knownApplied() func(string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := applied{seen: append(bitset(nil), r.applied.seen...)}
	return a.has
}
