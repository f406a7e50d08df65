package harness_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/harness/sut"
)

// A correct service that tags no metadata and keeps only its PaymentIntent
// ids is never accused in a no-fault baseline, over 20 seeds, whether it
// lists its orders (odd seeds) or they are read one by one (even seeds).
func TestBaselineOfAServiceKeepingOnlyPaymentIntentIds(t *testing.T) {
	tg, err := sut.LoadTarget("../examples/shop/target-pi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tg.Process.Command = self
	tg.Process.Env["PAYCHAOS_REFSHOP_CHILD"] = "1"
	noList := tg
	noList.List = sut.Call{}
	for seed := int64(1); seed <= 20; seed++ {
		target := tg
		if seed%2 == 0 {
			target = noList
		}
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			env, err := harness.New(context.Background(), harness.WithSeed(seed), harness.WithSUT(sut.Subprocess{Target: target}),
				harness.WithBudgets(target.Budgets))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { env.Close() })
			s := scenario("baseline-pi", fault.None)
			s.Warmup, s.Hold, s.Cooldown = 400*time.Millisecond, 400*time.Millisecond, 400*time.Millisecond
			res, err := env.Run(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if res.Inconclusive != "" {
				t.Fatalf("inconclusive: %s", res.Inconclusive)
			}
			paid := verdict(t, res, "no-false-paid")
			for _, v := range res.Verdicts {
				if v.Result == check.Fail || strings.Contains(v.Message, "unattributed") {
					t.Errorf("%s: %s: %s", v.Invariant, v.Result, v.Message)
				}
			}
			if paid.Result != check.Pass {
				t.Fatalf("no order was proved paid: the join found nothing (%s)", paid.Message)
			}
		})
	}
}
