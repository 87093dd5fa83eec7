package lab

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

// Command is one parsed line of the command language.
type Command struct {
	// Name is the command's canonical name, e.g. "put" or "member list".
	Name string
	// Args are the positional arguments after the name.
	Args []string
	// Flags maps a flag name without dashes to its value ("true" for a
	// boolean flag).
	Flags map[string]string
	// Expect is set for the expect command.
	Expect *Expectation
	// Line is the 1-based line number in a scenario file, 0 elsewhere.
	Line int
	// Text is the line as written, without its comment.
	Text string
	// Task is, for a line of an exercise's task (the task line, its hints,
	// solutions, check and explanation), the task it belongs to; nil
	// elsewhere. ParseScript sets it.
	Task *Task
	// Inner is, for "solution CMD", the command the solution line runs.
	Inner *Command
}

// Flag returns the value of a flag and whether it was given.
func (c *Command) Flag(name string) (string, bool) {
	v, ok := c.Flags[name]
	return v, ok
}

// Bool reports whether a boolean flag was given.
func (c *Command) Bool(name string) bool { return c.Flags[name] == "true" }

// Expectation is the condition of an expect command.
type Expectation struct {
	// Kind is one of "leader", "role", "quorum", "no-quorum", "ok", "fail",
	// "unknown", "equals", or a condition about the workload.
	Kind string
	// Member is the leader expected by "leader NAME", or the member of "role".
	Member string
	// Cmd is the command run by "ok", "fail", "unknown" and "equals".
	Cmd *Command
	// Want is what "CMD == WORD..." expects the command to return, or the
	// roles "role" accepts.
	Want []string
}

// spec describes a command's syntax.
type spec struct {
	usage   string
	summary string
	minArgs int
	maxArgs int // -1 for any number
	bools   []string
	values  map[string]func(string) error
	// client reports whether the command talks to etcd over the client API.
	client bool
	// run executes the command.
	run func(l *Lab, ctx context.Context, c *Command) Result
	// check, if set, validates what the generic flag and arity rules cannot.
	check func(c *Command) error
}

func anyValue(string) error { return nil }

func consistencyValue(v string) error {
	if v != "l" && v != "s" {
		return fmt.Errorf("--consistency must be l (linearizable) or s (serializable), not %q", v)
	}
	return nil
}

func durationValue(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a duration: write e.g. 500ms, 2s or 1m", v)
	}
	return nil
}

func revisionValue(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
		return fmt.Errorf("%q is not a revision: write a whole number like 5", v)
	}
	return nil
}

// specs holds every command, gathered by init from the command tables of
// each file (coreCommands and the like); it is not changed after init.
var specs = map[string]spec{}

// twoWord lists the commands whose name is two words, by first word.
var twoWord = map[string][]string{}

func init() {
	register(coreCommands, workloadCommands, watchCommands, leaseCommands, txnCommands, maintCommands, taskCommands, netCommands)
	registerExpects(workloadExpects, exerciseExpects, writeExpects, netExpects)
}

func register(tables ...map[string]spec) {
	for _, t := range tables {
		for name, s := range t {
			specs[name] = s
			if a, b, ok := strings.Cut(name, " "); ok {
				twoWord[a] = append(twoWord[a], b)
				sort.Strings(twoWord[a])
			}
		}
	}
}

// roleWords are the roles wait role and expect role know; no-leader is a
// voter that knows no leader (also read from the older word candidate),
// down any member not running.
var roleWords = []string{"leader", "follower", "no-leader", "learner", "down"}

// CommandNames returns every command name, sorted, for help and completion.
func CommandNames() []string {
	out := make([]string, 0, len(specs))
	for n := range specs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Usage returns a command's usage line and one-line summary.
func Usage(name string) (usage, summary string, ok bool) {
	s, ok := specs[name]
	return s.usage, s.summary, ok
}

// ErrEmpty is returned by Parse for a blank line or a comment.
var ErrEmpty = errors.New("empty line")

// Parse parses one line of the command language. A blank line or a comment
// returns ErrEmpty.
func Parse(line string) (*Command, error) {
	if c, ok := parseText(line); ok {
		return c, nil
	}
	words, err := Split(line)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, ErrEmpty
	}
	c, err := parseWords(words)
	if err != nil {
		return nil, err
	}
	c.Text = strings.TrimSpace(stripComment(line))
	return c, nil
}

// textVerbs are the commands whose argument is prose: say, and the task,
// hint and explain lines of an exercise.
var textVerbs = []string{"say", "task", "hint", "explain"}

// parseText takes the text of a prose line (say, task, hint, explain) as
// written, so that it may hold apostrophes and #; one pair of surrounding
// quotes is removed.
func parseText(line string) (*Command, bool) {
	t := strings.TrimSpace(line)
	for _, verb := range textVerbs {
		rest, ok := strings.CutPrefix(t, verb)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		text := strings.TrimSpace(rest)
		if n := len(text); n >= 2 && (text[0] == '"' || text[0] == '\'') && text[n-1] == text[0] {
			text = text[1 : n-1]
		}
		return &Command{Name: verb, Args: []string{text}, Flags: map[string]string{}, Text: t}, true
	}
	return nil, false
}

func parseWords(words []string) (*Command, error) {
	name, rest := words[0], words[1:]
	if subs, ok := twoWord[name]; ok {
		if len(rest) == 0 || !contains(subs, rest[0]) {
			return nil, fmt.Errorf("%s needs a subcommand: %s %s", name, name, strings.Join(subs, "|"))
		}
		name, rest = name+" "+rest[0], rest[1:]
	}
	sp, ok := specs[name]
	if !ok {
		return nil, fmt.Errorf("unknown command %q: type help for the list of commands", name)
	}
	c := &Command{Name: name, Flags: map[string]string{}}
	if name == "expect" {
		return c, parseExpect(c, rest)
	}
	if name == "solution" && len(rest) > 0 && !strings.HasPrefix(rest[0], "--") {
		return c, parseSolution(c, rest)
	}
	if name == "say" {
		c.Args = []string{strings.Join(rest, " ")}
		if len(rest) == 0 {
			return nil, fmt.Errorf("say needs text: %s", sp.usage)
		}
		return c, nil
	}
	for i := 0; i < len(rest); i++ {
		w := rest[i]
		if !strings.HasPrefix(w, "--") || w == "--" {
			c.Args = append(c.Args, w)
			continue
		}
		fname, val, hasVal := strings.Cut(w[2:], "=")
		if contains(sp.bools, fname) {
			if hasVal {
				return nil, fmt.Errorf("--%s takes no value: %s", fname, sp.usage)
			}
			c.Flags[fname] = "true"
			continue
		}
		check, ok := sp.values[fname]
		if !ok {
			return nil, fmt.Errorf("%s has no flag --%s: %s", name, fname, sp.usage)
		}
		if !hasVal {
			if i+1 >= len(rest) {
				return nil, fmt.Errorf("--%s needs a value: %s", fname, sp.usage)
			}
			i++
			val = rest[i]
		}
		if err := check(val); err != nil {
			return nil, err
		}
		c.Flags[fname] = val
	}
	if len(c.Args) < sp.minArgs || (sp.maxArgs >= 0 && len(c.Args) > sp.maxArgs) {
		return nil, fmt.Errorf("%s takes %s: %s", name, arity(sp), sp.usage)
	}
	if sp.check != nil {
		return c, sp.check(c)
	}
	return c, nil
}

func arity(sp spec) string {
	switch {
	case sp.maxArgs == 0:
		return "no arguments"
	case sp.maxArgs < 0:
		return fmt.Sprintf("at least %d argument%s", sp.minArgs, kit.Plural(sp.minArgs))
	case sp.minArgs == sp.maxArgs:
		return fmt.Sprintf("%d argument%s", sp.minArgs, kit.Plural(sp.minArgs))
	}
	return fmt.Sprintf("%d to %d arguments", sp.minArgs, sp.maxArgs)
}

func parseExpect(c *Command, rest []string) error {
	usage := specs["expect"].usage
	if len(rest) == 0 {
		return fmt.Errorf("expect needs a condition: %s", usage)
	}
	e := &Expectation{}
	c.Expect = e
	switch rest[0] {
	case "leader":
		e.Kind = "leader"
		if len(rest) > 2 {
			return fmt.Errorf("expect leader takes at most one member name: expect leader [NAME]")
		}
		if len(rest) == 2 {
			e.Member = rest[1]
		}
		return nil
	case "role":
		if len(rest) != 3 {
			return fmt.Errorf("expect role takes a member and a role: expect role NAME %s", strings.Join(roleWords, "|"))
		}
		want, err := parseRoles(rest[2])
		if err != nil {
			return fmt.Errorf("expect role: %v", err)
		}
		e.Kind, e.Member, e.Want = "role", rest[1], want
		return nil
	case "quorum", "no-quorum":
		if len(rest) > 1 {
			return fmt.Errorf("expect %s takes no arguments", rest[0])
		}
		e.Kind = rest[0]
		return nil
	case "ok", "fail", "unknown":
		if len(rest) < 2 {
			return fmt.Errorf("expect %s needs a command, e.g. expect %s put k v", rest[0], rest[0])
		}
		e.Kind = rest[0]
		cmd, err := parseInner(rest[1:])
		e.Cmd = cmd
		if err == nil && e.Kind == "unknown" {
			if _, ok := writeOf(cmd); !ok {
				return fmt.Errorf("expect unknown takes a write (put, del, a txn that writes, lease grant or lease revoke), not %q: only a write can be applied without an answer", cmd.Text)
			}
		}
		return err
	}
	if x, ok := moreExpects[rest[0]]; ok {
		e.Kind = rest[0]
		return x.parse(e, rest[1:])
	}
	eq := -1
	for i, w := range rest {
		if w == "==" {
			eq = i
			break
		}
	}
	if eq < 0 {
		return fmt.Errorf("expect: %q is not a condition: %s", rest[0], usage)
	}
	if eq == 0 {
		return fmt.Errorf("expect: nothing before ==: write a command, e.g. expect get k == v")
	}
	e.Kind = "equals"
	cmd, err := parseInner(rest[:eq])
	if err != nil {
		return err
	}
	e.Cmd, e.Want = cmd, rest[eq+1:]
	return nil
}

func parseInner(words []string) (*Command, error) {
	switch words[0] {
	case "expect", "members", "sleep", "wait", "say", "help":
		return nil, fmt.Errorf("expect cannot check %q: give it a command such as get, put, del, kill or move-leader", words[0])
	}
	c, err := parseWords(words)
	if err != nil {
		return nil, err
	}
	c.Text = joinWords(words)
	return c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
