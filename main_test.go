package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/internal/cli"
	"github.com/etcdlab/etcdlab/internal/testutil"
)

// run is etcdlab's main without the process: the tests call it in process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Run(ctx, args, stdin, stdout, stderr)
}

// Exit statuses, as README documents them.
const (
	exitOK          = cli.ExitOK
	exitFailed      = cli.ExitFailed
	exitUsage       = cli.ExitUsage
	exitStart       = cli.ExitStart
	exitInterrupted = cli.ExitInterrupted
)

// The main package's tests own ports 29000-30999; see testutil.Ports. A
// block of 18 covers every port of a 9-member lab.
var ports = &testutil.Ports{Start: 29000, End: 31000, Block: 18}

func TestMain(m *testing.M) {
	// TestSignals runs this test binary as etcdlab itself.
	if os.Getenv("ETCDLAB_BE_MAIN") == "1" {
		main()
	}
	testutil.VerifyMain(m)
}

// portAttempts is how many port blocks a test tries before it gives up. A
// block may be taken: by an outgoing connection (the range lies in Linux's
// ephemeral range unless .ci/run reserved it) or by another run of these
// tests on the same machine, which walks the same blocks.
const portAttempts = 20

// Deadlines are generous: the tests must hold on two busy cores.
const (
	startTimeout = 30 * time.Second // a served lab prints its endpoints
	outTimeout   = 20 * time.Second // a command's result, an election
	stopTimeout  = 60 * time.Second // run returns after its context ends
)

// syncBuffer is a bytes.Buffer that run may write while a test polls it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// served is `etcdlab serve` running in this process through run.
type served struct {
	t      *testing.T
	base   int
	in     *io.PipeWriter // serve's stdin; Close it for an end of input
	eof    chan struct{}  // closed once serve has read to the end of stdin
	out    syncBuffer
	errOut syncBuffer
	cancel context.CancelFunc
	done   chan struct{}
	code   int // valid once done is closed
	once   sync.Once
}

// launchServe starts run(ctx, "serve" args...) in a goroutine, reading a
// pipe that send writes to. t.Cleanup stops it.
func launchServe(t *testing.T, base int, args ...string) *served {
	t.Helper()
	s := &served{t: t, base: base, done: make(chan struct{}), eof: make(chan struct{})}
	pr, pw := io.Pipe()
	s.in = pw
	stdin := &eofReader{r: pr, eof: s.eof}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	full := append([]string{"serve"}, args...)
	go func() {
		defer close(s.done)
		s.code = run(ctx, full, stdin, &s.out, &s.errOut)
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

// startServe serves a lab on a fresh port block with its data in a
// t.TempDir() (unless args name a --data-dir) and waits for its endpoints.
// A block that another process holds is skipped.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	if !hasFlag(args, "--data-dir") {
		args = append(args, "--data-dir", t.TempDir())
	}
	var s *served
	ports.Launch(t, portTaken, func(base int) error {
		s = launchServe(t, base, append([]string{"--base-port", strconv.Itoa(base)}, args...)...)
		if s.waitReady() {
			return nil
		}
		return fmt.Errorf("serve %s did not start: exit %d\nstderr:\n%s\nstdout:\n%s", strings.Join(args, " "), s.code, s.errOut.String(), s.out.String())
	})
	return s
}

// portTaken reports whether etcdlab said it could not start because a port
// was in use (exit 3), which a test answers with the next port block.
func portTaken(err error) bool {
	return strings.Contains(err.Error(), "exit 3") && strings.Contains(err.Error(), "already in use")
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

var endpointsLine = regexp.MustCompile(`(?m)^ETCDCTL_ENDPOINTS=(\S+)$`)

// waitReady waits until serve printed its endpoints (true) or returned
// (false, with s.code set).
func (s *served) waitReady() bool {
	s.t.Helper()
	deadline := time.Now().Add(startTimeout)
	for !endpointsLine.MatchString(s.out.String()) {
		select {
		case <-s.done:
			return endpointsLine.MatchString(s.out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("serve printed no ETCDCTL_ENDPOINTS line within %s; output so far:\n%s", startTimeout, s.out.String())
		}
	}
	return true
}

// endpoints returns the value of the ETCDCTL_ENDPOINTS line serve printed.
func (s *served) endpoints() string {
	m := endpointsLine.FindStringSubmatch(s.out.String())
	if m == nil {
		s.t.Fatalf("no ETCDCTL_ENDPOINTS line in:\n%s", s.out.String())
	}
	return m[1]
}

// clientURL returns member slot i's client URL (1-based).
func (s *served) clientURL(i int) string {
	return fmt.Sprintf("http://127.0.0.1:%d", s.base+2*(i-1))
}

// send writes one command line to serve's stdin and waits until the output
// written after it matches want, which it returns.
func (s *served) send(t *testing.T, line string, want string) string {
	t.Helper()
	from := s.out.Len()
	werr := make(chan error, 1)
	// A pipe write blocks until serve reads it: never wait on it alone.
	go func() { _, err := io.WriteString(s.in, line+"\n"); werr <- err }()
	select {
	case err := <-werr:
		if err != nil {
			t.Fatalf("writing %q to serve: %v", line, err)
		}
	case <-s.done:
		t.Fatalf("serve exited (%d) before reading %q:\n%s%s", s.code, line, s.out.String(), s.errOut.String())
	case <-time.After(outTimeout):
		t.Fatalf("serve did not read %q within %s", line, outTimeout)
	}
	return s.waitOutput(t, from, want, outTimeout)
}

// waitOutput polls the output written after offset from until it matches
// the regular expression want.
func (s *served) waitOutput(t *testing.T, from int, want string, d time.Duration) string {
	t.Helper()
	re := regexp.MustCompile(want)
	deadline := time.Now().Add(d)
	for {
		out := s.out.String()[from:]
		if m := re.FindString(out); m != "" {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve's output did not match %q within %s; output since the command:\n%s", want, d, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop cancels serve's context, ends its stdin and returns its exit status.
func (s *served) stop() int {
	s.once.Do(func() {
		start := time.Now()
		defer func() { s.t.Logf("serve on %d stopped in %s", s.base, time.Since(start).Round(time.Millisecond)) }()
		s.cancel()
		s.in.Close()
		select {
		case <-s.done:
		case <-time.After(stopTimeout):
			s.t.Errorf("serve did not return within %s of its context ending", stopTimeout)
		}
	})
	return s.code
}

// runMode runs etcdlab with args to the end and returns its exit status,
// stdout and stderr.
func runMode(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr syncBuffer
	code := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestHelp checks every way of asking for help: it goes to stdout with exit
// status 0, shows the usage, two or more examples, and every flag of the
// command in --flag form with its default ("" where the default is the
// zero value, which pflag leaves out).
func TestHelp(t *testing.T) {
	common := map[string]string{
		"members":            "(default 3)",
		"base-port":          "(default 2379)",
		"data-dir":           "(default: a temporary dir removed on exit)",
		"heartbeat-interval": "(default 100)",
		"election-timeout":   "(default 1000)",
		"command-timeout":    "(default 2s)",
		"log-file":           "(default: DATA-DIR/etcd.log)",
		"listen-host":        `(default "127.0.0.1")`,
		"tls":                "",
		"auth":               "",
		"trace":              "",
		"help":               "",
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tui := with(common, "script", "", "step", "", "speed", "(default 1)", "record", "")
	attach := map[string]string{"endpoints": "", "cacert": "", "user": "", "command-timeout": "(default 2s)", "help": ""}
	bench := map[string]string{"runs": "(default 5)", "clients": "(default 16)", "puts": "(default 150)",
		"base-port": "(default 14000)", "idle": "(default 10s)", "help": ""}
	export := map[string]string{"members": "(default 3)", "base-port": "(default 2379)", "data-dir": "(default: etcd's NAME.etcd",
		"heartbeat-interval": "(default 100)", "election-timeout": "(default 1000)", "tls": "", "host": "", "help": ""}
	help := map[string]string{"help": ""}
	replay := map[string]string{"speed": "(default 1)", "at": "", "help": ""}
	tests := []struct {
		name  string
		args  []string
		usage string
		flags map[string]string
	}{
		{"etcdlab --help", []string{"--help"}, "etcdlab [flags]", tui},
		{"etcdlab -h", []string{"-h"}, "etcdlab [flags]", tui},
		{"etcdlab help", []string{"help"}, "etcdlab [flags]", tui},
		{"etcdlab -help, Go style", []string{"-help"}, "etcdlab [flags]", tui},
		{"run", []string{"run", "--help"}, "etcdlab run FILE [flags]", common},
		{"help run", []string{"help", "run"}, "etcdlab run FILE [flags]", common},
		{"serve", []string{"serve", "--help"}, "etcdlab serve [flags]", common},
		{"serve after other flags", []string{"serve", "--members", "5", "--help"}, "etcdlab serve [flags]", common},
		{"attach", []string{"attach", "--help"}, "etcdlab attach --endpoints URL[,URL...] [flags]", attach},
		{"bench", []string{"bench", "-h"}, "etcdlab bench [flags]", bench},
		{"export", []string{"export", "--help"}, "etcdlab export compose|procfile|commands [flags]", export},
		{"help export", []string{"help", "export"}, "etcdlab export compose|procfile|commands [flags]", export},
		{"replay", []string{"replay", "--help"}, "etcdlab replay FILE [flags]", replay},
		{"version", []string{"version", "--help"}, "etcdlab version [flags]", help},
		{"completion", []string{"completion", "--help"}, "etcdlab completion bash|zsh|fish|powershell [flags]", help},
		{"help help", []string{"help", "help"}, "etcdlab help [command] [flags]", help},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runMode(t, tt.args...)
			if code != exitOK {
				t.Errorf("exit status %d, want %d", code, exitOK)
			}
			if stderr != "" {
				t.Errorf("help wrote to stderr: %q", stderr)
			}
			checkHelp(t, stdout, tt.usage, tt.flags)
		})
	}
}

var (
	helpFlag    = regexp.MustCompile(`(?m)^ +(?:-\w, )?--([a-z-]+)(.*)$`)
	helpExample = regexp.MustCompile(`(?m)^  (etcdlab|go run \.|source|source <\(etcdlab) `)
)

// checkHelp checks a help text: its usage line, two examples or more, and
// exactly the flags given, each with its default.
func checkHelp(t *testing.T, help, usage string, flags map[string]string) {
	t.Helper()
	if !strings.Contains(help, "\nUsage:\n  "+usage+"\n") {
		t.Errorf("help lacks the usage %q:\n%s", usage, help)
	}
	if i := strings.Index(help, "\nExamples:\n"); i < 0 || len(helpExample.FindAllString(help[i:], -1)) < 2 {
		t.Errorf("help has fewer than two examples:\n%s", help)
	}
	i := strings.Index(help, "\nFlags:\n")
	if i < 0 {
		t.Fatalf("help lists no flags:\n%s", help)
	}
	got := map[string]string{}
	for _, m := range helpFlag.FindAllStringSubmatch(help[i:], -1) {
		got[m[1]] = m[2]
	}
	for name, def := range flags {
		text, ok := got[name]
		if !ok {
			t.Errorf("help does not list --%s:\n%s", name, help)
			continue
		}
		if def != "" && !strings.Contains(text, def) {
			t.Errorf("help of --%s does not show %q: %s", name, def, text)
		}
	}
	for name := range got {
		if _, ok := flags[name]; !ok {
			t.Errorf("help lists --%s, which this test does not know: add it with its default", name)
		}
	}
}

// TestHelpListsCommands checks that etcdlab --help lists every command with
// its one-line summary, exactly as README shows the list.
func TestHelpListsCommands(t *testing.T) {
	_, stdout, _ := runMode(t, "--help")
	for _, c := range []string{"attach", "bench", "completion", "export", "help", "learn", "run", "serve", "version"} {
		if !regexp.MustCompile(`(?m)^  ` + c + ` +\S`).MatchString(stdout) {
			t.Errorf("etcdlab --help does not list %s with a summary:\n%s", c, stdout)
		}
	}
	list := regexp.MustCompile(`(?s)\nAvailable Commands:\n.*?\n\n`).FindString(stdout)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if list == "" || !strings.Contains(string(readme), "```"+strings.TrimSuffix(list, "\n")+"```") {
		t.Errorf("README.md does not show the commands as etcdlab --help lists them:\n%s", list)
	}
}

func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.lab")
	// Errors on lines 2, 4 and 6; good lines in between must not hide them.
	if err := os.WriteFile(bad, []byte("put k v\nput k\nget k\nfrobnicate etcd1\n# a comment\nwait forever\nmembers 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"members 0", []string{"serve", "--members", "0"}, []string{"--members 0 is out of range: choose 1 to 9"}},
		{"members 10", []string{"serve", "--members", "10"}, []string{"--members 10 is out of range: choose 1 to 9"}},
		{"members abc", []string{"serve", "--members", "abc"}, []string{`invalid value "abc" for --members: want a whole number, e.g. --members 3 (see etcdlab serve --help)`}},
		{"members abc, Go style", []string{"serve", "-members", "abc"}, []string{`invalid value "abc" for --members: want a whole number`}},
		{"command-timeout without a unit", []string{"run", "x.lab", "--command-timeout", "5"}, []string{`invalid value "5" for --command-timeout: want a duration with its unit, e.g. --command-timeout 2s (see etcdlab run --help)`}},
		{"speed abc", []string{"--speed", "abc"}, []string{`invalid value "abc" for --speed: want a number, e.g. --speed 1 (see etcdlab --help)`}},
		{"base-port 70000", []string{"serve", "--base-port", "70000"}, []string{"--base-port 70000 is out of range"}},
		{"base-port 80", []string{"serve", "--base-port", "80"}, []string{"--base-port 80 is out of range"}},
		{"base-port too high for 9 members", []string{"serve", "--members", "1", "--base-port", "65530"}, []string{"--base-port 65530 is out of range"}},
		{"unknown flag", []string{"serve", "--frobnicate"}, []string{"unknown flag: --frobnicate (see etcdlab serve --help)"}},
		{"unknown flag, Go style", []string{"serve", "-frobnicate"}, []string{"unknown flag: --frobnicate (see etcdlab serve --help)"}},
		{"unknown short flag", []string{"serve", "-x"}, []string{"unknown shorthand flag: 'x' in -x (see etcdlab serve --help)"}},
		{"unknown flag of the dashboard", []string{"--frobnicate"}, []string{"unknown flag: --frobnicate (see etcdlab --help)"}},
		{"unknown flag in run", []string{"run", "x.lab", "--nope=1"}, []string{"unknown flag: --nope (see etcdlab run --help)"}},
		{"tui flag in serve", []string{"serve", "--speed", "2"}, []string{"unknown flag: --speed"}},
		{"unknown command", []string{"serv"}, []string{`unknown command "serv" (did you mean serve?): commands are attach, bench, completion, export, help, learn, replay, run, serve, version; see etcdlab --help`}},
		{"unknown help topic", []string{"help", "frobnicate"}, []string{`unknown help topic "frobnicate"`, "see etcdlab --help"}},
		{"version with an argument", []string{"version", "now"}, []string{`unexpected argument "now": etcdlab version takes only flags`}},
		{"completion without a shell", []string{"completion"}, []string{"completion needs one shell: bash, zsh, fish or powershell"}},
		{"completion of another shell", []string{"completion", "tcsh"}, []string{"completion needs one shell"}},
		{"export without a form", []string{"export"}, []string{"export needs one form: compose, procfile or commands"}},
		{"export of another form", []string{"export", "helm"}, []string{"export needs one form"}},
		{"export members 10", []string{"export", "compose", "--members", "10"}, []string{"--members 10 is out of range: choose 1 to 9"}},
		{"export election-timeout under 5 heartbeats", []string{"export", "procfile", "--election-timeout", "400"}, []string{"--election-timeout 400 with --heartbeat-interval 100 is invalid"}},
		{"export commands without hosts", []string{"export", "commands"}, []string{"export commands needs --host once per member"}},
		{"export commands with too few hosts", []string{"export", "commands", "--members", "3", "--host", "10.0.0.1", "--host", "10.0.0.2"}, []string{"3 members need 3 hosts, one per member; got 2 (see etcdlab export --help)"}},
		{"export commands with a host twice", []string{"export", "commands", "--host", "10.0.0.1", "--host", "10.0.0.1"}, []string{"host 10.0.0.1 is given twice"}},
		{"export commands with a URL for a host", []string{"export", "commands", "--host", "http://10.0.0.1"}, []string{`host "http://10.0.0.1" is not an address or a host name`}},
		{"export procfile with hosts", []string{"export", "procfile", "--host", "10.0.0.1"}, []string{"--host is for export commands"}},
		{"export unknown flag", []string{"export", "compose", "--auth"}, []string{"unknown flag: --auth (see etcdlab export --help)"}},
		{"serve with an argument", []string{"serve", "now"}, []string{`unexpected argument "now"`}},
		{"run without FILE", []string{"run"}, []string{"run needs exactly one scenario FILE"}},
		{"attach without endpoints", []string{"attach"}, []string{"attach needs --endpoints"}},
		{"attach bad endpoint", []string{"attach", "--endpoints", "127.0.0.1:2379"}, []string{`"127.0.0.1:2379" is not a client URL`}},
		{"attach bad user", []string{"attach", "--endpoints", "http://127.0.0.1:2379", "--user", "root"}, []string{"--user \"root\": write USER:PASSWORD"}},
		{"attach missing CA", []string{"attach", "--endpoints", "https://127.0.0.1:2379", "--cacert", filepath.Join(dir, "none.crt")}, []string{"cannot read the CA certificate"}},
		{"attach unknown flag", []string{"attach", "--members", "3"}, []string{"unknown flag: --members (see etcdlab attach --help)"}},
		{"listen-host not an address", []string{"serve", "--listen-host", "nowhere"}, []string{`--listen-host "nowhere" is not an IP address`}},
		{"run with two files", []string{"run", "a.lab", "b.lab"}, []string{"run needs exactly one scenario FILE"}},
		{"run of a missing file", []string{"run", filepath.Join(dir, "missing.lab")}, []string{"cannot read scenario", "missing.lab"}},
		{"scenario syntax errors", []string{"run", bad}, []string{
			bad + ":2: put takes 2 arguments",
			bad + ":4: unknown command \"frobnicate\"",
			bad + ":6: wait for what?",
			bad + ":7: members N must be the first command",
		}},
		{"tui scenario syntax errors", []string{"--script", bad}, []string{bad + ":2:", bad + ":4:", bad + ":6:", bad + ":7:"}},
		{"listen-host not an address", []string{"serve", "--listen-host", "example.com"}, []string{`--listen-host "example.com" is not an IP address`}},
		{"command-timeout 0", []string{"serve", "--command-timeout", "0s"}, []string{"--command-timeout 0s must be positive"}},
		{"speed 0", []string{"--speed", "0"}, []string{"--speed 0 must be positive"}},
		{"election-timeout under 5 heartbeats", []string{"serve", "--election-timeout", "400"}, []string{"--election-timeout 400 with --heartbeat-interval 100 is invalid"}},
		{"heartbeat-interval 0", []string{"serve", "--heartbeat-interval", "0"}, []string{"--heartbeat-interval 0 is invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Nothing started: the data dir a lab would create stays absent.
			data := filepath.Join(t.TempDir(), "data")
			args := append([]string{}, tt.args...)
			switch args[0] {
			case "attach", "help", "version", "completion", "serv":
				// No --data-dir: they start no members.
			default:
				args = append(args, "--data-dir", data)
			}
			code, stdout, stderr := runMode(t, args...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("something was started or printed on stdout:\n%s", stdout)
			}
			if _, err := os.Stat(data); err == nil {
				t.Errorf("the data dir %s was created: something started", data)
			}
			if !strings.HasPrefix(stderr, "etcdlab: ") {
				t.Errorf("stderr does not begin with \"etcdlab: \":\n%s", stderr)
			}
			// One line, but for a scenario's syntax errors: one per error.
			if lines := strings.Count(stderr, "\n"); lines != 1 && !strings.Contains(tt.name, "syntax") {
				t.Errorf("stderr has %d lines, want 1:\n%s", lines, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestPortInUse(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "ok.lab")
	if err := os.WriteFile(scenario, []byte("put k v\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mode   []string
		offset int // of the held port from the base port
		what   string
	}{
		{"serve, etcd1 client port", []string{"serve"}, 0, "etcd1 client port"},
		{"serve, etcd3 peer port", []string{"serve"}, 5, "etcd3 peer port"},
		{"run, etcd2 client port", []string{"run", scenario}, 2, "etcd2 client port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var held, code int
			var stderr string
			for attempt := 1; ; attempt++ {
				base := ports.Next(t)
				held = base + tt.offset
				l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(held)))
				if err != nil {
					t.Logf("cannot hold port %d: %v", held, err)
					continue
				}
				args := append(append([]string{}, tt.mode...), "--base-port", strconv.Itoa(base), "--data-dir", t.TempDir())
				code, _, stderr = runMode(t, args...)
				l.Close()
				// Another port of the block may be an outgoing connection's.
				if attempt < portAttempts && code == exitStart && !strings.Contains(stderr, fmt.Sprintf("port %d ", held)) {
					t.Logf("retrying: %s", strings.TrimSpace(stderr))
					continue
				}
				break
			}
			if code != exitStart {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitStart, stderr)
			}
			for _, w := range []string{fmt.Sprintf("port %d (%s) is already in use", held, tt.what), "--base-port"} {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// eofReader is a reader that reports when it has returned io.EOF.
type eofReader struct {
	r    io.Reader
	once sync.Once
	eof  chan struct{}
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.once.Do(func() { close(e.eof) })
	}
	return n, err
}

// gatewayGet reads key through etcd's JSON gateway on a client URL: plain
// net/http, no etcd client library.
func gatewayGet(clientURL, key string) (string, error) {
	body := fmt.Sprintf(`{"key": %q}`, base64.StdEncoding.EncodeToString([]byte(key)))
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Post(clientURL+"/v3/kv/range", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, b)
	}
	var r struct {
		Kvs []struct{ Value string } `json:"kvs"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return "", fmt.Errorf("%v in %s", err, b)
	}
	if len(r.Kvs) != 1 {
		return "", fmt.Errorf("%d values for %s in %s", len(r.Kvs), key, b)
	}
	v, err := base64.StdEncoding.DecodeString(r.Kvs[0].Value)
	return string(v), err
}

func TestServeLifecycle(t *testing.T) {
	s := startServe(t)
	base := s.base

	t.Run("prints how to reach it", func(t *testing.T) {
		out := s.out.String()
		var urls []string
		for i := 1; i <= 3; i++ {
			want := fmt.Sprintf("etcd%d  client %s  peer http://127.0.0.1:%d\n", i, s.clientURL(i), base+2*(i-1)+1)
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q", want)
			}
			urls = append(urls, s.clientURL(i))
		}
		for _, want := range []string{
			"\nETCDCTL_ENDPOINTS=" + strings.Join(urls, ",") + "\n",
			fmt.Sprintf("\npython: etcd3.client(host='127.0.0.1', port=%d)\n", base),
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("keeps serving after the end of stdin", func(t *testing.T) {
		s.send(t, "put eof-key still-here", `(?m)^\s+OK$`)
		s.in.Close()
		select {
		case <-s.eof:
		case <-time.After(outTimeout):
			t.Fatal("serve never read its stdin to the end")
		}
		for i := 1; i <= 3; i++ {
			v, err := gatewayGet(s.clientURL(i), "eof-key")
			if err != nil || v != "still-here" {
				t.Errorf("etcd%d after EOF: got %q, %v; want still-here", i, v, err)
			}
		}
		select {
		case <-s.done:
			t.Fatalf("serve returned %d after the end of stdin:\n%s", s.code, s.errOut.String())
		case <-time.After(500 * time.Millisecond):
		}
	})

	t.Run("stops cleanly when its context ends", func(t *testing.T) {
		if code := s.stop(); code != exitOK {
			t.Errorf("exit status %d, want %d; stderr:\n%s", code, exitOK, s.errOut.String())
		}
		if !strings.Contains(s.out.String(), "\nstopping the members\n") {
			t.Errorf("output lacks \"stopping the members\":\n%s", s.out.String())
		}
		if e := s.errOut.String(); e != "" {
			t.Errorf("stderr: %s", e)
		}
		for p := base; p < base+6; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				t.Errorf("port %d still held after serve returned: %v", p, err)
				continue
			}
			l.Close()
		}
	})
}

func TestServeDataDirKept(t *testing.T) {
	dir := t.TempDir()
	first := startServe(t, "--members", "3", "--data-dir", dir)
	first.send(t, "put lesson kept-across-runs", `(?m)^\s+OK$`)
	if code := first.stop(); code != exitOK {
		t.Fatalf("first serve: exit %d\n%s", code, first.errOut.String())
	}

	// No --base-port and no --members: the data dir remembers both. The
	// ports are fixed now, so while an outgoing connection happens to hold
	// one (they lie in Linux's ephemeral range), try again.
	var second *served
	for deadline := time.Now().Add(startTimeout); ; {
		second = launchServe(t, first.base, "--data-dir", dir)
		if second.waitReady() {
			break
		}
		if second.code != exitStart || !strings.Contains(second.errOut.String(), "already in use") || time.Now().After(deadline) {
			t.Fatalf("second serve did not start: exit %d\n%s", second.code, second.errOut.String())
		}
		t.Logf("retrying: %s", strings.TrimSpace(second.errOut.String()))
		time.Sleep(100 * time.Millisecond)
	}
	if got, want := second.endpoints(), strings.Join([]string{first.clientURL(1), first.clientURL(2), first.clientURL(3)}, ","); got != want {
		t.Errorf("second run serves %s, want the first run's %s", got, want)
	}
	second.send(t, "get lesson", `(?m)^\s+lesson\n\s+kept-across-runs$`)
	if code := second.stop(); code != exitOK {
		t.Errorf("second serve: exit %d\n%s", code, second.errOut.String())
	}
}

func TestRunScenario(t *testing.T) {
	tests := []struct {
		name     string
		script   string
		code     int
		stdout   []string
		stderr   string
		noStderr bool
	}{
		{
			name: "passing",
			script: `members 3
put greeting "Hello, etcd"
expect get greeting == "Hello, etcd"
kill etcd1
wait quorum
expect quorum
expect del greeting == 1
`,
			code:     exitOK,
			stdout:   []string{"starting 3 members on ports ", "line 4   kill etcd1", "PASS: 6 commands"},
			noStderr: true,
		},
		{
			name: "failing",
			script: `members 1
put k v
expect get k == w   # the lab stores v
put never run
`,
			code:   exitFailed,
			stdout: []string{"line 3   expect get k == w", `error: expected "get k" to return w, got v`},
			stderr: `FAIL line 3: expected "get k" to return w, got v`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.name+".lab")
			if err := os.WriteFile(path, []byte(tt.script), 0o600); err != nil {
				t.Fatal(err)
			}
			var code int
			var stdout, stderr string
			ports.Launch(t, portTaken, func(base int) error {
				code, stdout, stderr = runMode(t, "run", path, "--base-port", strconv.Itoa(base), "--data-dir", t.TempDir())
				if code == exitStart {
					return fmt.Errorf("exit %d: %s", code, stderr)
				}
				return nil
			})
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("transcript lacks %q:\n%s", w, stdout)
				}
			}
			if strings.Contains(stdout, "put never run") {
				t.Errorf("the scenario went on after its failure:\n%s", stdout)
			}
			if tt.noStderr && stderr != "" {
				t.Errorf("stderr: %s", stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr)
			}
		})
	}
}
