package lab

import (
	"context"
	"fmt"
	"strconv"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// onEndpoint runs f with the client of --endpoint (every member's when it
// is not given) under the lab's deadline, and explains its error.
func (l *Lab) onEndpoint(ctx context.Context, c *Command, f func(ctx context.Context, cli *clientv3.Client) error) error {
	ep, _ := c.Flag("endpoint")
	cli, name, err := l.client(ep)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	if err := f(ctx, cli); err != nil {
		return l.explain(err, name)
	}
	return nil
}

func (l *Lab) put(ctx context.Context, c *Command) Result {
	err := l.onEndpoint(ctx, c, func(ctx context.Context, cli *clientv3.Client) error {
		_, err := cli.Put(ctx, c.Args[0], c.Args[1], putOpts(c)...)
		return err
	})
	if err != nil {
		return Result{Err: err}
	}
	return Result{Lines: []string{"OK"}}
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
	err := l.onEndpoint(ctx, c, func(ctx context.Context, cli *clientv3.Client) error {
		resp, err := cli.Get(ctx, c.Args[0], opts...)
		if err == nil {
			r.addKVs(resp.Kvs, c.Bool("keys-only"))
		}
		return err
	})
	if err != nil {
		return Result{Err: err}
	}
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
	err := l.onEndpoint(ctx, c, func(ctx context.Context, cli *clientv3.Client) error {
		resp, err := cli.Delete(ctx, c.Args[0], rangeOpts(c)...)
		if err == nil {
			n = strconv.FormatInt(resp.Deleted, 10)
		}
		return err
	})
	if err != nil {
		return Result{Err: err}
	}
	return Result{Lines: []string{n}, Values: []string{n}}
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
