package trace

import (
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/workload"
)

// Format names an etcdlab trace in its header.
const Format = "etcdlab-trace"

// Version is the trace format this etcdlab writes and the newest it reads.
const Version = 1

// Header is a trace's first line.
type Header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Etcdlab and Etcd are the versions that wrote the trace.
	Etcdlab string `json:"etcdlab"`
	Etcd    string `json:"etcd"`
	// Mode is "dashboard", "run" or "serve".
	Mode string `json:"mode"`
	// Flags are the flags given on the command line, as --name=value.
	Flags []string `json:"flags,omitempty"`
	// Members is the cluster's size as asked for, BasePort its first port
	// and Attach the endpoints of an attached cluster.
	Members  int      `json:"members"`
	BasePort int      `json:"base_port,omitempty"`
	Attach   []string `json:"attach,omitempty"`
	// Start is when the trace began: every time in it counts from here.
	Start time.Time `json:"start"`
	// Script is the scenario played, if one was; Step is presenter mode.
	Script *Script `json:"script,omitempty"`
	Step   bool    `json:"step,omitempty"`
}

// Script is a scenario file as it was played.
type Script struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// Record is one line of a trace after the header: what happened, and
// when it was taken in.
type Record struct {
	// At is when the record was taken in; it never goes back.
	At   time.Time
	Body Body
}

// Body is what a record holds; its Type is the record's "type" field.
type Body interface{ Type() string }

// Sample is what the dashboard's tick (or a headless trace's sampler)
// took at once: the cluster's status, the lab's own state, or both.
type Sample struct {
	// Tick says it rode on the dashboard's periodic tick, fired at At (the
	// record's time if zero).
	Tick bool
	At   time.Time
	// Status, Lab and Net are nil when the sample did not take them. Net
	// is every directed link's rule and last second (NetDue says when a
	// trace takes it); traces written before etcdlab recorded the network
	// have none.
	Status *cluster.Status
	Lab    *Lab
	Net    *cluster.NetStats
}

// Lab is a sample of what the lab runs on its own.
type Lab struct {
	At      time.Time
	Leases  []lab.LeaseInfo
	Watches []lab.WatchInfo
	Load    workload.LoadStats
}

// Event is one cluster event.
type Event struct{ cluster.Event }

// Notes are notes of the lab, in the order it printed them.
type Notes struct{ Notes []lab.Note }

// Where a line or a command came from.
const (
	FromPrompt = "prompt" // typed at the dashboard's prompt
	FromKey    = "key"    // typed by a key of the dashboard
	FromScript = "script" // a line of the scenario played
	FromStdin  = "stdin"  // read by serve from its standard input
)

// Line is a command line as it was typed or read, before it was parsed.
type Line struct {
	Text string
	From string
}

// Advance says the presenter ran the scenario's next line (--step).
type Advance struct{}

// Result is a command's outcome.
type Result struct {
	// Command is the command's text, Name its canonical name and Line its
	// scenario line (0 outside a scenario).
	Command string
	Name    string
	Line    int
	From    string
	Result  lab.Result
	// Start is when the command began.
	Start time.Time
	// Fail says a scenario stops at it (lab.Fails): a failed expectation.
	Fail bool
	// RecErr is why the command could not be written to --record.
	RecErr string
}

// Check is one try of an exercise's check line.
type Check struct {
	Line   int
	Held   bool
	Result lab.Result
}

// Started says the members are ready, and how to reach them.
type Started struct {
	// At is when the session began starting.
	At       time.Time
	Conn     lab.Connection
	Warnings []string
}

// Conn is how to reach the cluster, read again after its members changed.
type Conn struct{ Conn lab.Connection }

// Marked says an exercise was recorded as done, or why it could not be.
type Marked struct{ Err string }

// Stop says the lab began stopping its members.
type Stop struct{}

// Type returns "sample".
func (Sample) Type() string { return "sample" }

// Type returns "event".
func (Event) Type() string { return "event" }

// Type returns "notes".
func (Notes) Type() string { return "notes" }

// Type returns "line".
func (Line) Type() string { return "line" }

// Type returns "advance".
func (Advance) Type() string { return "advance" }

// Type returns "result".
func (Result) Type() string { return "result" }

// Type returns "check".
func (Check) Type() string { return "check" }

// Type returns "started".
func (Started) Type() string { return "started" }

// Type returns "conn".
func (Conn) Type() string { return "conn" }

// Type returns "marked".
func (Marked) Type() string { return "marked" }

// Type returns "stop".
func (Stop) Type() string { return "stop" }

// Searchable returns the words of a record a person may search for: an
// event's, a note's, a line's or a result's text; "" for samples.
func (r Record) Searchable() string {
	switch b := r.Body.(type) {
	case Event:
		return b.Text
	case Notes:
		var s string
		for _, n := range b.Notes {
			s += n.Source + " " + n.Text + "\n"
		}
		return s
	case Line:
		return b.Text
	case Result:
		s := b.Command + "\n" + b.Result.Text()
		if b.Result.Via != "" {
			s += "\nvia " + b.Result.Via
		}
		return s
	case Check:
		return b.Result.Text()
	case Started:
		return "started"
	case Stop:
		return "stopping the members"
	}
	return ""
}
