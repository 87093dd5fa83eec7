package trace

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// kind is how the records of one type other than samples are written and
// read: the wire value to write after "t" and "type", and the record read
// back from its line.
type kind struct {
	encode func(c clock, b Body) any
	decode func(c clock, line []byte) (Body, error)
}

// kindOf builds a kind from its conversions to and from its wire struct.
func kindOf[B Body, W any](enc func(clock, B) W, dec func(clock, W) (B, error)) kind {
	return kind{
		encode: func(c clock, b Body) any { return enc(c, b.(B)) },
		decode: func(c clock, line []byte) (Body, error) {
			var w W
			if err := json.Unmarshal(line, &w); err != nil {
				return nil, err
			}
			return dec(c, w)
		},
	}
}

// kinds are the record types besides "sample", by their type's name.
var kinds = map[string]kind{
	Event{}.Type(): kindOf(func(c clock, e Event) wireEvent {
		return wireEvent{Time: c.off(e.Time), Kind: e.Kind.String(), Member: e.Member, Term: e.Term, NoLeader: us(e.NoLeader), Text: e.Text}
	}, func(c clock, w wireEvent) (Event, error) {
		k, err := named(kindNames, "event kind", w.Kind)
		return Event{cluster.Event{Time: c.time(w.Time), Kind: k, Member: w.Member, Term: w.Term, NoLeader: dur(w.NoLeader), Text: w.Text}}, err
	}),
	Notes{}.Type(): kindOf(func(c clock, n Notes) wireNotes {
		w := wireNotes{Notes: make([]wireNote, len(n.Notes))}
		for i, x := range n.Notes {
			w.Notes[i] = wireNote{Time: c.off(x.Time), Source: x.Source, Text: x.Text}
		}
		return w
	}, func(c clock, w wireNotes) (Notes, error) {
		n := Notes{Notes: make([]lab.Note, len(w.Notes))}
		for i, x := range w.Notes {
			n.Notes[i] = lab.Note{Time: c.time(x.Time), Source: x.Source, Text: x.Text}
		}
		return n, nil
	}),
	Line{}.Type(): kindOf(func(_ clock, l Line) wireLine { return wireLine(l) },
		func(_ clock, w wireLine) (Line, error) { return Line(w), nil }),
	Advance{}.Type(): kindOf(func(clock, Advance) struct{} { return struct{}{} },
		func(clock, struct{}) (Advance, error) { return Advance{}, nil }),
	Result{}.Type(): kindOf(func(c clock, r Result) wireResult {
		return wireResult{Command: r.Command, Name: r.Name, Line: r.Line, From: r.From, wireOutcome: outcome(r.Result),
			Start: c.off(r.Start), Fail: r.Fail, RecErr: r.RecErr}
	}, func(c clock, w wireResult) (Result, error) {
		return Result{Command: w.Command, Name: w.Name, Line: w.Line, From: w.From, Result: w.result(),
			Start: c.time(w.Start), Fail: w.Fail, RecErr: w.RecErr}, nil
	}),
	Check{}.Type(): kindOf(func(_ clock, k Check) wireCheck {
		return wireCheck{Line: k.Line, Held: k.Held, wireOutcome: outcome(k.Result)}
	}, func(_ clock, w wireCheck) (Check, error) {
		return Check{Line: w.Line, Held: w.Held, Result: w.result()}, nil
	}),
	Started{}.Type(): kindOf(func(c clock, s Started) wireStarted {
		return wireStarted{At: c.off(s.At), Conn: conn(s.Conn), Warnings: s.Warnings}
	}, func(c clock, w wireStarted) (Started, error) {
		return Started{At: c.time(w.At), Conn: w.Conn.conn(), Warnings: w.Warnings}, nil
	}),
	Conn{}.Type(): kindOf(func(_ clock, k Conn) wireConnRecord { return wireConnRecord{Conn: conn(k.Conn)} },
		func(_ clock, w wireConnRecord) (Conn, error) { return Conn{Conn: w.Conn.conn()}, nil }),
	Marked{}.Type(): kindOf(func(_ clock, k Marked) wireMarked { return wireMarked(k) },
		func(_ clock, w wireMarked) (Marked, error) { return Marked(w), nil }),
	Stop{}.Type(): kindOf(func(clock, Stop) struct{} { return struct{}{} },
		func(clock, struct{}) (Stop, error) { return Stop{}, nil }),
}

// wireSample is a sample record: its status and lab are the changes
// since the previous sample's (delta.go).
type wireSample struct {
	Tick   bool   `json:"tick,omitempty"`
	At     int64  `json:"at"`
	Status fields `json:"status,omitempty"`
	Lab    fields `json:"lab,omitempty"`
	Net    fields `json:"net,omitempty"`
}

// Encoder turns records into lines. It keeps the previous sample, so the
// lines it returns must all be written, in order.
type Encoder struct {
	c    clock
	last int64
	s    state
}

// NewEncoder returns an encoder for a trace that starts at start.
func NewEncoder(start time.Time) *Encoder { return &Encoder{c: clock{start}} }

// Encode returns the line of b taken in at at, newline included. A time
// before the previous record's reads as the previous record's.
func (e *Encoder) Encode(at time.Time, b Body) ([]byte, error) {
	line, next, _, err := e.line(at, b)
	if err != nil {
		return nil, err
	}
	e.last, e.s = next.last, next.s
	return line, nil
}

// encoded is what an encoder would be after a line.
type encoded struct {
	last int64
	s    state
}

// line returns the line of b without taking it in, what the encoder would
// then be, and for a sample whether nothing but its times changed.
func (e *Encoder) line(at time.Time, b Body) ([]byte, encoded, bool, error) {
	t := max(e.c.off(at), e.last)
	next := encoded{last: t, s: e.s}
	var v any
	quiet := false
	switch b := b.(type) {
	case Sample:
		w := wireSample{Tick: b.Tick, At: t}
		if !b.At.IsZero() {
			w.At = e.c.off(b.At)
		}
		var err error
		if b.Status != nil {
			if w.Status, next.s, err = next.s.withStatus(e.c, b.Status); err != nil {
				return nil, next, false, err
			}
		}
		if b.Lab != nil {
			if w.Lab, next.s, err = next.s.withLab(e.c, b.Lab); err != nil {
				return nil, next, false, err
			}
		}
		if b.Net != nil {
			if w.Net, next.s, err = next.s.withNet(e.c, b.Net); err != nil {
				return nil, next, false, err
			}
		}
		quiet = only(w.Status, "time") && only(w.Lab, "at") && only(w.Net, "time")
		v = w
	default:
		k, ok := kinds[b.Type()]
		if !ok {
			return nil, next, false, fmt.Errorf("trace: no record type %q", b.Type())
		}
		v = k.encode(e.c, b)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, next, false, err
	}
	line := make([]byte, 0, len(body)+40)
	line = append(line, `{"t":`...)
	line = strconv.AppendInt(line, t, 10)
	line = append(line, `,"type":`...)
	line = strconv.AppendQuote(line, b.Type())
	if len(body) > 2 {
		line = append(line, ',')
	}
	line = append(line, body[1:]...)
	return append(line, '\n'), next, quiet, nil
}

// only reports whether f holds no member but k.
func only(f fields, k string) bool {
	_, ok := f[k]
	return len(f) == 0 || len(f) == 1 && ok
}

// Decoder reads the lines an Encoder wrote, in order.
type Decoder struct {
	c    clock
	last int64
	s    state
}

// NewDecoder returns a decoder for a trace that starts at start.
func NewDecoder(start time.Time) *Decoder { return &Decoder{c: clock{start}} }

// UnknownTypeError is a record of a type this etcdlab does not know,
// written by a newer one; a reader may skip it.
type UnknownTypeError struct{ Type string }

// Error names the type.
func (e *UnknownTypeError) Error() string { return fmt.Sprintf("a record of unknown type %q", e.Type) }

// Decode reads one line. On error the decoder is unchanged; an
// *UnknownTypeError leaves it ready for the next line.
func (d *Decoder) Decode(line []byte) (Record, error) {
	var head struct {
		T    *int64  `json:"t"`
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return Record{}, err
	}
	if head.T == nil || head.Type == nil {
		return Record{}, errors.New(`a record needs its time ("t") and its "type"`)
	}
	if *head.T < d.last {
		return Record{}, fmt.Errorf("its time %dµs is before the previous record's %dµs", *head.T, d.last)
	}
	at := d.c.time(*head.T)
	if *head.Type == (Sample{}).Type() {
		b, s, err := d.sample(line)
		if err != nil {
			return Record{}, err
		}
		d.last, d.s = *head.T, s
		return Record{At: at, Body: b}, nil
	}
	k, ok := kinds[*head.Type]
	if !ok {
		d.last = *head.T
		return Record{At: at}, &UnknownTypeError{Type: *head.Type}
	}
	b, err := k.decode(d.c, line)
	if err != nil {
		return Record{}, err
	}
	d.last = *head.T
	return Record{At: at, Body: b}, nil
}

// sample reads a sample's line, and returns the state with it taken in.
func (d *Decoder) sample(line []byte) (Sample, state, error) {
	var w wireSample
	if err := json.Unmarshal(line, &w); err != nil {
		return Sample{}, d.s, err
	}
	b, s := Sample{Tick: w.Tick, At: d.c.time(w.At)}, d.s
	var err error
	if w.Status != nil {
		if b.Status, s, err = s.readStatus(d.c, w.Status); err != nil {
			return Sample{}, d.s, err
		}
	}
	if w.Lab != nil {
		if b.Lab, s, err = s.readLab(d.c, w.Lab); err != nil {
			return Sample{}, d.s, err
		}
	}
	if w.Net != nil {
		if b.Net, s, err = s.readNet(d.c, w.Net); err != nil {
			return Sample{}, d.s, err
		}
	}
	return b, s, nil
}
