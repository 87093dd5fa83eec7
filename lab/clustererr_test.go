package lab

import (
	"errors"
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
)

// TestInLab checks that a port in use, met by restart or member add, tells
// a person in the lab what to do there, and keeps its type for callers.
func TestInLab(t *testing.T) {
	pe := &cluster.PortInUseError{Port: 2381, Member: "etcd2", Role: "client", Base: 2379}
	err := inLab(pe)
	if want := "port 2381 (etcd2 client port) is already in use: stop what holds it, then try again"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if !errors.As(err, new(*cluster.PortInUseError)) {
		t.Errorf("%v lost its *cluster.PortInUseError", err)
	}
	other := errors.New("cannot kill etcd3: it is already killed (use restart etcd3)")
	if err := inLab(other); err != other {
		t.Errorf("inLab changed %v into %v", other, err)
	}
}
