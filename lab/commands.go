package lab

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// coreCommands are the commands of the foundation: keys, faults, the
// network, membership, and the scenario verbs.
var coreCommands = map[string]spec{
	"put": {usage: "put KEY VALUE [--lease=ID] [--endpoint NAME|all]", summary: "write a key, attached to a lease with --lease (etcdctl put); without --endpoint through a member on the majority side", minArgs: 2, maxArgs: 2,
		values: map[string]func(string) error{"endpoint": anyValue, "lease": leaseIDValue}, client: true, run: (*Lab).put},
	"get": {usage: "get KEY [RANGE_END] [--prefix] [--from-key] [--keys-only] [--consistency=l|s] [--endpoint NAME|all] [--rev R]",
		summary: "read keys (etcdctl get); --consistency=s --endpoint NAME reads that member's local copy", minArgs: 1, maxArgs: 2,
		bools:  []string{"prefix", "from-key", "keys-only"},
		values: map[string]func(string) error{"consistency": consistencyValue, "endpoint": anyValue, "rev": revisionValue}, client: true,
		check: checkRange, run: (*Lab).get},
	"del": {usage: "del KEY [RANGE_END] [--prefix] [--from-key] [--endpoint NAME|all]", summary: "delete keys and print how many (etcdctl del)", minArgs: 1, maxArgs: 2,
		bools: []string{"prefix", "from-key"}, values: map[string]func(string) error{"endpoint": anyValue}, client: true, check: checkRange, run: (*Lab).del},
	"kill":        {usage: "kill NAME", summary: "crash a member: no leadership hand-off", minArgs: 1, maxArgs: 1, run: marked((*Lab).kill)},
	"stop":        {usage: "stop NAME", summary: "stop a member gracefully: a leader hands off first", minArgs: 1, maxArgs: 1, run: marked((*Lab).stop)},
	"restart":     {usage: "restart NAME", summary: "start a killed or stopped member from its data dir", minArgs: 1, maxArgs: 1, run: marked((*Lab).restart)},
	"isolate":     {usage: "isolate NAME", summary: "cut every link of a member, both ways", minArgs: 1, maxArgs: 1, run: marked((*Lab).isolate)},
	"partition":   {usage: "partition A,B C,D,E", summary: "split the network into groups; unnamed members join the first group", minArgs: 2, maxArgs: -1, check: checkPartition, run: marked((*Lab).partition)},
	"heal":        {usage: "heal [NAME]", summary: "clear every cut, delay and loss, or those on one member's links", minArgs: 0, maxArgs: 1, run: marked((*Lab).heal)},
	"move-leader": {usage: "move-leader NAME", summary: "hand leadership to a member (etcdctl move-leader)", minArgs: 1, maxArgs: 1, run: marked((*Lab).moveLeader)},
	"status":      {usage: "status", summary: "the member table: state, role, term, indexes, revision, db size", run: (*Lab).status},
	"member list": {usage: "member list", summary: "members as etcd reports them (etcdctl member list)", client: true, run: (*Lab).memberList},
	"member add": {usage: "member add [NAME] [--learner]", summary: "add a member (the next free etcdN if no NAME) and start it (etcdctl member add)", minArgs: 0, maxArgs: 1,
		bools: []string{"learner"}, run: (*Lab).memberAdd},
	"member promote":  {usage: "member promote NAME", summary: "promote a learner to a voting member (etcdctl member promote)", minArgs: 1, maxArgs: 1, run: (*Lab).memberPromote},
	"member remove":   {usage: "member remove NAME", summary: "remove a member, even the leader, and delete its data (etcdctl member remove)", minArgs: 1, maxArgs: 1, run: (*Lab).memberRemove},
	"endpoint status": {usage: "endpoint status", summary: "each member's own status over the client API (etcdctl endpoint status)", client: true, run: (*Lab).endpointStatus},
	"sleep":           {usage: "sleep DURATION", summary: "pause, e.g. sleep 2s", minArgs: 1, maxArgs: 1, check: checkSleep, run: (*Lab).sleep},
	"say":             {usage: "say TEXT", summary: "print a narration line", minArgs: 1, maxArgs: -1, run: (*Lab).say},
	"wait": {usage: waitUsage, summary: "wait until the cluster reaches a state; new-leader: a leader in a higher term than now; caught-up NAME: NAME applied the highest revision any member applied (default timeout 10s)", minArgs: 1, maxArgs: 3,
		values: map[string]func(string) error{"timeout": durationValue}, check: checkWait, run: (*Lab).wait},
	"expect":  {usage: "expect leader [NAME] | role NAME ROLE[|ROLE] | quorum | no-quorum | ok CMD | fail CMD | unknown CMD | CMD == WORD...", summary: "check a condition; a scenario stops at the first that fails", minArgs: 1, maxArgs: -1, run: (*Lab).expect},
	"members": {usage: "members N", summary: "scenario files only, first command: the cluster size the scenario needs", minArgs: 1, maxArgs: 1, check: checkMembers, run: (*Lab).membersOutsideScript},
	"help":    {usage: "help [COMMAND]", summary: "list commands, or show one command's usage", minArgs: 0, maxArgs: 2, check: checkHelp, run: (*Lab).help},
}

// waitUsage is how wait reads.
const waitUsage = "wait leader|new-leader|quorum|no-quorum|role NAME ROLE|caught-up NAME [--timeout D]"

func checkSleep(c *Command) error { return durationValue(c.Args[0]) }

func checkMembers(c *Command) error {
	n, err := strconv.Atoi(c.Args[0])
	if err != nil || n < 1 || n > cluster.MaxMembers {
		return fmt.Errorf("members %s: the cluster size must be a number from 1 to %d", c.Args[0], cluster.MaxMembers)
	}
	return nil
}

func checkHelp(c *Command) error {
	if len(c.Args) > 0 {
		name := strings.Join(c.Args, " ")
		if _, ok := specs[name]; !ok {
			return fmt.Errorf("no help for %q: it is not a command; type help for the list", name)
		}
	}
	return nil
}

func (l *Lab) sleep(ctx context.Context, c *Command) Result {
	d, _ := time.ParseDuration(c.Args[0])
	t := time.NewTimer(time.Duration(float64(d) / l.speed))
	defer t.Stop()
	select {
	case <-t.C:
		return Result{}
	case <-ctx.Done():
		return Result{Err: errors.New("sleep interrupted")}
	}
}

func (l *Lab) say(_ context.Context, c *Command) Result { return Result{Lines: []string{c.Args[0]}} }

func (l *Lab) membersOutsideScript(context.Context, *Command) Result {
	return Result{Err: errors.New("members N only works as the first line of a scenario file; start the lab with --members N instead")}
}

func (l *Lab) help(_ context.Context, c *Command) Result {
	return Result{Lines: Help(strings.Join(c.Args, " "))}
}

// Help returns the command list, or one command's usage.
func Help(name string) []string {
	if name != "" {
		u, s, _ := Usage(name)
		return []string{u, "  " + s}
	}
	out := []string{"commands (etcdctl syntax where etcdctl has the command):"}
	for _, n := range CommandNames() {
		u, s, _ := Usage(n)
		out = append(out, fmt.Sprintf("  %-44s %s", u, s))
	}
	return out
}
