package reports

import (
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	g "github.com/onsi/ginkgo/v2"

	"github.com/paychaos/paychaos/harness"
)

// These specs exist to be run by TestRealGinkgoRun: a real Ginkgo suite
// that attaches results the way scenarios/ does, fails, skips and leaves a
// spec pending, so the report is built from a file Ginkgo itself wrote.
var _ = g.Describe("provider faults", g.Label("outage"), func() {
	g.It("provider outage during checkout", func() {
		g.AddReportEntry(harness.ReportEntryName, outageResult(), g.ReportEntryVisibilityNever)
		g.Fail("invariants violated: no-false-paid")
	})
	g.It("holds every invariant with no fault", g.Label("smoke"), func() {
		g.AddReportEntry(harness.ReportEntryName, new(baselineResult()), g.ReportEntryVisibilityNever)
		g.AddReportEntry("unrelated entry", 42)
	})
	g.It("SUT cut off from the provider", g.Label("partition"), func() {
		g.Skip("partition needs the containers mode; this run is embedded")
	})
	g.PIt("webhooks delivered out of order", func() {})
	g.It("SUT killed mid-payment", g.Label("crash"), func() {
		g.Fail("could not start the shop: listen tcp 127.0.0.1:0: too many open files")
	})
})

// failT records what Ginkgo reports, so failing specs do not fail the test.
type failT struct{ failed bool }

func (f *failT) Fail() { f.failed = true }

func TestRealGinkgoRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ginkgo.json")
	suiteCfg, repCfg := g.GinkgoConfiguration()
	suiteCfg.RandomSeed = 99
	repCfg.JSONReport = path
	repCfg.Succinct, repCfg.SilenceSkips, repCfg.NoColor = true, true, true
	var ft failT
	g.GinkgoWriter.TeeTo(io.Discard)
	g.RunSpecs(&ft, "reports end to end", suiteCfg, repCfg)
	if !ft.failed {
		t.Fatal("the suite has failing specs, yet Ginkgo reported success")
	}

	rs, err := ReadGinkgo(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := FromGinkgo(rs, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Scenario{}
	for _, s := range r.Scenarios {
		byName[s.Name] = s
	}
	if len(r.Scenarios) != 5 {
		t.Fatalf("%d scenarios, want 5: %v", len(r.Scenarios), byName)
	}
	for name, want := range map[string]struct {
		status Status
		state  string
		result bool
		msg    string
	}{
		"provider outage":                 {StatusFail, "failed", true, "no-false-paid"},
		"baseline, no fault":              {StatusPass, "passed", true, ""},
		"SUT cut off from the provider":   {StatusSkipped, "skipped", false, "containers mode"},
		"webhooks delivered out of order": {StatusSkipped, "pending", false, ""},
		"SUT killed mid-payment":          {StatusError, "failed", false, "could not start the shop"},
	} {
		s, ok := byName[name]
		if !ok {
			t.Errorf("scenario %q missing", name)
			continue
		}
		if s.Status != want.status || s.State != want.state || s.HasResult != want.result || !strings.Contains(s.Message, want.msg) {
			t.Errorf("%s: status %s state %s result %v message %q", name, s.Status, s.State, s.HasResult, s.Message)
		}
	}
	out := byName["provider outage"]
	if !slices.Equal(out.Labels, []string{"outage"}) || out.ID != "provider faults provider outage during checkout" ||
		len(out.Timeline) != 220 || out.Faults[0].Hits != 37 || out.Violations()[0].Orders[2] != "ord_0019" {
		t.Errorf("outage scenario decoded wrong: labels %v id %q", out.Labels, out.ID)
	}
	if got := byName["baseline, no fault"].Labels; !slices.Equal(got, []string{"outage", "smoke"}) {
		t.Errorf("labels %v", got)
	}
	if r.Run.Seed != 99 || r.Run.Suite != "reports end to end" || r.Verdict != VerdictFail || r.ExitCode != ExitFindings {
		t.Errorf("run: seed %d suite %q verdict %s exit %d", r.Run.Seed, r.Run.Suite, r.Verdict, r.ExitCode)
	}
	if err := validateJUnit(render(t, r, junit)); err != nil {
		t.Error(err)
	}
	if md := string(render(t, r, md)); !strings.Contains(md, "no-false-paid") || !strings.Contains(md, "`ord_0007`") {
		t.Errorf("summary does not name the violation and its orders")
	}
}
