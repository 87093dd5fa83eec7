package lab

import (
	"reflect"
	"testing"
)

// Parser tables for watch, leases, txn and maintenance.

func TestParseEtcdFeatures(t *testing.T) {
	checkParses(t, []parseCase{
		{"watch", "watch k", "watch", []string{"k"}, nil},
		{"watch prefix rev", "watch jobs/ --prefix --rev=5", "watch", []string{"jobs/"}, map[string]string{"prefix": "true", "rev": "5"}},
		{"watch range endpoint", "watch a c --endpoint etcd2", "watch", []string{"a", "c"}, map[string]string{"endpoint": "etcd2"}},
		{"unwatch all", "unwatch", "unwatch", nil, nil},
		{"unwatch one", "unwatch 2", "unwatch", []string{"2"}, nil},
		{"watches", "watches", "watches", nil, nil},
		{"watches one", "watches 1", "watches", []string{"1"}, nil},
		{"lease grant", "lease grant 10", "lease grant", []string{"10"}, nil},
		{"lease grant id", "lease grant 5 --id 1a", "lease grant", []string{"5"}, map[string]string{"id": "1a"}},
		{"lease revoke", "lease revoke 694d77aa9e38260f", "lease revoke", []string{"694d77aa9e38260f"}, nil},
		{"lease keep-alive", "lease keep-alive 1a", "lease keep-alive", []string{"1a"}, nil},
		{"lease keep-alive once", "lease keep-alive 1a --once", "lease keep-alive", []string{"1a"}, map[string]string{"once": "true"}},
		{"lease keep-alive stop", "lease keep-alive 1a --stop", "lease keep-alive", []string{"1a"}, map[string]string{"stop": "true"}},
		{"lease timetolive", "lease timetolive 1a", "lease timetolive", []string{"1a"}, nil},
		{"lease timetolive keys", "lease timetolive 0x1a --keys", "lease timetolive", []string{"0x1a"}, map[string]string{"keys": "true"}},
		{"lease list", "lease list", "lease list", nil, nil},
		{"lease wait", "lease wait 1a --timeout 20s", "lease wait", []string{"1a"}, map[string]string{"timeout": "20s"}},
		{"put lease", "put k v --lease=1a", "put", []string{"k", "v"}, map[string]string{"lease": "1a"}},
		{"txn cas", "txn if value(k) = v1 then put k v2 else get k", "txn",
			[]string{"if", "value(k)", "=", "v1", "then", "put", "k", "v2", "else", "get", "k"}, nil},
		{"txn endpoint", "txn --endpoint etcd2 then put k v", "txn", []string{"then", "put", "k", "v"}, map[string]string{"endpoint": "etcd2"}},
		{"compact", "compact 5", "compact", []string{"5"}, nil},
		{"compact physical", "compact 5 --physical", "compact", []string{"5"}, map[string]string{"physical": "true"}},
		{"defrag", "defrag", "defrag", nil, nil},
		{"defrag one", "defrag --endpoint etcd2", "defrag", nil, map[string]string{"endpoint": "etcd2"}},
		{"snapshot save", "snapshot save /tmp/backup.db", "snapshot save", []string{"/tmp/backup.db"}, nil},
		{"snapshot save endpoint", "snapshot save b.db --endpoint etcd3", "snapshot save", []string{"b.db"}, map[string]string{"endpoint": "etcd3"}},
	})
}

// TestParseTxn checks how the words of a txn map onto etcdctl's compares,
// success and failure blocks.
func TestParseTxn(t *testing.T) {
	for _, tc := range []struct {
		name     string
		line     string
		compares []string
		then     []string
		els      []string
	}{
		{"compare and swap", "txn if value(k) = v1 then put k v2 else get k", []string{"value(k) = v1"}, []string{"put k v2"}, []string{"get k"}},
		{"no compare", "txn then put a 1; put b 2", nil, []string{"put a 1", "put b 2"}, nil},
		{"glued compare", "txn if value(k)=v1 then del k", []string{"value(k) = v1"}, []string{"del k"}, nil},
		{"half glued", "txn if mod(k)> 3 then get k", []string{"mod(k) > 3"}, []string{"get k"}, nil},
		{"etcdctl quoting", `txn if 'value("k") = "hello world"' and 'mod("k") > "0"' then put k "bye world"`, []string{"value(k) = 'hello world'", "mod(k) > 0"}, []string{"put k 'bye world'"}, nil},
		{"etcdctl quoting spaced", `txn if value("k") = "hello world" then put k "bye world"`, []string{"value(k) = 'hello world'"}, []string{"put k 'bye world'"}, nil},
		{"short names", "txn if c(lock) = 0 and ver(k) != 2 and m(k) < 9 and val(k) > a then get k", []string{"create(lock) = 0", "version(k) != 2", "mod(k) < 9", "value(k) > a"}, []string{"get k"}, nil},
		{"lease compare", "txn if lease(k) = 1a then get k", []string{"lease(k) = 1a"}, []string{"get k"}, nil},
		{"no lease", "txn if lease(k) = 0 then get k", []string{"lease(k) = 0"}, []string{"get k"}, nil},
		{"separate semicolons", "txn then put a 1 ; put b 2 else del a ; del b", nil, []string{"put a 1", "put b 2"}, []string{"del a", "del b"}},
		{"quoted op with flags", "txn if create(lock) = 0 then 'put lock alice --lease=1a' else get lock", []string{"create(lock) = 0"}, []string{"put lock alice --lease=1a"}, []string{"get lock"}},
		{"get with flags", "txn then 'get jobs/ --prefix --keys-only'", nil, []string{"get jobs/ --prefix --keys-only"}, nil},
		{"empty else", "txn if value(k) = 1 then put k 2 else", []string{"value(k) = 1"}, []string{"put k 2"}, nil},
		{"empty value", `txn if value(k) = "" then put k 1`, []string{"value(k) = ''"}, []string{"put k 1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.line)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.line, err)
			}
			if tc.compares == nil && tc.then == nil {
				return // parses; nothing more to check
			}
			p, err := parseTxn(c.Args)
			if err != nil {
				t.Fatal(err)
			}
			var cmps, then, els []string
			for _, x := range p.compares {
				cmps = append(cmps, x.String())
			}
			for _, o := range p.then {
				then = append(then, o.Text)
			}
			for _, o := range p.els {
				els = append(els, o.Text)
			}
			if !reflect.DeepEqual(cmps, tc.compares) || !reflect.DeepEqual(then, tc.then) || !reflect.DeepEqual(els, tc.els) {
				t.Errorf("compares %q then %q else %q; want %q %q %q", cmps, then, els, tc.compares, tc.then, tc.els)
			}
		})
	}
}

func TestParseEtcdFeatureErrors(t *testing.T) {
	checkParseErrors(t, []parseError{
		{"watch no key", "watch", "watch takes 1 to 2 arguments"},
		{"watch prefix and range", "watch a c --prefix", "use only one of RANGE_END and --prefix"},
		{"watch bad rev", "watch k --rev=x", `"x" is not a revision`},
		{"watch unknown flag", "watch k --from-key", "watch has no flag --from-key"},
		{"unwatch bad id", "unwatch one", `"one" is not a watch ID`},
		{"unwatch zero", "unwatch 0", `"0" is not a watch ID`},
		{"unwatch two", "unwatch 1 2", "unwatch takes 0 to 1 arguments"},
		{"watches bad id", "watches x", `"x" is not a watch ID`},
		{"lease no sub", "lease", "lease needs a subcommand: lease grant|keep-alive|list|revoke|timetolive|wait"},
		{"lease bad sub", "lease renew 1a", "lease needs a subcommand"},
		{"lease grant no ttl", "lease grant", "lease grant takes 1 argument"},
		{"lease grant bad ttl", "lease grant soon", `"soon" is not a TTL`},
		{"lease grant zero ttl", "lease grant 0", `"0" is not a TTL`},
		{"lease grant bad id", "lease grant 5 --id xyz", `"xyz" is not a lease ID`},
		{"lease revoke no id", "lease revoke", "lease revoke takes 1 argument"},
		{"lease revoke bad id", "lease revoke zz", `"zz" is not a lease ID`},
		{"lease keep-alive once and stop", "lease keep-alive 1a --once --stop", "use only one of --once and --stop"},
		{"lease keep-alive bad id", "lease keep-alive -5", `"-5" is not a lease ID`},
		{"lease timetolive bad id", "lease timetolive g", `"g" is not a lease ID`},
		{"lease list args", "lease list all", "lease list takes no arguments"},
		{"lease wait bad timeout", "lease wait 1a --timeout x", `"x" is not a duration`},
		{"put bad lease", "put k v --lease=nope", `"nope" is not a lease ID`},
		{"txn nothing", "txn", "txn takes at least 2 arguments"},
		{"txn no then", "txn if value(k) = v put k v2", "expected then, found put"},
		{"txn then nothing", "txn if value(k) = v then", "then needs at least one op"},
		{"txn bad target", "txn if size(k) = 3 then get k", `"size(k)" is not a compare`},
		{"txn no parens", "txn if value = 3 then get k", `"value" is not a compare`},
		{"txn double equals", "txn if value(k) == v then get k", "one = for equal"},
		{"txn no operator", "txn if value(k) v then get k", `"v" is not a comparison`},
		{"txn no value", "txn if value(k) =", "needs a value"},
		{"txn version not number", "txn if version(k) = two then get k", "compares with a whole number"},
		{"txn lease bad id", "txn if lease(k) = zz then get k", "is not a lease ID"},
		{"txn lease greater", "txn if lease(k) > 1a then get k", "lease(k) compares with = or != only"},
		{"txn bad op", "txn then kill etcd1", `"kill" cannot run inside a txn`},
		{"txn op arity", "txn then put k", "txn then: put takes 2 arguments"},
		{"txn op endpoint", "txn then 'get k --endpoint etcd1'", "takes no --endpoint"},
		{"txn op unknown flag", "txn then put k v --lease=1a", "txn has no flag --lease"},
		{"txn two else", "txn then put k v else get k else get k", "a second else"},
		{"txn missing and", "txn if value(a) = 1 value(b) = 2 then get a", "expected then"},
		{"compact no rev", "compact", "compact takes 1 argument"},
		{"compact bad rev", "compact soon", `"soon" is not a revision`},
		{"compact zero", "compact 0", `"0" is not a revision`},
		{"defrag args", "defrag etcd1", "defrag takes no arguments"},
		{"snapshot no sub", "snapshot", "snapshot needs a subcommand: snapshot save"},
		{"snapshot save no file", "snapshot save", "snapshot save takes 1 argument"},
		{"expect txn bad", "expect txn then == SUCCESS", "txn takes at least 2 arguments"},
		{"expect txn bad compare", "expect txn if value(k) then get k == SUCCESS", `"then" is not a comparison`},
		{"txn quoted compare twice", `txn if 'value(a) = 1 value(b) = 2' then get a`, "more than one compare"},
	})
}
