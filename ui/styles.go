package ui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles is every style the UI draws with. Colour only ever repeats what a
// word or a symbol already says, so the screen reads the same with NO_COLOR.
type Styles struct {
	// Banner frames the two banner lines; VerdictOK, VerdictWait and
	// VerdictNo draw the quorum verdict: quorum and a leader, quorum while
	// writes wait for an election, no quorum. Label, Value and Warn draw
	// the words, the numbers and the warnings of every pane.
	Banner      lipgloss.Style
	VerdictOK   lipgloss.Style
	VerdictWait lipgloss.Style
	VerdictNo   lipgloss.Style
	Label       lipgloss.Style
	Value       lipgloss.Style
	Warn        lipgloss.Style
	// Past draws the banner's line over a rewound or replayed screen.
	Past lipgloss.Style

	// Pane frames the member table, the timeline, the events and the
	// scenario lines; Title is a pane's first line.
	Pane  lipgloss.Style
	Title lipgloss.Style
	Dim   lipgloss.Style

	// Header draws the member table's column titles, Selected the selected
	// row and Changed a value that just changed. Up, Down and Starting draw
	// a member's state, Leader and Elect its role, Cut its partition; the
	// banner shares them.
	Header   lipgloss.Style
	Selected lipgloss.Style
	Changed  lipgloss.Style
	Up       lipgloss.Style
	Down     lipgloss.Style
	Starting lipgloss.Style
	Leader   lipgloss.Style
	Elect    lipgloss.Style
	Cut      lipgloss.Style

	// Phase draws the timeline's cells, indexed by phase.
	Phase [numPhases]lipgloss.Style

	// Bars and ErrBars draw the load chart's bars, Mark the events on its
	// time axis.
	Bars    lipgloss.Style
	ErrBars lipgloss.Style
	Mark    lipgloss.Style

	// LogTime draws the event log's time stamps. The other Log styles draw
	// its entries by kind: a command, its result, an error or a failed
	// expectation, a passed one, a cluster event, an event that lost
	// something and one that won something back.
	LogTime    lipgloss.Style
	LogCommand lipgloss.Style
	LogResult  lipgloss.Style
	LogError   lipgloss.Style
	LogPass    lipgloss.Style
	LogEvent   lipgloss.Style
	LogBad     lipgloss.Style
	LogGood    lipgloss.Style

	// Caption draws a scenario's say lines, Prompt the prompt and the
	// footer's focus, Busy a command in flight; Footer frames the key help.
	Caption lipgloss.Style
	Prompt  lipgloss.Style
	Busy    lipgloss.Style
	Footer  lipgloss.Style

	// Overlay frames the help and connection panes, Help draws the keys'
	// help, and Notice says that the terminal is too small.
	Overlay lipgloss.Style
	Help    help.Styles
	Notice  lipgloss.Style
}

// DefaultStyles returns the UI's styles.
func DefaultStyles() Styles {
	// Every colour carries its 256- and 16-colour forms, so lipgloss does
	// not search the palette for them on every frame (which cost a 16-colour
	// terminal about 1 ms a frame).
	color := func(light, light256, dark, dark256, ansi string) lipgloss.CompleteAdaptiveColor {
		return lipgloss.CompleteAdaptiveColor{
			Light: lipgloss.CompleteColor{TrueColor: light, ANSI256: light256, ANSI: ansi},
			Dark:  lipgloss.CompleteColor{TrueColor: dark, ANSI256: dark256, ANSI: ansi},
		}
	}
	green := color("#1a7f37", "29", "#3fb950", "71", "2")
	red := color("#cf222e", "160", "#f85149", "203", "1")
	yellow := color("#9a6700", "94", "#d29922", "172", "3")
	blue := color("#0969da", "26", "#58a6ff", "75", "4")
	dim := color("#6e7781", "243", "#8b949e", "246", "8")
	white := lipgloss.CompleteColor{TrueColor: "#ffffff", ANSI256: "231", ANSI: "15"}
	okBg := lipgloss.CompleteColor{TrueColor: "#1a7f37", ANSI256: "29", ANSI: "2"}
	waitBg := lipgloss.CompleteColor{TrueColor: "#9a6700", ANSI256: "94", ANSI: "3"}
	noBg := lipgloss.CompleteColor{TrueColor: "#cf222e", ANSI256: "160", ANSI: "1"}

	s := Styles{
		Banner:      lipgloss.NewStyle().Padding(0, 1),
		VerdictOK:   lipgloss.NewStyle().Bold(true).Foreground(white).Background(okBg),
		VerdictWait: lipgloss.NewStyle().Bold(true).Foreground(white).Background(waitBg),
		VerdictNo:   lipgloss.NewStyle().Bold(true).Foreground(white).Background(noBg),
		Label:       lipgloss.NewStyle().Foreground(dim),
		Value:       lipgloss.NewStyle().Bold(true),
		Warn:        lipgloss.NewStyle().Bold(true).Foreground(yellow),
		Past:        lipgloss.NewStyle().Bold(true).Reverse(true),

		Pane:  lipgloss.NewStyle().Padding(0, 1),
		Title: lipgloss.NewStyle().Bold(true).Foreground(blue),
		Dim:   lipgloss.NewStyle().Foreground(dim),

		Header:   lipgloss.NewStyle().Bold(true).Foreground(dim),
		Selected: lipgloss.NewStyle().Reverse(true),
		Changed:  lipgloss.NewStyle().Bold(true).Foreground(yellow),
		Up:       lipgloss.NewStyle().Foreground(green),
		Down:     lipgloss.NewStyle().Bold(true).Foreground(red),
		Starting: lipgloss.NewStyle().Foreground(yellow),
		Leader:   lipgloss.NewStyle().Bold(true).Foreground(green),
		Elect:    lipgloss.NewStyle().Bold(true).Foreground(yellow),
		Cut:      lipgloss.NewStyle().Bold(true).Foreground(red),

		Bars:    lipgloss.NewStyle().Foreground(blue),
		ErrBars: lipgloss.NewStyle().Foreground(red),
		Mark:    lipgloss.NewStyle().Bold(true).Foreground(yellow),

		LogTime:    lipgloss.NewStyle().Foreground(dim),
		LogCommand: lipgloss.NewStyle().Bold(true),
		LogResult:  lipgloss.NewStyle(),
		LogError:   lipgloss.NewStyle().Foreground(red),
		LogPass:    lipgloss.NewStyle().Bold(true).Foreground(green),
		LogEvent:   lipgloss.NewStyle().Foreground(blue),
		LogBad:     lipgloss.NewStyle().Bold(true).Foreground(red),
		LogGood:    lipgloss.NewStyle().Bold(true).Foreground(green),

		Caption: lipgloss.NewStyle().Bold(true),
		Prompt:  lipgloss.NewStyle().Bold(true).Foreground(blue),
		Busy:    lipgloss.NewStyle().Foreground(yellow),
		Footer:  lipgloss.NewStyle().Padding(0, 1),

		Overlay: lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(blue).Padding(0, 1),
		Help:    helpStyles(color),
		Notice:  lipgloss.NewStyle().Bold(true),
	}
	s.Phase[phaseNone] = lipgloss.NewStyle()
	s.Phase[phaseFollower] = lipgloss.NewStyle().Foreground(dim)
	s.Phase[phaseLearner] = lipgloss.NewStyle().Foreground(dim)
	s.Phase[phaseLeader] = lipgloss.NewStyle().Foreground(green)
	s.Phase[phaseCutFollower] = lipgloss.NewStyle().Foreground(yellow)
	s.Phase[phaseCutLeader] = lipgloss.NewStyle().Foreground(yellow)
	s.Phase[phaseStarting] = lipgloss.NewStyle().Foreground(yellow)
	s.Phase[phaseNoLeader] = lipgloss.NewStyle().Bold(true).Foreground(yellow)
	s.Phase[phaseDown] = lipgloss.NewStyle().Foreground(red)
	return s
}

// helpStyles are bubbles' help styles with the same colours, given in
// their 256- and 16-colour forms (those termenv picks for them), so that the
// footer, drawn on every frame, costs no palette search either.
func helpStyles(color func(light, light256, dark, dark256, ansi string) lipgloss.CompleteAdaptiveColor) help.Styles {
	key := lipgloss.NewStyle().Foreground(color("#909090", "102", "#626262", "59", "8"))
	sep := lipgloss.NewStyle().Foreground(lipgloss.CompleteAdaptiveColor{
		Light: lipgloss.CompleteColor{TrueColor: "#DDDADA", ANSI256: "188", ANSI: "7"},
		Dark:  lipgloss.CompleteColor{TrueColor: "#3C3C3C", ANSI256: "59", ANSI: "8"},
	})
	desc := lipgloss.NewStyle().Foreground(lipgloss.CompleteAdaptiveColor{
		Light: lipgloss.CompleteColor{TrueColor: "#B2B2B2", ANSI256: "145", ANSI: "7"},
		Dark:  lipgloss.CompleteColor{TrueColor: "#4A4A4A", ANSI256: "59", ANSI: "8"},
	})
	return help.Styles{ShortKey: key, ShortDesc: desc, ShortSeparator: sep, Ellipsis: sep, FullKey: key, FullDesc: desc, FullSeparator: sep}
}
