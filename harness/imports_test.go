package harness_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestHarnessLinksNoShop: the harness reaches the reference shop the way
// it reaches a team's service, through a launcher registered from the
// scenarios or the CLI (scenarios/refshop), so importing any harness
// package links neither the shop nor its Stripe client nor its database.
// make lint's imports target checks the same.
func TestHarnessLinksNoShop(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the harness's dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/paychaos/paychaos/harness/...").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "github.com/paychaos/paychaos/harness/containers") {
		t.Fatalf("go list -deps listed %d packages, not the harness's: %q", len(deps), deps)
	}
	for _, d := range deps {
		for _, banned := range []string{"github.com/paychaos/paychaos/examples/shop", "github.com/stripe/stripe-go", "modernc.org/sqlite"} {
			if d == banned || strings.HasPrefix(d, banned+"/") {
				t.Errorf("the harness links %s", d)
			}
		}
	}
}
