package attack_test

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/examples/shop/checkout"
	"github.com/paychaos/paychaos/harness/attack"
	"github.com/paychaos/paychaos/harness/check"
)

func TestMatrix(t *testing.T) {
	if os.Getenv("MATRIX") == "" { t.Skip() }
	flaws := []string{""}
	for _, f := range checkout.AllFlaws() { flaws = append(flaws, string(f)) }
	for _, f := range flaws {
		var row []string
		for _, a := range attack.All() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			b := newBench(t, ctx, f)
			b.attack(t, ctx, a.Name)
			led, _ := b.env.Provider().Ledger(ctx)
			per := map[string]int{}
			for _, p := range led.PaymentIntents { if p.Status == "succeeded" { per[p.OrderID()]++ } }
			dbl := false
			for _, n := range per { if n > 1 { dbl = true } }
			var bad []string
			for name, v := range b.verdicts(t, ctx, check.All()...) {
				if v.Result == check.Fail { bad = append(bad, name) }
			}
			sort.Strings(bad)
			if dbl { bad = append(bad, "LEDGER:2-succeeded-PIs") }
			if len(bad) > 0 { row = append(row, a.Name+"="+strings.Join(bad, "+")) }
			cancel()
		}
		t.Logf("FLAW %q: %s", f, strings.Join(row, "  "))
	}
}
