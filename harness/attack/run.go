package attack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness/history"
	"github.com/paychaos/paychaos/harness/sut"
	"github.com/paychaos/paychaos/harness/traffic"
)

// Options says what the attacks aim at and how they are made.
type Options struct {
	// Target describes the SUT's API. Zero: the driver's own, when it
	// has one (sut.HTTPDriver has).
	Target sut.Target
	// Customers lend their credentials: the first places the tampered
	// checkouts, another one plays the thief of the orders it does not
	// own. Zero: the target's customers. The other-customer attacks need
	// two.
	Customers []sut.Customer
	// Orders are existing orders to aim at; their ID and Customer are
	// used, their status is read live before every attack. Give a paid
	// one, a failed one and, if the SUT can hold one, a pending one that
	// no real payment will move while the attacks run: forged webhooks
	// aim at each, and a request that gets through visibly changes it.
	Orders []history.Order
	// Rand makes every random choice (keys, event and payment ids).
	Rand *rand.Rand
	// Amount, Currency and PaymentMethod make the valid checkout the
	// attacks tamper with. Defaults: 1000, "usd", "pm_card_visa".
	Amount        int64
	Currency      string
	PaymentMethod string
	// Items is a basket the target prices itself; nil skips
	// amount-tampered.
	Items *Items
	// WebhookPath is the path of the SUT's webhook endpoint. Default:
	// Target.Webhook.Path.
	WebhookPath string
	// WebhookSecret is the secret the SUT checks signatures with; the
	// attacks that need a valid signature (stale, replay, malformed,
	// other API version) are skipped without it.
	WebhookSecret string
	// ForeignSecret signs webhook-foreign-account's events: another
	// account's secret. Default: a fixed one.
	ForeignSecret string
	// APIVersion is stamped on forged events. Default:
	// fakeprovider.DefaultAPIVersion.
	APIVersion string
	// Ledger is the provider's snapshot, taken after Orders were made: it
	// gives forged events the orders' real payment ids and webhook-replay
	// real events. Nil: ids are made up and replay falls back to a
	// captured forged event.
	Ledger *fakeprovider.Snapshot
	// MetadataKey is the payment metadata key that names an order, when
	// not order_id (Target.Correlate, Instance.MetadataKey). Payments are
	// found for an order first by the PaymentIntent ids the SUT keeps for
	// it (history.Order.PaymentIntents), then by this key: the checker's
	// join (check.Join).
	MetadataKey string
	// Attacks to send. Nil: All().
	Attacks []Attack
	// Client is the client number the ops are recorded under.
	Client int
	// KeyPrefix keeps idempotency keys apart from other runs against the
	// same SUT. Default: drawn from Rand, so two runs against one SUT
	// need two seeds (or two prefixes), or their keys meet.
	KeyPrefix string
	// Now dates webhook signatures and events. Default: time.Now.
	Now func() time.Time
	// AllowRemote lets the attacks go to a base URL that is not loopback:
	// a staging SUT you own. Off, a remote target is refused.
	AllowRemote bool
	Logger      *slog.Logger
}

// Items is a basket the target prices server side: Field is the member of
// the pay body that carries it, Value its JSON.
type Items struct {
	Field string
	Value json.RawMessage
}

// ShopItems is a basket of the reference shop's catalogue.
var ShopItems = Items{Field: "items", Value: json.RawMessage(`[{"sku":"mug","quantity":2}]`)}

// defaultForeignSecret is another provider account's signing secret.
const defaultForeignSecret = "whsec_foreign_account_9f8e7d6c5b4a3210"

// Report is what a run of attacks did: the ops it recorded, what it
// skipped and why it stopped early, if it did. (It judges nothing: the
// checker's verdicts come later.)
type Report struct {
	// Ops are the operations recorded, health probes included.
	Ops []history.Op
	// Skipped are the attacks, or single requests of them
	// ("name/variant"), the target could not take, with why.
	Skipped []Skipped
	// Stopped says why the run ended before the catalogue did: the SUT
	// stopped answering. Empty when every attack ran.
	Stopped string
}

// Skipped is an attack that did not apply.
type Skipped struct {
	Attack string `json:"attack"`
	Reason string `json:"reason"`
}

// Run sends each attack at the SUT behind d and records one op per
// request in rec, each with the status of the order it aimed at before
// and after, then a health probe per attack. d must also be a sut.Sender.
// Run returns an error only when it could not do its job (no target, a
// template that does not render, the SUT down from the start); what the
// SUT did wrong is in the ops, for the checker. A SUT that stops
// answering ends the run early, recorded, with Report.Stopped saying so.
func Run(ctx context.Context, d sut.Driver, rec *history.Recorder, opts Options) (Report, error) {
	var res Report
	s, err := newSetting(d, rec, opts)
	if err != nil {
		return res, err
	}
	if err := s.refresh(ctx, true); err != nil {
		return res, err
	}
	attacks := s.opts.Attacks
	if attacks == nil {
		attacks = All()
	}
	for i, a := range attacks {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("attack %s: %w", a.Name, err)
		}
		if err := s.refresh(ctx, false); err != nil {
			return res, err
		}
		s.attack, s.skipped = a.Name, nil
		shots, err := a.plan(s)
		res.Skipped = append(res.Skipped, s.skipped...)
		var sk *skip
		switch {
		case errors.As(err, &sk):
			res.Skipped = append(res.Skipped, Skipped{Attack: a.Name, Reason: sk.reason})
			s.log.Info("attack skipped", "attack", a.Name, "reason", sk.reason)
			continue
		case err != nil:
			return res, fmt.Errorf("attack %s: %w", a.Name, err)
		case len(shots) == 0:
			res.Skipped = append(res.Skipped, Skipped{Attack: a.Name, Reason: "no request of it applies to the target"})
			continue
		}
		ops := s.fire(ctx, a, shots)
		res.Ops = append(res.Ops, ops...)
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("attack %s: %w", a.Name, err)
		}
		s.log.Info("attack sent", "attack", a.Name, "requests", len(ops))
		if op, ok := s.probe(ctx); ok {
			res.Ops = append(res.Ops, op)
			if op.HTTPStatus == 0 {
				res.Stopped = fmt.Sprintf("the SUT stopped answering after %s: %s", a.Name, op.Error)
				for _, rest := range attacks[i+1:] {
					res.Skipped = append(res.Skipped, Skipped{Attack: rest.Name, Reason: "not sent: " + res.Stopped})
				}
				return res, nil
			}
		}
	}
	return res, nil
}

// setting is what attacks are built from, for one run.
type setting struct {
	opts      Options
	t         sut.Target
	d         sut.Driver
	tx        sut.Sender
	rec       *history.Recorder
	log       *slog.Logger
	customers []sut.Customer
	// orders are Options.Orders with their live status and amount.
	orders []history.Order
	// roles are the orders' statuses when the run began: what they stand
	// for in op names, even once a flawed SUT has changed them.
	roles map[string]history.Status
	// forgedIDs are the made-up PaymentIntent and Charge ids per order.
	forgedIDs map[string][2]string
	keys      int

	// attack is the attack being planned; skipped its requests that do
	// not apply.
	attack  string
	skipped []Skipped
}

// targeter is a driver that knows its target's description.
type targeter interface{ Target() sut.Target }

func newSetting(d sut.Driver, rec *history.Recorder, opts Options) (*setting, error) {
	tx, ok := d.(sut.Sender)
	if !ok {
		return nil, fmt.Errorf("attack: driver %T cannot send raw requests (sut.Sender)", d)
	}
	if rec == nil {
		return nil, errors.New("attack: no recorder")
	}
	if opts.Rand == nil {
		return nil, errors.New("attack: no random source (Options.Rand)")
	}
	t := opts.Target
	base := t.BaseURL
	if td, ok := d.(targeter); ok {
		if !t.Pay.Defined() {
			t = td.Target()
		}
		base = td.Target().BaseURL // where Send goes, whatever Options say
	}
	if !t.Pay.Defined() || !t.Get.Defined() {
		return nil, errors.New("attack: the target describes no pay and get calls (Options.Target)")
	}
	if err := checkBase(base, opts.AllowRemote); err != nil {
		return nil, err
	}
	s := &setting{opts: opts, t: t, d: d, tx: tx, rec: rec, forgedIDs: map[string][2]string{}, log: opts.Logger}
	o := &s.opts
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if o.Amount == 0 {
		o.Amount = 1000
	}
	if o.Currency == "" {
		o.Currency = "usd"
	}
	if o.PaymentMethod == "" {
		o.PaymentMethod = "pm_card_visa"
	}
	if o.WebhookPath == "" {
		o.WebhookPath = t.Webhook.Path
	}
	if o.WebhookPath != "" && !strings.HasPrefix(o.WebhookPath, "/") {
		return nil, fmt.Errorf("attack: webhook path %q does not start with /", o.WebhookPath)
	}
	if o.ForeignSecret == "" {
		o.ForeignSecret = defaultForeignSecret
	}
	if o.WebhookSecret != "" && o.ForeignSecret == o.WebhookSecret {
		return nil, errors.New("attack: the foreign account's secret is the SUT's own")
	}
	if o.APIVersion == "" {
		o.APIVersion = fakeprovider.DefaultAPIVersion
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = "atk-" + s.hex(4) + "-"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s.customers = o.Customers
	if len(s.customers) == 0 {
		s.customers = t.Customers
	}
	if len(s.customers) == 0 {
		return nil, errors.New("attack: no customer (Options.Customers)")
	}
	for _, ord := range o.Orders {
		if _, ok := s.customer(ord.Customer); !ok {
			return nil, fmt.Errorf("attack: order %s belongs to %q, who is not among the customers", ord.ID, ord.Customer)
		}
	}
	s.orders = append([]history.Order(nil), o.Orders...)
	s.roles = map[string]history.Status{}
	return s, nil
}

// checkBase refuses a base URL off this machine unless allowed.
func checkBase(base string, allowRemote bool) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("attack: base URL %q is not an absolute URL", base)
	}
	if allowRemote {
		return nil
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("attack: base URL %s is not loopback (set Options.AllowRemote for a SUT you own elsewhere)", base)
}

// refresh reads the live status and amount of every order aimed at. At
// the start (first) a failed read is an error: the SUT must be up. Later,
// an order that cannot be read keeps what was known of it; the ops that
// aim at it record why.
func (s *setting) refresh(ctx context.Context, first bool) error {
	for i := range s.orders {
		o := &s.orders[i]
		r, err := s.d.Get(ctx, s.owner(*o), o.ID)
		switch {
		case err == nil && r.HTTPStatus == http.StatusOK:
			o.Status = r.Order.Status
			if first {
				s.roles[o.ID] = o.Status
			}
			if r.Order.Amount > 0 {
				o.Amount = r.Order.Amount
			}
			if r.Order.Currency != "" {
				o.Currency = r.Order.Currency
			}
			if len(r.Order.PaymentIntents) > 0 {
				o.PaymentIntents = r.Order.PaymentIntents
			}
		case first && err != nil:
			return fmt.Errorf("attack: read order %s: %w", o.ID, err)
		case first:
			return fmt.Errorf("attack: read order %s: HTTP %d %s", o.ID, r.HTTPStatus, r.Code)
		}
	}
	return nil
}

// fire sends an attack's shots, those chained by withNext at the same
// moment, and records one op per shot.
func (s *setting) fire(ctx context.Context, a Attack, shots []shot) []history.Op {
	var ops []history.Op
	prevOrder := ""
	for i := 0; i < len(shots) && ctx.Err() == nil; {
		j := i
		for j < len(shots)-1 && shots[j].withNext {
			j++
		}
		group := shots[i : j+1]
		i = j + 1
		var live []shot
		for _, sh := range group {
			if sh.aimPrev {
				if prevOrder == "" {
					s.skipped = append(s.skipped, Skipped{Attack: a.Name + "/" + sh.variant, Reason: "the request before it created no order"})
					continue
				}
				sh.aim = &history.Order{ID: prevOrder, Customer: sh.as.ID}
			}
			live = append(live, sh)
		}
		got := s.volley(ctx, a, live)
		for _, op := range got {
			prevOrder = op.Order
		}
		ops = append(ops, got...)
	}
	return ops
}

// volley sends shots at once: each aimed order is read before any is
// sent and after all have answered. A volley under way finishes even if
// ctx ends (each request is bounded by the driver's own timeout): a
// request cut short by the harness would read as a SUT that never
// answered.
func (s *setting) volley(ctx context.Context, a Attack, shots []shot) []history.Op {
	ctx = context.WithoutCancel(ctx)
	ops := make([]history.Op, len(shots))
	befores := make([]history.Status, len(shots))
	notes := make([]string, len(shots))
	for k, sh := range shots {
		if sh.aim == nil {
			continue
		}
		st, note := s.read(ctx, *sh.aim)
		if note != "" {
			// Unreadable now: what was last known stands in, so that a
			// failed read is not taken for an order that did not exist.
			st = s.known(sh.aim.ID, sh.aim.Status)
			notes[k] = "before: " + note
		}
		befores[k] = st
	}
	replies := make([]sut.Reply, len(shots))
	errs := make([]error, len(shots))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k, sh := range shots {
		wg.Go(func() {
			<-start
			ops[k].Call = s.rec.Now()
			replies[k], errs[k] = sh.send(ctx)
			ops[k].Return = s.rec.Now()
		})
	}
	close(start)
	wg.Wait()
	for k, sh := range shots {
		op := &ops[k]
		s.describe(op, a, sh)
		kind := a.Kind
		if sh.kind != "" {
			kind = sh.kind
		}
		op.Kind = kind
		if kind == history.Pay {
			traffic.Classify(op, replies[k], errs[k])
		} else {
			answer(op, replies[k], errs[k])
			s.note(op, notes[k])
			s.judgeState(ctx, op, sh, replies[k], befores[k])
		}
		op.ID = s.rec.Add(*op)
	}
	return ops
}

// describe fills what an op says about the request.
func (s *setting) describe(op *history.Op, a Attack, sh shot) {
	op.Client = s.opts.Client
	op.Customer = sh.as.ID
	op.Key, op.Amount, op.Currency, op.PaymentMethod = sh.key, sh.amount, sh.currency, sh.method
	op.Name = a.Name
	if sh.variant != "" {
		op.Name += "/" + sh.variant
	}
	op.Expect = a.Expect
}

// answer records the SUT's answer to a malicious request: any answer
// below 400 is ok (the request took effect, as far as the client is
// told), a 4xx a refusal, a 5xx or no answer unknown.
func answer(op *history.Op, r sut.Reply, err error) {
	if err != nil {
		op.Outcome, op.Error = history.Unknown, err.Error()
		return
	}
	op.HTTPStatus, op.Code, op.Body, op.Status = r.HTTPStatus, r.Code, r.Body, r.Order.Status
	switch {
	case r.HTTPStatus < 400:
		op.Outcome = history.OK
	case r.HTTPStatus < 500:
		op.Outcome = history.Fail
	default:
		op.Outcome = history.Unknown
	}
}

// judgeState sets the op's order and its status before and after. A
// request aimed at an order is judged on that order; an answer that also
// names another existing order is noted. A request aimed at none that
// gets an order back created it: from none to whatever it is now.
func (s *setting) judgeState(ctx context.Context, op *history.Op, sh shot, r sut.Reply, before history.Status) {
	named := r.Order.ID
	reader := sh.as
	if reader.Token == "" || reader.ID == "" {
		reader = s.customers[0]
	}
	switch {
	case sh.aim != nil:
		op.Order, op.Before = sh.aim.ID, before
		var note string
		op.After, note = s.read(ctx, *sh.aim)
		s.note(op, note)
		if named != "" && named != sh.aim.ID {
			// Not every id in an answer is an order's; say so only of one.
			if st, _ := s.read(ctx, history.Order{ID: named, Customer: reader.ID}); st != history.StatusNone {
				s.note(op, fmt.Sprintf("the answer named another order, %s (%s)", named, st))
			}
		}
	case named != "":
		op.Order, op.Before = named, history.StatusNone
		after, note := s.read(ctx, history.Order{ID: named, Customer: reader.ID})
		if after == history.StatusNone {
			after = r.Order.Status // the SUT said so itself
		}
		op.After = after
		s.note(op, note)
	}
}

// note adds a remark to the op's error text.
func (s *setting) note(op *history.Op, n string) {
	if n == "" {
		return
	}
	if op.Error != "" {
		op.Error += "; "
	}
	op.Error += n
}

// read is order o's status as its owner sees it, and a note when it could
// not be read: StatusNone for an order the SUT does not know.
func (s *setting) read(ctx context.Context, o history.Order) (history.Status, string) {
	owner, ok := s.customer(o.Customer)
	if !ok {
		owner = s.customers[0]
	}
	r, err := s.d.Get(ctx, owner, o.ID)
	switch {
	case err != nil:
		return history.StatusNone, fmt.Sprintf("read %s: %v", o.ID, err)
	case r.HTTPStatus == http.StatusNotFound:
		return history.StatusNone, ""
	case r.HTTPStatus >= 300:
		return history.StatusNone, fmt.Sprintf("read %s: HTTP %d %s", o.ID, r.HTTPStatus, r.Code)
	}
	for i := range s.orders {
		if s.orders[i].ID == o.ID {
			s.orders[i].Status = r.Order.Status
		}
	}
	return r.Order.Status, ""
}

// probe reads the SUT's health, when the target says how.
func (s *setting) probe(ctx context.Context) (history.Op, bool) {
	if !s.t.Health.Defined() {
		return history.Op{}, false
	}
	op := history.Op{Client: s.opts.Client, Kind: history.Health, Name: "health"}
	r, err := render(s.t, s.t.Health, sut.CallData{})
	if err != nil {
		op.Outcome, op.Error = history.Unknown, err.Error()
		op.ID = s.rec.Add(op)
		return op, true
	}
	op.Call = s.rec.Now()
	reply, err := s.tx.Send(context.WithoutCancel(ctx), r.request())
	op.Return = s.rec.Now()
	switch {
	case err != nil:
		op.Outcome, op.Error = history.Unknown, err.Error()
	case reply.HTTPStatus < 400:
		op.Outcome, op.HTTPStatus = history.OK, reply.HTTPStatus
	default:
		op.Outcome, op.HTTPStatus, op.Error = history.Fail, reply.HTTPStatus, "HTTP "+strconv.Itoa(reply.HTTPStatus)
	}
	op.ID = s.rec.Add(op)
	return op, true
}

// --- helpers attacks are built with --------------------------------------

// sender sends req at the SUT's base URL, and nowhere else: a path that
// does not start with "/" could move the request to another host.
func (s *setting) sender(req sut.RawRequest) func(ctx context.Context) (sut.Reply, error) {
	return func(ctx context.Context) (sut.Reply, error) {
		if !strings.HasPrefix(req.Path, "/") {
			return sut.Reply{}, fmt.Errorf("refused to send %s %q: a path must start with /", req.Method, req.Path)
		}
		return s.tx.Send(ctx, req)
	}
}

// pay sends a checkout through the driver, as a client would.
func (s *setting) pay(req sut.PayRequest) func(ctx context.Context) (sut.Reply, error) {
	return func(ctx context.Context) (sut.Reply, error) { return s.d.Pay(ctx, req) }
}

// payRequest is the valid checkout, for customer c, with a fresh key.
func (s *setting) payRequest(c sut.Customer) sut.PayRequest {
	return sut.PayRequest{Customer: c, Amount: s.opts.Amount, Currency: s.opts.Currency, PaymentMethod: s.opts.PaymentMethod, Key: s.key()}
}

// payUses reports whether the pay call's templates use field (".Key").
func (s *setting) payUses(field string) bool {
	c := s.t.Pay
	text := c.Path + c.Body + strings.Join(values(c.Headers), "") + strings.Join(values(s.t.Headers), "")
	return strings.Contains(text, field)
}

// key is a fresh idempotency key.
func (s *setting) key() string {
	s.keys++
	return s.opts.KeyPrefix + strconv.Itoa(s.keys)
}

// hex is n random bytes from the run's source, in hex.
func (s *setting) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		v := s.opts.Rand.Uint32()
		b[2*i], b[2*i+1] = digits[v>>4&0xf], digits[v&0xf]
	}
	return string(b)
}

func (s *setting) now() time.Time { return s.opts.Now() }

// order is the first order in a status of pref, tried in that order.
func (s *setting) order(pref ...history.Status) (history.Order, bool) {
	for _, st := range pref {
		for _, o := range s.orders {
			if o.Status == st {
				return o, true
			}
		}
	}
	return history.Order{}, false
}

func (s *setting) customer(id string) (sut.Customer, bool) {
	for _, c := range s.customers {
		if c.ID == id {
			return c, true
		}
	}
	return sut.Customer{}, false
}

// known is the last status read of order id, else def.
func (s *setting) known(id string, def history.Status) history.Status {
	for _, o := range s.orders {
		if o.ID == id {
			return o.Status
		}
	}
	return def
}

// role is what order o stood for when the run began: its status then.
func (s *setting) role(o history.Order) string {
	if st, ok := s.roles[o.ID]; ok && st != history.StatusNone {
		return string(st)
	}
	return string(o.Status)
}

// owner is the customer order o belongs to.
func (s *setting) owner(o history.Order) sut.Customer {
	c, _ := s.customer(o.Customer) // newSetting checked every order's owner
	return c
}

// notOwner is a customer other than c.
func (s *setting) notOwner(c sut.Customer) (sut.Customer, bool) {
	for _, x := range s.customers {
		if x.ID != c.ID {
			return x, true
		}
	}
	return sut.Customer{}, false
}

// otherID is another customer's id than the first's.
func (s *setting) otherID() string {
	if c, ok := s.notOwner(s.customers[0]); ok {
		return c.ID
	}
	return "cus_paychaos_other"
}

// skipVariant records one request of the attack being planned as skipped
// when err says it does not apply, and reports whether it did.
func (s *setting) skipVariant(variant string, err error) bool {
	var sk *skip
	if !errors.As(err, &sk) {
		return false
	}
	s.skipped = append(s.skipped, Skipped{Attack: s.attack + "/" + variant, Reason: sk.reason})
	return true
}
