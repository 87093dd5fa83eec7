package lab

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	checkParses(t, []parseCase{
		{"put", "put greeting 'Hello, etcd'", "put", []string{"greeting", "Hello, etcd"}, nil},
		{"put double quotes", `put greeting "Hello, etcd"`, "put", []string{"greeting", "Hello, etcd"}, nil},
		{"put escaped quote", `put k "say \"hi\""`, "put", []string{"k", `say "hi"`}, nil},
		{"put backslash", `put k a\ b`, "put", []string{"k", "a b"}, nil},
		{"put empty value", `put k ""`, "put", []string{"k", ""}, nil},
		{"put with endpoint", "put k v --endpoint etcd2", "put", []string{"k", "v"}, map[string]string{"endpoint": "etcd2"}},
		{"get", "get greeting", "get", []string{"greeting"}, nil},
		{"get prefix", "get server1 --prefix", "get", []string{"server1"}, map[string]string{"prefix": "true"}},
		{"get range", "get a c", "get", []string{"a", "c"}, nil},
		{"get from-key keys-only", "get a --from-key --keys-only", "get", []string{"a"}, map[string]string{"from-key": "true", "keys-only": "true"}},
		{"get serializable", "get k --consistency=s --endpoint etcd3", "get", []string{"k"}, map[string]string{"consistency": "s", "endpoint": "etcd3"}},
		{"get consistency spaced", "get k --consistency l", "get", []string{"k"}, map[string]string{"consistency": "l"}},
		{"get rev", "get k --rev=3", "get", []string{"k"}, map[string]string{"rev": "3"}},
		{"del", "del k", "del", []string{"k"}, nil},
		{"del prefix", "del k --prefix", "del", []string{"k"}, map[string]string{"prefix": "true"}},
		{"kill", "kill etcd1", "kill", []string{"etcd1"}, nil},
		{"stop", "stop etcd2", "stop", []string{"etcd2"}, nil},
		{"restart", "restart etcd3", "restart", []string{"etcd3"}, nil},
		{"isolate", "isolate etcd1", "isolate", []string{"etcd1"}, nil},
		{"partition", "partition etcd1,etcd2 etcd3", "partition", []string{"etcd1,etcd2", "etcd3"}, nil},
		{"heal all", "heal", "heal", nil, nil},
		{"heal one", "heal etcd1", "heal", []string{"etcd1"}, nil},
		{"move-leader", "move-leader etcd2", "move-leader", []string{"etcd2"}, nil},
		{"status", "status", "status", nil, nil},
		{"member list", "member list", "member list", nil, nil},
		{"endpoint status", "endpoint status", "endpoint status", nil, nil},
		{"sleep", "sleep 1.5s", "sleep", []string{"1.5s"}, nil},
		{"say", "say it's etcd's turn # not a comment", "say", []string{"it's etcd's turn # not a comment"}, nil},
		{"say quoted", `say "two of four down"`, "say", []string{"two of four down"}, nil},
		{"wait leader", "wait leader", "wait", []string{"leader"}, nil},
		{"wait timeout", "wait no-quorum --timeout 5s", "wait", []string{"no-quorum"}, map[string]string{"timeout": "5s"}},
		{"members", "members 4", "members", []string{"4"}, nil},
		{"wait new-leader", "wait new-leader", "wait", []string{"new-leader"}, nil},
		{"wait role", "wait role etcd1 follower|candidate", "wait", []string{"role", "etcd1", "follower|candidate"}, nil},
		{"member add", "member add", "member add", nil, nil},
		{"member add learner", "member add etcd4 --learner", "member add", []string{"etcd4"}, map[string]string{"learner": "true"}},
		{"member promote", "member promote etcd4", "member promote", []string{"etcd4"}, nil},
		{"member remove", "member remove etcd2", "member remove", []string{"etcd2"}, nil},
		{"help", "help", "help", nil, nil},
		{"help two words", "help member list", "help", []string{"member", "list"}, nil},
		{"trailing comment", "put k v # set k", "put", []string{"k", "v"}, nil},
		{"hash inside word", "put k#1 v", "put", []string{"k#1", "v"}, nil},
	})
}

func TestParseExpect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		line   string
		kind   string
		member string
		cmd    string
		want   []string
	}{
		{"leader", "expect leader", "leader", "", "", nil},
		{"leader named", "expect leader etcd3", "leader", "etcd3", "", nil},
		{"quorum", "expect quorum", "quorum", "", "", nil},
		{"no-quorum", "expect no-quorum", "no-quorum", "", "", nil},
		{"role", "expect role etcd1 follower|no-leader", "role", "etcd1", "", []string{"follower", "no-leader"}},
		{"role candidate reads as no-leader", "expect role etcd1 candidate", "role", "etcd1", "", []string{"no-leader"}},
		{"ok", "expect ok put k v", "ok", "", "put", nil},
		{"fail", "expect fail get k --endpoint etcd1", "fail", "", "get", nil},
		{"unknown", "expect unknown put k v --endpoint all", "unknown", "", "put", nil},
		{"unknown lease", "expect unknown lease grant 10", "unknown", "", "lease grant", nil},
		{"equals", "expect get k == v", "equals", "", "get", []string{"v"}},
		{"equals quoted", `expect get greeting == "Hello, etcd"`, "equals", "", "get", []string{"Hello, etcd"}},
		{"equals many", "expect get a --prefix --keys-only == a1 a2", "equals", "", "get", []string{"a1", "a2"}},
		{"equals nothing", "expect get missing ==", "equals", "", "get", nil},
		{"equals count", "expect del k --prefix == 3", "equals", "", "del", []string{"3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.line)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.line, err)
			}
			e := c.Expect
			if c.Name != "expect" || e == nil || e.Kind != tc.kind || e.Member != tc.member {
				t.Fatalf("got %+v %+v", c, e)
			}
			if tc.cmd != "" && (e.Cmd == nil || e.Cmd.Name != tc.cmd) {
				t.Errorf("inner command = %+v, want %s", e.Cmd, tc.cmd)
			}
			if len(e.Want) != len(tc.want) || (len(tc.want) > 0 && !reflect.DeepEqual(e.Want, tc.want)) {
				t.Errorf("want = %q, expected %q", e.Want, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	checkParseErrors(t, []parseError{
		{"unknown command", "frobnicate", `unknown command "frobnicate"`},
		{"put arity", "put k", "put takes 2 arguments: put KEY VALUE"},
		{"put too many", "put k v w", "put takes 2 arguments"},
		{"get no key", "get", "get takes 1 to 2 arguments"},
		{"get unknown flag", "get k --bogus", "get has no flag --bogus"},
		{"get bad consistency", "get k --consistency=x", "--consistency must be l (linearizable) or s (serializable)"},
		{"get flag missing value", "get k --endpoint", "--endpoint needs a value"},
		{"get prefix and from-key", "get k --prefix --from-key", "use only one of RANGE_END, --prefix and --from-key"},
		{"get bool with value", "get k --prefix=yes", "--prefix takes no value"},
		{"get bad rev", "get k --rev=-1", "is not a revision"},
		{"del no key", "del", "del takes 1 to 2 arguments"},
		{"kill no name", "kill", "kill takes 1 argument: kill NAME"},
		{"kill two names", "kill etcd1 etcd2", "kill takes 1 argument"},
		{"stop no name", "stop", "stop takes 1 argument"},
		{"restart no name", "restart", "restart takes 1 argument"},
		{"isolate no name", "isolate", "isolate takes 1 argument"},
		{"partition one group", "partition etcd1,etcd2", "partition takes at least 2 arguments"},
		{"partition empty name", "partition etcd1,,etcd2 etcd3", "empty member name"},
		{"heal two", "heal etcd1 etcd2", "heal takes 0 to 1 arguments"},
		{"move-leader no name", "move-leader", "move-leader takes 1 argument"},
		{"status with args", "status now", "status takes no arguments"},
		{"member without sub", "member", "member needs a subcommand: member add|list|promote|remove"},
		{"member bad sub", "member frob", "member needs a subcommand"},
		{"endpoint without sub", "endpoint", "endpoint needs a subcommand: endpoint status"},
		{"sleep no duration", "sleep", "sleep takes 1 argument"},
		{"sleep bad duration", "sleep soon", `"soon" is not a duration`},
		{"sleep negative", "sleep -1s", `"-1s" is not a duration`},
		{"say nothing", "say", "say needs text"},
		{"wait nothing", "wait", "wait takes 1 to 3 arguments"},
		{"wait leader extra", "wait leader now", "wait leader takes no more arguments"},
		{"wait role short", "wait role etcd1", "wait role takes a member and a role"},
		{"wait role bad", "wait role etcd1 boss", `wait role: "boss" is not a role: use leader, follower, no-leader, learner or down`},
		{"expect role short", "expect role etcd1", "expect role takes a member and a role"},
		{"expect role bad", "expect role etcd1 follower|boss", `"boss" is not a role`},
		{"member add two", "member add etcd4 etcd5", "member add takes 0 to 1 arguments"},
		{"member add bad flag", "member add etcd4 --voter", "member add has no flag --voter"},
		{"member promote none", "member promote", "member promote takes 1 argument"},
		{"member remove none", "member remove", "member remove takes 1 argument"},
		{"wait bad state", "wait forever", `"forever" is not a state`},
		{"wait bad timeout", "wait leader --timeout=x", `"x" is not a duration`},
		{"expect nothing", "expect", "expect needs a condition"},
		{"expect unknown", "expect sunshine", `"sunshine" is not a condition`},
		{"expect leader two", "expect leader etcd1 etcd2", "at most one member name"},
		{"expect quorum args", "expect quorum now", "expect quorum takes no arguments"},
		{"expect ok nothing", "expect ok", "expect ok needs a command"},
		{"expect fail nothing", "expect fail", "expect fail needs a command"},
		{"expect unknown nothing", "expect unknown", "expect unknown needs a command"},
		{"expect unknown read", "expect unknown get k", `expect unknown takes a write (put, del, a txn that writes, lease grant or lease revoke), not "get k"`},
		{"expect unknown read txn", "expect unknown txn then get k", "expect unknown takes a write"},
		{"expect bad inner", "expect ok put k", "put takes 2 arguments"},
		{"expect nested", "expect ok expect quorum", "expect cannot check"},
		{"expect nothing before ==", "expect == v", "nothing before =="},
		{"members bad", "members x", "must be a number from 1 to 9"},
		{"members zero", "members 0", "must be a number from 1 to 9"},
		{"members ten", "members 10", "must be a number from 1 to 9"},
		{"help unknown", "help frob", `no help for "frob"`},
		{"unterminated single", "put k 'v", "unterminated single quote"},
		{"unterminated double", `put k "v`, "unterminated double quote"},
	})
}

func TestParseEmpty(t *testing.T) {
	for _, line := range []string{"", "   ", "# a comment", "  # indented comment"} {
		if _, err := Parse(line); !errors.Is(err, ErrEmpty) {
			t.Errorf("Parse(%q) = %v, want ErrEmpty", line, err)
		}
	}
}

func TestParseScript(t *testing.T) {
	src := "# lesson\nmembers 4\n\nput k v\nkill etcd9x y\nmembers 3\nexpect get k == v\nget k --frob\n"
	s, errs := ParseScript(src)
	if s.Members != 4 {
		t.Errorf("members = %d, want 4", s.Members)
	}
	var lines []int
	for _, e := range errs {
		var le *LineError
		if !errors.As(e, &le) {
			t.Fatalf("error %v has no line", e)
		}
		lines = append(lines, le.Line)
	}
	if !reflect.DeepEqual(lines, []int{5, 6, 8}) {
		t.Errorf("error lines = %v, want [5 6 8] (errors: %v)", lines, errs)
	}
	if len(s.Commands) != 2 || s.Commands[0].Line != 4 || s.Commands[1].Line != 7 {
		t.Errorf("commands = %+v", s.Commands)
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, w := range []string{"plain", "two words", "it's", `"quoted"`, "a#b", `back\slash`, ""} {
		words, err := Split("put k " + Quote(w))
		if err != nil || len(words) != 3 || words[2] != w {
			t.Errorf("Quote(%q) = %q splits to %q, %v", w, Quote(w), words, err)
		}
	}
}

// parseCase is a line and the command it must parse to.
type parseCase struct {
	name  string
	line  string
	want  string // command name
	args  []string
	flags map[string]string
}

// checkParses parses each case's line and compares name, args and flags.
func checkParses(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.line)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.line, err)
			}
			if c.Name != tc.want {
				t.Errorf("name = %q, want %q", c.Name, tc.want)
			}
			if !reflect.DeepEqual(c.Args, tc.args) {
				t.Errorf("args = %q, want %q", c.Args, tc.args)
			}
			flags := tc.flags
			if flags == nil {
				flags = map[string]string{}
			}
			if !reflect.DeepEqual(c.Flags, flags) {
				t.Errorf("flags = %v, want %v", c.Flags, flags)
			}
		})
	}
}

// parseError is a line and a part of the one-line error it must get.
type parseError struct{ name, line, want string }

// checkParseErrors parses each line and expects a one-line error holding
// the case's text.
func checkParseErrors(t *testing.T, cases []parseError) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.line)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tc.line, c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%q) error %q, want it to contain %q", tc.line, err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}
