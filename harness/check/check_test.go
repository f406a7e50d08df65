package check

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
)

// fixture is a testdata file: an Input, plus the secrets Input does not
// serialise and a comment saying what the history shows.
type fixture struct {
	Comment string `json:"_comment"`
	Input
	Secrets []string `json:"secrets"`
}

func loadFixture(t *testing.T, name string) *Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f fixture
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	in := f.Input
	in.Secrets = f.Secrets
	// A fixture is held to the same standard as a saved run.
	if err := (history.Run{Ops: in.History, Orders: in.Orders}).Validate(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &in
}

func TestCleanRunPassesEverything(t *testing.T) {
	in := loadFixture(t, "clean.json")
	got := Run(in)
	if len(got) != len(All()) {
		t.Fatalf("%d verdicts for %d invariants", len(got), len(All()))
	}
	for i, v := range got {
		if v.Invariant != All()[i].Name() {
			t.Errorf("verdict %d is %q, want %q", i, v.Invariant, All()[i].Name())
		}
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", v.Invariant, v.Result, v.Message)
			continue
		}
		if v.Message == "" || len(v.Orders)+len(v.Ops)+len(v.Ledger) != 0 || v.MoneyAtRisk != 0 {
			t.Errorf("%s: a pass must explain itself and carry no evidence: %+v", v.Invariant, v)
		}
		t.Logf("%s: %s", v.Invariant, v.Message)
	}
}

// violation is one known-bad history and the evidence its verdict must name.
type violation struct {
	file   string
	inv    Invariant
	orders []string // exactly these orders
	ops    []int    // exactly these ops
	ledger []string // exactly these ledger objects
	money  int64
	says   []string // and the message mentions these
}

var violations = []violation{
	{file: "no-double-charge-two-payments.json", inv: NoDoubleCharge,
		orders: []string{"ord_1"}, ops: []int{1, 2}, ledger: []string{"pi_1", "ch_1", "pi_2", "ch_2"}, money: 1999,
		says: []string{"2 payments captured 3998 for an order of 1999 usd, 3998 still held"}},
	{file: "no-double-charge-duplicate-refunded.json", inv: NoDoubleCharge,
		orders: []string{"ord_6"}, ops: []int{4}, ledger: []string{"pi_6a", "ch_6a", "pi_6b", "ch_6b", "re_6b"}, money: 3000,
		says: []string{"2 payments captured 6000 for an order of 3000"}},
	{file: "no-double-charge-same-key.json", inv: NoDoubleCharge,
		orders: []string{"ord_a", "ord_b"}, ops: []int{1, 2}, ledger: []string{"pi_a", "pi_b"}, money: 1000,
		says: []string{`"cart-77" paid 2 orders (ord_a, ord_b)`}},
	{file: "no-false-paid-no-capture.json", inv: NoFalsePaid,
		orders: []string{"ord_1"}, ops: []int{1}, ledger: []string{"pi_1", "ch_1"}, money: 1999,
		says: []string{"ord_1: the SUT says paid, the provider holds 0 of 1999 usd"}},
	{file: "no-false-paid-told-paid.json", inv: NoFalsePaid,
		orders: []string{"ord_1"}, ops: []int{2}, ledger: []string{}, money: 500,
		says: []string{"ord_1: a client was told paid"}},
	{file: "no-lost-money-unknown-charged.json", inv: NoLostMoney,
		orders: []string{"ord_1"}, ops: []int{1}, ledger: []string{"pi_1", "ch_1"}, money: 1999,
		says: []string{"ord_1 (failed): 1999 captured, 0 refunded", "unknown outcome"}},
	{file: "no-lost-money-orphan.json", inv: NoLostMoney,
		orders: []string{"ord_9"}, ops: []int{}, ledger: []string{"pi_9", "ch_9"}, money: 2000,
		says: []string{"ord_9 (unknown to the SUT): 2000 captured", "1 payment unattributed (pi_x), holding 300"}},
	{file: "amount-integrity-wrong-amount.json", inv: AmountIntegrity,
		orders: []string{"ord_1"}, ops: []int{}, ledger: []string{"pi_1", "ch_1"}, money: 1980,
		says: []string{"pi_1 captured 19 for an order of 1999 usd"}},
	{file: "amount-integrity-currency.json", inv: AmountIntegrity,
		orders: []string{"ord_2"}, ops: []int{}, ledger: []string{"pi_2", "ch_2"}, money: 1000,
		says: []string{"captured 1000 usd for an order in eur"}},
	{file: "amount-integrity-tampered.json", inv: AmountIntegrity,
		orders: []string{"ord_3"}, ops: []int{1}, ledger: []string{"pi_3"}, money: 4500,
		says: []string{"ord_3: the client asked to pay 4999 usd, the SUT recorded 499 usd"}},
	{file: "eventual-resolution-stuck.json", inv: EventualResolution,
		orders: []string{"ord_1", "ord_2", "ord_4"}, ops: []int{1, 4, 6}, ledger: []string{}, money: 7000,
		says: []string{"ord_1 is still pending", "ord_4 was acknowledged to a client but the SUT no longer reports it", "ord_2 was still pending at 35s"}},
	{file: "refund-safety-over-refund.json", inv: RefundSafety,
		orders: []string{"ord_1"}, ops: []int{1, 2}, ledger: []string{"pi_1", "ch_1", "re_1", "re_2", "re_3"}, money: 1500,
		says: []string{"pi_1: refunds of 2000 exceed the 1000 captured", "re_3 refunds 500 against ch_ghost"}},
	{file: "refund-safety-not-refunded.json", inv: RefundSafety,
		orders: []string{"ord_1", "ord_2"}, ops: []int{1, 2, 3}, ledger: []string{"pi_1", "ch_1", "pi_2", "ch_2", "re_2"}, money: 2300,
		says: []string{"ord_1 is canceled but the provider still holds 1500", "ord_2: the SUT says 800 refunded, the ledger shows 0"}},
	{file: "fail-fast-hang.json", inv: FailFast,
		orders: []string{"ord_1", "ord_2", "ord_5"}, ops: []int{1, 2, 5}, ledger: []string{}, money: 8000,
		says: []string{"op 1 (ord_1) took 30s, over the 2s budget", "op 2 (ord_2) got HTTP 500 without an error code", "op 5 (ord_5) got no answer"}},
	{file: "webhook-authenticity-forged.json", inv: WebhookAuthenticity,
		orders: []string{"ord_1", "ord_2"}, ops: []int{1, 2}, ledger: []string{"pi_1", "pi_2"}, money: 4000,
		says: []string{"forged-signature moved ord_1 from pending to paid", "ord_2, targeted by a forged or replayed webhook, ends failed while the provider holds 2000"}},
	{file: "input-safety-attacks.json", inv: InputSafety,
		orders: []string{"ord_1", "ord_neg"}, ops: []int{1, 2, 3, 5}, ledger: []string{}, money: 0,
		says: []string{"op 1 sql-injection-order-id got HTTP 500", "op 2 negative-amount got HTTP 201, expected \"4xx, no state change\"", "negative-amount moved ord_neg from none to pending", "op 3 oversized-body got no answer", "health op 5"}},
	{file: "no-secret-leak.json", inv: NoSecretLeak,
		orders: []string{"ord_1", "ord_2"}, ops: []int{1, 2}, ledger: []string{}, money: 0,
		says: []string{"op 1 body carries a card number ending 4242", "op 2 error carries secret #1 (sk_test_****)", `text "shop.log" carries secret #2 (whsec_****)`}},
	{file: "payments-complete-never-recovers.json", inv: PaymentsComplete,
		orders: []string{"ord_1", "ord_6"}, ops: []int{1, 5, 6, 7, 8}, ledger: []string{}, money: 0,
		says: []string{"4 checkouts did not complete with a healthy provider or after a retry",
			`op 8 (ord_6, 2000 kwd) retried key "k6" after op 7 was answered HTTP 503 provider_unavailable, and the SUT failed it though the provider never saw a payment for it`,
			"op 1 (ord_1, 1000 usd, pm_card_visa, before the fault) ended failed: HTTP 502 provider_error",
			"op 5 ((no order id), 600 jpy, pm_card_visa, 3s after the fault healed) ended with no order: HTTP 503 circuit_open"}},
	{file: "webhooks-accepted-rejected.json", inv: WebhooksAccepted,
		orders: []string{}, ops: []int{}, ledger: []string{"evt_1", "evt_5"}, money: 0,
		says: []string{"2 events of 3 validly signed never accepted", "evt_1 to http://127.0.0.1:9000/webhooks/stripe answered 400, 400", "evt_5 to http://127.0.0.1:9000/webhooks/stripe answered 401"}},
	{file: "ownership-list-leak.json", inv: Ownership,
		orders: []string{"ord_1"}, ops: []int{3, 4}, ledger: []string{}, money: 1000,
		says: []string{"op 3: list of ord_1, an order of cus_1, answered 200 to cus_2", "op 4: refund of ord_1"}},
	{file: "refund-safety-refund-all.json", inv: RefundSafety,
		orders: []string{"ord_1"}, ops: []int{1}, ledger: []string{"pi_1", "ch_1", "re_1"}, money: 700,
		says: []string{"ord_1: the customer asked for 300 back, the provider refunded 1000 of the 1000 captured"}},
	{file: "eventual-resolution-asked.json", inv: EventualResolution,
		orders: []string{"ord_1"}, ops: []int{}, ledger: []string{}, money: 1500,
		says: []string{"ord_1 resolved only when the harness called reconcile, although the SUT declares a background reconciler"}},
}

func TestKnownBadHistoriesFail(t *testing.T) {
	for _, tt := range violations {
		t.Run(tt.file, func(t *testing.T) {
			in := loadFixture(t, tt.file)
			v := Run(in, tt.inv)[0]
			if v.Invariant != tt.inv.Name() || v.Result != Fail {
				t.Fatalf("%s: %s: %s", v.Invariant, v.Result, v.Message)
			}
			t.Logf("%s", v.Message)
			sameSet(t, "orders", v.Orders, tt.orders)
			sameSet(t, "ops", v.Ops, tt.ops)
			sameSet(t, "ledger", v.Ledger, tt.ledger)
			if v.MoneyAtRisk != tt.money {
				t.Errorf("money at risk %d, want %d", v.MoneyAtRisk, tt.money)
			}
			for _, s := range tt.says {
				if !strings.Contains(v.Message, s) {
					t.Errorf("message does not say %q", s)
				}
			}
			// Check without Run's shared index gives the same verdict.
			if alone := tt.inv.Check(in); !sameVerdict(alone, v) {
				t.Errorf("Check and Run disagree:\n%+v\n%+v", alone, v)
			}
		})
	}
}

// TestEveryInvariantCanFail: the catalogue has no invariant without a
// known-bad history.
func TestEveryInvariantCanFail(t *testing.T) {
	covered := make(map[string]bool)
	for _, v := range violations {
		covered[v.inv.Name()] = true
	}
	for _, inv := range All() {
		if !covered[inv.Name()] {
			t.Errorf("%s has no known-bad history", inv.Name())
		}
	}
	if len(All()) != 13 {
		t.Errorf("the catalogue has %d invariants, DESIGN.md has 13", len(All()))
	}
}

// TestNoVerdictLeaks runs every invariant over every fixture: no message
// may quote a secret or a full card number, and none may panic.
func TestNoVerdictLeaks(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		in := loadFixture(t, filepath.Base(file))
		secrets := append([]string{"4242424242424242", "4242 4242 4242 4242"}, in.Secrets...)
		for _, v := range Run(in) {
			for _, s := range secrets {
				if strings.Contains(v.Message, s) {
					t.Errorf("%s: %s verdict quotes %q", file, v.Invariant, s)
				}
			}
		}
	}
}

func TestSkipsWhenNotApplicable(t *testing.T) {
	empty := Run(&Input{})
	for _, v := range empty {
		if v.Result != Skip || v.Message == "" {
			t.Errorf("%s over nothing: %s %q, want a skip with a reason", v.Invariant, v.Result, v.Message)
		}
	}
	if got := Run(nil); len(got) != len(All()) {
		t.Fatalf("Run(nil) gave %d verdicts", len(got))
	}

	// Orders not read: money checks cannot match captures to orders.
	in := loadFixture(t, "no-lost-money-unknown-charged.json")
	in.Orders = nil
	for _, v := range Run(in, NoLostMoney, EventualResolution) {
		if v.Result != Skip || !strings.Contains(v.Message, "not read") {
			t.Errorf("%s without orders: %s %q", v.Invariant, v.Result, v.Message)
		}
	}
	// fail-fast needs a window and a budget.
	in = loadFixture(t, "fail-fast-hang.json")
	in.FailFastBudget = 0
	if v := FailFast.Check(in); v.Result != Skip {
		t.Errorf("fail-fast without a budget: %s", v.Result)
	}
	in = loadFixture(t, "fail-fast-hang.json")
	in.Window = Window{}
	if v := FailFast.Check(in); v.Result != Skip {
		t.Errorf("fail-fast without a window: %s", v.Result)
	}
}

// TestAmbiguityIsNotAFinding: the same unknown outcome passes when the shop
// reconciles it and fails when it does not.
func TestAmbiguityIsNotAFinding(t *testing.T) {
	in := loadFixture(t, "no-lost-money-unknown-charged.json")
	for _, v := range Run(in, NoDoubleCharge, NoFalsePaid, AmountIntegrity, EventualResolution) {
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", v.Invariant, v.Result, v.Message)
		}
	}
	// Reconciled: the shop finds the capture and marks the order paid.
	in.Orders[0].Status = history.StatusPaid
	if v := NoLostMoney.Check(in); v.Result != Pass {
		t.Errorf("reconciled to paid: %s: %s", v.Result, v.Message)
	}
	// Or refunds it.
	in = loadFixture(t, "no-lost-money-unknown-charged.json")
	in.Ledger.Refunds = append(in.Ledger.Refunds, in.Ledger.Refunds[0])
	in.Ledger.Refunds[1].ID, in.Ledger.Refunds[1].Charge, in.Ledger.Refunds[1].PaymentIntent, in.Ledger.Refunds[1].Amount = "re_1", "ch_1", "pi_1", 1999
	for _, v := range Run(in, NoLostMoney, RefundSafety) {
		if v.Result != Pass {
			t.Errorf("refunded: %s: %s: %s", v.Invariant, v.Result, v.Message)
		}
	}
	// A refund still pending at the provider counts as given back.
	in.Ledger.Refunds[1].Status = "pending"
	if v := NoLostMoney.Check(in); v.Result != Pass {
		t.Errorf("refund pending: %s: %s", v.Result, v.Message)
	}
	// A failed refund does not.
	in.Ledger.Refunds[1].Status = "failed"
	if v := NoLostMoney.Check(in); v.Result != Fail {
		t.Errorf("refund failed: %s: %s", v.Result, v.Message)
	}
}

func TestProcessingPaymentOfAFailedOrderIsAtRisk(t *testing.T) {
	in := loadFixture(t, "eventual-resolution-stuck.json")
	// ord_3's async payment is still processing; had the shop given up on
	// it, the money could still arrive for an order it calls failed.
	in.Orders[2].Status = history.StatusFailed
	v := NoLostMoney.Check(in)
	if v.Result != Fail || !slices.Equal(v.Orders, []string{"ord_3"}) || v.MoneyAtRisk != 3000 {
		t.Fatalf("%+v", v)
	}
}

func TestFromRun(t *testing.T) {
	run := history.Run{
		Meta: history.Meta{FaultStart: time.Second, FaultEnd: 2 * time.Second, SettleEnd: 3 * time.Second, FailFastBudget: 500 * time.Millisecond},
		Ops:  []history.Op{{ID: 1, Kind: history.Pay, Outcome: history.OK}},
	}
	in := FromRun(run)
	if in.Window != (Window{FaultStart: time.Second, FaultEnd: 2 * time.Second, SettleEnd: 3 * time.Second}) ||
		in.FailFastBudget != 500*time.Millisecond || len(in.History) != 1 {
		t.Fatalf("%+v", in)
	}
}

// What counts as a card number or a key is secret.Find's, tested there;
// here, that the checker quotes what it found masked, as the reports do.
func TestLeaksAreQuotedMasked(t *testing.T) {
	for _, tt := range []struct{ s, want string }{
		{"card 4242 4242 4242 4242", "a card number ending 4242"},
		{"key sk_live_0123456789abcdef in a log", "a secret key (sk_live_****)"},
		{"whsec_abc", "a webhook secret (whsec_****)"},
		{"pk_test_public and pi_3N4242424242424242xyz", ""},
		{"the known sk_test_51Habc", "secret #1 (sk_test_****)"},
	} {
		if got := leakIn(tt.s, []string{"sk_test_51Habc"}); got != tt.want {
			t.Errorf("leakIn(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
	if got := redact("card 4242 4242 4242 4242, key sk_test_51Habc", []string{"sk_test_51Habc"}); got != "card ****4242, key sk_test_****" {
		t.Errorf("redact = %q", got)
	}
}

func sameSet[T interface{ ~string | ~int }](t *testing.T, what string, got, want []T) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func sameVerdict(a, b Verdict) bool {
	return a.Invariant == b.Invariant && a.Result == b.Result && a.Message == b.Message &&
		slices.Equal(a.Orders, b.Orders) && slices.Equal(a.Ops, b.Ops) &&
		slices.Equal(a.Ledger, b.Ledger) && a.MoneyAtRisk == b.MoneyAtRisk
}

func TestDuplicateRecordsFirstWins(t *testing.T) {
	in := loadFixture(t, "clean.json")
	// A second, contradicting record of ord_1.
	in.Orders = append(in.Orders, history.Order{ID: "ord_1", Status: history.StatusFailed, Amount: 1999, Currency: "usd"})
	for _, v := range Run(in) {
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", v.Invariant, v.Result, v.Message)
		}
	}
}

// TestUnorderedLedger: charges listed in another order than their intents
// are matched all the same, through the scan and then the id map.
func TestUnorderedLedger(t *testing.T) {
	in := genInput(rand.New(rand.NewSource(3)), 5000)
	slices.Reverse(in.Ledger.Charges)
	rand.New(rand.NewSource(4)).Shuffle(len(in.Ledger.PaymentIntents), func(i, j int) {
		in.Ledger.PaymentIntents[i], in.Ledger.PaymentIntents[j] = in.Ledger.PaymentIntents[j], in.Ledger.PaymentIntents[i]
	})
	for _, v := range Run(in) {
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", v.Invariant, v.Result, v.Message)
		}
	}
	ix := newIndex(in)
	if ix.piByID == nil {
		t.Error("an unordered ledger did not fall back to the id map")
	}
	for c, p := range ix.chargePay {
		if ix.payID(p) != in.Ledger.Charges[c].PaymentIntent {
			t.Fatalf("charge %s matched to %s", in.Ledger.Charges[c].ID, ix.payID(p))
		}
	}
}

// TestParallelRunMatchesSerial: a history large enough for Run to work in
// parallel gets the verdicts each invariant gives alone. Some orders are
// broken so that the verdicts carry evidence.
func TestParallelRunMatchesSerial(t *testing.T) {
	in := genInput(rand.New(rand.NewSource(5)), parallelOps+5000)
	for i := 0; i < len(in.Orders); i += 997 {
		if in.Orders[i].Status == history.StatusPaid {
			in.Orders[i].Status = history.StatusPending
		}
	}
	got := Run(in)
	failed := 0
	for k, inv := range All() {
		if want := inv.Check(in); !sameVerdict(got[k], want) {
			t.Errorf("%s: Run gave %+v, Check gave %+v", inv.Name(), got[k], want)
		}
		if got[k].Result == Fail {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("the broken orders were not found")
	}
}

func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for _, n := range []int{0, 1, 255, 256, 10000} {
		s := make([]hashedOp, n)
		for i := range s {
			s[i] = hashedOp{h: r.Uint32() >> uint(r.Intn(32)), i: int32(i)}
			if i%7 == 0 && i > 0 {
				s[i].h = s[i-1].h // equal keys keep their order
			}
		}
		want := slices.Clone(s)
		slices.SortStableFunc(want, func(a, b hashedOp) int {
			if a.h < b.h {
				return -1
			}
			if a.h > b.h {
				return 1
			}
			return 0
		})
		radixSort(s)
		if !slices.Equal(s, want) {
			t.Fatalf("n=%d: radixSort differs from a stable sort", n)
		}
	}
}

// TestSameRequestHashCollision: ops whose hashes collide but whose keys
// differ are different requests.
func TestSameRequestHashCollision(t *testing.T) {
	in := loadFixture(t, "no-double-charge-same-key.json")
	ix := newIndex(in)
	// Pretend ops 1 (cus_1, cart-77, ord_a) and 3 (cus_2, cart-77, ord_c)
	// collide: they are still two requests, each with one order.
	run := []hashedOp{{h: 1, i: 0}, {h: 1, i: 2}}
	if got := splitRequests(ix, run, nil); len(got) != 0 {
		t.Fatalf("different customers merged: %v", got)
	}
	// Ops 1 and 2 are one request with two orders.
	run = []hashedOp{{h: 1, i: 1}, {h: 1, i: 0}, {h: 1, i: 2}}
	got := splitRequests(ix, run, nil)
	if len(got) != 1 || !slices.Equal(got[0], []int32{0, 1}) {
		t.Fatalf("got %v, want [[0 1]]", got)
	}
}

// TestPartialRefundOfAPaidOrder: a paid order partly refunded, as the SUT
// reports, is still honestly paid; refunded more than it says, it is not.
func TestPartialRefundOfAPaidOrder(t *testing.T) {
	in := loadFixture(t, "clean.json")
	in.Ledger.Refunds = append(in.Ledger.Refunds, fakeprovider.RefundRecord{
		ID: "re_1", Charge: "ch_1", PaymentIntent: "pi_1", Amount: 500, Currency: "usd", Status: "succeeded"})
	in.Orders[0].Refunded = 500 // ord_1 stays paid
	for _, v := range Run(in) {
		if v.Result != Pass {
			t.Errorf("%s: %s: %s", v.Invariant, v.Result, v.Message)
		}
	}
	in.Orders[0].Refunded = 200
	v := NoFalsePaid.Check(in)
	if v.Result != Fail || !slices.Equal(v.Orders, []string{"ord_1"}) || v.MoneyAtRisk != 300 {
		t.Fatalf("%+v", v)
	}
}

// TestPendingAnswerIsAnAcknowledgement: an order answered "pending" (202)
// that the SUT then forgets is unresolved; one whose request never got an
// answer and moved no money is not.
func TestPendingAnswerIsAnAcknowledgement(t *testing.T) {
	in := loadFixture(t, "eventual-resolution-stuck.json")
	in.Orders = in.Orders[:4] // ord_5 (no answer, no money) is not reported at all: fine
	v := EventualResolution.Check(in)
	sameSet(t, "orders", v.Orders, []string{"ord_1", "ord_2", "ord_4"})
	in.Orders = slices.DeleteFunc(in.Orders, func(o history.Order) bool { return o.ID == "ord_3" })
	// ord_3 was answered 202 pending; forgotten, it is unresolved, even
	// though its payment is still processing.
	v = EventualResolution.Check(in)
	sameSet(t, "orders", v.Orders, []string{"ord_1", "ord_2", "ord_3", "ord_4"})
}

// TestHistoryOrderDoesNotMatter: the verdicts over a history in call-time
// order (where loops may stop early) and over the same ops shuffled agree.
func TestHistoryOrderDoesNotMatter(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	inputs := map[string]*Input{"generated": genInput(rand.New(rand.NewSource(11)), 20000)}
	for _, f := range files {
		inputs[filepath.Base(f)] = loadFixture(t, filepath.Base(f))
	}
	for name, in := range inputs {
		history.SortOps(in.History)
		sorted := Run(in)
		if !newIndex(in).sorted {
			t.Fatalf("%s: sorted history not seen as sorted", name)
		}
		rand.New(rand.NewSource(12)).Shuffle(len(in.History), func(i, j int) {
			in.History[i], in.History[j] = in.History[j], in.History[i]
		})
		shuffled := Run(in)
		for k := range sorted {
			a, b := sorted[k], shuffled[k]
			if a.Result != b.Result || a.MoneyAtRisk != b.MoneyAtRisk {
				t.Errorf("%s %s: sorted %s %d, shuffled %s %d", name, a.Invariant, a.Result, a.MoneyAtRisk, b.Result, b.MoneyAtRisk)
			}
			sameSet(t, name+" "+a.Invariant+" orders", b.Orders, a.Orders)
			sameSet(t, name+" "+a.Invariant+" ops", b.Ops, a.Ops)
			sameSet(t, name+" "+a.Invariant+" ledger", b.Ledger, a.Ledger)
		}
	}
}

func TestMoneyAtRiskSaturates(t *testing.T) {
	f := finding{name: "x"}
	f.violation(math.MaxInt64, "an overflowing amount")
	f.violation(math.MaxInt64, "another")
	if f.money != math.MaxInt64 {
		t.Fatalf("two violations of MaxInt64 sum to %d", f.money)
	}
	if got := AddMoney(math.MaxInt64-1, 10); got != math.MaxInt64 {
		t.Fatalf("AddMoney wraps: %d", got)
	}
	if got := AddMoney(3, 4); got != 7 {
		t.Fatalf("AddMoney(3, 4) = %d", got)
	}
}
