// Package network is the network between the members of an etcdlab
// cluster: an in-process relay in front of every member's peer port, the
// directed links between members with their rules (cut, delay, loss), and
// counters of every Raft message that crosses them.
//
// It is cut like etcd's rafthttp, one concept per file: network.go (the
// public face: members and their relays), link.go (rules on directed
// links), relay.go (routing a peer request by what it carries), stream.go
// (relaying rafthttp streams), forward.go (the HTTP hop), codec.go and
// msgappv2.go (one wire format each), counters.go, progress.go (the
// replication view), tls.go.
//
// # How members are wired
//
// A member listens for peers on a real URL and advertises another, on
// which its relay listens (embed.Config's ListenPeerUrls and
// AdvertisePeerUrls may differ). InitialCluster and MemberAdd use the
// advertised URLs, so every peer request a member sends reaches the
// receiver's relay, which forwards it to the receiver's real URL. The
// relay reads each request and applies the rule of the link it travels.
//
// # Which link a request travels
//
// rafthttp marks every Raft request with X-Server-From, the sender's
// member ID in hex. Member IDs are known before a member starts (MemberID),
// so a relay attributes traffic from the first request:
//
//   - POST /raft from A at B's relay is one message A -> B (the pipeline,
//     used while streams are down and for nothing else).
//   - POST /raft/snapshot from A at B's relay is a MsgSnap A -> B, then the
//     database, streamed.
//   - GET /raft/stream/msgapp/<A> or /raft/stream/message/<A> at B's relay
//     is a stream that A opened to read B's messages: its response carries
//     B -> A. The msgapp stream carries MsgApp only; the message stream
//     everything else, and MsgApp while the msgapp stream is down.
//
// A reply is transport only (204 No Content, or the headers of a stream):
// it crosses back unconditioned, whatever the rule on the link back.
//
// # What cannot be attributed
//
// etcd sends some peer requests with a plain HTTP client and no
// X-Server-From: /raft/probing (rafthttp's prober, health metrics only),
// /version and /downgrade/enabled (version checks: the leader's periodic
// one, and a joining member's), /members and /members/promote (a joining
// member's bootstrap; a follower forwarding a learner promotion),
// /members/hashkv (corruption checks, off by default), and /leases and
// /leases/internal: lease renewals
// (KeepAlive) and TimeToLive that a follower forwards to its leader,
// outside Raft. Without TLS nothing in such a request tells who sent it,
// so a relay refuses it only when every link it could have travelled is
// cut: every other member's link to the receiver, or, for the answer, the
// receiver's link to every other member. Otherwise it passes. The effect
// that matters: with follower -> leader cut one way, a renewal through
// the follower still reaches the leader and keeps the lease alive
// (TestLeaseRenewalIsUnattributed). Under TLS a relay takes the sender
// from a verified client certificate whose CommonName is a member name;
// with one such certificate per member, every request is attributed, a
// cut either way refuses a renewal, and the link's delay holds it. The
// lab's TLS mode today gives all members one certificate ("etcdlab
// member"), which attributes nothing; giving each member its own, named
// after it, closes the gap. Stats counts unattributed requests by path.
//
// # Rules
//
// A rule belongs to a directed link, by member names, and holds across
// restarts. Relays work on whole requests and whole stream messages, never
// on bytes, so no stream is ever corrupt:
//
//   - Cut refuses requests on the link by breaking their connection (as an
//     unreachable peer would; etcd logs "peer became inactive", never a
//     decode error), closes the streams that carry the link between two
//     messages (the reader sees a clean end and reconnects with a fresh
//     decoder), and refuses new ones.
//   - Delay holds each message for d ± jitter (uniform) and releases it at
//     max(previous release, now + d ± jitter), so messages keep their
//     order. A stream's messages wait in a queue; a pipeline POST is held
//     before it is forwarded. A delay above about 5 s breaks streams:
//     rafthttp's readers time out after 5 s without data, as they would on
//     a network that slow.
//   - Loss drops single messages at random. On a stream the message is
//     skipped; a msgappv2 stream is stateful, so what follows a skipped
//     message is encoded again (see msgappv2.go). A pipeline message is
//     answered 204 as if delivered; a snapshot fails its request, and the
//     leader reports the snapshot failed. rafthttp's link heartbeats are
//     never lost: they are transport, not Raft.
//
// A stream's messages are flushed when the relay's input is drained:
// before each read from the member, which may block, and before the
// relay's writer waits for a delayed message's time or for the next one.
// No message ever waits in a buffer while the relay waits (an unflushed
// msgapp stream stalled commits for seconds in a prototype), and
// messages that arrived together go out in one write
// (TestStreamFlushesWhenDrained).
//
// # Counting
//
// Stats counts, per directed link, the Raft messages delivered by kind
// (KindOf), rafthttp's link heartbeats apart, bytes, messages lost to a
// loss rule, and what a cut refused; totals and the last full second.
// Replication rebuilds a leader's view of its followers from MsgApp,
// MsgAppResp and MsgSnap (etcd v3.7.3 exposes no Raft Progress), and
// Campaign tells the last vote request each member sent.
//
// # Wiring it into cluster (the next step)
//
// embedConfig: keep AdvertisePeerUrls = the member's peer URL from its
// slot (PeerPort), and set ListenPeerUrls to the same scheme on
// Config.Host with port 0; after embed.StartEtcd the real address is
// e.Peers[0].Addr(). The user-visible port scheme needs no extra ports,
// and a real port never collides with the test ranges (it is ephemeral,
// above 32767). checkPortsFree must skip a peer port that the lab's own
// relay already holds.
//
// Lifecycle:
//
//   - New: network.New(Options), with ServerTLS and ClientTLS in TLS mode
//     (ServerTLS: the member certificate and key, ClientCAs the lab CA,
//     ClientAuth tls.RequireAndVerifyClientCert, as etcd's peer listener;
//     ClientTLS: RootCAs the lab CA and the member certificate, which
//     etcd's peers demand as a client certificate).
//   - Launch: for each member, AddMember(name, MemberID(name,
//     []url.URL{peerURL}, token), peerURL) before any member starts, then
//     StartEtcd and SetTarget(name, scheme://e.Peers[0].Addr()).
//   - Kill or stop: SetTarget(name, url.URL{}) once the server is down.
//     The relay then breaks every request's connection, as a stopped
//     member's port would refuse it; without it, the relay would forward
//     to the old port, which the system may give to the next member that
//     starts.
//   - Restart: StartEtcd from the data dir, then SetTarget with the new
//     address. Rules hold: nothing to reapply (reapplyCuts goes).
//   - Member add: MemberAdd with the advertised URL; its response holds
//     the new ID (it hashes the time, so MemberID cannot compute it); then
//     AddMember(name, id, peerURL), StartEtcd, SetTarget.
//   - Member remove: RemoveMember(name) once the member is stopped.
//   - Terminate: Close, after the members stopped.
//
// Partitions move onto the relays: Isolate(x) is Cut(x, All) and
// Cut(All, x); Partition cuts both directions of every link between two
// groups after healing every link inside a group; Heal(name) is
// HealMember(name), Heal("") HealAll. CutPeer and MendPeer go, with
// Cluster.cuts: Rules is the record. MemberStatus.Cut (the members a
// member cannot exchange messages with) becomes the members o for which
// !Reachable(m, o), which counts a one-way cut as cutting both ends off
// from each other; Status.CutOff keeps its meaning, "fewer than a quorum
// of voters in two-way contact, itself included". That is what the
// banner should count: a follower that can send but not hear loses its
// leader and campaigns in vain, and one that can hear but not send keeps
// following while its proposals and its acknowledgements are lost.
// Status cannot tell a pre-candidate from a follower that merely lost its
// leader: Campaign can (a vote request sent within the last election
// timeout).
//
// # Cost
//
// Each relayed message takes one more TCP hop in this process: one more
// read and write, and the goroutine wake-ups around them. On 2 cores that
// CPU is what the relays cost: about 0.94 of direct members' put
// throughput under 16 clients, and 1.12 times their idle CPU (about 40
// messages a second for 3 members), measured by `etcdlab bench`
// (cluster.Config.DirectPeers launches members without relays for it; see
// BENCHMARKS.md) and by BenchmarkPutThroughput and BenchmarkIdleCPU here.
package network
