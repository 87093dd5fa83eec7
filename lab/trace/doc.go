// Package trace records what etcdlab saw as it happened, and reads it back:
// the dashboard, `etcdlab run` and `etcdlab serve` write a trace with
// --trace FILE, the dashboard rewinds over the one it keeps in memory, and
// `etcdlab replay FILE` plays one back through the same dashboard without
// starting etcd.
//
// A trace is JSON Lines. The first line is a Header: the format and its
// version, the etcdlab and etcd versions, the mode and flags, the cluster's
// size and, when a scenario ran, its text. Every later line is one Record:
//
//	{"t":1234567,"type":"event","time":1234501,"kind":"killed","member":"etcd2","text":"etcd2 was killed"}
//
// "t" is the record's time in microseconds since the header's start, taken
// from a monotonic clock and never decreasing; "type" says what the rest of
// the line holds. Every time inside a record is counted the same way, and
// every duration is in microseconds. The types (records.go) are what feeds
// the dashboard's panes: samples of the cluster's status, of the network
// between members (every link's rule and last second, net.go) and of the
// lab's own state (leases, watches, the load), cluster events, the lab's notes,
// the lines typed and the commands' results, the session's start and end.
// A sample carries only what changed since the previous one (codec.go);
// the rest is the previous sample's.
//
// A new kind of record is one more Body type and one row in kinds
// (records.go); a reader skips, with a notice, the types it does not know,
// so that an older etcdlab still replays a newer trace of the same
// version; a new field is ignored by an older reader, as the network was
// added to samples within version 1. A change that an older reader would
// misread takes a new Version.
//
// Writer (writer.go) encodes each record as it comes and writes the lines
// to the file at least once a second, so that a crash or a SIGKILL leaves
// a valid prefix. Add returns each record as a reader reads it back (the
// dashboard draws from that, so that its replay draws the same); Write and
// Sample, for a headless trace, only encode. Read (reader.go) is strict
// about the header and the version and tolerates a last line cut off in
// the middle. Follower (follow.go) is the lab.Observer that traces a
// headless mode.
package trace
