package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/workload"
)

// This file is how a sample carries only what changed: the status and
// the lab's sample as their JSON fields, each field written when it differs
// from the previous sample's, the members one by one by their index, and
// the load's lists (its seconds, marks and outages) as what they dropped
// from their front and added at their end.

// fields is a JSON object as its members.
type fields map[string]json.RawMessage

func fieldsOf(v any) (fields, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var f fields
	return f, json.Unmarshal(b, &f)
}

// null is a member that prev held and f no longer does: a field left out
// when empty (omitempty) that became empty.
var null = json.RawMessage("null")

// changes returns the members of f that prev lacks or holds otherwise,
// and as null those prev held that f lacks, so that a field that became
// empty reads back empty.
func (f fields) changes(prev fields) fields {
	d := fields{}
	for k, v := range f {
		if p, ok := prev[k]; !ok || !bytes.Equal(p, v) {
			d[k] = v
		}
	}
	for k := range prev {
		if _, ok := f[k]; !ok {
			d[k] = null
		}
	}
	return d
}

// with returns a copy of f with the members of d set.
func (f fields) with(d fields) fields {
	out := make(fields, len(f)+len(d))
	for k, v := range f {
		out[k] = v
	}
	for k, v := range d {
		out[k] = v
	}
	return out
}

// into decodes f into v, a pointer to a zero value.
func (f fields) into(v any) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// take removes the member k from f and decodes it into v; it reports
// whether f held it.
func (f fields) take(k string, v any) (bool, error) {
	raw, ok := f[k]
	if !ok {
		return false, nil
	}
	delete(f, k)
	return true, json.Unmarshal(raw, v)
}

// seq is how a list changed: it is now prev[Drop:Drop+Keep] followed by Add.
type seq struct {
	Drop int               `json:"drop,omitempty"`
	Keep int               `json:"keep,omitempty"`
	Add  []json.RawMessage `json:"add,omitempty"`
}

// seqOf returns how prev became now, keeping the longest run of prev it
// can, and whether it changed at all.
func seqOf(prev, now []json.RawMessage) (seq, bool) {
	best := seq{Drop: len(prev)}
	for drop := range prev {
		keep := 0
		for keep < len(now) && drop+keep < len(prev) && bytes.Equal(prev[drop+keep], now[keep]) {
			keep++
		}
		if keep > best.Keep {
			best = seq{Drop: drop, Keep: keep}
		}
		if keep == len(prev)-drop {
			break // the rest of prev is kept whole: no later drop keeps more
		}
	}
	best.Add = now[best.Keep:]
	return best, best.Drop != 0 || best.Keep != len(prev) || len(best.Add) > 0
}

// apply returns prev changed by s.
func (s seq) apply(prev []json.RawMessage) ([]json.RawMessage, error) {
	if s.Drop < 0 || s.Keep < 0 || s.Drop > len(prev) || s.Keep > len(prev)-s.Drop {
		return nil, fmt.Errorf("a list change keeps %d from %d of %d", s.Keep, s.Drop, len(prev))
	}
	out := make([]json.RawMessage, 0, s.Keep+len(s.Add))
	return append(append(out, prev[s.Drop:s.Drop+s.Keep]...), s.Add...), nil
}

// memo maps the elements of a list in the previous sample to their
// other form (encoded, or decoded), so that the elements a list keeps
// from one sample to the next, most of a load's minute, are converted
// once. A new memo is made for every sample: a state is never changed in
// place.
type memo map[any]any

// elems encodes each of xs as conv makes it, and returns the memo of
// this list.
func elems[T comparable, W any](xs []T, conv func(T) W, prev memo) ([]json.RawMessage, memo, error) {
	out, next := make([]json.RawMessage, len(xs)), make(memo, len(xs))
	for i, x := range xs {
		if b, ok := prev[x]; ok {
			out[i] = b.(json.RawMessage)
		} else {
			b, err := json.Marshal(conv(x))
			if err != nil {
				return nil, nil, err
			}
			out[i] = b
		}
		next[x] = out[i]
	}
	return out, next, nil
}

// unelems decodes each of raws as conv reads it, and returns the memo of
// this list.
func unelems[T, W any](raws []json.RawMessage, conv func(W) (T, error), prev memo) ([]T, memo, error) {
	out, next := make([]T, len(raws)), make(memo, len(raws))
	for i, raw := range raws {
		if v, ok := prev[string(raw)]; ok {
			out[i] = v.(T)
		} else {
			var w W
			if err := json.Unmarshal(raw, &w); err != nil {
				return nil, nil, err
			}
			v, err := conv(w)
			if err != nil {
				return nil, nil, err
			}
			out[i] = v
		}
		next[string(raw)] = out[i]
	}
	return out, next, nil
}

// maxMembers bounds the members a sample may claim, so that a damaged
// trace cannot ask for an absurd allocation.
const maxMembers = 1024

// state is what the previous samples held; the next sample's delta is
// taken against it. A writer and a reader each keep one.
type state struct {
	status  fields // the status without its members
	members []fields
	lab     fields // the lab's sample without its load
	load    fields // the load without its lists
	lists   [numLists][]json.RawMessage
	memos   [numLists]memo
	// loadD is the last load read, whose lists the next may share.
	loadD *workload.LoadStats
	// statusW and membersW are the last status read, as a reader keeps it.
	statusW  wireStatus
	membersW []wireMember
	// net is the network's (net.go).
	net netState
}

// The load's lists, in their order in state.lists.
const (
	listSamples = iota
	listMarks
	listOutages
	numLists
)

var listNames = [numLists]string{"samples", "marks", "outages"}

// withStatus returns st as its change from s, and s with st taken in.
func (s state) withStatus(c clock, st *cluster.Status) (fields, state, error) {
	w, ms := c.status(st)
	top, err := fieldsOf(w)
	if err != nil {
		return nil, s, err
	}
	d := top.changes(s.status)
	mems := make([]fields, len(ms))
	var changed []fields
	for i, m := range ms {
		if mems[i], err = fieldsOf(m); err != nil {
			return nil, s, err
		}
		var prev fields
		if i < len(s.members) {
			prev = s.members[i]
		}
		if ch := mems[i].changes(prev); len(ch) > 0 {
			ch["i"] = json.RawMessage(strconv.Itoa(i))
			changed = append(changed, ch)
		}
	}
	if len(ms) != len(s.members) {
		d["n"] = json.RawMessage(strconv.Itoa(len(ms)))
	}
	if len(changed) > 0 {
		if d["members"], err = json.Marshal(changed); err != nil {
			return nil, s, err
		}
	}
	s.status, s.members = top, mems
	return d, s, nil
}

// readStatus reads a status written by withStatus, and returns s with it
// taken in. The changes are decoded onto the previous sample's wire
// values: a member that did not change is not decoded again.
func (s state) readStatus(c clock, d fields) (*cluster.Status, state, error) {
	n := len(s.membersW)
	if _, err := d.take("n", &n); err != nil || n < 0 || n > maxMembers {
		return nil, s, fmt.Errorf("a status of %d members", n)
	}
	ws := make([]wireMember, n)
	copy(ws, s.membersW)
	var changed []fields
	if _, err := d.take("members", &changed); err != nil {
		return nil, s, err
	}
	for _, ch := range changed {
		i := -1
		if _, err := ch.take("i", &i); err != nil || i < 0 || i >= n {
			return nil, s, fmt.Errorf("a change of member %d of %d", i, n)
		}
		if _, ok := ch["cut"]; ok {
			ws[i].Cut = nil // decoded afresh, not into an earlier sample's
		}
		if err := ch.onto(&ws[i]); err != nil {
			return nil, s, err
		}
	}
	w := s.statusW
	if err := d.onto(&w); err != nil {
		return nil, s, err
	}
	st, err := c.fromStatus(w, ws)
	s.statusW, s.membersW = w, ws
	return st, s, err
}

// onto decodes f onto v, a pointer to the previous struct: the members f
// holds are set, the others kept, and those it holds as null are zeroed
// (JSON leaves a number or a string as it was under null).
func (f fields) onto(v any) error {
	if len(f) == 0 {
		return nil
	}
	zeroNulls(v, f)
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// zeroNulls zeroes the fields of the struct v points to whose JSON names
// f holds as null.
func zeroNulls(v any, f fields) {
	var nulls []string
	for k, raw := range f {
		if bytes.Equal(bytes.TrimSpace(raw), null) {
			nulls = append(nulls, k)
		}
	}
	if len(nulls) == 0 {
		return
	}
	rv := reflect.ValueOf(v).Elem()
	if rv.Kind() != reflect.Struct {
		return
	}
	rt := rv.Type()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if slices.Contains(nulls, name) {
			rv.Field(i).SetZero()
		}
	}
}

// withLab returns l as its change from s, and s with l taken in.
func (s state) withLab(c clock, l *Lab) (fields, state, error) {
	top, err := fieldsOf(c.lab(l))
	if err != nil {
		return nil, s, err
	}
	load, err := fieldsOf(c.load(l.Load))
	if err != nil {
		return nil, s, err
	}
	var lists [numLists][]json.RawMessage
	var memos [numLists]memo
	var errs [numLists]error
	lists[listSamples], memos[listSamples], errs[0] = elems(l.Load.Samples, c.loadSample, s.memos[listSamples])
	lists[listMarks], memos[listMarks], errs[1] = elems(l.Load.Marks, c.mark, s.memos[listMarks])
	lists[listOutages], memos[listOutages], errs[2] = elems(l.Load.Outages, c.outage, s.memos[listOutages])
	for _, err := range errs {
		if err != nil {
			return nil, s, err
		}
	}
	d, ld := top.changes(s.lab), load.changes(s.load)
	for k := range lists {
		if q, ok := seqOf(s.lists[k], lists[k]); ok {
			if ld[listNames[k]], err = json.Marshal(q); err != nil {
				return nil, s, err
			}
		}
	}
	if len(ld) > 0 {
		if d["load"], err = json.Marshal(ld); err != nil {
			return nil, s, err
		}
	}
	s.lab, s.load, s.lists, s.memos = top, load, lists, memos
	return d, s, nil
}

// readLab reads a lab sample written by withLab, and returns s with it
// taken in.
func (s state) readLab(c clock, d fields) (*Lab, state, error) {
	ld := fields{}
	if _, err := d.take("load", &ld); err != nil {
		return nil, s, err
	}
	lists := s.lists
	var same [numLists]bool
	for k := range lists {
		var q seq
		ok, err := ld.take(listNames[k], &q)
		if err != nil {
			return nil, s, err
		}
		if ok {
			if lists[k], err = q.apply(s.lists[k]); err != nil {
				return nil, s, err
			}
		}
		same[k] = !ok && s.loadD != nil
	}
	top, load := s.lab.with(d), s.load.with(ld)
	var w wireLab
	var wl wireLoad
	if err := top.into(&w); err != nil {
		return nil, s, err
	}
	if err := load.into(&wl); err != nil {
		return nil, s, err
	}
	l := c.fromLab(w)
	l.Load = c.fromLoad(wl)
	// A list that did not change is the previous sample's, shared: a
	// trace read back keeps a load's minute once, not once a sample.
	memos := s.memos
	var errs [numLists]error
	if prev := s.loadD; same[listSamples] {
		l.Load.Samples = prev.Samples
	} else {
		l.Load.Samples, memos[listSamples], errs[0] = unelems(lists[listSamples], func(w wireLoadSample) (workload.LoadSample, error) { return c.fromLoadSample(w), nil }, s.memos[listSamples])
	}
	if prev := s.loadD; same[listMarks] {
		l.Load.Marks = prev.Marks
	} else {
		l.Load.Marks, memos[listMarks], errs[1] = unelems(lists[listMarks], c.fromMark, s.memos[listMarks])
	}
	if prev := s.loadD; same[listOutages] {
		l.Load.Outages = prev.Outages
	} else {
		l.Load.Outages, memos[listOutages], errs[2] = unelems(lists[listOutages], func(w wireOutage) (workload.Outage, error) { return c.fromOutage(w), nil }, s.memos[listOutages])
	}
	for _, err := range errs {
		if err != nil {
			return nil, s, err
		}
	}
	s.lab, s.load, s.lists, s.memos = top, load, lists, memos
	s.loadD = &l.Load
	return l, s, nil
}
