package ui

import (
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// BenchmarkView9MembersColors is BenchmarkView9Members under each color
// profile a terminal may have: without a terminal (as in tests) lipgloss
// draws no colors, and converting the styles' colors to a smaller palette
// costs more than drawing them in true color.
func BenchmarkView9MembersColors(b *testing.B) {
	for _, p := range []struct {
		name    string
		profile termenv.Profile
	}{{"ascii", termenv.Ascii}, {"ansi16", termenv.ANSI}, {"ansi256", termenv.ANSI256}, {"truecolor", termenv.TrueColor}} {
		b.Run(p.name, func(b *testing.B) {
			old := lipgloss.ColorProfile()
			lipgloss.SetColorProfile(p.profile)
			defer lipgloss.SetColorProfile(old)
			BenchmarkView9Members(b)
		})
	}
}
