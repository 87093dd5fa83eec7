package lab

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

// maxShown is how much of a key or value a result line shows.
const maxShown = 512

// Printable returns b as a line that cannot disturb a terminal: bytes that
// are not printable UTF-8 (control characters, escape sequences, binary)
// are shown Go-quoted, and a long value is cut with its full size noted.
// expect compares the raw values, not these lines.
func Printable(b []byte) string {
	s := string(b)
	cut := ""
	if len(b) > maxShown {
		s, cut = string(b[:maxShown]), fmt.Sprintf("… (%s in all)", Bytes(int64(len(b))))
		for !utf8.ValidString(s) && len(s) > maxShown-4 {
			s = s[:len(s)-1]
		}
	}
	clean := utf8.ValidString(s)
	for _, r := range s {
		if r != '\t' && (unicode.IsControl(r) || r == utf8.RuneError) {
			clean = false
			break
		}
	}
	if !clean {
		q := strconv.Quote(s)
		s = q[1 : len(q)-1]
	}
	return s + cut
}

// Bytes formats a byte count like etcdctl does (SI units).
func Bytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v < 10 {
		return fmt.Sprintf("%.1f %cB", v, "kMGTPE"[exp])
	}
	return fmt.Sprintf("%.0f %cB", v, "kMGTPE"[exp])
}

// Health returns the one-line verdict on the cluster's quorum.
func Health(st cluster.Status) string {
	if st.HasQuorum {
		return fmt.Sprintf("QUORUM OK: %d/%d up, quorum %d, tolerates %d more failure%s", st.Running, st.Voters, st.Quorum, st.Tolerates, kit.Plural(st.Tolerates))
	}
	return fmt.Sprintf("NO QUORUM: %d/%d up, %d reachable, quorum %d; writes and linearizable reads will fail", st.Running, st.Voters, st.Reachable, st.Quorum)
}

// StatusTable renders the member table as text lines. LAG is how many
// entries a follower lacks of its leader's log, as the relays saw the
// leader's appends and its answers, or "snapshot" while one is on its way.
func StatusTable(st cluster.Status) []string {
	row := "%-6s %-8s %-9s %5s %-7s %9s %9s %6s %8s %8s"
	out := []string{fmt.Sprintf(row, "NAME", "STATE", "ROLE", "TERM", "LEADER", "COMMITTED", "APPLIED", "REV", "DB", "LAG")}
	for _, m := range st.Members {
		state := m.State.String()
		if len(m.Cut) > 0 {
			state += "*"
		}
		lead := m.Leader
		if lead == "" {
			lead = "-"
		}
		if !m.State.Running() {
			out = append(out, fmt.Sprintf(row, m.Name, state, "-", "-", "-", "-", "-", "-", "-", "-"))
			continue
		}
		out = append(out, fmt.Sprintf(strings.ReplaceAll(row, "%5s", "%5d"), m.Name, state, m.Role, m.Term, lead,
			strconv.FormatUint(m.Committed, 10), strconv.FormatUint(m.Applied, 10), strconv.FormatInt(m.Revision, 10), Bytes(m.DBSize), m.Lag))
	}
	out = append(out, Health(st))
	for _, m := range st.Members {
		if len(m.Cut) > 0 {
			out = append(out, fmt.Sprintf("* %s cannot exchange Raft messages with %s (a link is cut one way or both)", m.Name, strings.Join(m.Cut, ", ")))
		}
	}
	if len(st.Rules) > 0 {
		rules := make([]string, len(st.Rules))
		for i, r := range st.Rules {
			rules[i] = r.Link.String() + " " + r.Rule.String()
		}
		out = append(out, "links: "+strings.Join(rules, "; "))
	}
	return out
}
