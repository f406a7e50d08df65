// Package check proves the payment invariants over a recorded history, the
// SUT's final orders and the provider's ledger. Each invariant lives in its
// own file and has a hand-made violating history under testdata/.
//
// Run(in) checks the whole catalogue (All) and returns one Verdict per
// invariant: Pass, Fail with the orders, ops, ledger ids and money that
// prove it, or Skip with the reason it does not apply.
//
// What the checker expects of an Input:
//   - History: op ids unique, as history.Recorder assigns them; Op.Order
//     names the order an op is about.
//   - Orders: the SUT's view once the settle window has passed, one entry
//     per order the history or the ledger names, StatusNone for an order
//     the SUT does not know. Empty Orders means the SUT was not read, and
//     the checks that need it skip rather than accuse.
//   - Ledger: the provider's snapshot, taken after Orders were read; ids
//     are unique. A payment belongs to the order that keeps its
//     PaymentIntent id (Order.PaymentIntents), else to the order its
//     metadata names (MetadataKey); else it is unattributed: held against
//     no order, named in no-lost-money's verdict, and a violation of it
//     when the SUT listed every order (OrdersListed) and the payment still
//     holds money (see Join).
//   - Deliveries (in the Ledger) list every webhook attempt with the
//     faults that acted on it, so that a forged or stale one is told from
//     a genuine one.
//   - Reads: a get op with Name "list" records an order seen in another
//     customer's list (the ownership check).
//
// An unknown outcome excuses nothing and accuses no one: the ledger says
// whether the money moved, and the SUT must end consistent with it.
package check

import (
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
)

// Status is what an invariant's verdict says: pass, fail or skip. (A
// run's result is harness.Result; an op's outcome is history.Outcome.)
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip" // not applicable to this run
)

// Result is the old name of Status.
//
// Deprecated: use Status.
type Result = Status

// Verdict is one invariant's judgement, with the evidence behind it.
type Verdict struct {
	Invariant string `json:"invariant"`
	Result    Status `json:"result"`
	Message   string `json:"message"`
	// Orders, Ops and Ledger name the evidence: order ids, history op ids
	// and ledger object ids (pi_…, ch_…, re_…, evt_…).
	Orders []string `json:"orders,omitempty"`
	Ops    []int    `json:"ops,omitempty"`
	Ledger []string `json:"ledger,omitempty"`
	// MoneyAtRisk is the sum, in minor units, of the amounts involved in
	// the violation.
	MoneyAtRisk int64 `json:"money_at_risk,omitempty"`
	// Inconclusive marks a Skip because the run could not be judged (the
	// machine too busy to time checkouts), not because the invariant does
	// not apply: the scenario then proved nothing and is inconclusive.
	Inconclusive bool `json:"inconclusive,omitempty"`
}

// Window places the fault and the settle period on the history's clock.
type Window struct {
	FaultStart time.Duration `json:"fault_start"`
	FaultEnd   time.Duration `json:"fault_end"`
	// SettleEnd is when the SUT was expected to have resolved every pending
	// payment.
	SettleEnd time.Duration `json:"settle_end"`
}

// Input is everything an invariant may look at.
type Input struct {
	History []history.Op          `json:"history"`
	Orders  []history.Order       `json:"orders"` // the SUT's orders after settling
	Ledger  fakeprovider.Snapshot `json:"ledger"`
	Window  Window                `json:"window"`
	// FailFastBudget is how long checkout may take while the provider is out.
	FailFastBudget time.Duration `json:"fail_fast_budget,omitempty"`
	// FailFastGrace is how long after the fault starts the SUT may take to
	// notice that the provider is out (a circuit breaker learning); checkouts
	// sent before then are not judged.
	FailFastGrace time.Duration `json:"fail_fast_grace,omitempty"`
	// MetadataKey is the payment metadata key naming an order; "" means
	// DefaultMetadataKey.
	MetadataKey string `json:"metadata_key,omitempty"`
	// OrdersListed says Orders holds every order the SUT keeps for the
	// run's customers; no-lost-money then holds unattributed money
	// against the SUT (against no order).
	OrdersListed bool `json:"orders_listed,omitempty"`
	// Lag is the harness's own scheduling delay during the run: timing
	// checks never blame the SUT for time the harness lost itself.
	Lag history.Lag `json:"lag,omitzero"`
	// RecoveryBudget is how long after the fault heals the SUT may take to
	// take payments again; DefaultRecoveryBudget when zero.
	RecoveryBudget time.Duration `json:"recovery_budget,omitempty"`
	// Reconciled are the orders still pending when the SUT's own
	// mechanisms had had their share of the settle window, and resolved
	// only once the harness asked the SUT to reconcile.
	Reconciled []string `json:"reconciled,omitempty"`
	// BackgroundReconciler says the SUT declares that it resolves pending
	// payments by itself: then an order that needed asking is a finding.
	BackgroundReconciler bool `json:"background_reconciler,omitempty"`
	// BrowserFlow says the customer's browser pays at the provider
	// (client_confirm, checkout_session): a PaymentIntent still awaiting
	// its payment method is the customer's to finish, not the SUT's.
	BrowserFlow bool `json:"browser_flow,omitempty"`
	// Texts are other outputs to scan for leaked secrets (SUT logs…), by source.
	Texts map[string]string `json:"texts,omitempty"`
	// Secrets are values that must never appear in any output (the SUT's
	// provider secret key, full card numbers used).
	Secrets []string `json:"-"`
}

// Invariant is one property the system under test must keep.
type Invariant interface {
	Name() string
	Check(in *Input) Verdict
}
