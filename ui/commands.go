package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// sampleEvery is the status sampling period: at least ten samples a
// second, so that a state change is on screen within a frame or two even
// when no event announces it.
const sampleEvery = 80 * time.Millisecond

// tick samples c, its network and l (if not nil) after sampleEvery. The
// samples ride on the tick, so that each period costs one message and one
// View, not more. Leases, Watches, LoadStats and NetStats read what the
// lab and the relays already know: none of them waits on etcd or the
// network. The network is sampled whether its pane is open or not: the
// trace keeps it (once a second, and when a rule changes), so that the
// pane opened on a moment rewound draws that moment.
func tick(id int, c lab.Backend, l *lab.Lab) tea.Cmd {
	return tea.Tick(sampleEvery, func(t time.Time) tea.Msg {
		msg := tickMsg{id: id, t: t}
		if c != nil {
			st := c.Status()
			msg.st = &st
			n := netSample(c)
			msg.net = &n
		}
		if l != nil {
			msg.lab = &labMsg{at: t, leases: l.Leases(), watches: l.Watches(), load: l.LoadStats()}
		}
		return msg
	})
}

// sample takes a status sample at once, as after an event or a command,
// without waiting for the next tick.
func sample(c lab.Backend) tea.Cmd {
	return func() tea.Msg { return statusMsg{st: c.Status()} }
}

// netSample copies the relays' counters: in process, a copy under a lock
// per link; attached, an error at once.
func netSample(c lab.Backend) netMsg {
	s, err := c.NetStats()
	return netMsg{stats: s, err: err}
}

// connect reads how to reach the cluster now; it reads the backend's
// member list, not the network.
func connect(c lab.Backend) tea.Cmd {
	return func() tea.Msg { return connMsg{conn: lab.Connect(c)} }
}

// waitEvent waits for the next cluster event; the model re-arms it after
// each one.
func waitEvent(ch <-chan cluster.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{ev: ev}
	}
}

// maxNotesPerMsg bounds the notes one notesMsg carries, so that a watch on
// busy keys costs one Update per batch, not per event.
const maxNotesPerMsg = 256

// waitNotes waits for the lab's next notes and takes those already queued
// behind it; the model re-arms it after each batch. The lab never closes
// its notes, so the wait ends with ctx.
func waitNotes(ctx context.Context, ch <-chan lab.Note) tea.Cmd {
	return func() tea.Msg {
		var n lab.Note
		select {
		case n = <-ch:
		case <-ctx.Done():
			return notesClosedMsg{}
		}
		ns := []lab.Note{n}
		for len(ns) < maxNotesPerMsg {
			select {
			case n = <-ch:
				ns = append(ns, n)
			default:
				return notesMsg{notes: ns}
			}
		}
		return notesMsg{notes: ns}
	}
}

// execute runs one command through the lab's interpreter, under the lab's
// own deadlines, and records it if the session is being recorded.
func execute(ctx context.Context, l *lab.Lab, rec *lab.Recorder, j job) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		r := l.Exec(ctx, j.cmd)
		var recErr error
		if rec != nil && j.from != fromScript {
			recErr = rec.Record(j.cmd, r, start)
		}
		return resultMsg{job: j, res: r, start: start, recErr: recErr}
	}
}
