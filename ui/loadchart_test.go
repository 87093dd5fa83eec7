package ui

import "testing"

// TestLoadChartCountsFailedWrites checks the chart's title: how many writes
// clients saw fail, and how many of them were applied anyway.
func TestLoadChartCountsFailedWrites(t *testing.T) {
	m := ready(t, Options{})
	st := loadRun(sec(29.5))
	st.Running = false
	m, _ = send(t, m, labMsg{at: at(sec(30)), load: st})
	viewLacks(t, m, "writes failed")
	st.FailedWrites, st.AppliedAnyway = 312, 9
	m, _ = send(t, m, labMsg{at: at(sec(30)), load: st})
	viewHas(t, m, "LOAD  stopped · 312 writes failed, 9 applied anyway, last 60s")
}
