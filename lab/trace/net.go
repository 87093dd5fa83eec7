package trace

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
)

// This file is how a sample carries the network between members: every
// directed link's rule and its last second, what the network pane and
// `net` show. A sample holds it only when it is due (NetDue): when a
// link, a rule or a link's streams changed, and once every NetEvery, so
// that the rates, which move every 100 ms under load, cost a line a
// second. Like the status, it holds only what changed: the links by
// their index, each with its changed fields.

// NetEvery is how often a trace takes the network in when no link, rule
// or stream changed: the rates are per second, so one a second keeps them.
const NetEvery = time.Second

// NetDue reports whether a trace takes the network sample now in, after
// prev (nil before the first): when a link, a rule or a link's streams
// changed, or NetEvery has passed since prev.
func NetDue(prev *cluster.NetStats, now cluster.NetStats) bool {
	if prev == nil || len(prev.Links) != len(now.Links) || now.Time.Sub(prev.Time) >= NetEvery {
		return true
	}
	for i, l := range now.Links {
		p := prev.Links[i]
		if l.Link != p.Link || l.Rule != p.Rule || l.Streams != p.Streams {
			return true
		}
	}
	return false
}

// wireNet is a network sample without its links.
type wireNet struct {
	Time int64 `json:"time"`
}

// wireLink is one directed link of a network sample: its rule, and what
// crossed it over the last second. Msgs counts the Raft messages by
// their raftpb names, the kinds none crossed left out.
type wireLink struct {
	From    string            `json:"from"`
	To      string            `json:"to"`
	Cut     bool              `json:"cut"`
	Delay   int64             `json:"delay"`
	Jitter  int64             `json:"jitter"`
	Loss    float64           `json:"loss"`
	Msgs    map[string]uint64 `json:"msgs"`
	Beats   uint64            `json:"beats"`
	Bytes   uint64            `json:"bytes"`
	Drops   uint64            `json:"drops"`
	Refused uint64            `json:"refused"`
	Streams int               `json:"streams"`
}

// netKinds maps the raftpb names back to the kinds counted.
var netKinds = func() map[string]network.Kind {
	out := make(map[string]network.Kind, network.NumKinds)
	for k := network.Kind(0); k < network.NumKinds; k++ {
		out[k.String()] = k
	}
	return out
}()

func (c clock) net(s *cluster.NetStats) (wireNet, []wireLink) {
	ls := make([]wireLink, len(s.Links))
	for i, l := range s.Links {
		r, last := l.Rule, &l.LastSecond
		w := wireLink{From: l.From, To: l.To, Cut: r.Cut, Delay: us(r.Delay), Jitter: us(r.Jitter), Loss: r.Loss,
			Msgs: map[string]uint64{}, Beats: last.LinkHeartbeats, Bytes: last.Bytes, Drops: last.Drops,
			Refused: last.Refused, Streams: l.Streams}
		for k, n := range last.Messages {
			if n > 0 {
				w.Msgs[network.Kind(k).String()] = n
			}
		}
		ls[i] = w
	}
	return wireNet{Time: c.off(s.Time)}, ls
}

// fromNet reads a network sample back. A kind of message this etcdlab
// does not know, counted by a newer one, reads as "other".
func (c clock) fromNet(w wireNet, ls []wireLink) *cluster.NetStats {
	s := &cluster.NetStats{Time: c.time(w.Time), Links: make([]network.LinkStats, len(ls))}
	for i, l := range ls {
		x := network.LinkStats{Link: network.Link{From: l.From, To: l.To},
			Rule:    network.Rule{Cut: l.Cut, Delay: dur(l.Delay), Jitter: dur(l.Jitter), Loss: l.Loss},
			Streams: l.Streams}
		last := &x.LastSecond
		last.LinkHeartbeats, last.Bytes, last.Drops, last.Refused = l.Beats, l.Bytes, l.Drops, l.Refused
		for name, n := range l.Msgs {
			k, ok := netKinds[name]
			if !ok {
				k = network.KindOther
			}
			last.Messages[k] += n
		}
		s.Links[i] = x
	}
	return s
}

// maxLinks bounds the links a sample may claim, so that a damaged trace
// cannot ask for an absurd allocation: a link each way between 128
// members, far more than a lab runs.
const maxLinks = 128 * 127

// netState is what the previous network samples held.
type netState struct {
	top   fields
	links []fields
	// topW and linksW are the last network read, as a reader keeps it.
	topW   wireNet
	linksW []wireLink
}

// withNet returns n as its change from s, and s with n taken in.
func (s state) withNet(c clock, n *cluster.NetStats) (fields, state, error) {
	w, ls := c.net(n)
	top, err := fieldsOf(w)
	if err != nil {
		return nil, s, err
	}
	prev := s.net.links
	d := top.changes(s.net.top)
	links := make([]fields, len(ls))
	var changed []fields
	for i, l := range ls {
		if links[i], err = fieldsOf(l); err != nil {
			return nil, s, err
		}
		var p fields
		if i < len(prev) {
			p = prev[i]
		}
		if ch := links[i].changes(p); len(ch) > 0 {
			ch["i"] = json.RawMessage(strconv.Itoa(i))
			changed = append(changed, ch)
		}
	}
	if len(ls) != len(prev) {
		d["n"] = json.RawMessage(strconv.Itoa(len(ls)))
	}
	if len(changed) > 0 {
		if d["links"], err = json.Marshal(changed); err != nil {
			return nil, s, err
		}
	}
	s.net = netState{top: top, links: links}
	return d, s, nil
}

// readNet reads a network sample written by withNet, and returns s with
// it taken in.
func (s state) readNet(c clock, d fields) (*cluster.NetStats, state, error) {
	n := len(s.net.linksW)
	if _, err := d.take("n", &n); err != nil || n < 0 || n > maxLinks {
		return nil, s, fmt.Errorf("a network of %d links", n)
	}
	ls := make([]wireLink, n)
	copy(ls, s.net.linksW)
	var changed []fields
	if _, err := d.take("links", &changed); err != nil {
		return nil, s, err
	}
	for _, ch := range changed {
		i := -1
		if _, err := ch.take("i", &i); err != nil || i < 0 || i >= n {
			return nil, s, fmt.Errorf("a change of link %d of %d", i, n)
		}
		if _, ok := ch["msgs"]; ok {
			ls[i].Msgs = nil // decoded afresh, not merged into the previous counts
		}
		if err := ch.onto(&ls[i]); err != nil {
			return nil, s, err
		}
	}
	w := s.net.topW
	if err := d.onto(&w); err != nil {
		return nil, s, err
	}
	s.net.topW, s.net.linksW = w, ls
	return c.fromNet(w, ls), s, nil
}
