package checkout

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"regexp"
	"slices"
)

// orderRequest is the body of POST /orders.
type orderRequest struct {
	Amount        *int64     `json:"amount"`
	Currency      string     `json:"currency"`
	PaymentMethod string     `json:"payment_method"`
	Items         []LineItem `json:"items"`
}

// checkoutRequest is an order request the shop has accepted: the order's
// amount is decided here, never taken from the client at payment time.
type checkoutRequest struct {
	key           string
	amount        int64 // the order's amount
	chargeAmount  int64 // what the provider is asked for; equals amount unless a flaw says otherwise
	currency      string
	paymentMethod string
	items         []LineItem
	hash          string
}

const (
	maxItems    = 50
	maxQuantity = 1000
	maxKeyLen   = 255
)

var paymentMethodRE = regexp.MustCompile(`^pm_[A-Za-z0-9_]{1,64}$`)

// parseOrder turns a POST /orders body into a checkout request, or a 4xx.
func (s *Shop) parseOrder(body []byte, key string) (checkoutRequest, *apiError) {
	if s.flawed(FlawNoInputValidation) {
		return s.parseOrderUnchecked(body, key)
	}
	if len(key) > maxKeyLen || !printableASCII(key) {
		return checkoutRequest{}, errorf(http.StatusBadRequest, "invalid_idempotency_key",
			"Idempotency-Key must be 1 to %d printable ASCII characters", maxKeyLen)
	}
	var req orderRequest
	if e := decodeStrict(body, &req); e != nil {
		return checkoutRequest{}, e
	}
	if !slices.Contains(s.cfg.Currencies, req.Currency) {
		return checkoutRequest{}, errorf(http.StatusUnprocessableEntity, "invalid_currency",
			"currency must be one of %v (lowercase)", s.cfg.Currencies)
	}
	if !paymentMethodRE.MatchString(req.PaymentMethod) && !(s.cfg.Flow.browser() && req.PaymentMethod == "") {
		return checkoutRequest{}, errorf(http.StatusUnprocessableEntity, "invalid_payment_method",
			"payment_method must be a payment method id (pm_…); card numbers are never accepted")
	}
	out := checkoutRequest{key: key, currency: req.Currency, paymentMethod: req.PaymentMethod}
	switch {
	case req.Items != nil:
		total, e := s.price(req.Items, req.Currency)
		if e != nil {
			return checkoutRequest{}, e
		}
		out.items, out.amount, out.chargeAmount = req.Items, total, total
		if req.Amount != nil && *req.Amount != total {
			if !s.flawed(FlawClientAmount) {
				return checkoutRequest{}, errorf(http.StatusUnprocessableEntity, "amount_mismatch",
					"amount does not match the catalogue price of the items; leave it out")
			}
			out.chargeAmount = *req.Amount
		}
	case req.Amount != nil:
		if *req.Amount < 1 || *req.Amount > s.cfg.MaxAmount {
			return checkoutRequest{}, errorf(http.StatusUnprocessableEntity, "invalid_amount",
				"amount must be an integer from 1 to %d (minor units)", s.cfg.MaxAmount)
		}
		if threeDecimal[req.Currency] && *req.Amount%10 != 0 {
			return checkoutRequest{}, errorf(http.StatusUnprocessableEntity, "invalid_amount",
				"amounts in %s must be multiples of 10 (three decimals, the last one zero)", req.Currency)
		}
		out.amount, out.chargeAmount = *req.Amount, *req.Amount
	default:
		return checkoutRequest{}, errorf(http.StatusUnprocessableEntity, "missing_amount",
			"send items (priced from the catalogue) or an amount")
	}
	out.hash = out.requestHash()
	return out, nil
}

// threeDecimal are the currencies with three decimals, which the provider
// takes only in multiples of ten minor units.
var threeDecimal = map[string]bool{"bhd": true, "jod": true, "kwd": true, "omr": true, "tnd": true}

// price sums the catalogue prices of items in currency.
func (s *Shop) price(items []LineItem, currency string) (int64, *apiError) {
	if len(items) == 0 || len(items) > maxItems {
		return 0, errorf(http.StatusUnprocessableEntity, "invalid_items", "items must hold 1 to %d lines", maxItems)
	}
	var total int64
	for _, it := range items {
		item, ok := s.cfg.Catalogue[it.SKU]
		if !ok {
			return 0, errorf(http.StatusUnprocessableEntity, "unknown_sku", "an item's sku is not in the catalogue")
		}
		if it.Quantity < 1 || it.Quantity > maxQuantity {
			return 0, errorf(http.StatusUnprocessableEntity, "invalid_quantity", "quantity must be from 1 to %d", maxQuantity)
		}
		p, ok := item.Prices[currency]
		if !ok {
			return 0, errorf(http.StatusUnprocessableEntity, "item_unavailable", "an item is not sold in this currency")
		}
		if p > (math.MaxInt64-total)/it.Quantity {
			return 0, errorf(http.StatusUnprocessableEntity, "invalid_amount", "the order total is too large")
		}
		total += p * it.Quantity
	}
	if total < 1 || total > s.cfg.MaxAmount {
		return 0, errorf(http.StatusUnprocessableEntity, "invalid_amount",
			"the order total must be from 1 to %d (minor units)", s.cfg.MaxAmount)
	}
	return total, nil
}

// parseOrderUnchecked is what a shop without input validation does: take
// what it can from the body and go.
func (s *Shop) parseOrderUnchecked(body []byte, key string) (checkoutRequest, *apiError) {
	var req orderRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return checkoutRequest{}, errorf(http.StatusBadRequest, "invalid_json", "the body is not valid JSON")
	}
	out := checkoutRequest{key: key, currency: req.Currency, paymentMethod: req.PaymentMethod, items: req.Items}
	for _, it := range req.Items {
		out.amount += s.cfg.Catalogue[it.SKU].Prices[req.Currency] * it.Quantity
	}
	if req.Amount != nil {
		out.amount = *req.Amount
	}
	out.chargeAmount = out.amount
	out.hash = out.requestHash()
	return out, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// requestHash identifies a request's content, so that a reused
// Idempotency-Key with another body is caught.
func (r checkoutRequest) requestHash() string {
	b, _ := json.Marshal(struct {
		A   int64      `json:"a"`
		C   int64      `json:"c"`
		Cur string     `json:"cur"`
		PM  string     `json:"pm"`
		I   []LineItem `json:"i"`
	}{r.amount, r.chargeAmount, r.currency, r.paymentMethod, r.items})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// orderStatusCode is the HTTP status an order is answered with.
func orderStatusCode(o Order) int {
	switch o.Status {
	case StatusPending:
		return http.StatusAccepted
	case StatusPaid:
		return http.StatusCreated
	case StatusFailed:
		return http.StatusPaymentRequired
	}
	return http.StatusOK
}

func (s *Shop) handleCreateOrder(w http.ResponseWriter, r *http.Request) {
	cus, e := s.customer(r)
	if e != nil {
		writeError(w, e)
		return
	}
	body, e := s.readBody(w, r, s.cfg.MaxBodyBytes)
	if e != nil {
		writeError(w, e)
		return
	}
	if s.flawed(FlawLogCardData) {
		s.log.Info("checkout request", "customer", cus, "body", string(body))
	}
	req, e := s.parseOrder(body, r.Header.Get("Idempotency-Key"))
	if e != nil {
		writeError(w, e)
		return
	}
	o, replayed, e := s.checkout(r.Context(), cus, req)
	if e != nil {
		writeError(w, e)
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/orders/"+o.ID)
	writeJSON(w, orderStatusCode(o), o)
}

var orderIDRE = regexp.MustCompile(`^ord_[0-9a-f]{24}$`)

// ownedOrder loads order id for customer cus; another customer's order is
// not found.
func (s *Shop) ownedOrder(r *http.Request, cus string) (Order, *apiError) {
	id := r.PathValue("id")
	if !orderIDRE.MatchString(id) {
		return Order{}, errOrderNotFound
	}
	o, err := getOrder(r.Context(), s.st.db, id)
	if errors.Is(err, errNotFound) {
		return Order{}, errOrderNotFound
	}
	if err != nil {
		s.log.Error("load order", "order", id, "err", err)
		return Order{}, errInternal
	}
	if o.Customer != cus && !s.flawed(FlawNoOwnershipCheck) {
		return Order{}, errOrderNotFound
	}
	return o, nil
}

func (s *Shop) handleGetOrder(w http.ResponseWriter, r *http.Request) {
	cus, e := s.customer(r)
	if e != nil {
		writeError(w, e)
		return
	}
	o, e := s.ownedOrder(r, cus)
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// orderList is the body of GET /orders and GET /admin/orders.
type orderList struct {
	Orders []Order `json:"orders"`
}

func (s *Shop) handleListOrders(w http.ResponseWriter, r *http.Request) {
	cus, e := s.customer(r)
	if e != nil {
		writeError(w, e)
		return
	}
	where, args := `WHERE customer = ? ORDER BY created_at, id`, []any{cus}
	if s.flawed(FlawListAllOrders) {
		where, args = `ORDER BY created_at, id`, nil
	}
	orders, err := listOrders(r.Context(), s.st.db, where, args...)
	if err != nil {
		s.log.Error("list orders", "err", err)
		writeError(w, errInternal)
		return
	}
	if orders == nil {
		orders = []Order{}
	}
	writeJSON(w, http.StatusOK, orderList{Orders: orders})
}

func (s *Shop) handleAdminOrders(w http.ResponseWriter, r *http.Request) {
	if e := s.admin(r); e != nil {
		writeError(w, e)
		return
	}
	orders, err := listOrders(r.Context(), s.st.db, `ORDER BY created_at, id`)
	if err != nil {
		s.log.Error("list orders", "err", err)
		writeError(w, errInternal)
		return
	}
	if orders == nil {
		orders = []Order{}
	}
	writeJSON(w, http.StatusOK, orderList{Orders: orders})
}

func (s *Shop) handleAdminReconcile(w http.ResponseWriter, r *http.Request) {
	if e := s.admin(r); e != nil {
		writeError(w, e)
		return
	}
	sum, err := s.ReconcilePass(r.Context())
	if err != nil {
		s.log.Error("reconcile", "err", err)
		writeJSON(w, http.StatusInternalServerError, sum)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}
