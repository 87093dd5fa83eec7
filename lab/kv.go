package lab

import (
	"context"
	"fmt"
	"strconv"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// onEndpoint runs f through the command's route (route.go) under the
// lab's deadline. It returns the member that served it and the error in
// the lab's words: for a write that got no answer, an
// *OutcomeUnknownError that says why from what the lab saw meanwhile.
func (l *Lab) onEndpoint(ctx context.Context, c *Command, f func(ctx context.Context, cli *clientv3.Client) error) (string, error) {
	ep, _ := c.Flag("endpoint")
	rt, err := l.route(ep)
	if err != nil {
		return "", err
	}
	return l.send(ctx, c, rt, f)
}

// send runs f through rt for command c, as onEndpoint does.
func (l *Lab) send(ctx context.Context, c *Command, rt route, f func(ctx context.Context, cli *clientv3.Client) error) (string, error) {
	w, writes := writeOf(c)
	var fl *inFlight
	if writes {
		fl = l.watchFlight()
	}
	ctx, cancel := context.WithTimeout(rt.context(ctx), l.timeout)
	defer cancel()
	err := f(ctx, rt.cli)
	via := rt.member(l)
	if fl != nil {
		events := fl.land()
		if err != nil && outcomeUnknown(err) && reachable(fl.before, via) {
			return via, l.unknown(err, flight{w: w, via: via, before: fl.before, after: l.c.Status(), events: events})
		}
	}
	if err != nil {
		return via, l.explain(err, via)
	}
	return via, nil
}

func (l *Lab) put(ctx context.Context, c *Command) Result {
	via, err := l.onEndpoint(ctx, c, func(ctx context.Context, cli *clientv3.Client) error {
		_, err := cli.Put(ctx, c.Args[0], c.Args[1], putOpts(c)...)
		return err
	})
	if err != nil {
		return Result{Err: err, Via: via}
	}
	return Result{Lines: []string{"OK"}, Via: via}
}

func rangeOpts(c *Command) []clientv3.OpOption {
	var opts []clientv3.OpOption
	switch {
	case c.Bool("prefix"):
		opts = append(opts, clientv3.WithPrefix())
	case c.Bool("from-key"):
		opts = append(opts, clientv3.WithFromKey())
	case len(c.Args) == 2:
		opts = append(opts, clientv3.WithRange(c.Args[1]))
	}
	return opts
}

func (l *Lab) get(ctx context.Context, c *Command) Result {
	opts := rangeOpts(c)
	if c.Bool("keys-only") {
		opts = append(opts, clientv3.WithKeysOnly())
	}
	if v, _ := c.Flag("consistency"); v == "s" {
		opts = append(opts, clientv3.WithSerializable())
	}
	if v, ok := c.Flag("rev"); ok {
		rev, _ := strconv.ParseInt(v, 10, 64)
		opts = append(opts, clientv3.WithRev(rev))
	}
	var r Result
	via, err := l.onEndpoint(ctx, c, func(ctx context.Context, cli *clientv3.Client) error {
		resp, err := cli.Get(ctx, c.Args[0], opts...)
		if err == nil {
			r.addKVs(resp.Kvs, c.Bool("keys-only"))
		}
		return err
	})
	if err != nil {
		return Result{Err: err, Via: via}
	}
	r.Via = via
	return r
}

// addKVs adds what a range returned: each key's line and its value's, or
// with keysOnly the keys alone. Values get what expect compares.
func (r *Result) addKVs(kvs []*mvccpb.KeyValue, keysOnly bool) {
	for _, kv := range kvs {
		r.Lines = append(r.Lines, Printable(kv.Key))
		if keysOnly {
			r.Values = append(r.Values, string(kv.Key))
			continue
		}
		r.Lines = append(r.Lines, Printable(kv.Value))
		r.Values = append(r.Values, string(kv.Value))
	}
}

func (l *Lab) del(ctx context.Context, c *Command) Result {
	var n string
	via, err := l.onEndpoint(ctx, c, func(ctx context.Context, cli *clientv3.Client) error {
		resp, err := cli.Delete(ctx, c.Args[0], rangeOpts(c)...)
		if err == nil {
			n = strconv.FormatInt(resp.Deleted, 10)
		}
		return err
	})
	if err != nil {
		return Result{Err: err, Via: via}
	}
	return Result{Lines: []string{n}, Values: []string{n}, Via: via}
}

// checkRange allows one way to give a range: RANGE_END, --prefix or --from-key.
func checkRange(c *Command) error {
	n := 0
	for _, f := range []string{"prefix", "from-key"} {
		if c.Bool(f) {
			n++
		}
	}
	if len(c.Args) == 2 {
		n++
	}
	if n > 1 {
		return fmt.Errorf("%s: use only one of RANGE_END, --prefix and --from-key", c.Name)
	}
	return nil
}
