package ui

import (
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// This file copies a model so that a copy may go on taking records while
// the original is kept: a checkpoint of the tape. Slices that are only
// appended to are made full, so that an append to either copies them;
// slices written in place and maps are copied.

// full returns s with no room to append in place.
func full[S ~[]E, E any](s S) S { return s[:len(s):len(s)] }

// replaying returns m as a model that replays: no session, no engine, no
// tape, and nothing it would run.
func (m model) replaying() model {
	m.eng, m.sess, m.rec, m.notes, m.tape = nil, nil, nil, nil, nil
	m.replay = true
	m.rw = rewind{}
	return m
}

// clone returns a copy of m that shares nothing it writes.
func (m model) clone() model {
	m.events.entries, m.events.lines = full(m.events.entries), full(m.events.lines)
	m.timeline = m.timeline.clone()
	m.members = m.members.clone()
	m.queue = full(m.queue)
	m.prompt.history = full(m.prompt.history)
	return m
}

func (t timeline) clone() timeline {
	tracks := make(map[string][]span, len(t.tracks))
	for k, v := range t.tracks {
		tracks[k] = full(v)
	}
	t.tracks = tracks
	t.names = append([]string(nil), t.names...)
	t.lead, t.gaps = full(t.lead), full(t.gaps)
	return t
}

func (m members) clone() members {
	prev := make(map[string]cluster.MemberStatus, len(m.prev))
	for k, v := range m.prev {
		prev[k] = v
	}
	changed := make(map[string]*[numFields]time.Time, len(m.changed))
	for k, v := range m.changed {
		c := *v
		changed[k] = &c
	}
	m.prev, m.changed = prev, changed
	return m
}
