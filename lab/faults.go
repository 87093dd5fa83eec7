package lab

import (
	"context"
	"fmt"
	"strings"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

func (l *Lab) kill(_ context.Context, c *Command) Result { return done(l.c.Kill(c.Args[0])) }

func (l *Lab) stop(_ context.Context, c *Command) Result { return done(l.c.Stop(c.Args[0])) }

func (l *Lab) restart(ctx context.Context, c *Command) Result {
	return done(l.restartMember(ctx, c.Args[0]))
}

// restartMember restarts a member, giving it five timeouts to be ready.
func (l *Lab) restartMember(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*l.timeout)
	defer cancel()
	return l.c.Restart(ctx, name)
}

func (l *Lab) isolate(_ context.Context, c *Command) Result { return done(l.c.Isolate(c.Args[0])) }

func (l *Lab) partition(_ context.Context, c *Command) Result {
	groups := make([][]string, len(c.Args))
	for i, g := range c.Args {
		groups[i] = strings.Split(g, ",")
	}
	return done(l.c.Partition(groups))
}

func (l *Lab) heal(_ context.Context, c *Command) Result {
	name := ""
	if len(c.Args) == 1 {
		name = c.Args[0]
	}
	return done(l.c.Heal(name))
}

func (l *Lab) moveLeader(ctx context.Context, c *Command) Result {
	ctx, cancel := context.WithTimeout(ctx, 2*l.timeout)
	defer cancel()
	h, err := l.c.MoveLeader(ctx, c.Args[0])
	switch {
	case err != nil:
		return done(err)
	case h.From == h.To:
		return Result{Lines: []string{h.To + " is already the leader"}}
	}
	return Result{Lines: []string{fmt.Sprintf("leadership moved %s -> %s in %s, without waiting for an election timeout", h.From, h.To, kit.Round(h.Took))}}
}

func checkPartition(c *Command) error {
	for _, g := range c.Args {
		for _, n := range strings.Split(g, ",") {
			if n == "" {
				return fmt.Errorf("partition: empty member name in group %q: write groups like etcd1,etcd2 etcd3", g)
			}
		}
	}
	return nil
}
