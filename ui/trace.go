package ui

import (
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/trace"
)

// This file turns what the dashboard takes in into records of its trace
// (bodyOf) and records back into the messages that draw them (msgOf), so
// that a rewound or replayed screen is the live one, drawn by the same
// Update and View from the same values.

// sourceNames name a command's source in a trace.
var sourceNames = map[source]string{fromPrompt: trace.FromPrompt, fromKey: trace.FromKey, fromScript: trace.FromScript}

// sourceOf reads a source back; serve's standard input reads as the prompt.
func sourceOf(from string) source {
	for s, n := range sourceNames {
		if n == from {
			return s
		}
	}
	return fromPrompt
}

// bodyOf returns the record of a message the dashboard takes in, if it is
// one a trace keeps: samples, events, notes, results, checks, the start
// and how to connect. A stale tick is not kept.
func (m model) bodyOf(msg tea.Msg) (trace.Body, bool) {
	switch msg := msg.(type) {
	case tickMsg:
		if msg.id != m.tickID {
			return nil, false
		}
		s := trace.Sample{Tick: true, At: msg.t, Status: msg.st}
		if n := msg.net; n != nil && n.err == nil && trace.NetDue(m.net.sampled(), n.stats) {
			s.Net = &n.stats
		}
		if l := msg.lab; l != nil {
			s.Lab = &trace.Lab{At: l.at, Leases: l.leases, Watches: l.watches, Load: l.load}
		}
		return s, true
	case statusMsg:
		st := msg.st
		return trace.Sample{Status: &st}, true
	case eventMsg:
		return trace.Event{Event: msg.ev}, true
	case notesMsg:
		return trace.Notes{Notes: msg.notes}, true
	case resultMsg:
		c := msg.job.cmd
		r := trace.Result{Command: c.Text, Name: c.Name, Line: c.Line, From: sourceNames[msg.job.from],
			Result: msg.res, Start: msg.start, Fail: lab.Fails(c, msg.res)}
		if msg.recErr != nil {
			r.RecErr = msg.recErr.Error()
		}
		return r, true
	case checkMsg:
		return trace.Check{Line: msg.cmd.Line, Held: msg.held, Result: msg.res}, true
	case startedMsg:
		return trace.Started{At: msg.at, Conn: msg.conn, Warnings: msg.warnings}, true
	case connMsg:
		return trace.Conn{Conn: msg.conn}, true
	case markedMsg:
		if msg.err != nil {
			return trace.Marked{Err: msg.err.Error()}, true
		}
		return trace.Marked{}, true
	}
	return nil, false
}

// msgOf returns the message that draws a record, for a model that replays
// it: a result is the outcome of the job running (or, in a trace of
// etcdlab run or serve, of the command it names), a check of the line
// waited for. Lines, advances and the stop are not messages: feed plays
// them. It returns nil for those.
func (m model) msgOf(r trace.Record) tea.Msg {
	switch b := r.Body.(type) {
	case trace.Sample:
		if b.Tick || b.Lab != nil || b.Net != nil {
			msg := tickMsg{id: m.tickID, t: b.At, st: b.Status}
			if b.Net != nil {
				msg.net = &netMsg{stats: *b.Net}
			}
			if l := b.Lab; l != nil {
				msg.lab = &labMsg{at: l.At, leases: l.Leases, watches: l.Watches, load: l.Load}
			}
			return msg
		}
		if b.Status != nil {
			return statusMsg{st: *b.Status}
		}
	case trace.Event:
		return eventMsg{ev: b.Event}
	case trace.Notes:
		return notesMsg{notes: b.Notes}
	case trace.Result:
		msg := resultMsg{job: m.current, res: b.Result, start: b.Start}
		if !m.running || m.current.cmd == nil || m.current.cmd.Text != b.Command {
			msg.job = job{cmd: commandOf(b), from: sourceOf(b.From)}
		}
		if b.RecErr != "" {
			msg.recErr = errors.New(b.RecErr)
		}
		return msg
	case trace.Check:
		c := m.player.waitingCheck()
		if c == nil || c.Line != b.Line {
			return nil
		}
		return checkMsg{cmd: c, held: b.Held, res: b.Result}
	case trace.Started:
		return startedMsg{conn: b.Conn, warnings: b.Warnings, at: b.At}
	case trace.Conn:
		return connMsg{conn: b.Conn}
	case trace.Marked:
		if b.Err != "" {
			return markedMsg{err: errors.New(b.Err)}
		}
		return markedMsg{}
	}
	return nil
}

// commandOf returns the command a result names, parsed again from its
// text when it parses.
func commandOf(b trace.Result) *lab.Command {
	c, err := lab.Parse(b.Command)
	if err != nil {
		c = &lab.Command{Name: b.Name, Text: b.Command}
	}
	c.Line = b.Line
	return c
}

// relive returns the live message msg with the values of its record as a
// trace reads them back, keeping what only the live session has (the
// session, the recorder, the job, the tick's id), so that the live screen
// and its replay are drawn from the same values.
func relive(msg, back tea.Msg) tea.Msg {
	switch msg := msg.(type) {
	case tickMsg:
		b := back.(tickMsg)
		b.id = msg.id
		if n := msg.net; n != nil && n.err != nil {
			b.net = n // why there is no network: the trace keeps none
		}
		return b
	case resultMsg:
		b := back.(resultMsg)
		b.job = msg.job
		return b
	case checkMsg:
		b, ok := back.(checkMsg)
		if !ok {
			return msg
		}
		b.cmd = msg.cmd
		return b
	case startedMsg:
		b := back.(startedMsg)
		b.sess, b.rec = msg.sess, msg.rec
		return b
	}
	if back == nil {
		return msg
	}
	return back
}

// feed plays one record on a model that replays: the message it stands
// for, or the line typed, the presenter's advance, the stop. Whatever
// commands the model returns are dropped: a replay runs nothing.
func (m model) feed(r trace.Record) model {
	switch b := r.Body.(type) {
	case trace.Line:
		next, _ := m.runLine(b.Text, sourceOf(b.From))
		return next.(model)
	case trace.Advance:
		next, _ := m.advance()
		return next.(model)
	case trace.Stop:
		return m.stopping()
	}
	msg := m.msgOf(r)
	if msg == nil {
		return m
	}
	next, _ := m.route(msg)
	return next.(model)
}

// traceTime is when a record is taken in; it is never drawn, so Update
// may read it.
func traceTime() time.Time { return time.Now() }
