package lab

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

func (l *Lab) status(context.Context, *Command) Result {
	return Result{Lines: StatusTable(l.c.Status())}
}

func (l *Lab) memberAdd(ctx context.Context, c *Command) Result {
	name := ""
	if len(c.Args) == 1 {
		name = c.Args[0]
	} else {
		n, err := l.c.FreeName()
		if err != nil {
			return Result{Err: err}
		}
		name = n
	}
	ctx, cancel := context.WithTimeout(ctx, 5*l.timeout)
	defer cancel()
	r := done(l.c.AddMember(ctx, name, c.Bool("learner")))
	l.refreshEndpoints()
	return r
}

func (l *Lab) memberPromote(ctx context.Context, c *Command) Result {
	ctx, cancel := context.WithTimeout(ctx, 2*l.timeout)
	defer cancel()
	return done(l.c.PromoteMember(ctx, c.Args[0]))
}

func (l *Lab) memberRemove(ctx context.Context, c *Command) Result {
	ctx, cancel := context.WithTimeout(ctx, 2*l.timeout)
	defer cancel()
	r := done(l.c.RemoveMember(ctx, c.Args[0]))
	l.refreshEndpoints()
	return r
}

func (l *Lab) memberList(ctx context.Context, _ *Command) Result {
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := cli.MemberList(ctx)
	if err != nil {
		return Result{Err: l.explain(err, "")}
	}
	var r Result
	for _, m := range resp.Members {
		state := "started"
		if m.Name == "" {
			state = "unstarted"
		}
		r.Lines = append(r.Lines, fmt.Sprintf("%x, %s, %s, %s, %s, %t", m.ID, state, m.Name,
			strings.Join(m.PeerURLs, ","), strings.Join(m.ClientURLs, ","), m.IsLearner))
		r.Values = append(r.Values, m.Name)
	}
	return r
}

func (l *Lab) endpointStatus(ctx context.Context, _ *Command) Result {
	eps := l.c.Endpoints()
	out := make([]string, len(eps))
	errs := make([]error, len(eps))
	var wg sync.WaitGroup
	for i, e := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cli, name, err := l.client(e.Name)
			if err != nil {
				errs[i] = err
				return
			}
			cctx, cancel := context.WithTimeout(ctx, l.timeout)
			defer cancel()
			s, err := cli.Status(cctx, e.ClientURL)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %v", e.ClientURL, l.explain(err, name))
				return
			}
			out[i] = fmt.Sprintf("%s, %x, %s, %s, %t, %t, %d, %d, %d, %s", e.ClientURL, s.Header.MemberId, s.Version,
				Bytes(s.DbSize), s.Leader == s.Header.MemberId, s.IsLearner, s.RaftTerm, s.RaftIndex, s.RaftAppliedIndex,
				strings.Join(s.Errors, "; "))
		}()
	}
	wg.Wait()
	var r Result
	var failed []string
	for i := range eps {
		if errs[i] != nil {
			r.Lines = append(r.Lines, "error: "+errs[i].Error())
			failed = append(failed, eps[i].Name)
			continue
		}
		r.Lines = append(r.Lines, out[i])
	}
	if len(failed) > 0 {
		r.Err = fmt.Errorf("%d of %d endpoints did not answer (%s):\n%s", len(failed), len(eps), strings.Join(failed, ", "), strings.Join(r.Lines, "\n"))
	}
	return r
}
