package check

import "github.com/paychaos/paychaos/harness/history"

// The catalogue. Each invariant is a value; All lists them explicitly.
var (
	NoDoubleCharge      Invariant = noDoubleCharge{}
	NoFalsePaid         Invariant = noFalsePaid{}
	NoLostMoney         Invariant = noLostMoney{}
	AmountIntegrity     Invariant = amountIntegrity{}
	EventualResolution  Invariant = eventualResolution{}
	RefundSafety        Invariant = refundSafety{}
	FailFast            Invariant = failFast{}
	WebhookAuthenticity Invariant = webhookAuthenticity{}
	InputSafety         Invariant = inputSafety{}
	NoSecretLeak        Invariant = noSecretLeak{}
)

// All is the catalogue of invariants, in the order of DESIGN.md.
func All() []Invariant {
	return []Invariant{
		NoDoubleCharge, NoFalsePaid, NoLostMoney, AmountIntegrity, EventualResolution,
		RefundSafety, FailFast, WebhookAuthenticity, InputSafety, NoSecretLeak,
	}
}

// indexed is implemented by the catalogue's invariants: Run indexes the
// input once and hands the index to each of them, where Check would index
// it again.
type indexed interface {
	checkIndex(ix *index) Verdict
}

var (
	_ indexed = noDoubleCharge{}
	_ indexed = noFalsePaid{}
	_ indexed = noLostMoney{}
	_ indexed = amountIntegrity{}
	_ indexed = eventualResolution{}
	_ indexed = refundSafety{}
	_ indexed = failFast{}
	_ indexed = webhookAuthenticity{}
	_ indexed = inputSafety{}
	_ indexed = noSecretLeak{}
)

// Run checks in against invs (every invariant of All when none is given)
// and returns one verdict per invariant, in order. The input is read, not
// modified; it must not change while Run works.
func Run(in *Input, invs ...Invariant) []Verdict {
	if len(invs) == 0 {
		invs = All()
	}
	if in == nil {
		in = &Input{}
	}
	var ix *index
	out := make([]Verdict, 0, len(invs))
	for _, inv := range invs {
		var v Verdict
		if ii, ok := inv.(indexed); ok {
			if ix == nil {
				ix = newIndex(in)
			}
			v = ii.checkIndex(ix)
		} else {
			v = inv.Check(in)
		}
		if v.Invariant == "" {
			v.Invariant = inv.Name()
		}
		out = append(out, v)
	}
	return out
}

// FromRun is the checker's input for a saved run. Secrets and Texts are
// not saved with a run (they would keep what must not be kept): set them
// before checking when you have them.
func FromRun(r history.Run) *Input {
	return &Input{
		History: r.Ops,
		Orders:  r.Orders,
		Ledger:  r.Ledger,
		Window: Window{
			FaultStart: r.Meta.FaultStart,
			FaultEnd:   r.Meta.FaultEnd,
			SettleEnd:  r.Meta.SettleEnd,
		},
		FailFastBudget: r.Meta.FailFastBudget,
	}
}
