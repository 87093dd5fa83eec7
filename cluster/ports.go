package cluster

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// MaxMembers is the largest cluster the lab runs. Each member slot owns two
// ports, so a base port B uses B .. B+2*MaxMembers-1.
const MaxMembers = 9

// DefaultBasePort is etcd's own client port: etcd1 answers where etcdctl and
// python etcd3 look by default.
const DefaultBasePort = 2379

// ClientPort returns the client port of member slot i (1-based): base+2(i-1).
func ClientPort(base, i int) int { return base + 2*(i-1) }

// PeerPort returns the peer port of member slot i (1-based): base+2(i-1)+1.
func PeerPort(base, i int) int { return base + 2*(i-1) + 1 }

// minBasePort keeps the lab off the privileged ports.
const minBasePort = 1024

// ValidateBasePort checks that every port of every member slot is a valid TCP port.
func ValidateBasePort(base int) error {
	if base < minBasePort || PeerPort(base, MaxMembers) > 65535 {
		return &BasePortRangeError{Port: base, Min: minBasePort, Max: 65535 - 2*MaxMembers + 1, Span: 2 * MaxMembers}
	}
	return nil
}

// checkPortsFree verifies that the ports of the given slots can be bound
// on the cluster's host, but for a peer port that the lab's own relay
// holds.
func (c *Cluster) checkPortsFree(slots []int) error {
	host, base := c.cfg.Host, c.cfg.BasePort
	for _, i := range slots {
		type port struct {
			port int
			role string
		}
		ps := []port{{ClientPort(base, i), "client"}}
		if !c.ownsPeerPort(i) {
			ps = append(ps, port{PeerPort(base, i), "peer"})
		}
		for _, p := range ps {
			l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p.port)))
			if err != nil {
				if errors.Is(err, syscall.EADDRINUSE) {
					return &PortInUseError{Port: p.port, Member: memberName(i), Role: p.role, Base: base}
				}
				return fmt.Errorf("cannot listen on %s:%d (%s %s port): %v", host, p.port, memberName(i), p.role, err)
			}
			l.Close()
		}
	}
	return nil
}

// memberName returns the name of member slot i: etcd1, etcd2, ...
func memberName(i int) string { return "etcd" + strconv.Itoa(i) }

// slotOf returns the slot a member name stands for: 2 for etcd2.
func slotOf(name string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "etcd"))
	if err != nil || !strings.HasPrefix(name, "etcd") || n < 1 || n > MaxMembers {
		return 0, fmt.Errorf("bad member name %q in data dir: expected etcd1..etcd%d", name, MaxMembers)
	}
	return n, nil
}
