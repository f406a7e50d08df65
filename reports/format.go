package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fmtDur writes a duration the way people read latencies: 0.4ms, 85ms,
// 1.25s, 2m05s.
func fmtDur(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d == 0:
		s = "0s"
	case d < time.Millisecond:
		s = strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + "ms"
	case d < 10*time.Millisecond:
		s = strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "ms"
	case d < time.Second:
		s = strconv.FormatInt(int64(d.Round(time.Millisecond)/time.Millisecond), 10) + "ms"
	case d < time.Minute:
		s = strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	default:
		d = d.Round(time.Second)
		s = fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	if neg {
		return "-" + s
	}
	return s
}

func pct(f float64) string {
	return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
}

// fmtMoney writes minor units with thousands separators: money is never a
// float, and the report does not guess a currency's exponent.
func fmtMoney(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtWindow(start, end Duration) string {
	return fmtDur(start.D()) + " → " + fmtDur(end.D())
}

// list joins at most max items and says how many were left out.
func list[T any](items []T, max int, format func(T) string) string {
	var parts []string
	for i, it := range items {
		if i == max {
			parts = append(parts, fmt.Sprintf("… and %d more", len(items)-max))
			break
		}
		parts = append(parts, format(it))
	}
	return strings.Join(parts, ", ")
}

func str(s string) string { return s }
func opRef(id int) string { return "#" + strconv.Itoa(id) }

// evidenceLines writes a violated check's evidence as plain lines, with
// at most max items per list: the first lines are what JUnit and Markdown
// show; the HTML shows everything.
func evidenceLines(c Check, max int) []string {
	var out []string
	if c.Message != "" {
		out = append(out, c.Message)
	}
	if len(c.Orders) > 0 {
		out = append(out, fmt.Sprintf("orders (%d): %s", len(c.Orders), list(c.Orders, max, str)))
	}
	if len(c.Ops) > 0 {
		out = append(out, fmt.Sprintf("operations (%d): %s", len(c.Ops), list(c.Ops, max, opRef)))
	}
	if len(c.Ledger) > 0 {
		out = append(out, fmt.Sprintf("ledger (%d): %s", len(c.Ledger), list(c.Ledger, max, str)))
	}
	if c.MoneyAtRisk != 0 {
		out = append(out, "money at risk: "+fmtMoney(c.MoneyAtRisk)+" (minor units)")
	}
	return out
}

// statusWord is how a scenario status reads in a sentence or a badge.
func statusWord(s Status) string {
	switch s {
	case StatusPass:
		return "passed"
	case StatusFail:
		return "violated"
	case StatusInconclusive:
		return "inconclusive"
	case StatusError:
		return "harness error"
	case StatusSkipped:
		return "skipped"
	}
	return string(s)
}

// headline is the run's one-word outcome, including the baseline.
func headline(r Report) string {
	switch {
	case r.Verdict == VerdictFail:
		return "FAIL"
	case r.Verdict == VerdictInconclusive:
		return "INCONCLUSIVE"
	case len(r.Regressions) > 0:
		return "REGRESSED"
	}
	return "PASS"
}

// faultSummary names a scenario's faults and their windows in one line.
func faultSummary(s Scenario) string {
	if len(s.Faults) == 0 {
		return "none"
	}
	return list(s.Faults, 5, func(f Fault) string {
		fired := "fired " + strconv.FormatInt(f.Hits, 10) + "×"
		if !f.Fired {
			fired = "never fired"
		}
		return fmt.Sprintf("%s %s (%s)", f.Name, fmtWindow(f.Start, f.End), fired)
	})
}

func recoveryText(s Scenario) string {
	switch {
	case !s.HasResult:
		return "–"
	case !s.Recovered:
		return "never"
	}
	return fmtDur(s.RecoveryTime.D())
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// windowText says how the scenario's clock was split: the fault window
// when there was a fault, the phase boundaries otherwise.
func windowText(s Scenario) string {
	w := s.Window
	if len(s.Faults) == 0 {
		return fmt.Sprintf("Phases split at %s and %s, settle until %s", fmtDur(w.FaultStart.D()), fmtDur(w.FaultEnd.D()), fmtDur(w.SettleEnd.D()))
	}
	return fmt.Sprintf("Fault window %s, settle until %s", fmtWindow(w.FaultStart, w.FaultEnd), fmtDur(w.SettleEnd.D()))
}

// TimingInconclusive reports whether the machine was too busy to judge one
// of the scenario's timing verdicts.
func (s Scenario) TimingInconclusive() bool {
	return slices.ContainsFunc(s.Verdicts, func(c Check) bool { return c.Inconclusive })
}

// timingText says how the harness's own lag bore on the scenario's timing
// verdicts: left inconclusive (the machine too busy: not a failure of the
// service), or widened by the time the harness lost; "" when it lost none.
func timingText(s Scenario) string {
	var busy []string
	for _, c := range s.Verdicts {
		if c.Inconclusive {
			busy = append(busy, c.Invariant)
		}
	}
	lag := ""
	if s.Lag != nil && (s.Lag.Lost > 0 || s.Lag.Worst > 0) {
		lag = fmt.Sprintf("the harness lost %s itself (longest pause %s)", fmtDur(s.Lag.Lost.D()), fmtDur(s.Lag.Worst.D()))
		if s.Lag.RecoveryLost > 0 {
			lag += fmt.Sprintf("; the recovery time is net of %s of it", fmtDur(s.Lag.RecoveryLost.D()))
		}
	}
	switch {
	case len(busy) > 0 && lag != "":
		return fmt.Sprintf("inconclusive for timing, not failed: the machine was too busy to judge %s; %s", strings.Join(busy, ", "), lag)
	case len(busy) > 0:
		return fmt.Sprintf("inconclusive for timing, not failed: the machine was too busy to judge %s", strings.Join(busy, ", "))
	case lag != "":
		return "timing budgets widened by the harness's own lag: " + lag
	}
	return ""
}
