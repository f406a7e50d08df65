package checkout

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// OrderStatus is an order's state as the shop tells its customers.
type OrderStatus string

// The order states. pending means the payment's outcome is not known yet;
// the shop never turns an unknown outcome into paid or failed.
const (
	StatusPending  OrderStatus = "pending"
	StatusPaid     OrderStatus = "paid"
	StatusFailed   OrderStatus = "failed"
	StatusCanceled OrderStatus = "canceled"
	StatusRefunded OrderStatus = "refunded"
)

// Order is an order as the API shows it. Card data is never part of it.
type Order struct {
	ID            string      `json:"id"`
	Customer      string      `json:"customer"`
	Status        OrderStatus `json:"status"`
	Amount        int64       `json:"amount"`
	Currency      string      `json:"currency"`
	Refunded      int64       `json:"refunded"`
	PaymentIntent string      `json:"payment_intent"`
	// PaymentIntents are every PaymentIntent of the order's attempts, its
	// own first: what a client (or paychaos) joins payments by.
	PaymentIntents []string `json:"payment_intents,omitempty"`
	// FailureCode says why a failed order failed (card_declined,
	// provider_rejected…).
	FailureCode string     `json:"failure_code,omitempty"`
	Items       []LineItem `json:"items,omitempty"`
	// ClientSecret, CheckoutSession and CheckoutURL are what a checkout's
	// answer gives the customer's browser in the browser flows (see Flow).
	ClientSecret    string `json:"client_secret,omitempty"`
	CheckoutSession string `json:"checkout_session,omitempty"`
	CheckoutURL     string `json:"checkout_url,omitempty"`

	clientKey     string
	requestHash   string
	chargeAmount  int64
	paymentMethod string
	refundDue     bool
	lastEventAt   int64
	createdAt     int64
}

// Attempt states: an attempt row is written as started before the
// provider call and updated with the result after it.
const (
	attemptStarted   = "started"
	attemptSucceeded = "succeeded"
	attemptFailed    = "failed"
	attemptUnknown   = "unknown"
	attemptNotSent   = "not_sent"
)

// attempt is one try to pay an order, with the provider idempotency key
// every retry of it reuses.
type attempt struct {
	orderID       string
	n             int
	key           string
	state         string
	paymentIntent string
	amount        int64
	redrives      int
	createdAt     int64
}

// Refund states follow the attempt states.
const (
	refundStarted   = "started"
	refundSucceeded = "succeeded"
	refundFailed    = "failed"
	refundUnknown   = "unknown"
)

// Refund reasons say who asked for the refund.
const (
	reasonCustomer = "customer" // POST /orders/{id}/refund
	reasonCancel   = "cancel"   // POST /orders/{id}/cancel of a paid order
	reasonOrphan   = "orphan"   // the reconciler, for a capture the order must not keep
)

// refundRow is one refund the shop asked the provider for.
type refundRow struct {
	id            string
	orderID       string
	clientKey     string
	key           string
	state         string
	reason        string
	paymentIntent string
	providerID    string
	amount        int64
}

const schema = `
CREATE TABLE IF NOT EXISTS orders (
  id             TEXT PRIMARY KEY,
  customer       TEXT NOT NULL,
  client_key     TEXT,
  request_hash   TEXT NOT NULL,
  status         TEXT NOT NULL,
  amount         INTEGER NOT NULL,
  charge_amount  INTEGER NOT NULL,
  currency       TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  items          TEXT NOT NULL DEFAULT '[]',
  refunded       INTEGER NOT NULL DEFAULT 0,
  payment_intent TEXT NOT NULL DEFAULT '',
  failure_code   TEXT NOT NULL DEFAULT '',
  refund_due     INTEGER NOT NULL DEFAULT 0,
  last_event_at  INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS orders_client_key ON orders(customer, client_key) WHERE client_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE INDEX IF NOT EXISTS orders_payment_intent ON orders(payment_intent);
CREATE TABLE IF NOT EXISTS attempts (
  order_id       TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  n              INTEGER NOT NULL,
  idem_key       TEXT NOT NULL,
  state          TEXT NOT NULL,
  payment_intent TEXT NOT NULL DEFAULT '',
  amount         INTEGER NOT NULL,
  redrives       INTEGER NOT NULL DEFAULT 0,
  error          TEXT NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (order_id, n)
);
CREATE INDEX IF NOT EXISTS attempts_state ON attempts(state);
CREATE TABLE IF NOT EXISTS refunds (
  id             TEXT PRIMARY KEY,
  order_id       TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  client_key     TEXT,
  idem_key       TEXT NOT NULL,
  state          TEXT NOT NULL,
  reason         TEXT NOT NULL,
  payment_intent TEXT NOT NULL,
  provider_id    TEXT NOT NULL DEFAULT '',
  amount         INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS refunds_client_key ON refunds(order_id, client_key) WHERE client_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS refunds_state ON refunds(state);
CREATE TABLE IF NOT EXISTS webhook_events (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  created     INTEGER NOT NULL,
  result      TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
`

// store is the shop's durable state. It uses one connection: SQLite
// serialises writers anyway, and one connection keeps an in-memory
// database alive and private. Never call the store's db while a
// transaction of it is open: that would wait for itself.
type store struct {
	db *sql.DB
}

func openStore(ctx context.Context, path string) (*store, error) {
	var dsn string
	if path == "" {
		dsn = "file:shop-" + randomHex(8) + "?mode=memory"
	} else {
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath() +
			"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)"
	}
	dsn += "&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create schema: %w", err)
	}
	return &store{db: db}, nil
}

func (st *store) close() error { return st.db.Close() }

// tx runs fn in a transaction, committing if it returns nil.
func (st *store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

var errNotFound = errors.New("not found")

const orderCols = `id, customer, COALESCE(client_key, ''), request_hash, status, amount, charge_amount, currency,
 payment_method, items, refunded, payment_intent, failure_code, refund_due, last_event_at, created_at,
 (SELECT COALESCE(group_concat(a.payment_intent), '') FROM attempts a WHERE a.order_id = orders.id AND a.payment_intent != '')`

func scanOrder(row interface{ Scan(...any) error }) (Order, error) {
	var o Order
	var items, pis string
	var due int
	err := row.Scan(&o.ID, &o.Customer, &o.clientKey, &o.requestHash, &o.Status, &o.Amount, &o.chargeAmount,
		&o.Currency, &o.paymentMethod, &items, &o.Refunded, &o.PaymentIntent, &o.FailureCode, &due,
		&o.lastEventAt, &o.createdAt, &pis)
	if errors.Is(err, sql.ErrNoRows) {
		return o, errNotFound
	}
	if err != nil {
		return o, fmt.Errorf("scan order: %w", err)
	}
	o.refundDue = due != 0
	o.PaymentIntents = paymentIntentsOf(o.PaymentIntent, pis)
	if items != "" && items != "[]" && items != "null" {
		if err := json.Unmarshal([]byte(items), &o.Items); err != nil {
			return o, fmt.Errorf("order %s items: %w", o.ID, err)
		}
	}
	return o, nil
}

func getOrder(ctx context.Context, q queryer, id string) (Order, error) {
	return scanOrder(q.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE id = ?`, id))
}

func getOrderByKey(ctx context.Context, q queryer, customer, key string) (Order, error) {
	return scanOrder(q.QueryRowContext(ctx,
		`SELECT `+orderCols+` FROM orders WHERE customer = ? AND client_key = ?`, customer, key))
}

func getOrderByPI(ctx context.Context, q queryer, pi string) (Order, error) {
	if pi == "" {
		return Order{}, errNotFound
	}
	return scanOrder(q.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE payment_intent = ?`, pi))
}

func listOrders(ctx context.Context, q queryer, where string, args ...any) ([]Order, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+orderCols+` FROM orders `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func insertOrder(ctx context.Context, q queryer, o Order) error {
	items, err := json.Marshal(o.Items)
	if err != nil {
		return fmt.Errorf("order items: %w", err)
	}
	var key any
	if o.clientKey != "" {
		key = o.clientKey
	}
	now := time.Now().UnixNano()
	_, err = q.ExecContext(ctx, `INSERT INTO orders (id, customer, client_key, request_hash, status, amount,
 charge_amount, currency, payment_method, items, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		o.ID, o.Customer, key, o.requestHash, o.Status, o.Amount, o.chargeAmount, o.Currency, o.paymentMethod,
		string(items), now, now)
	if err != nil {
		return fmt.Errorf("insert order %s: %w", o.ID, err)
	}
	return nil
}

// isUniqueViolation reports whether err is SQLite's unique constraint error.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// orderChange is a set of column updates on one order.
type orderChange struct {
	status        OrderStatus
	paymentIntent string
	failureCode   string
	refunded      int64  // set when > current
	setRefunded   *int64 // set as is, even lower (only FlawWebhookOrderBlind does this)
	refundDue     *bool
	lastEventAt   int64
}

// updateOrder applies ch to order id; when from is non-empty only an order
// in one of those states is changed. It reports whether a row changed.
func updateOrder(ctx context.Context, q queryer, id string, ch orderChange, from ...OrderStatus) (bool, error) {
	sets := []string{"updated_at = ?"}
	args := []any{time.Now().UnixNano()}
	if ch.status != "" {
		sets = append(sets, "status = ?")
		args = append(args, ch.status)
	}
	if ch.paymentIntent != "" {
		sets = append(sets, "payment_intent = ?")
		args = append(args, ch.paymentIntent)
	}
	if ch.failureCode != "" {
		sets = append(sets, "failure_code = ?")
		args = append(args, ch.failureCode)
	}
	if ch.refunded > 0 {
		sets = append(sets, "refunded = MAX(refunded, ?)")
		args = append(args, ch.refunded)
	}
	if ch.setRefunded != nil {
		sets = append(sets, "refunded = ?")
		args = append(args, *ch.setRefunded)
	}
	if ch.refundDue != nil {
		sets = append(sets, "refund_due = ?")
		args = append(args, boolInt(*ch.refundDue))
	}
	if ch.lastEventAt > 0 {
		sets = append(sets, "last_event_at = MAX(last_event_at, ?)")
		args = append(args, ch.lastEventAt)
	}
	query := `UPDATE orders SET ` + strings.Join(sets, ", ") + ` WHERE id = ?`
	args = append(args, id)
	if len(from) > 0 {
		query += ` AND status IN (?` + strings.Repeat(",?", len(from)-1) + `)`
		for _, f := range from {
			args = append(args, f)
		}
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return false, fmt.Errorf("update order %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("update order %s: %w", id, err)
	}
	return n > 0, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ptr[T any](v T) *T { return &v }

// insertAttempt adds attempt n of an order in state started.
func insertAttempt(ctx context.Context, q queryer, a attempt) error {
	now := time.Now().UnixNano()
	_, err := q.ExecContext(ctx, `INSERT INTO attempts (order_id, n, idem_key, state, amount, created_at, updated_at)
 VALUES (?,?,?,?,?,?,?)`, a.orderID, a.n, a.key, attemptStarted, a.amount, now, now)
	if err != nil {
		return fmt.Errorf("insert attempt %s/%d: %w", a.orderID, a.n, err)
	}
	return nil
}

func nextAttemptNumber(ctx context.Context, q queryer, orderID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(n), 0) + 1 FROM attempts WHERE order_id = ?`, orderID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next attempt of %s: %w", orderID, err)
	}
	return n, nil
}

func updateAttempt(ctx context.Context, q queryer, a attempt, errText string) error {
	_, err := q.ExecContext(ctx, `UPDATE attempts SET state = ?, payment_intent = CASE WHEN ? = '' THEN payment_intent ELSE ? END,
 redrives = ?, error = ?, updated_at = ? WHERE order_id = ? AND n = ?`,
		a.state, a.paymentIntent, a.paymentIntent, a.redrives, errText, time.Now().UnixNano(), a.orderID, a.n)
	if err != nil {
		return fmt.Errorf("update attempt %s/%d: %w", a.orderID, a.n, err)
	}
	return nil
}

const attemptCols = `order_id, n, idem_key, state, payment_intent, amount, redrives, created_at`

func scanAttempts(rows *sql.Rows, err error) ([]attempt, error) {
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	var out []attempt
	for rows.Next() {
		var a attempt
		if err := rows.Scan(&a.orderID, &a.n, &a.key, &a.state, &a.paymentIntent, &a.amount, &a.redrives, &a.createdAt); err != nil {
			return nil, fmt.Errorf("scan attempt: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func orderAttempts(ctx context.Context, q queryer, orderID string) ([]attempt, error) {
	return scanAttempts(q.QueryContext(ctx, `SELECT `+attemptCols+` FROM attempts WHERE order_id = ? ORDER BY n`, orderID))
}

// resolveAttempts gives every unresolved attempt of an order (started,
// unknown, not sent) a final state.
func resolveAttempts(ctx context.Context, q queryer, orderID, state, pi string) error {
	_, err := q.ExecContext(ctx, `UPDATE attempts SET state = ?, payment_intent = CASE WHEN ? = '' THEN payment_intent ELSE ? END,
 updated_at = ? WHERE order_id = ? AND state IN (?, ?, ?)`, state, pi, pi, time.Now().UnixNano(), orderID,
		attemptStarted, attemptUnknown, attemptNotSent)
	if err != nil {
		return fmt.Errorf("resolve attempts of %s: %w", orderID, err)
	}
	return nil
}

func unresolvedRefunds(ctx context.Context, q queryer, where string, args ...any) ([]refundRow, error) {
	return scanRefunds(q.QueryContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE state IN ('started', 'unknown') `+where, args...))
}

const refundCols = `id, order_id, COALESCE(client_key, ''), idem_key, state, reason, payment_intent, provider_id, amount`

func scanRefunds(rows *sql.Rows, err error) ([]refundRow, error) {
	if err != nil {
		return nil, fmt.Errorf("list refunds: %w", err)
	}
	defer rows.Close()
	var out []refundRow
	for rows.Next() {
		var r refundRow
		if err := rows.Scan(&r.id, &r.orderID, &r.clientKey, &r.key, &r.state, &r.reason, &r.paymentIntent,
			&r.providerID, &r.amount); err != nil {
			return nil, fmt.Errorf("scan refund: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func insertRefund(ctx context.Context, q queryer, r refundRow) error {
	var key any
	if r.clientKey != "" {
		key = r.clientKey
	}
	now := time.Now().UnixNano()
	_, err := q.ExecContext(ctx, `INSERT INTO refunds (id, order_id, client_key, idem_key, state, reason, payment_intent,
 amount, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		r.id, r.orderID, key, r.key, refundStarted, r.reason, r.paymentIntent, r.amount, now, now)
	if err != nil {
		return fmt.Errorf("insert refund %s: %w", r.id, err)
	}
	return nil
}

// setRefundState moves an unresolved refund to state; it reports false
// when the refund was already resolved.
func setRefundState(ctx context.Context, q queryer, id, state, providerID string) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE refunds SET state = ?, provider_id = CASE WHEN ? = '' THEN provider_id ELSE ? END,
 updated_at = ? WHERE id = ? AND state IN (?, ?)`, state, providerID, providerID, time.Now().UnixNano(), id,
		refundStarted, refundUnknown)
	if err != nil {
		return false, fmt.Errorf("update refund %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// reservedRefunds is the amount of refunds of payment pi on an order that
// succeeded or may still succeed: what a new refund must stay under.
func reservedRefunds(ctx context.Context, q queryer, orderID, pi string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM refunds
 WHERE order_id = ? AND payment_intent = ? AND state != ?`, orderID, pi, refundFailed).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sum refunds of %s: %w", orderID, err)
	}
	return n, nil
}

// syncRefunded raises an order's refunded amount to the sum of the
// succeeded refunds of its payment, and marks a fully refunded paid order
// refunded.
func syncRefunded(ctx context.Context, q queryer, orderID string) error {
	_, err := q.ExecContext(ctx, `UPDATE orders SET
 refunded = MAX(refunded, (SELECT COALESCE(SUM(r.amount), 0) FROM refunds r
   WHERE r.order_id = orders.id AND r.payment_intent = orders.payment_intent AND r.state = ?)),
 updated_at = ? WHERE id = ?`, refundSucceeded, time.Now().UnixNano(), orderID)
	if err != nil {
		return fmt.Errorf("sync refunded of %s: %w", orderID, err)
	}
	return markFullyRefunded(ctx, q, orderID)
}

// markFullyRefunded turns a paid order whose payment is fully refunded
// into a refunded one.
func markFullyRefunded(ctx context.Context, q queryer, orderID string) error {
	_, err := q.ExecContext(ctx, `UPDATE orders SET status = ?, updated_at = ? WHERE id = ? AND status = ? AND refunded >= amount`,
		StatusRefunded, time.Now().UnixNano(), orderID, StatusPaid)
	if err != nil {
		return fmt.Errorf("mark %s refunded: %w", orderID, err)
	}
	return nil
}

func getRefundByKey(ctx context.Context, q queryer, orderID, key string) (refundRow, error) {
	rows, err := scanRefunds(q.QueryContext(ctx, `SELECT `+refundCols+` FROM refunds WHERE order_id = ? AND client_key = ?`, orderID, key))
	if err != nil {
		return refundRow{}, err
	}
	if len(rows) == 0 {
		return refundRow{}, errNotFound
	}
	return rows[0], nil
}

// recordEvent stores a webhook event id; it reports false when the event
// was already recorded.
func recordEvent(ctx context.Context, q queryer, id, typ string, created int64, result string) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO webhook_events (id, type, created, result, received_at) VALUES (?,?,?,?,?)
 ON CONFLICT(id) DO NOTHING`, id, typ, created, result, time.Now().UnixNano())
	if err != nil {
		return false, fmt.Errorf("record event %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record event %s: %w", id, err)
	}
	return n > 0, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func newOrderID() string  { return "ord_" + randomHex(12) }
func newRefundID() string { return "rf_" + randomHex(12) }
