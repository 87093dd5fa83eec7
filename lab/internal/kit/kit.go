// Package kit holds the few small helpers that lab and lab/workload share,
// so that each is written once: how a count or a duration reads in a line,
// a sleep that ends with its context, and a member's name by its ID.
package kit

import (
	"context"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// Plural returns "s" unless n is 1: fmt.Sprintf("%d event%s", n, Plural(n)).
func Plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Round rounds a measured duration for a person: to 10ms from a second
// up, to 1ms below.
func Round(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// OneLine joins lines with " / " and cuts the result at 120 bytes.
func OneLine(lines []string) string {
	s := strings.Join(lines, " / ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// Sleep waits for d or until ctx ends, and reports whether ctx is still live.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// MemberName returns the name of the member with etcd member ID id in st,
// or "" if none has it.
func MemberName(st cluster.Status, id uint64) string {
	for _, m := range st.Members {
		if m.ID == id {
			return m.Name
		}
	}
	return ""
}
