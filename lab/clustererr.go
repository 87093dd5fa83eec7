package lab

import (
	"errors"
	"fmt"

	"github.com/etcdlab/etcdlab/cluster"
)

// inLab words a cluster error for a person inside the lab: what to do
// there, not which flag to start etcdlab with.
func inLab(err error) error {
	var inUse *cluster.PortInUseError
	if errors.As(err, &inUse) {
		return fmt.Errorf("%w: stop what holds it, then try again", err)
	}
	return err
}
