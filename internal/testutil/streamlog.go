package testutil

import "strings"

// streamErrors are what etcd logs when a peer stream or message is
// corrupt; a relay between members must never cause one.
var streamErrors = []string{
	"failed to decode", "failed to read", "failed to unmarshal", "failed to parse",
	"unexpected EOF", "limit exceeded", "failed to process Raft message",
}

// benignStreamErrors mark lines that match streamErrors for a reason of
// the member's own: a stopping member, or one replacing its peers after
// applying a snapshot, cancels its stream readers ("failed to read ... on
// stream MsgApp v2 (context canceled)"), and a member being killed or
// stopped cannot process a message that arrives as its raft node stops
// ("failed to process Raft message" ... "raft: stopped").
var benignStreamErrors = []string{"(context canceled)", "raft: stopped"}

// CorruptStreamLines returns the lines of an etcd log that show a corrupt
// peer stream or message.
func CorruptStreamLines(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if containsAny(line, streamErrors) && !containsAny(line, benignStreamErrors) {
			out = append(out, line)
		}
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
