package scenarios_test

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paychaos/paychaos/scenarios"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

func TestMain(m *testing.M) {
	refshop.RunIfChild() // the test binary is also the reference shop's process
	os.Exit(m.Run())
}

func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "paychaos scenarios")
}

// The default suite: every scenario against the reference shop, with the
// flaws named in SHOP_FLAWS.
var _ = scenarios.PaymentResilience(scenarios.FromEnv())
