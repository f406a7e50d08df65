package check

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/paychaos/paychaos/harness/history"
)

// The catalogue: each invariant is a value, its rule documented on its type
// in its own file; All lists them explicitly.
var (
	// NoDoubleCharge: no order, and no client request, is paid twice.
	NoDoubleCharge Invariant = noDoubleCharge{}
	// NoFalsePaid: an order called paid is backed by a capture.
	NoFalsePaid Invariant = noFalsePaid{}
	// NoLostMoney: every capture belongs to a paid order or is refunded.
	NoLostMoney Invariant = noLostMoney{}
	// AmountIntegrity: captures match the order's amount and currency.
	AmountIntegrity Invariant = amountIntegrity{}
	// EventualResolution: nothing stays pending past the settle window.
	EventualResolution Invariant = eventualResolution{}
	// RefundSafety: refunds stay within captures; dead orders are refunded.
	RefundSafety Invariant = refundSafety{}
	// FailFast: checkout answers clearly within its budget during a fault.
	FailFast Invariant = failFast{}
	// WebhookAuthenticity: forged, replayed or stale webhooks change nothing.
	WebhookAuthenticity Invariant = webhookAuthenticity{}
	// InputSafety: malicious requests get a clean refusal and change nothing.
	InputSafety Invariant = inputSafety{}
	// NoSecretLeak: no secret or full card number in any output.
	NoSecretLeak Invariant = noSecretLeak{}
	// PaymentsComplete: good cards end paid while the provider is healthy.
	PaymentsComplete Invariant = paymentsComplete{}
	// WebhooksAccepted: genuine, fresh, signed events are accepted.
	WebhooksAccepted Invariant = webhooksAccepted{}
	// Ownership: no customer is answered with another's order.
	Ownership Invariant = ownership{}
)

// All is the catalogue of invariants, in the order of DESIGN.md.
func All() []Invariant {
	return []Invariant{
		NoDoubleCharge, NoFalsePaid, NoLostMoney, AmountIntegrity, EventualResolution,
		RefundSafety, FailFast, WebhookAuthenticity, InputSafety, NoSecretLeak,
		PaymentsComplete, WebhooksAccepted, Ownership,
	}
}

// indexed is implemented by the catalogue's invariants that join history,
// orders and ledger: Run indexes the input once and hands the index to
// each of them, where Check would index it again.
type indexed interface {
	checkIndex(ix *index) Verdict
}

// standalone is implemented by the catalogue's invariants that need no
// index: Run starts them first, beside the indexing.
type standalone interface {
	checkInput(in *Input) Verdict
}

var (
	_ indexed    = noDoubleCharge{}
	_ indexed    = noFalsePaid{}
	_ indexed    = noLostMoney{}
	_ indexed    = amountIntegrity{}
	_ indexed    = eventualResolution{}
	_ indexed    = refundSafety{}
	_ indexed    = failFast{}
	_ indexed    = webhookAuthenticity{}
	_ indexed    = inputSafety{}
	_ standalone = noSecretLeak{}
	_ indexed    = paymentsComplete{}
	_ standalone = webhooksAccepted{}
	_ indexed    = ownership{}
)

// Run checks in against invs (every invariant of All when none is given)
// and returns one verdict per invariant, in order. The input is indexed
// once for all of them. With several CPUs and a large history, invariants
// are checked concurrently, so an Invariant must only read its Input, as
// the catalogue's do; in must not change while Run works. The verdicts do
// not depend on the scheduling.
func Run(in *Input, invs ...Invariant) []Verdict {
	if len(invs) == 0 {
		invs = All()
	}
	if in == nil {
		in = &Input{}
	}
	var (
		once sync.Once
		ix   *index
	)
	out := make([]Verdict, len(invs))
	check := func(k int) {
		inv := invs[k]
		var v Verdict
		switch c := inv.(type) {
		case standalone:
			v = c.checkInput(in)
		case indexed:
			once.Do(func() { ix = newIndex(in) })
			v = c.checkIndex(ix)
		default:
			v = inv.Check(in)
		}
		if v.Invariant == "" {
			v.Invariant = inv.Name()
		}
		out[k] = v
	}

	workers := min(runtime.GOMAXPROCS(0), len(invs))
	if workers <= 1 || len(in.History) < parallelOps {
		for k := range invs {
			check(k)
		}
		return out
	}
	// Standalone invariants first: one worker scans while another indexes.
	order := make([]int, 0, len(invs))
	for k, inv := range invs {
		if _, ok := inv.(standalone); ok {
			order = append(order, k)
		}
	}
	for k, inv := range invs {
		if _, ok := inv.(standalone); !ok {
			order = append(order, k)
		}
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				j := int(next.Add(1)) - 1
				if j >= len(order) {
					return
				}
				check(order[j])
			}
		})
	}
	wg.Wait()
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
		FailFastBudget:       r.Meta.FailFastBudget,
		FailFastGrace:        r.Meta.FailFastGrace,
		MetadataKey:          r.Meta.MetadataKey,
		OrdersListed:         r.Meta.OrdersListed,
		Lag:                  r.Meta.Lag,
		RecoveryBudget:       r.Meta.RecoveryBudget,
		Reconciled:           r.Meta.Reconciled,
		BackgroundReconciler: r.Meta.BackgroundReconciler,
		BrowserFlow:          r.Meta.Flow != "" && r.Meta.Flow != "server_confirm",
	}
}
