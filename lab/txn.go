package lab

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// txnCommands holds txn, etcdctl's transaction on one line.
var txnCommands = map[string]spec{
	"txn": {usage: "txn [if CMP [and CMP]...] then OP[; OP]... [else OP[; OP]...] [--endpoint NAME|all]",
		summary: "an atomic transaction (etcdctl txn): CMP is value(K)|version(K)|create(K)|mod(K)|lease(K) =|!=|>|< V; OP is put K V, get K or del K; quote an OP to give it flags, e.g. 'put k v --lease=ID'",
		minArgs: 2, maxArgs: -1, values: map[string]func(string) error{"endpoint": anyValue}, client: true,
		check: func(c *Command) error { _, err := parseTxn(c.Args); return err }, run: (*Lab).txn},
}

const txnUsage = "txn [if CMP [and CMP]...] then OP[; OP]... [else OP[; OP]...]"

// txnCompare is one compare of a txn, e.g. value(k) = v1.
type txnCompare struct {
	target, key, op, value string
}

func (c txnCompare) String() string {
	return fmt.Sprintf("%s(%s) %s %s", c.target, Quote(c.key), c.op, Quote(c.value))
}

func (c txnCompare) cmp() clientv3.Cmp {
	n, _ := strconv.ParseInt(c.value, 10, 64)
	switch c.target {
	case "version":
		return clientv3.Compare(clientv3.Version(c.key), c.op, n)
	case "create":
		return clientv3.Compare(clientv3.CreateRevision(c.key), c.op, n)
	case "mod":
		return clientv3.Compare(clientv3.ModRevision(c.key), c.op, n)
	case "lease":
		id := int64(0)
		if c.value != "0" {
			lid, _ := parseLeaseID(c.value)
			id = int64(lid)
		}
		return clientv3.Compare(clientv3.LeaseValue(c.key), c.op, id)
	}
	return clientv3.Compare(clientv3.Value(c.key), c.op, c.value)
}

// txnPlan is a parsed txn: etcdctl's compares, success and failure blocks.
type txnPlan struct {
	compares  []txnCompare
	then, els []*Command
}

// txnTargets maps etcdctl's compare names to the lab's.
var txnTargets = map[string]string{
	"value": "value", "val": "value", "version": "version", "ver": "version",
	"create": "create", "c": "create", "mod": "mod", "m": "mod", "lease": "lease",
}

// parseTxn parses the words after txn. A ";" ends an op, also when it is
// glued to the end of a word.
func parseTxn(args []string) (*txnPlan, error) {
	var toks []string
	for _, a := range args {
		if len(a) > 1 && strings.HasSuffix(a, ";") && !strings.ContainsAny(a, " \t") {
			toks = append(toks, a[:len(a)-1], ";")
			continue
		}
		toks = append(toks, a)
	}
	p := &txnPlan{}
	i := 0
	if i < len(toks) && toks[i] == "if" {
		i++
		for {
			cmp, n, err := parseCompare(toks[i:])
			if err != nil {
				return nil, err
			}
			p.compares = append(p.compares, cmp)
			i += n
			if i < len(toks) && toks[i] == "and" {
				i++
				continue
			}
			break
		}
	}
	if i >= len(toks) || toks[i] != "then" {
		at := "the end"
		if i < len(toks) {
			at = Quote(toks[i])
		}
		return nil, fmt.Errorf("txn: expected then, found %s: %s", at, txnUsage)
	}
	i++
	var err error
	p.then, i, err = parseTxnOps(toks, i, "then")
	if err != nil {
		return nil, err
	}
	if i < len(toks) {
		// parseTxnOps stops only at else.
		p.els, i, err = parseTxnOps(toks, i+1, "else")
		if err != nil {
			return nil, err
		}
		if i < len(toks) {
			return nil, fmt.Errorf("txn: a second else: %s", txnUsage)
		}
	}
	return p, nil
}

// parseCompare parses one compare at the start of toks and returns how
// many words it took. It accepts value(k) = v, value(k)= v, value(k) =v,
// value(k)=v, and a compare quoted whole as etcdctl reads it:
// 'value("k") = "v"'.
func parseCompare(toks []string) (txnCompare, int, error) {
	var c txnCompare
	if len(toks) == 0 {
		return c, 0, fmt.Errorf("txn: if needs a compare, e.g. if value(k) = v1: %s", txnUsage)
	}
	if strings.ContainsAny(toks[0], " \t") && strings.Contains(toks[0], "(") {
		words, err := Split(toks[0])
		if err != nil {
			return c, 0, fmt.Errorf("txn: %v", err)
		}
		c, n, err := parseCompare(words)
		if err == nil && n != len(words) {
			err = fmt.Errorf("txn: %q is more than one compare: join compares with and", toks[0])
		}
		return c, 1, err
	}
	name, rest, ok := strings.Cut(toks[0], "(")
	end := strings.Index(rest, ")")
	if !ok || end < 0 || txnTargets[name] == "" {
		return c, 0, fmt.Errorf("txn: %q is not a compare: write value(KEY), version(KEY), create(KEY), mod(KEY) or lease(KEY), then =, !=, > or <, then a value", toks[0])
	}
	c.target, c.key, rest = txnTargets[name], rest[:end], rest[end+1:]
	n := 1
	if rest == "" {
		if len(toks) < 2 {
			return c, 0, fmt.Errorf("txn: %s(%s) needs =, !=, > or < and a value", c.target, c.key)
		}
		rest, n = toks[1], 2
	}
	for _, op := range []string{"!=", "=", ">", "<"} {
		if v, ok := strings.CutPrefix(rest, op); ok {
			c.op = op
			rest = v
			break
		}
	}
	switch {
	case c.op == "" || strings.HasPrefix(rest, "="):
		return c, 0, fmt.Errorf("txn: %q is not a comparison: use =, !=, > or < (one = for equal, as in etcdctl)", rest)
	case rest != "":
		c.value = rest
	case n < len(toks):
		c.value = toks[n]
		n++
	default:
		return c, 0, fmt.Errorf("txn: %s(%s) %s needs a value", c.target, c.key, c.op)
	}
	switch c.target {
	case "version", "create", "mod":
		if v, err := strconv.ParseInt(c.value, 10, 64); err != nil || v < 0 {
			return c, 0, fmt.Errorf("txn: %s(%s) compares with a whole number, not %q", c.target, c.key, c.value)
		}
	case "lease":
		if c.value != "0" {
			if _, err := parseLeaseID(c.value); err != nil {
				return c, 0, fmt.Errorf("txn: lease(%s): %v, or 0 for no lease", c.key, err)
			}
		}
	}
	if c.op != "=" && c.op != "!=" && c.target == "lease" {
		return c, 0, fmt.Errorf("txn: lease(%s) compares with = or != only", c.key)
	}
	return c, n, nil
}

// parseTxnOps parses ops from toks[i] up to else or the end.
func parseTxnOps(toks []string, i int, block string) ([]*Command, int, error) {
	var ops []*Command
	for i < len(toks) && toks[i] != "else" {
		var words []string
		if strings.ContainsAny(toks[i], " \t") {
			// An op quoted whole, so that it may carry flags.
			w, err := Split(toks[i])
			if err != nil {
				return nil, i, fmt.Errorf("txn: %v", err)
			}
			words = w
			i++
		} else {
			for i < len(toks) && toks[i] != ";" && toks[i] != "else" {
				words = append(words, toks[i])
				i++
			}
		}
		if i < len(toks) && toks[i] == ";" {
			i++
		}
		if len(words) == 0 {
			continue
		}
		switch words[0] {
		case "put", "get", "del":
		default:
			return nil, i, fmt.Errorf("txn: %q cannot run inside a txn: use put, get or del", words[0])
		}
		op, err := parseWords(words)
		if err != nil {
			return nil, i, fmt.Errorf("txn %s: %v", block, err)
		}
		for _, f := range []string{"endpoint", "consistency"} {
			if _, ok := op.Flags[f]; ok {
				return nil, i, fmt.Errorf("txn %s: an op inside a txn takes no --%s; give txn --endpoint instead", block, f)
			}
		}
		op.Text = joinWords(words)
		ops = append(ops, op)
	}
	if len(ops) == 0 && block == "then" && (i >= len(toks) || toks[i] != "else") {
		return nil, i, fmt.Errorf("txn: then needs at least one op, e.g. then put k v: %s", txnUsage)
	}
	return ops, i, nil
}

func txnOp(c *Command) clientv3.Op {
	switch c.Name {
	case "put":
		var opts []clientv3.OpOption
		if v, ok := c.Flag("lease"); ok {
			id, _ := parseLeaseID(v)
			opts = append(opts, clientv3.WithLease(id))
		}
		return clientv3.OpPut(c.Args[0], c.Args[1], opts...)
	case "del":
		return clientv3.OpDelete(c.Args[0], rangeOpts(c)...)
	}
	opts := rangeOpts(c)
	if c.Bool("keys-only") {
		opts = append(opts, clientv3.WithKeysOnly())
	}
	if v, ok := c.Flag("rev"); ok {
		rev, _ := strconv.ParseInt(v, 10, 64)
		opts = append(opts, clientv3.WithRev(rev))
	}
	return clientv3.OpGet(c.Args[0], opts...)
}

// txn runs a transaction and prints like etcdctl: SUCCESS or FAILURE, then
// each op's output. Its values for expect are the outcome word, then what
// each get returned and each del's count, so that
// `expect txn ... == FAILURE v1` checks the branch and what it read.
func (l *Lab) txn(ctx context.Context, c *Command) Result {
	p, err := parseTxn(c.Args)
	if err != nil {
		return Result{Err: err}
	}
	var cmps []clientv3.Cmp
	for _, cm := range p.compares {
		cmps = append(cmps, cm.cmp())
	}
	var thenOps, elseOps []clientv3.Op
	for _, o := range p.then {
		thenOps = append(thenOps, txnOp(o))
	}
	for _, o := range p.els {
		elseOps = append(elseOps, txnOp(o))
	}
	var resp *clientv3.TxnResponse
	via, err := l.onEndpoint(ctx, c, func(ctx context.Context, cli *clientv3.Client) (err error) {
		resp, err = cli.Txn(ctx).If(cmps...).Then(thenOps...).Else(elseOps...).Commit()
		return err
	})
	if err != nil {
		return Result{Err: err, Via: via}
	}
	outcome, ops := "SUCCESS", p.then
	if !resp.Succeeded {
		outcome, ops = "FAILURE", p.els
	}
	r := Result{Lines: []string{outcome}, Values: []string{outcome}, Via: via}
	for i, rr := range resp.Responses {
		r.Lines = append(r.Lines, "")
		switch {
		case rr.GetResponsePut() != nil:
			r.Lines = append(r.Lines, "OK")
		case rr.GetResponseDeleteRange() != nil:
			n := strconv.FormatInt(rr.GetResponseDeleteRange().Deleted, 10)
			r.Lines = append(r.Lines, n)
			r.Values = append(r.Values, n)
		case rr.GetResponseRange() != nil:
			r.addKVs(rr.GetResponseRange().Kvs, i < len(ops) && ops[i].Bool("keys-only"))
		}
	}
	return r
}
