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
//
// It is copied for every PaymentIntent event (see emitPILocked), so it is
// kept small: the fields most payments never set live in *piExtra.
type paymentIntent struct {
	seq              int
	id               string
	amount           int64
	amountCapturable int64
	amountReceived   int64
	currency         string
	status           string
	captureMethod    string
	manualConfirm    bool       // confirmation_method=manual
	apm              bool       // automatic_payment_methods[enabled]
	redirectsNever   bool       // automatic_payment_methods[allow_redirects]=never
	nextAction       nextAction // what the customer must do in requires_action
	createdNs        int64      // provider time of creation, Unix nanoseconds
	metadata         []pair     // sorted by key
	paymentMethod    string
	pmTypes          []string
	x                *piExtra // never nil; replaced, never edited in place
	latestCharge     *charge
	lastError        *apiError
	canceledAt       int64
	idemKey          string
	// pending is the card whose outcome a processing or requires_action
	// payment is waiting on.
	pending *testCard
	// pendingDecline is a decline code a fault decided for the pending
	// settlement ("" for none).
	pendingDecline string
}

// piExtra holds the PaymentIntent fields most payments leave empty.
// Snapshots share it, so it is replaced (see edit), never changed.
type piExtra struct {
	customer, description, receiptEmail, setupFutureUsage, statementDesc string
	returnURL, cancellationReason                                        string
}

// noExtra is the shared empty piExtra.
var noExtra = &piExtra{}

// edit replaces pi's extra fields by a copy the caller may change.
func (pi *paymentIntent) edit() *piExtra {
	x := *pi.x
	pi.x = &x
	return pi.x
}

// created is the creation time in Unix seconds.
func (pi *paymentIntent) created() int64 { return time.Unix(0, pi.createdNs).Unix() }

// nextAction is what a PaymentIntent in requires_action waits for.
type nextAction uint8

const (
	actionNone nextAction = iota
	actionUseStripeSDK
	actionRedirect
)

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
	hasTxn         bool // has a balance transaction (txn_ + the id's suffix)
	// Copied from the PaymentIntent when the charge is made.
	description, customer, receiptEmail string
	metadata                            []pair
	created                             int64
	createdAt                           time.Time
	refunds                             []*refund
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
	hasTxn        bool
	created       int64
	createdAt     time.Time
}

// event is one emitted Event. Its object is a snapshot of the object at
// the time of the change (copies are never mutated), rendered as
// data.object only when the event is read or delivered.
type event struct {
	seq int
	gen uint64 // with seq, gives the id (see Provider.eventID)
	typ string
	pi  *paymentIntent
	ch  *charge
	re  *refund
	// createdNs is the provider's time of the change, in Unix nanoseconds.
	createdNs int64
	reqID     string
	idemKey   string
	// endpoints is the number of webhook endpoints at emission; delivered
	// counts those that acknowledged it with a 2xx.
	endpoints int32
	delivered int32
	// x is the snapshot of an object of the other kinds (Checkout
	// Sessions, Customers), rendered when it was emitted.
	x *objSnap
}

// created is the event's Unix time in seconds.
func (ev *event) created() int64 { return time.Unix(0, ev.createdNs).Unix() }

// objectID is the id of the object the event is about.
func (ev *event) objectID() string {
	switch {
	case ev.pi != nil:
		return ev.pi.id
	case ev.ch != nil:
		return ev.ch.id
	case ev.x != nil:
		return ev.x.id
	default:
		return ev.re.id
	}
}

// idemEntry is one idempotency key's saved request and response.
type idemEntry struct {
	method, path string
	fp           uint64
	inflight     bool
	status       int
	body         []byte
	snap         *paymentIntent // the answer's PaymentIntent, when body is nil
	reqID        string
	created      time.Time
}

// state is everything a Reset forgets. Guarded by Provider.mu. Objects
// are kept in creation order; their ids encode their index (see
// idGen.object), so no map by id is needed.
type state struct {
	gen         uint64 // reset generation, part of every object id
	piOrder     []*paymentIntent
	chargeOrder []*charge
	refundOrder []*refund
	eventOrder  []*event
	idem        map[string]*idemEntry
	idemQueue   []idemRef

	// Slabs the objects above are carved from: a payment makes a dozen
	// small objects that live until the next Reset, and allocating them
	// in chunks keeps the allocator and the GC off the request path.
	pis        slab[paymentIntent]
	charges    slab[charge]
	refunds    slab[refund]
	events     slab[event]
	idemEnts   slab[idemEntry]
	deliveries []Delivery

	unknownRoutes int64
	unknownParams int64
	requests      [numRoutes]int64

	// fl holds Customers, PaymentMethods, Products, Prices and Checkout
	// Sessions (see flows.go).
	fl flows
}

func newState(gen uint64) *state {
	return &state{gen: gen, idem: make(map[string]*idemEntry)}
}

// Id prefixes of stored objects.
const (
	prefixPI     = "pi_"
	prefixCharge = "ch_"
	prefixRefund = "re_"
	prefixEvent  = "evt_"
)

// stored is an object kept in creation order.
type stored interface {
	position() int
	// hasID reports whether id is the object's id.
	hasID(g *idGen, id string) bool
}

func (pi *paymentIntent) hasID(_ *idGen, id string) bool { return pi.id == id }
func (ch *charge) hasID(_ *idGen, id string) bool        { return ch.id == id }
func (re *refund) hasID(_ *idGen, id string) bool        { return re.id == id }
func (ev *event) hasID(g *idGen, id string) bool {
	return g.object(prefixEvent, ev.gen, ev.seq) == id
}

// lookup finds an object by id in order.
func lookup[T stored](g *idGen, order []T, prefix, id string, gen uint64) (T, bool) {
	var zero T
	n, ok := g.slot(id, prefix, gen)
	if !ok || n >= len(order) || !order[n].hasID(g, id) {
		return zero, false
	}
	return order[n], true
}

// eventID is an event's id. Events do not store it: it is a function of
// their slot, computed when someone reads it.
func (p *Provider) eventID(ev *event) string { return p.ids.object(prefixEvent, ev.gen, ev.seq) }

func (p *Provider) piLocked(id string) *paymentIntent {
	pi, _ := lookup(&p.ids, p.st.piOrder, prefixPI, id, p.st.gen)
	return pi
}

func (p *Provider) chargeLocked(id string) *charge {
	ch, _ := lookup(&p.ids, p.st.chargeOrder, prefixCharge, id, p.st.gen)
	return ch
}

func (p *Provider) refundLocked(id string) *refund {
	re, _ := lookup(&p.ids, p.st.refundOrder, prefixRefund, id, p.st.gen)
	return re
}

func (p *Provider) eventLocked(id string) *event {
	ev, _ := lookup(&p.ids, p.st.eventOrder, prefixEvent, id, p.st.gen)
	return ev
}

// setMetadata applies Stripe's metadata update rules to md: a key sent
// with an empty value is removed, others are set; cleared drops all. It
// returns a new slice and never changes md, which event snapshots share.
func setMetadata(md []pair, upd []pair, cleared bool) []pair {
	if cleared {
		md = nil
	}
	md = append(make([]pair, 0, len(md)+len(upd)), md...)
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

// slab hands out pointers to elements of chunks it allocates 128 at a
// time. Elements live as long as their chunk, which suits state that is
// only ever dropped all at once (Reset).
type slab[T any] struct{ chunk []T }

// new returns a pointer to a zero T. Guarded by Provider.mu like state.
func (s *slab[T]) new() *T {
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]T, 0, 128)
	}
	s.chunk = s.chunk[:len(s.chunk)+1]
	return &s.chunk[len(s.chunk)-1]
}
