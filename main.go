// Command etcdlab runs real etcd members in one process so that people can
// break them and watch Raft respond: a terminal UI, scenario replay, a
// headless server for external clients, and a way out to real etcd
// processes. The command line lives in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/etcdlab/etcdlab/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
