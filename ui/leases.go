package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab"
)

const (
	// maxLeaseRows is the most leases the pane lists; lease list shows all.
	maxLeaseRows = 5
	// leaseBarW is the width of a lease's countdown bar.
	leaseBarW = 10
	// leaseGaugeFrom is the least width that draws the countdown bar; a
	// narrower pane keeps the words and the keys.
	leaseGaugeFrom = 76
	// expiringIn is when a lease without keep-alive is drawn as expiring.
	expiringIn = 3 * time.Second
)

// leases is the pane of live leases and running watches, hidden when there
// are none. A lease leaves the list (and its keys with it) once the lab
// learns that etcd dropped it.
type leases struct {
	styles  *Styles
	ink     inks
	leases  []lab.LeaseInfo
	watches []lab.WatchInfo
	width   int // inner width
	rows    int // lease rows given by the layout
	lines   int // lines given by the layout; 0 hides the pane
}

func newLeases(s *Styles) leases { return leases{styles: s, ink: newInks(s)} }

// update takes a sample of the lab.
func (p leases) update(msg labMsg) leases {
	p.leases, p.watches = msg.leases, msg.watches
	return p
}

// heightFor returns the lines the pane needs to list rows leases; 0 when
// there is nothing to show.
func (p leases) heightFor(rows int) int {
	h := 0
	if len(p.leases) > 0 {
		h += 1 + min(rows, len(p.leases))
	}
	if len(p.watches) > 0 {
		h++
	}
	return h
}

// fit picks the most lease rows whose height is at most h, and returns the
// height; 0 hides the pane.
func (p *leases) fit(h int) int {
	p.rows, p.lines = 0, 0
	for r := maxLeaseRows; r >= 0; r-- {
		if n := p.heightFor(r); n <= h {
			p.rows, p.lines = r, n
			return n
		}
	}
	return 0
}

func (p *leases) setSize(w, _ int) { p.width = w - p.styles.Pane.GetHorizontalFrameSize() }

// seconds rounds a remaining TTL up, as etcd does: a lease granted 10s
// shows 10s until a whole second has gone.
func seconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

func (p leases) view() string {
	k := p.ink
	var lines []string
	if n := len(p.leases); n > 0 {
		title := k.title.wrap("LEASES") + k.dim.wrap(fmt.Sprintf("  %d live, soonest to expire first; a lease's keys go with it", n))
		if shown := min(p.rows, n); shown < n {
			which := fmt.Sprintf("the %d soonest", shown)
			if shown == 1 {
				which = "the soonest"
			}
			title = k.title.wrap("LEASES") + k.dim.wrap(fmt.Sprintf("  %d live; %s to expire below (lease list prints all %d)", n, which, n))
		}
		lines = append(lines, clip(title, p.width))
		for _, l := range p.leases[:min(p.rows, n)] {
			lines = append(lines, clip(p.row(l), p.width))
		}
	}
	if len(p.watches) > 0 {
		lines = append(lines, clip(p.watchLine(), p.width))
	}
	return frame(p.styles.Pane, lines...)
}

// row is one lease: ID, countdown in words and as a bar, keep-alive, keys.
func (p leases) row(l lab.LeaseInfo) string {
	k := p.ink
	left, ttl := seconds(l.Remaining), seconds(l.TTL)
	count := fmt.Sprintf("%3ds left of %ds", left, ttl)
	cst := k.value
	if !l.KeepAlive && l.Remaining <= expiringIn {
		cst = k.warn
		if l.Remaining <= 0 {
			count = fmt.Sprintf("%3ds left of %ds, expiring", left, ttl)
		}
	}
	fill := 0
	if l.TTL > 0 {
		fill = min(int((l.Remaining*leaseBarW+l.TTL-1)/l.TTL), leaseBarW)
	}
	gauge := strings.Repeat("█", fill) + strings.Repeat("░", leaseBarW-fill)
	ka := k.dim.wrap("keep-alive off")
	if l.KeepAlive {
		ka = k.up.wrap("keep-alive on ")
	}
	keys := k.dim.wrap("no keys")
	if len(l.Keys) > 0 {
		keys = k.label.wrap("keys ") + strings.Join(l.Keys, ", ")
	}
	if p.width < leaseGaugeFrom {
		return l.Hex() + "  " + cst.wrap(count) + "  " + ka + "  " + keys
	}
	return l.Hex() + "  " + cst.wrap(count) + "  " + k.dim.wrap(gauge) + "  " + ka + "  " + keys
}

// watchLine lists the watches on one line.
func (p leases) watchLine() string {
	k := p.ink
	parts := make([]string, 0, len(p.watches))
	for _, w := range p.watches {
		t := fmt.Sprintf("%d %s (%s, %d event%s)", w.ID, w.Key, w.Member, w.Events, plural(w.Events))
		if w.Member == "" {
			t = fmt.Sprintf("%d %s (%d event%s)", w.ID, w.Key, w.Events, plural(w.Events))
		}
		if w.Down != "" {
			t = k.warn.wrap(t + " ✗ " + w.Down)
		}
		parts = append(parts, t)
	}
	return k.title.wrap("WATCHES") + "  " + strings.Join(parts, k.dim.wrap("  ·  "))
}
