package ui

import (
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// BenchmarkView9MembersColors is BenchmarkView9Members, and with /net
// BenchmarkView9MembersNet, under each color profile a terminal may have:
// without a terminal (as in tests) lipgloss draws no colors, and
// converting the styles' colors to a smaller palette costs more than
// drawing them in true color.
func BenchmarkView9MembersColors(b *testing.B) {
	for _, p := range []struct {
		name    string
		profile termenv.Profile
	}{{"ascii", termenv.Ascii}, {"ansi16", termenv.ANSI}, {"ansi256", termenv.ANSI256}, {"truecolor", termenv.TrueColor}} {
		for _, v := range []struct {
			name  string
			bench func(*testing.B)
		}{{"", BenchmarkView9Members}, {"/net", BenchmarkView9MembersNet}} {
			b.Run(p.name+v.name, func(b *testing.B) {
				old := lipgloss.ColorProfile()
				lipgloss.SetColorProfile(p.profile)
				defer lipgloss.SetColorProfile(old)
				v.bench(b)
			})
		}
	}
}
