// Package network is the network between the members of an etcdlab
// cluster: an in-process relay in front of every member's peer port, the
// directed links between members with their rules (cut, delay, loss), and
// counters of every Raft message that crosses them.
package network
