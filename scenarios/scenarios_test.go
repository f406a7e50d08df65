package scenarios_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/paychaos/paychaos/scenarios"
)

func TestScenarios(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "paychaos scenarios")
}

// The default suite: every scenario against the reference shop, with the
// flaws named in SHOP_FLAWS.
var _ = scenarios.PaymentResilience(scenarios.FromEnv())
