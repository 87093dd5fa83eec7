package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Timings both sides run with: etcd's defaults, given as flags to both.
const (
	heartbeatMs = 100
	electionMs  = 1000
	readyWithin = 30 * time.Second
)

// portBlocks hands out blocks of ports for one cluster each, from
// PortSpan ports above a base, skipping blocks that something holds.
type portBlocks struct {
	base, next int
}

// PortSpan is how many ports above --base-port the bench uses.
const PortSpan = 2000

const blockSize = 2 * cluster.MaxMembers

func (p *portBlocks) take() (int, error) {
	for range PortSpan / blockSize {
		b := p.base + (p.next%(PortSpan/blockSize))*blockSize
		p.next++
		if portsFree(b, blockSize) {
			return b, nil
		}
	}
	return 0, fmt.Errorf("no free block of %d ports in %d-%d: move the bench with --base-port", blockSize, p.base, p.base+PortSpan-1)
}

func portsFree(base, n int) bool {
	for port := base; port < base+n; port++ {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// proc is a child process and a channel closed when it has exited.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startProc(cmd *exec.Cmd) (*proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// kill crashes the process and reaps it.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// instance is a running cluster of one side: the lab (one process) or
// etcd processes.
type instance struct {
	names []string
	urls  []string // client URLs, in member order
	pids  []int
	// ready is how long after the first process started every member
	// answered a linearizable get.
	ready time.Duration
	// kill crashes the named member (kill -9 of its process, or the lab's
	// kill command).
	kill func(name string) error
	// stop kills every process and removes the data.
	stop func()
}

// env is what every side needs: binaries, a scratch dir and ports.
type env struct {
	self     string // the etcdlab binary
	etcd     string // etcd v3.7.3's server binary
	tmp      string
	ports    *portBlocks
	tmuxSock string
	seq      int
}

func (e *env) dir(kind string) string {
	e.seq++
	return filepath.Join(e.tmp, fmt.Sprintf("%s-%d", kind, e.seq))
}

func urlsOf(base, n int) (names, urls []string) {
	for i := 1; i <= n; i++ {
		names = append(names, fmt.Sprintf("etcd%d", i))
		urls = append(urls, fmt.Sprintf("http://127.0.0.1:%d", cluster.ClientPort(base, i)))
	}
	return names, urls
}

// childEnv is the environment of etcd processes: without ETCD_* variables,
// which etcd would read as flags.
func childEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ETCD_") {
			out = append(out, kv)
		}
	}
	return out
}

// await waits until every member of inst answers and returns inst, or
// fails early when exited is closed (a process died while starting). If
// the members are not ready, it stops inst and says why: what names the
// command that started it, logs the files that tell more.
func (inst *instance) await(ctx context.Context, clients []*clientv3.Client, start time.Time, exited <-chan struct{}, what, logs string) (*instance, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-wctx.Done():
		}
	}()
	d, err := waitReady(wctx, clients, start, readyWithin)
	select {
	case <-exited:
		err = fmt.Errorf("exited while starting (see %s)", logs)
	default:
		if err != nil {
			err = fmt.Errorf("%w (see %s)", err, logs)
		}
	}
	if err != nil {
		inst.stop()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	inst.ready = d
	return inst, nil
}

// anyExited returns a channel closed when any of ps has exited.
func anyExited(ps []*proc) <-chan struct{} {
	out := make(chan struct{})
	var once sync.Once
	for _, p := range ps {
		go func() {
			<-p.exited
			once.Do(func() { close(out) })
		}()
	}
	return out
}

// startLab runs `etcdlab serve` with n members and waits until every member
// answers. Its kill types `kill NAME` on serve's standard input.
func (e *env) startLab(ctx context.Context, n int) (*instance, error) {
	base, err := e.ports.take()
	if err != nil {
		return nil, err
	}
	dir := e.dir("lab")
	out, err := os.Create(dir + ".out")
	if err != nil {
		return nil, err
	}
	defer out.Close()
	names, urls := urlsOf(base, n)
	cmd := exec.Command(e.self, "serve", "--members", strconv.Itoa(n), "--base-port", strconv.Itoa(base),
		"--data-dir", dir, "--heartbeat-interval", strconv.Itoa(heartbeatMs), "--election-timeout", strconv.Itoa(electionMs))
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	clients, err := readyClients(urls)
	if err != nil {
		return nil, err
	}
	defer closeAll(clients)
	start := time.Now()
	p, err := startProc(cmd)
	if err != nil {
		return nil, err
	}
	inst := &instance{
		names: names, urls: urls, pids: []int{cmd.Process.Pid},
		kill: func(name string) error {
			_, err := fmt.Fprintf(stdin, "kill %s\n", name)
			return err
		},
		stop: func() {
			p.kill()
			os.RemoveAll(dir)
		},
	}
	return inst.await(ctx, clients, start, p.exited, fmt.Sprintf("etcdlab serve --members %d", n), out.Name()+" and "+filepath.Join(dir, "etcd.log"))
}

// startProcesses starts n etcd processes together, with the lab's flags,
// and waits until every member answers. Its kill is kill -9.
func (e *env) startProcesses(ctx context.Context, n int) (*instance, error) {
	base, err := e.ports.take()
	if err != nil {
		return nil, err
	}
	dir := e.dir("etcd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	names, urls := urlsOf(base, n)
	var initial []string
	for i, name := range names {
		initial = append(initial, fmt.Sprintf("%s=http://127.0.0.1:%d", name, cluster.PeerPort(base, i+1)))
	}
	var cmds []*exec.Cmd
	var outs []*os.File
	defer func() {
		for _, f := range outs {
			f.Close()
		}
	}()
	for i, name := range names {
		peer := fmt.Sprintf("http://127.0.0.1:%d", cluster.PeerPort(base, i+1))
		out, err := os.Create(filepath.Join(dir, name+".out"))
		if err != nil {
			return nil, err
		}
		outs = append(outs, out)
		cmd := exec.Command(e.etcd, "--name", name, "--data-dir", filepath.Join(dir, name),
			"--listen-client-urls", urls[i], "--advertise-client-urls", urls[i],
			"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-token", "etcd-cluster",
			"--initial-cluster-state", "new",
			"--heartbeat-interval", strconv.Itoa(heartbeatMs), "--election-timeout", strconv.Itoa(electionMs),
			"--logger", "zap", "--log-level", "info", "--log-outputs", filepath.Join(dir, name+".log"),
			"--metrics", "basic")
		cmd.Stdout, cmd.Stderr, cmd.Env = out, out, childEnv()
		cmds = append(cmds, cmd)
	}
	clients, err := readyClients(urls)
	if err != nil {
		return nil, err
	}
	defer closeAll(clients)
	var ps []*proc
	inst := &instance{
		names: names, urls: urls,
		kill: func(name string) error {
			for i, n := range names {
				if n == name {
					return ps[i].cmd.Process.Signal(syscall.SIGKILL)
				}
			}
			return fmt.Errorf("no process for %s", name)
		},
		stop: func() {
			for _, p := range ps {
				p.kill()
			}
			os.RemoveAll(dir)
		},
	}
	start := time.Now()
	for _, cmd := range cmds {
		p, err := startProc(cmd)
		if err != nil {
			inst.stop()
			return nil, err
		}
		ps = append(ps, p)
		inst.pids = append(inst.pids, cmd.Process.Pid)
	}
	return inst.await(ctx, clients, start, anyExited(ps), fmt.Sprintf("%d etcd processes", n), filepath.Join(dir, "*.log"))
}

// startTUI runs the lab's terminal UI at 120x40 in a detached tmux session
// of the bench's own tmux server and waits until every member answers.
func (e *env) startTUI(ctx context.Context, n int) (*instance, error) {
	base, err := e.ports.take()
	if err != nil {
		return nil, err
	}
	dir := e.dir("tui")
	names, urls := urlsOf(base, n)
	line := strings.Join([]string{"exec", shellQuote(e.self), "--members", strconv.Itoa(n), "--base-port", strconv.Itoa(base),
		"--data-dir", shellQuote(dir), "--heartbeat-interval", strconv.Itoa(heartbeatMs), "--election-timeout", strconv.Itoa(electionMs)}, " ")
	clients, err := readyClients(urls)
	if err != nil {
		return nil, err
	}
	defer closeAll(clients)
	session := fmt.Sprintf("tui-%d", e.seq)
	stopTmux := func() {
		exec.Command("tmux", "-L", e.tmuxSock, "kill-server").Run()
	}
	start := time.Now()
	if out, err := e.tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", line); err != nil {
		stopTmux()
		return nil, fmt.Errorf("tmux new-session: %v: %s", err, out)
	}
	out, err := e.tmux("list-panes", "-t", session, "-F", "#{pane_pid}")
	pid, perr := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || perr != nil {
		stopTmux()
		return nil, fmt.Errorf("tmux list-panes: %v %v: %q", err, perr, out)
	}
	exited := make(chan struct{})
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for alive(pid) {
			if sleep(wctx, 20*time.Millisecond) != nil {
				return
			}
		}
		close(exited)
	}()
	inst := &instance{
		names: names, urls: urls, pids: []int{pid},
		kill: func(string) error { return errors.New("the TUI is not driven by the bench") },
		stop: func() {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
			for i := 0; i < 500 && alive(pid); i++ {
				time.Sleep(10 * time.Millisecond)
			}
			stopTmux()
			os.RemoveAll(dir)
		},
	}
	return inst.await(wctx, clients, start, exited, "etcdlab (TUI in tmux)", filepath.Join(dir, "etcd.log"))
}

func (e *env) tmux(args ...string) (string, error) {
	full := append([]string{"-L", e.tmuxSock, "-f", "/dev/null"}, args...)
	out, err := exec.Command("tmux", full...).CombinedOutput()
	return string(out), err
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z'
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
