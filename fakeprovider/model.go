package fakeprovider

import "time"

// PaymentIntent statuses (Stripe's vocabulary).
const (
	statusRequiresPaymentMethod = "requires_payment_method"
	statusRequiresConfirmation  = "requires_confirmation"
	statusRequiresAction        = "requires_action"
	statusProcessing            = "processing"
	statusRequiresCapture       = "requires_capture"
	statusSucceeded             = "succeeded"
	statusCanceled              = "canceled"
)

// paymentIntent is the provider's PaymentIntent. Guarded by Provider.mu.
type paymentIntent struct {
	seq                int
	id, clientSecret   string
	amount             int64
	amountCapturable   int64
	amountReceived     int64
	currency           string
	status             string
	captureMethod      string
	confirmationMethod string
	created            int64
	createdAt          time.Time
	metadata           []pair // sorted by key
	customer           string
	description        string
	paymentMethod      string
	receiptEmail       string
	setupFutureUsage   string
	statementDesc      string
	pmTypes            []string
	apm                bool   // automatic_payment_methods[enabled]
	allowRedirects     string // automatic_payment_methods[allow_redirects]
	returnURL          string
	latestCharge       *charge
	lastError          *apiError
	nextAction         string // "", "use_stripe_sdk" or "redirect_to_url"
	canceledAt         int64
	cancellationReason string
	idemKey            string
	// pending is the card whose outcome a processing or requires_action
	// payment is waiting on.
	pending *testCard
	// pendingDecline is a decline code a fault decided for the pending
	// settlement ("" for none).
	pendingDecline string
}

// charge is one attempt to move money for a PaymentIntent.
type charge struct {
	seq            int
	id             string
	pi             *paymentIntent
	amount         int64
	amountCaptured int64
	amountRefunded int64
	released       int64 // uncaptured amount released by cancel or partial capture
	currency       string
	status         string // succeeded, pending, failed
	captured       bool
	paid           bool
	refunded       bool
	failureCode    string
	failureMessage string
	declineCode    string
	card           *testCard
	balanceTxn     string
	metadata       []pair
	created        int64
	createdAt      time.Time
	refunds        []*refund
}

// refund returns money from a captured charge.
type refund struct {
	seq           int
	id            string
	charge        *charge
	amount        int64
	currency      string
	status        string // pending, succeeded, failed, canceled
	reason        string
	failureReason string
	metadata      []pair
	balanceTxn    string
	created       int64
	createdAt     time.Time
}

// event is one emitted Event; object is the JSON of data.object at the
// time of the change.
type event struct {
	seq       int
	id, typ   string
	objectID  string
	object    []byte
	prev      []byte // previous_attributes JSON, or nil
	created   int64
	createdAt time.Time
	reqID     string
	idemKey   string
	// endpoints is the number of webhook endpoints at emission; delivered
	// counts those that acknowledged it with a 2xx.
	endpoints int
	delivered int
}

// idemEntry is one idempotency key's saved request and response.
type idemEntry struct {
	method, path string
	fp           uint64
	inflight     bool
	status       int
	body         []byte
	reqID        string
	created      time.Time
}

// state is everything a Reset forgets. Guarded by Provider.mu.
type state struct {
	pis         map[string]*paymentIntent
	piOrder     []*paymentIntent
	charges     map[string]*charge
	chargeOrder []*charge
	refunds     map[string]*refund
	refundOrder []*refund
	events      map[string]*event
	eventOrder  []*event
	idem        map[string]*idemEntry
	idemQueue   []idemRef
	deliveries  []Delivery

	unknownRoutes int64
	unknownParams int64
	requests      [numRoutes]int64
}

func newState() *state {
	return &state{
		pis:     make(map[string]*paymentIntent),
		charges: make(map[string]*charge),
		refunds: make(map[string]*refund),
		events:  make(map[string]*event),
		idem:    make(map[string]*idemEntry),
	}
}

// setMetadata applies Stripe's metadata update rules to md: a key sent
// with an empty value is removed, others are set; cleared drops all.
func setMetadata(md []pair, upd []pair, cleared bool) []pair {
	if cleared {
		md = md[:0]
	}
	for _, u := range upd {
		i := 0
		for i < len(md) && md[i].key < u.key {
			i++
		}
		found := i < len(md) && md[i].key == u.key
		switch {
		case u.val == "" && found:
			md = append(md[:i], md[i+1:]...)
		case u.val == "":
		case found:
			md[i].val = u.val
		default:
			md = append(md, pair{})
			copy(md[i+1:], md[i:])
			md[i] = u
		}
	}
	return md
}

func metadataMap(md []pair) map[string]string {
	if len(md) == 0 {
		return nil
	}
	m := make(map[string]string, len(md))
	for _, p := range md {
		m[p.key] = p.val
	}
	return m
}

func metadataGet(md []pair, k string) (string, bool) {
	for _, p := range md {
		if p.key == k {
			return p.val, true
		}
	}
	return "", false
}
