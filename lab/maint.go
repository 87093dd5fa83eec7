package lab

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/snapshot"
	"go.uber.org/zap"
)

// maintCommands are etcd's maintenance: compaction, defragmentation, backup.
var maintCommands = map[string]spec{
	"compact": {usage: "compact REV [--physical]", summary: "drop history before revision REV (etcdctl compact); --physical waits until the space is free for reuse",
		minArgs: 1, maxArgs: 1, bools: []string{"physical"}, client: true, check: checkCompact, run: (*Lab).compact},
	"defrag": {usage: "defrag [--endpoint NAME]", summary: "give a member's free db space back to the file system, every member's by default (etcdctl defrag), with the db size before and after",
		values: map[string]func(string) error{"endpoint": anyValue}, client: true, run: (*Lab).defrag},
	"snapshot save": {usage: "snapshot save FILE [--endpoint NAME]", summary: "back up one member's db to FILE (etcdctl snapshot save), the leader's by default; says its size and revision",
		minArgs: 1, maxArgs: 1, values: map[string]func(string) error{"endpoint": anyValue}, client: true, run: (*Lab).snapshotSave},
}

func checkCompact(c *Command) error {
	if n, err := strconv.ParseInt(c.Args[0], 10, 64); err != nil || n < 1 {
		return fmt.Errorf("compact: %q is not a revision: write a whole number from 1, like compact 5", c.Args[0])
	}
	return nil
}

// maintTimeout bounds one defragmentation or snapshot, which copy the db.
func (l *Lab) maintTimeout() time.Duration { return max(5*l.timeout, 10*time.Second) }

func (l *Lab) compact(ctx context.Context, c *Command) Result {
	rev, _ := strconv.ParseInt(c.Args[0], 10, 64)
	cli, _, err := l.client("")
	if err != nil {
		return Result{Err: err}
	}
	var opts []clientv3.CompactOption
	timeout := l.timeout
	if c.Bool("physical") {
		opts = append(opts, clientv3.WithCompactPhysical())
		timeout = l.maintTimeout()
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := cli.Compact(cctx, rev, opts...); err != nil {
		switch {
		case errors.Is(err, rpctypes.ErrCompacted):
			return Result{Err: fmt.Errorf("revision %d is compacted already: etcd keeps no history before a later revision; compact a higher one", rev)}
		case errors.Is(err, rpctypes.ErrFutureRev):
			return Result{Err: fmt.Errorf("revision %d is in the future: the cluster is at revision %d", rev, l.c.Status().Revision)}
		}
		return Result{Err: l.explain(err, "")}
	}
	return Result{Lines: []string{fmt.Sprintf("compacted revision %d", rev)}}
}

func (l *Lab) defrag(ctx context.Context, c *Command) Result {
	names := l.c.Names()
	if ep, ok := c.Flag("endpoint"); ok {
		name, err := l.memberName(ep)
		if err != nil {
			return Result{Err: err}
		}
		names = []string{name}
	}
	var r Result
	var failed []string
	// One member at a time, as etcdctl does: a member defragmenting
	// answers nobody, and a cluster doing all at once would stall.
	for _, name := range names {
		line, err := l.defragOne(ctx, name)
		if err != nil {
			failed = append(failed, name)
			line = "error: " + err.Error()
		}
		r.Lines = append(r.Lines, line)
	}
	if len(failed) > 0 {
		r.Err = fmt.Errorf("%d of %d members were not defragmented (%s):\n%s", len(failed), len(names), strings.Join(failed, ", "), strings.Join(r.Lines, "\n"))
	}
	return r
}

func (l *Lab) defragOne(ctx context.Context, name string) (string, error) {
	cli, _, err := l.client(name)
	if err != nil {
		return "", err
	}
	url, _ := l.c.ClientURL(name)
	sctx, scancel := context.WithTimeout(ctx, l.timeout)
	before, err := cli.Status(sctx, url)
	scancel()
	if err != nil {
		return "", fmt.Errorf("Failed to defragment etcd member[%s]: %v", url, l.explain(err, name))
	}
	cctx, cancel := context.WithTimeout(ctx, l.maintTimeout())
	defer cancel()
	start := time.Now()
	if _, err := cli.Defragment(cctx, url); err != nil {
		return "", fmt.Errorf("Failed to defragment etcd member[%s]: %v", url, l.explain(err, name))
	}
	took := time.Since(start)
	after, err := cli.Status(cctx, url)
	if err != nil {
		return "", fmt.Errorf("defragmented etcd member[%s] but cannot read its size after: %v", url, l.explain(err, name))
	}
	return fmt.Sprintf("Finished defragmenting etcd member[%s]. took %s, db size before %s (%s in use), after %s",
		url, kit.Round(took), Bytes(before.DbSize), Bytes(before.DbSizeInUse), Bytes(after.DbSize)), nil
}

func (l *Lab) snapshotSave(ctx context.Context, c *Command) Result {
	name, _ := c.Flag("endpoint")
	if name == "" {
		st := l.c.Status()
		name = st.Leader
		for _, m := range st.Members {
			if name == "" && m.State.Running() {
				name = m.Name
			}
		}
		if name == "" {
			return Result{Err: errors.New("no member is running: restart one first")}
		}
	}
	name, err := l.memberName(name)
	if err != nil {
		return Result{Err: err}
	}
	if m, _ := l.c.Status().Member(name); !m.State.Running() {
		return Result{Err: fmt.Errorf("snapshot of %s failed: %s is %s (restart %s, or save from another member with --endpoint)", name, name, m.State, name)}
	}
	url, _ := l.c.ClientURL(name)
	path := c.Args[0]
	cctx, cancel := context.WithTimeout(ctx, l.maintTimeout())
	defer cancel()
	cfg := clientv3.Config{Endpoints: []string{url}, DialTimeout: l.timeout}
	version, err := snapshot.SaveWithVersion(cctx, zap.NewNop(), cfg, path)
	if err != nil {
		return Result{Err: fmt.Errorf("snapshot of %s failed: %v", name, l.explain(err, name))}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Result{Err: err}
	}
	lines := []string{"Snapshot saved at " + path}
	rev, keys, err := snapshotRevision(path)
	if err != nil {
		lines = append(lines, fmt.Sprintf("from %s: %s, storage version %s (cannot read its revision: %v)", name, Bytes(fi.Size()), version, err))
		return Result{Lines: lines}
	}
	lines = append(lines, fmt.Sprintf("from %s: %s, revision %d, %d key revisions, storage version %s", name, Bytes(fi.Size()), rev, keys, version))
	return Result{Lines: lines, Values: []string{strconv.FormatInt(rev, 10)}}
}

// snapshotRevision reads a snapshot's revision and how many key revisions
// it holds, as etcdutl snapshot status does: the last key of the key bucket
// is the newest revision.
func snapshotRevision(path string) (rev int64, keys int, err error) {
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("key"))
		if b == nil {
			return errors.New("no key bucket")
		}
		keys = b.Stats().KeyN
		if k, _ := b.Cursor().Last(); len(k) >= 8 {
			rev = int64(binary.BigEndian.Uint64(k[:8]))
		}
		return nil
	})
	return rev, keys, err
}
