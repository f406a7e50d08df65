package checkout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paychaos/paychaos/fakeprovider"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Test customers and secrets.
const (
	aliceToken    = "tok-alice"
	bobToken      = "tok-bob"
	adminToken    = "tok-admin"
	testKey       = "sk_test_shopunit0123456789"
	webhookSecret = "whsec_shopunit0123456789"
)

// testEnv is a shop served over loopback in front of a real fake provider.
type testEnv struct {
	t    testing.TB
	fp   *fakeprovider.Provider
	fps  *httptest.Server
	shop *Shop
	srv  *httptest.Server
	cfg  Config
	logs *syncBuffer
}

// syncBuffer is a log sink safe for the shop's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testConfig is the shop configuration of the tests: short timeouts, the
// background reconciler off (tests run passes themselves), seeded jitter.
func testConfig(providerURL string) Config {
	return Config{
		ProviderURL:       providerURL,
		SecretKey:         testKey,
		WebhookSecret:     webhookSecret,
		Customers:         map[string]string{aliceToken: "cus_alice", bobToken: "cus_bob"},
		AdminToken:        adminToken,
		ClientTimeout:     150 * time.Millisecond,
		ResponseBudget:    800 * time.Millisecond,
		ReconcileInterval: -1,
		BreakerCooldown:   time.Minute,
		Seed:              1,
	}
}

// newEnv starts a fake provider, then a shop configured by testConfig and
// adjusted by opts. Everything is closed at the end of the test.
func newEnv(t testing.TB, opts ...func(*Config)) *testEnv {
	t.Helper()
	e := &testEnv{t: t, logs: &syncBuffer{}}
	e.fp = fakeprovider.New(fakeprovider.WithSeed(1), fakeprovider.WithWebhookRetry(2, 20*time.Millisecond))
	t.Cleanup(func() { e.fp.Close() })
	e.fps = httptest.NewServer(e.fp)
	t.Cleanup(e.fps.Close)
	e.cfg = testConfig(e.fps.URL)
	e.cfg.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, o := range opts {
		o(&e.cfg)
	}
	e.start()
	return e
}

// start (re)starts the shop on e.cfg.
func (e *testEnv) start() {
	e.t.Helper()
	shop, err := New(context.Background(), e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.shop = shop
	e.srv = httptest.NewServer(shop)
	srv := e.srv
	e.t.Cleanup(func() {
		srv.Close()
		shop.Close()
	})
}

// stop closes the shop (not the provider), as a restart would.
func (e *testEnv) stop() {
	e.srv.Close()
	if err := e.shop.Close(); err != nil {
		e.t.Fatal(err)
	}
}

func withFlaws(fs ...Flaw) func(*Config) {
	return func(c *Config) {
		c.Flaws = Flaws{}
		for _, f := range fs {
			c.Flaws[f] = true
		}
	}
}

// webhooks registers the shop's webhook endpoint with the provider.
func (e *testEnv) webhooks() {
	e.t.Helper()
	if err := e.fp.AddWebhookEndpoint(context.Background(), e.srv.URL+"/webhooks/stripe", webhookSecret); err != nil {
		e.t.Fatal(err)
	}
}

// reply is an HTTP answer of the shop.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) order(t *testing.T) Order {
	t.Helper()
	var o Order
	if err := json.Unmarshal(r.body, &o); err != nil {
		t.Fatalf("not an order (%d): %s", r.status, r.body)
	}
	return o
}

func (r reply) code() string {
	var b errorBody
	_ = json.Unmarshal(r.body, &b)
	return b.Error.Code
}

// req is one request to the shop.
type req struct {
	method, path, token, key string
	body                     any // string, []byte or a value to encode as JSON
	header                   map[string]string
}

func (e *testEnv) do(r req) reply {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.key != "" {
		hr.Header.Set("Idempotency-Key", r.key)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	resp, err := e.srv.Client().Do(hr)
	if err != nil {
		return reply{status: 0, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// pay places an order of amount usd with payment method pm.
func (e *testEnv) pay(token, key string, amount int64, pm string) reply {
	e.t.Helper()
	return e.do(req{method: "POST", path: "/orders", token: token, key: key,
		body: map[string]any{"amount": amount, "currency": "usd", "payment_method": pm}})
}

func (e *testEnv) get(token, id string) reply {
	return e.do(req{method: "GET", path: "/orders/" + id, token: token})
}

func (e *testEnv) mustOrder(id string) Order {
	e.t.Helper()
	o, err := getOrder(context.Background(), e.shop.st.db, id)
	if err != nil {
		e.t.Fatalf("order %s: %v", id, err)
	}
	return o
}

func (e *testEnv) reconcile() ReconcileSummary {
	e.t.Helper()
	sum, err := e.shop.ReconcilePass(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return sum
}

func (e *testEnv) fault(f fakeprovider.Fault) string {
	e.t.Helper()
	id, err := e.fp.AddFault(context.Background(), f)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *testEnv) unfault(id string) {
	e.t.Helper()
	if err := e.fp.RemoveFault(context.Background(), id); err != nil {
		e.t.Fatal(err)
	}
}

// payments returns the ledger's PaymentIntents of an order.
func (e *testEnv) payments(orderID string) []fakeprovider.PaymentRecord {
	var out []fakeprovider.PaymentRecord
	for _, p := range e.fp.Snapshot().PaymentIntents {
		if p.OrderID() == orderID {
			out = append(out, p)
		}
	}
	return out
}

func succeeded(ps []fakeprovider.PaymentRecord) []fakeprovider.PaymentRecord {
	var out []fakeprovider.PaymentRecord
	for _, p := range ps {
		if p.Status == "succeeded" {
			out = append(out, p)
		}
	}
	return out
}

// refundedOn sums the ledger's succeeded refunds of a PaymentIntent.
func (e *testEnv) refundedOn(pi string) int64 {
	var n int64
	for _, r := range e.fp.Snapshot().Refunds {
		if r.PaymentIntent == pi && r.Status == "succeeded" {
			n += r.Amount
		}
	}
	return n
}

// dbState is every row of the shop's database, for "nothing changed"
// checks.
func (e *testEnv) dbState() string {
	e.t.Helper()
	var sb strings.Builder
	for _, table := range []string{"orders", "attempts", "refunds", "webhook_events"} {
		rows, err := e.shop.st.db.Query(`SELECT * FROM ` + table + ` ORDER BY 1`)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			fmt.Fprintf(&sb, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return sb.String()
}

// ledgerState summarises the provider's ledger and the requests it got.
func (e *testEnv) ledgerState() string {
	s := e.fp.Snapshot()
	return fmt.Sprintf("pi=%d ch=%d re=%d req=%v", len(s.PaymentIntents), len(s.Charges), len(s.Refunds), s.Requests)
}

// eventually polls cond every 10ms for up to 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// signedEvent builds a webhook delivery: the body and its Stripe-Signature
// header, signed with secret at time at.
func signedEvent(t *testing.T, id, typ string, created time.Time, object any, secret string, at time.Time) ([]byte, string) {
	t.Helper()
	obj, err := json.Marshal(object)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": fakeprovider.DefaultAPIVersion, "created": created.Unix(),
		"type": typ, "livemode": false, "pending_webhooks": 1, "request": map[string]any{"id": nil, "idempotency_key": nil},
		"data": map[string]any{"object": json.RawMessage(obj)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return body, fakeprovider.Sign(body, secret, at)
}

func (e *testEnv) deliver(body []byte, sig string) reply {
	e.t.Helper()
	h := map[string]string{}
	if sig != "" {
		h["Stripe-Signature"] = sig
	}
	return e.do(req{method: "POST", path: "/webhooks/stripe", body: body, header: h})
}

func piObject(id, orderID, status string, amount int64) map[string]any {
	return map[string]any{"id": id, "object": "payment_intent", "amount": amount, "amount_received": amount,
		"currency": "usd", "status": status, "metadata": map[string]string{"order_id": orderID}}
}

func chargeObject(id, pi, orderID string, amount, refunded int64) map[string]any {
	return map[string]any{"id": id, "object": "charge", "amount": amount, "amount_captured": amount,
		"amount_refunded": refunded, "currency": "usd", "payment_intent": pi, "refunded": refunded >= amount,
		"status": "succeeded", "metadata": map[string]string{"order_id": orderID}}
}
