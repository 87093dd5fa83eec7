package lab

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseLoadCommands(t *testing.T) {
	checkParses(t, []parseCase{
		{"load start", "load start", "load start", nil, nil},
		{"load start flags", "load start --clients 8 --rate 200 --keys 4 --read-ratio 0.9", "load start", nil,
			map[string]string{"clients": "8", "rate": "200", "keys": "4", "read-ratio": "0.9"}},
		{"load start equals", "load start --clients=1 --read-ratio=0", "load start", nil, map[string]string{"clients": "1", "read-ratio": "0"}},
		{"load stop", "load stop", "load stop", nil, nil},
		{"load status", "load status", "load status", nil, nil},
		{"check", "check", "check", nil, nil},
		{"check html", "check --html out/h.html --timeout 5s", "check", nil, map[string]string{"html": "out/h.html", "timeout": "5s"}},
		{"load start serializable", "load start --consistency=s", "load start", nil, map[string]string{"consistency": "s"}},
		{"chaos", "chaos", "chaos", nil, nil},
		{"chaos flags", "chaos --rounds 12 --seed 42 --interval 1.5s", "chaos", nil, map[string]string{"rounds": "12", "seed": "42", "interval": "1.5s"}},
		{"chaos negative seed", "chaos --seed=-7", "chaos", nil, map[string]string{"seed": "-7"}},
	})
}

func TestParseLoadExpectations(t *testing.T) {
	for _, tc := range []struct {
		line string
		kind string
		want []string
	}{
		{"expect linearizable", "linearizable", nil},
		{"expect no-lost-writes", "no-lost-writes", nil},
		{"expect members-agree", "members-agree", nil},
		{"expect unavailable < 3s", "unavailable", []string{"<", "3s"}},
		{"expect unavailable < 1500ms", "unavailable", []string{"<", "1500ms"}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			c, err := Parse(tc.line)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.line, err)
			}
			if c.Expect == nil || c.Expect.Kind != tc.kind || !reflect.DeepEqual(c.Expect.Want, tc.want) {
				t.Errorf("got %+v, want kind %s want %q", c.Expect, tc.kind, tc.want)
			}
		})
	}
	if u, _, _ := Usage("expect"); !strings.Contains(u, "| linearizable") || !strings.Contains(u, "| unavailable < D") {
		t.Errorf("expect's usage does not list the load conditions: %s", u)
	}
}

func TestParseLoadErrors(t *testing.T) {
	checkParseErrors(t, []parseError{
		{"load alone", "load", "load needs a subcommand: load start|status|stop"},
		{"load bogus", "load go", "load needs a subcommand"},
		{"load start args", "load start now", "load start takes no arguments"},
		{"clients zero", "load start --clients 0", "--clients must be a whole number from 1 to 64"},
		{"clients many", "load start --clients 65", "--clients must be a whole number from 1 to 64"},
		{"clients word", "load start --clients many", "--clients must be a whole number"},
		{"rate zero", "load start --rate 0", "--rate must be a whole number from 1 to 5000"},
		{"rate huge", "load start --rate 100000", "--rate must be a whole number from 1 to 5000"},
		{"keys zero", "load start --keys 0", "--keys must be a whole number from 1 to 1000"},
		{"ratio above one", "load start --read-ratio 1.5", "--read-ratio must be a number from 0 to 1"},
		{"ratio negative", "load start --read-ratio=-0.1", "--read-ratio must be a number from 0 to 1"},
		{"ratio word", "load start --read-ratio half", "--read-ratio must be a number from 0 to 1"},
		{"rate missing value", "load start --rate", "--rate needs a value"},
		{"bad consistency", "load start --consistency=x", "--consistency must be l (linearizable) or s (serializable)"},
		{"unknown flag", "load start --burst 3", "load start has no flag --burst"},
		{"load stop args", "load stop now", "load stop takes no arguments"},
		{"check args", "check everything", "check takes no arguments"},
		{"check bad timeout", "check --timeout soon", `"soon" is not a duration`},
		{"check html no file", "check --html", "--html needs a value"},
		{"chaos rounds zero", "chaos --rounds 0", "--rounds must be a whole number from 1 to 1000"},
		{"chaos seed word", "chaos --seed lucky", "--seed must be a whole number"},
		{"chaos bad interval", "chaos --interval fast", `"fast" is not a duration`},
		{"chaos args", "chaos now", "chaos takes no arguments"},
		{"expect linearizable args", "expect linearizable please", "expect linearizable takes no arguments"},
		{"expect no-lost-writes args", "expect no-lost-writes 3", "expect no-lost-writes takes no arguments"},
		{"expect unavailable bare", "expect unavailable", "expect unavailable needs a bound: expect unavailable < 3s"},
		{"expect unavailable no op", "expect unavailable 3s", "expect unavailable needs a bound"},
		{"expect unavailable greater", "expect unavailable > 3s", "expect unavailable needs a bound"},
		{"expect unavailable bad", "expect unavailable < soon", `"soon" is not a duration`},
	})
}

func TestLoadCommandsInWrongState(t *testing.T) {
	s := start(t, 1)
	l := s.Lab
	for _, tc := range []struct{ line, want string }{
		{"load stop", "no load is running"},
		{"load status", "no load has run"},
		{"check", "no load history to check"},
		{"expect linearizable", "no load history to check"},
		{"expect unavailable < 1s", "no load has run"},
	} {
		if r := exec(t, l, tc.line); r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, r.Err, tc.want)
		}
	}
	must(t, l, "load start --clients 1 --rate 20")
	for _, tc := range []struct{ line, want string }{
		{"load start", "a load is already running"},
		{"check", "the load is still running"},
	} {
		if r := exec(t, l, tc.line); r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, r.Err, tc.want)
		}
	}
	// The load is left running: Close must stop it (TestMain checks for
	// leaked goroutines).
}
