package lab

import (
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// explain turns a client error, met through the member endpoint ("" if
// unknown), into one line that says what happened. A write whose outcome
// is unknown is worded by unknown (outcome.go) instead.
func (l *Lab) explain(err error, endpoint string) error {
	if err == nil {
		return nil
	}
	st := l.c.Status()
	var why string
	if endpoint != "" {
		if m, ok := st.Member(endpoint); ok {
			switch {
			case !m.State.Running():
				why = fmt.Sprintf("%s is %s: its client port does not answer (restart %s)", endpoint, m.State, endpoint)
			case st.CutOff(endpoint):
				why = fmt.Sprintf("%s is cut off from the majority: it cannot reach a quorum (heal, or read its local copy with --consistency=s)", endpoint)
			}
		}
	}
	if why == "" {
		switch {
		case !st.HasQuorum:
			why = fmt.Sprintf("the cluster has no quorum (%d of %d voters reachable, %d needed)", st.Reachable, st.Voters, st.Quorum)
		case st.Leader == "":
			why = "the cluster has no leader right now (an election is under way)"
		}
	}
	switch {
	case timedOut(err) && why != "":
		return fmt.Errorf("no answer within %s: %s", l.timeout, why)
	case timedOut(err):
		return fmt.Errorf("no answer within %s", l.timeout)
	case errors.Is(err, rpctypes.ErrRequestTooLarge) || errors.Is(err, rpctypes.ErrGRPCRequestTooLarge):
		return errors.New("the request is larger than etcd's limit (1.5 MiB by default, etcd's --max-request-bytes): store large data elsewhere and keep a reference in etcd")
	case status.Code(err) == codes.ResourceExhausted:
		return fmt.Errorf("etcd refused the request as too large: %s", cleanErr(err))
	case errors.Is(err, rpctypes.ErrEmptyKey):
		return errors.New("the key is empty: etcd needs a key of at least one byte")
	case errors.Is(err, rpctypes.ErrCompacted):
		return errors.New("that revision has been compacted: etcd no longer keeps history that old; read a later --rev")
	case why != "":
		return fmt.Errorf("%s: %s", cleanErr(err), why)
	}
	return errors.New(cleanErr(err))
}

func cleanErr(err error) string {
	if s, ok := status.FromError(err); ok && s.Message() != "" {
		return s.Message()
	}
	return err.Error()
}
