package attack

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
)

// Attack is one malicious move against a SUT: what it is called, the safe
// answer it expects, and how to build its requests for any target.
type Attack struct {
	// Name is stable: ops are recorded under it ("name/variant" when the
	// attack sends several requests) and reports group by it.
	Name string
	// Kind is history.Attack for requests at the SUT's API,
	// history.Webhook for deliveries at its webhook endpoint, and
	// history.Pay for checkouts that look legitimate one by one and whose
	// harm only the ledger shows (no-double-charge judges them).
	Kind history.Kind
	// Expect is the safe answer: the statuses input-safety allows, and what
	// the request may do.
	Expect history.Expect

	plan func(s *setting) ([]shot, error)
}

// The safe answers.
var (
	expectNoOrder  = history.Expect{Status: []history.StatusClass{history.Class4xx}, Effect: history.NoOrder}
	expectNoChange = history.Expect{Status: []history.StatusClass{history.Class4xx}, Effect: history.NoChange}
	expectNotFound = history.Expect{Status: []history.StatusClass{history.Code(404)}, Effect: history.NoChange}
	expectAuth     = history.Expect{Status: []history.StatusClass{history.Code(401), history.Code(403), history.Code(404)}, Effect: history.NoChange}
	expectWebhook  = expectNoChange
	expectReplay   = history.Expect{Status: []history.StatusClass{history.Class2xx, history.Class4xx}, Effect: history.NoChange}
	expectOnce     = history.Expect{Effect: history.OncePerKey}
	expectCard     = history.Expect{Status: []history.StatusClass{history.Class4xx}, Effect: history.NoOrderNoEcho}
)

// All is the catalogue, in the order Run sends it: requests that must
// create nothing first, then forged webhooks, then requests aimed at
// existing orders (the ones that would change them, if the SUT let them,
// last).
func All() []Attack { return slices.Clone(catalogue) }

// Except is the catalogue without the named attacks: a target whose
// contract differs on purpose (it normalises currency case, it ignores
// unknown fields) leaves out what does not apply to it.
func Except(names ...string) []Attack {
	return slices.DeleteFunc(All(), func(a Attack) bool { return slices.Contains(names, a.Name) })
}

// Named returns the attacks with these names, in the catalogue's order, or
// an error naming one the catalogue does not have.
func Named(names ...string) ([]Attack, error) {
	var out []Attack
	for _, n := range names {
		i := slices.IndexFunc(catalogue, func(a Attack) bool { return a.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("no attack named %q", n)
		}
		out = append(out, catalogue[i])
	}
	return out, nil
}

var catalogue = []Attack{
	// Tampered and impossible amounts: the checkout must be refused before
	// any order exists.
	{Name: "amount-tampered", Kind: history.Attack, Expect: expectNoOrder, plan: tamperedAmount},
	amount("amount-zero", "0"),
	amount("amount-negative", "-1000"),
	amount("amount-int64-max", "9223372036854775807"),
	amount("amount-overflow", "9223372036854775808"),
	amount("amount-exponent", "1e30"),
	amount("amount-fraction", "10.5"),

	// Currency confusion.
	currency("currency-unknown", func(string) string { return "xyz" }),
	currency("currency-uppercase", strings.ToUpper),
	currency("currency-padded", func(c string) string { return " " + c + " " }),
	currency("currency-empty", func(string) string { return "" }),

	// Malformed bodies.
	{Name: "body-oversized", Kind: history.Attack, Expect: expectNoOrder, plan: oversized},
	{Name: "body-malformed", Kind: history.Attack, Expect: expectNoOrder, plan: malformed},
	{Name: "body-wrong-types", Kind: history.Attack, Expect: expectNoOrder, plan: wrongTypes},
	{Name: "body-deep-nesting", Kind: history.Attack, Expect: expectNoOrder, plan: deepNesting},
	{Name: "body-invalid-utf8", Kind: history.Attack, Expect: expectNoOrder, plan: invalidUTF8},
	{Name: "body-unknown-fields", Kind: history.Attack, Expect: expectNoOrder, plan: unknownFields},

	{Name: "card-number", Kind: history.Attack, Expect: expectCard, plan: cardNumber},

	// Idempotency.
	{Name: "key-reuse-other-body", Kind: history.Attack, Expect: expectNoChange, plan: keyReuse},
	{Name: "double-submit", Kind: history.Pay, Expect: expectOnce, plan: doubleSubmit},

	// Forged webhooks, each aimed at every order given.
	webhookAttack("webhook-unsigned", expectWebhook, unsigned),
	webhookAttack("webhook-bad-signature", expectWebhook, badSignature),
	webhookAttack("webhook-foreign-account", expectWebhook, foreignAccount),
	webhookAttack("webhook-stale", expectWebhook, stale),
	webhookAttack("webhook-replay", expectReplay, replay),
	webhookAttack("webhook-malformed", expectWebhook, malformedEvent),
	webhookAttack("webhook-api-version", expectWebhook, otherAPIVersion),

	// Injection strings in every text field the target's calls carry.
	injection("injection-sql", `' OR '1'='1' --`),
	injection("injection-script", `<script>alert("paychaos")</script>`),
	injection("injection-path-traversal", "/../../../../etc/passwd"),
	injection("injection-crlf", "\r\nX-Injected: paychaos\r\n"),
	injection("injection-nul", "\x00"),

	// Credentials and ownership.
	{Name: "token-missing", Kind: history.Attack, Expect: expectAuth, plan: tokenAttack(func(*setting) string { return "" })},
	{Name: "token-invalid", Kind: history.Attack, Expect: expectAuth, plan: tokenAttack(func(s *setting) string { return "tok_forged_" + s.hex(8) })},
	{Name: "other-customer-read", Kind: history.Attack, Expect: expectNotFound, plan: otherCustomer(callGet)},
	{Name: "other-customer-refund", Kind: history.Attack, Expect: expectNotFound, plan: otherCustomer(callRefund)},
	{Name: "other-customer-cancel", Kind: history.Attack, Expect: expectNotFound, plan: otherCustomer(callCancel)},

	// Refunds the order cannot take.
	{Name: "refund-over", Kind: history.Attack, Expect: expectNoChange, plan: refundOver},
	{Name: "refund-negative", Kind: history.Attack, Expect: expectNoChange, plan: refundNegative},
	{Name: "refund-unpaid", Kind: history.Attack, Expect: expectNoChange, plan: refundUnpaid},
	{Name: "refund-other-currency", Kind: history.Attack, Expect: expectNoChange, plan: refundOtherCurrency},
}

// shot is one request of an attack.
type shot struct {
	variant string
	// kind overrides the attack's kind (the setup checkout of a key reuse
	// is a Pay).
	kind history.Kind
	send func(ctx context.Context) (sut.Reply, error)
	// as is whose credentials the request carries; empty for none.
	as sut.Customer
	// aim is the existing order the request aims at; nil when it must
	// create none. aimPrev aims at the order the previous shot's answer
	// named instead.
	aim     *history.Order
	aimPrev bool
	// withNext sends this shot at the same moment as the next one.
	withNext bool
	// The checkout the request carries, recorded on the op.
	key, currency, method string
	amount                int64
}

// --- checkouts that must create nothing --------------------------------

// payShot renders the target's pay call for the first customer with a
// fresh key, lets edit tamper with it, and fills what is left with the
// valid checkout's values.
func (s *setting) payShot(variant string, edit func(r *rendered) error) (shot, error) {
	return s.payShotBy(variant, s.customers[0], edit)
}

// payShotBy is payShot with c's credentials (a forged, missing or
// tampered token).
func (s *setting) payShotBy(variant string, c sut.Customer, edit func(r *rendered) error) (shot, error) {
	key := s.key()
	r, err := render(s.t, s.t.Pay, sut.CallData{
		Amount: markAmount, Currency: markCurrency, PaymentMethod: markMethod,
		Key: key, Customer: c.ID, Token: c.Token,
	})
	if err != nil {
		return shot{}, fmt.Errorf("render the pay call: %w", err)
	}
	r.fills = map[string]string{
		markAmountText: strconv.FormatInt(s.opts.Amount, 10),
		markCurrency:   s.opts.Currency,
		markMethod:     s.opts.PaymentMethod,
	}
	if edit != nil {
		if err := edit(&r); err != nil {
			return shot{}, err
		}
	}
	if err := r.headersSafe(); err != nil {
		return shot{}, err
	}
	req := r.request()
	return shot{
		variant: variant, send: s.sender(req), as: c,
		key: key, amount: s.opts.Amount, currency: s.opts.Currency, method: s.opts.PaymentMethod,
	}, nil
}

// one is a plan of a single checkout shot.
func one(edit func(s *setting, r *rendered) error) func(s *setting) ([]shot, error) {
	return func(s *setting) ([]shot, error) {
		sh, err := s.payShot("", func(r *rendered) error { return edit(s, r) })
		if err != nil {
			return nil, err
		}
		return []shot{sh}, nil
	}
}

// variants is a plan of one checkout shot per named edit; the edits a
// target cannot take are skipped with their reasons.
type variant struct {
	name string
	edit func(r *rendered) error
}

func variants(s *setting, vs []variant) ([]shot, error) {
	var shots []shot
	for _, v := range vs {
		sh, err := s.payShot(v.name, v.edit)
		if err != nil {
			if s.skipVariant(v.name, err) {
				continue
			}
			return nil, err
		}
		shots = append(shots, sh)
	}
	return shots, nil
}

func amount(name, raw string) Attack {
	return Attack{Name: name, Kind: history.Attack, Expect: expectNoOrder,
		plan: one(func(_ *setting, r *rendered) error { return r.setRaw(markAmountText, raw) })}
}

func currency(name string, tamper func(string) string) Attack {
	return Attack{Name: name, Kind: history.Attack, Expect: expectNoOrder,
		plan: one(func(s *setting, r *rendered) error { return r.setText(markCurrency, tamper(s.opts.Currency)) })}
}

// tamperedAmount sends a basket the server prices, with a client amount
// far below its price: a SUT that charges what the client says takes 1.00
// for goods worth more. Items.Value must be priced above that.
func tamperedAmount(s *setting) ([]shot, error) {
	it := s.opts.Items
	if it == nil || it.Field == "" || len(it.Value) == 0 {
		return nil, skipf("the target prices no items server side (Options.Items)")
	}
	sh, err := s.payShot("", func(r *rendered) error {
		if err := r.setRaw(markAmountText, strconv.FormatInt(tamperedClientAmount, 10)); err != nil {
			return err
		}
		return r.addField(it.Field, string(it.Value))
	})
	if err != nil {
		return nil, err
	}
	sh.amount = tamperedClientAmount
	return []shot{sh}, nil
}

// tamperedClientAmount is what amount-tampered says the basket costs: a
// price a provider takes (Stripe charges at least 50 cents), far below
// any real basket's, so that a SUT that charges it is caught by
// amount-integrity rather than saved by the provider's minimum.
const tamperedClientAmount = 100

// oversizedBytes is the size of body-oversized's body: past 1 MiB.
const oversizedBytes = 1<<20 + 1<<10

func oversized(s *setting) ([]shot, error) {
	pad := strings.Repeat("A", oversizedBytes)
	return variants(s, []variant{{"", func(r *rendered) error {
		if r.uses(markMethod) {
			return r.setText(markMethod, s.opts.PaymentMethod+pad)
		}
		return r.addField("padding", jsonString(pad))
	}}})
}

func malformed(s *setting) ([]shot, error) {
	return variants(s, []variant{
		{"bad-json", func(r *rendered) error { r.fill(); r.body = strings.Replace(r.body, ":", "::", 1) + ","; return nil }},
		{"truncated", func(r *rendered) error { r.fill(); r.body = r.body[:len(r.body)/2]; return nil }},
		{"empty", func(r *rendered) error { r.fill(); r.body = ""; return nil }},
		{"trailing-data", func(r *rendered) error { r.fill(); r.body += r.body; return nil }},
		{"array", func(r *rendered) error { r.fill(); r.body = "[" + r.body + "]"; return nil }},
		{"null", func(r *rendered) error { r.fill(); r.body = "null"; return nil }},
	})
}

func wrongTypes(s *setting) ([]shot, error) {
	return variants(s, []variant{
		{"amount-string", func(r *rendered) error {
			return r.setRaw(markAmountText, jsonString(strconv.FormatInt(s.opts.Amount, 10)))
		}},
		{"amount-bool", func(r *rendered) error { return r.setRaw(markAmountText, "true") }},
		{"amount-object", func(r *rendered) error { return r.setRaw(markAmountText, `{"value":1000}`) }},
		{"currency-number", func(r *rendered) error { return r.setRaw(markCurrency, "840") }},
		{"currency-array", func(r *rendered) error { return r.setRaw(markCurrency, `["usd","eur"]`) }},
		{"payment-method-object", func(r *rendered) error {
			return r.setRaw(markMethod, `{"id":`+jsonString(s.opts.PaymentMethod)+`}`)
		}},
	})
}

// nestingDepth keeps body-deep-nesting under a 16 KiB body limit, so that
// it reaches the SUT's JSON parser rather than its size check, and past
// the depth most parsers refuse (encoding/json: 10,000).
const nestingDepth = 7000

func deepNesting(s *setting) ([]shot, error) {
	return variants(s, []variant{{"", func(r *rendered) error {
		return r.setRaw(markAmountText, strings.Repeat("[", nestingDepth)+"1"+strings.Repeat("]", nestingDepth))
	}}})
}

func invalidUTF8(s *setting) ([]shot, error) {
	bad := func(v string) []byte { return append([]byte(v), 0xff, 0xfe, 0xc3, 0x28) }
	return variants(s, []variant{
		{"currency", func(r *rendered) error { return r.setBytes(markCurrency, bad(s.opts.Currency)) }},
		{"payment-method", func(r *rendered) error { return r.setBytes(markMethod, bad(s.opts.PaymentMethod)) }},
	})
}

// unknownFields tries to assign what only the SUT may decide. A SUT that
// ignores unknown fields rather than refusing them creates an order here;
// leave the attack out (Except) if that is its contract.
func unknownFields(s *setting) ([]shot, error) {
	return variants(s, []variant{
		{"status-paid", func(r *rendered) error { return r.addField("status", `"paid"`) }},
		{"customer", func(r *rendered) error { return r.addField("customer", jsonString(s.otherID())) }},
		{"proto", func(r *rendered) error { return r.addField("__proto__", `{"admin":true}`) }},
	})
}

// testCardNumber is Stripe's public test Visa number: a full card number
// the no-secret-leak invariant recognises, and nobody's money.
const testCardNumber = "4242424242424242"

// cardNumber sends raw card data where a payment method id belongs: a
// client that should have tokenised the card first. The SUT must refuse
// it, and neither echo nor log the number (no-secret-leak reads the
// answers, and the SUT's logs when the caller gives them).
func cardNumber(s *setting) ([]shot, error) {
	return variants(s, []variant{
		{"card-object", func(r *rendered) error {
			return r.addField("card", `{"number":"`+testCardNumber+`","exp_month":12,"exp_year":2034,"cvc":"123"}`)
		}},
		{"payment-method", func(r *rendered) error { return r.setText(markMethod, testCardNumber) }},
	})
}

// --- idempotency --------------------------------------------------------

// keyReuse pays a valid checkout, then sends the same key with another
// amount: the SUT must refuse it, leave the first order as it is and
// create no second one.
func keyReuse(s *setting) ([]shot, error) {
	if !s.payUses(".Key") {
		return nil, skipf("the target's pay call sends no idempotency key")
	}
	c := s.customers[0]
	req := s.payRequest(c)
	other := req
	other.Amount++
	return []shot{
		{variant: "setup", kind: history.Pay, send: s.pay(req), as: c, key: req.Key, amount: req.Amount, currency: req.Currency, method: req.PaymentMethod},
		{variant: "other-amount", send: s.pay(other), as: c, aimPrev: true, key: other.Key, amount: other.Amount, currency: other.Currency, method: other.PaymentMethod},
	}, nil
}

// doubleSubmitRounds is how many double clicks double-submit makes, each
// with its own key: two requests sent at once overlap at the SUT most of
// the time (about nine times in ten on loopback), not every time.
const doubleSubmitRounds = 3

// doubleSubmit sends one checkout twice at the same moment with the same
// key, a double click, in a few rounds. All are recorded as checkouts:
// the ledger, judged by no-double-charge, says whether the SUT paid once.
func doubleSubmit(s *setting) ([]shot, error) {
	if !s.payUses(".Key") {
		return nil, skipf("the target's pay call sends no idempotency key")
	}
	c := s.customers[0]
	var shots []shot
	for round := 1; round <= doubleSubmitRounds; round++ {
		req := s.payRequest(c)
		sh := shot{send: s.pay(req), as: c, key: req.Key, amount: req.Amount, currency: req.Currency, method: req.PaymentMethod}
		first, second := sh, sh
		first.variant, first.withNext = fmt.Sprintf("round-%d/first", round), true
		second.variant = fmt.Sprintf("round-%d/second", round)
		shots = append(shots, first, second)
	}
	return shots, nil
}

// --- injection ----------------------------------------------------------

// injection puts text into every text field the target's calls carry: the
// pay call's currency and payment method, the order id of get, cancel and
// refund (appended to a real order's id, so that a SUT that strips or
// matches loosely acts on that order, visibly), and the customer token.
// The idempotency key is left alone: it is the client's opaque value, and
// a SUT may rightly accept any printable key.
func injection(name, text string) Attack {
	return Attack{Name: name, Kind: history.Attack, Expect: expectNoChange, plan: func(s *setting) ([]shot, error) {
		shots, err := variants(s, []variant{
			{"pay-currency", func(r *rendered) error { return r.setText(markCurrency, s.opts.Currency+text) }},
			{"pay-payment-method", func(r *rendered) error { return r.setText(markMethod, s.opts.PaymentMethod+text) }},
		})
		if err != nil {
			return nil, err
		}
		if o, ok := s.order(history.StatusPaid, history.StatusPending, history.StatusFailed); ok {
			id := url.PathEscape(o.ID + text)
			if strings.HasPrefix(text, "/") {
				id = o.ID + text // traversal: the slashes must stay slashes
			}
			owner := s.owner(o)
			for _, c := range []orderCall{callGet, callCancel, callRefund} {
				sh, err := s.orderShot(c, owner, o, id, o.Amount)
				if err != nil {
					if s.skipVariant(c.name+"-order-id", err) {
						continue
					}
					return nil, err
				}
				sh.variant = c.name + "-order-id"
				shots = append(shots, sh)
			}
		} else {
			s.skipVariant("order-id", skipf("no order to aim at (Options.Orders)"))
		}
		sh, err := s.payShotBy("token", sut.Customer{Token: s.customers[0].Token + text}, nil)
		if err != nil {
			if !s.skipVariant("token", err) {
				return nil, err
			}
		} else {
			shots = append(shots, sh)
		}
		return shots, nil
	}}
}
