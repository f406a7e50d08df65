package harness_test

import (
	"fmt"

	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/check"
	"github.com/paychaos/paychaos/harness/history"
)

// noPaidWithoutAmount is a new invariant (CONTRIBUTING, "Add an
// invariant"): in harness/check it is one file, plus one line in check.All.
type noPaidWithoutAmount struct{}

var _ check.Invariant = noPaidWithoutAmount{}

func (noPaidWithoutAmount) Name() string { return "no-paid-without-amount" }

// Check names the orders that prove a violation, with the money at risk.
func (i noPaidWithoutAmount) Check(in *check.Input) check.Verdict {
	v := check.Verdict{Invariant: i.Name(), Result: check.Pass, Message: "every paid order has an amount"}
	for _, o := range in.Orders {
		if o.Status == history.StatusPaid && o.Amount <= 0 {
			v.Result, v.Orders = check.Fail, append(v.Orders, o.ID)
		}
	}
	if v.Result == check.Fail {
		v.Message = fmt.Sprintf("%d paid order(s) with no amount", len(v.Orders))
	}
	return v
}

// An invariant is shown to catch what it exists for on a hand-made
// history that violates it; harness.Check is the pipeline's check step,
// and what re-checks a saved run offline.
func Example_addAnInvariant() {
	run := history.Run{Orders: []history.Order{
		{ID: "ord_1", Status: history.StatusPaid, Amount: 1000, Currency: "eur"},
		{ID: "ord_2", Status: history.StatusPaid, Currency: "eur"},
	}}
	for _, v := range harness.Check(run, nil, noPaidWithoutAmount{}) {
		fmt.Println(v.Invariant, v.Result, v.Orders, v.Message)
	}
	// Output:
	// no-paid-without-amount fail [ord_2] 1 paid order(s) with no amount
}
