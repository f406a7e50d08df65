package fakeprovider

import (
	"net/http"
	"strconv"
)

// listParams are Stripe's pagination and created[] filters.
type listParams struct {
	limit                        int
	startingAfter, endingBefore  string
	gt, gte, lt, lte             int64
	hasGt, hasGte, hasLt, hasLte bool
}

// listParams reads the pagination and created filters.
func (in *reader) listParams() (lp listParams) {
	lp.limit = 10
	if n, ok := in.num("limit"); ok {
		if n < 1 || n > 100 {
			in.fail(&apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_invalid_integer", param: "limit",
				message: "This value must be between 1 and 100 (got " + strconv.FormatInt(n, 10) + ")."})
		}
		lp.limit = int(n)
	}
	lp.startingAfter, _ = in.str("starting_after")
	lp.endingBefore, _ = in.str("ending_before")
	if lp.startingAfter != "" && lp.endingBefore != "" {
		in.fail(exclusiveParams("starting_after", "ending_before"))
	}
	// created is an exact timestamp (created=…) or a hash of bounds
	// (created[gte]=…).
	if c := in.f.lookup("created"); c >= 0 && in.f.nodes[c].kind == kindValue {
		if n, ok := in.num("created"); ok {
			lp.gte, lp.lte, lp.hasGte, lp.hasLte = n, n, true, true
		}
		return lp
	}
	for _, b := range []struct {
		key string
		v   *int64
		has *bool
	}{{"gt", &lp.gt, &lp.hasGt}, {"gte", &lp.gte, &lp.hasGte}, {"lt", &lp.lt, &lp.hasLt}, {"lte", &lp.lte, &lp.hasLte}} {
		s, ok := in.sub("created", b.key)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			in.fail(invalidInteger("created["+b.key+"]", s))
			continue
		}
		*b.v, *b.has = n, true
	}
	return lp
}

func (lp listParams) createdOK(t int64) bool {
	return (!lp.hasGt || t > lp.gt) && (!lp.hasGte || t >= lp.gte) && (!lp.hasLt || t < lp.lt) && (!lp.hasLte || t <= lp.lte)
}

func (pi *paymentIntent) position() int { return pi.seq }
func (ch *charge) position() int        { return ch.seq }
func (re *refund) position() int        { return re.seq }
func (ev *event) position() int         { return ev.seq }

// listPage returns one page of objects, newest first, as Stripe's list
// endpoints do, honouring starting_after / ending_before cursors.
func listPage[T stored](p *Provider, order []T, prefix string, lp listParams, match func(T) bool, kind string) ([]T, bool, *apiError) {
	var page []T
	if lp.endingBefore != "" {
		cur, ok := lookup(&p.ids, order, prefix, lp.endingBefore, p.st.gen)
		if !ok {
			return nil, false, resourceMissing(kind, "ending_before", lp.endingBefore)
		}
		i := cur.position() + 1
		for ; i < len(order) && len(page) < lp.limit; i++ {
			if match(order[i]) {
				page = append(page, order[i])
			}
		}
		hasMore := false
		for ; i < len(order); i++ {
			if match(order[i]) {
				hasMore = true
				break
			}
		}
		for l, r := 0, len(page)-1; l < r; l, r = l+1, r-1 {
			page[l], page[r] = page[r], page[l]
		}
		return page, hasMore, nil
	}
	start := len(order) - 1
	if lp.startingAfter != "" {
		cur, ok := lookup(&p.ids, order, prefix, lp.startingAfter, p.st.gen)
		if !ok {
			return nil, false, resourceMissing(kind, "starting_after", lp.startingAfter)
		}
		start = cur.position() - 1
	}
	i := start
	for ; i >= 0 && len(page) < lp.limit; i-- {
		if match(order[i]) {
			page = append(page, order[i])
		}
	}
	for ; i >= 0; i-- {
		if match(order[i]) {
			return page, true, nil
		}
	}
	return page, false, nil
}

func (p *Provider) piList(c *call) *result {
	in := c.in()
	lp := in.listParams()
	customer, _ := in.str("customer")
	exp := in.expandList(piExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	page, hasMore, e := listPage(p, p.st.piOrder, prefixPI, lp, func(pi *paymentIntent) bool {
		return lp.createdOK(pi.created()) && (customer == "" || pi.x.customer == customer)
	}, "payment_intent")
	if e != nil {
		return p.errResult(c, e)
	}
	return listResult(page, 1536, hasMore, "/v1/payment_intents", func(b []byte, pi *paymentIntent) []byte { return p.appendPI(b, pi, exp) })
}

func (p *Provider) chargeRetrieve(c *call) *result {
	in := c.in()
	exp := in.expand(chargeExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := p.chargeLocked(c.id)
	if ch == nil {
		return p.errResult(c, resourceMissing("charge", "id", c.id))
	}
	return okResult(p.appendCharge(make([]byte, 0, 2048), ch, exp))
}

func (p *Provider) chargeList(c *call) *result {
	in := c.in()
	lp := in.listParams()
	piID, _ := in.str("payment_intent")
	customer, _ := in.str("customer")
	in.str("transfer_group")
	exp := in.expandList(chargeExpandable)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	page, hasMore, e := listPage(p, p.st.chargeOrder, prefixCharge, lp, func(ch *charge) bool {
		return lp.createdOK(ch.created) && (piID == "" || ch.pi.id == piID) && (customer == "" || ch.customer == customer)
	}, "charge")
	if e != nil {
		return p.errResult(c, e)
	}
	return listResult(page, 2048, hasMore, "/v1/charges", func(b []byte, ch *charge) []byte { return p.appendCharge(b, ch, exp) })
}
