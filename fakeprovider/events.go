package fakeprovider

import (
	"strings"
)

// emitLocked records an event about a snapshot of an object (exactly one
// of ev's pi, ch, re, x, with its typ) and hands it to the webhook
// dispatcher. c is the request that caused it, or nil for changes the
// provider makes on its own (a processing payment settling).
func (p *Provider) emitLocked(c *call, obj event) {
	ev := p.st.events.new()
	*ev = event{seq: len(p.st.eventOrder), gen: p.st.gen, typ: obj.typ, pi: obj.pi, ch: obj.ch, re: obj.re, x: obj.x,
		createdNs: p.nowFor(c).UnixNano(), endpoints: int32(len(p.endpoints))}
	if c != nil {
		ev.reqID, ev.idemKey = c.reqID, c.idemKey
	}
	p.st.eventOrder = append(p.st.eventOrder, ev)
	if len(p.endpoints) > 0 {
		p.enqueueHooksLocked(c, ev)
	}
}

// The emit helpers snapshot the object: a shallow copy is enough because
// the state machine replaces, never edits, what the copy shares
// (metadata slices, errors, charges' ids).

func (p *Provider) emitPILocked(c *call, typ string, pi *paymentIntent) {
	snap := p.st.pis.new()
	*snap = *pi
	p.emitLocked(c, event{typ: typ, pi: snap})
	if c != nil {
		c.lastSnap, c.lastSnapOf = snap, pi
	}
	if p.st.fl.sessByPI != nil {
		p.sessionFollowPILocked(c, typ, pi)
	}
}

func (p *Provider) emitChargeLocked(c *call, typ string, ch *charge) {
	snap := p.st.charges.new()
	*snap = *ch
	snap.refunds = nil
	p.emitLocked(c, event{typ: typ, ch: snap})
}

func (p *Provider) emitRefundLocked(c *call, typ string, re *refund) {
	snap := p.st.refunds.new()
	*snap = *re
	p.emitLocked(c, event{typ: typ, re: snap})
}

// appendEventLocked renders ev with its object as data.object.
func (p *Provider) appendEventLocked(b []byte, ev *event, apiVersion string) []byte {
	var obj []byte
	switch {
	case ev.pi != nil:
		obj = p.appendPI(make([]byte, 0, 1536), ev.pi, 0)
	case ev.ch != nil:
		obj = p.appendCharge(make([]byte, 0, 2048), ev.ch, 0)
	case ev.x != nil:
		obj = ev.x.body
	default:
		obj = p.appendRefund(make([]byte, 0, 512), ev.re, 0)
	}
	return appendEvent(b, p.eventID(ev), ev, obj, apiVersion, int(ev.endpoints-ev.delivered))
}

func (p *Provider) renderEventLocked(ev *event) []byte {
	return p.appendEventLocked(make([]byte, 0, 2560), ev, p.cfg.apiVersion)
}

func (p *Provider) eventRetrieve(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := p.eventLocked(c.id)
	if ev == nil {
		return p.errResult(c, resourceMissing("event", "id", c.id))
	}
	return okResult(p.renderEventLocked(ev))
}

func (p *Provider) eventList(c *call) *result {
	typ, _, e := c.f.strParam("type")
	if e != nil {
		return p.errResult(c, e)
	}
	types, _, e := c.f.list("types")
	if e != nil {
		return p.errResult(c, e)
	}
	if typ != "" && len(types) > 0 {
		return p.errResult(c, exclusiveParams("type", "types"))
	}
	if typ != "" {
		types = []string{typ}
	}
	ds, hasDS, e := c.f.boolParam("delivery_success")
	if e != nil {
		return p.errResult(c, e)
	}
	lp, e := readListParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	match := func(ev *event) bool {
		if !lp.createdOK(ev.created()) {
			return false
		}
		if hasDS {
			ok := ev.delivered == ev.endpoints
			if ok != ds || ev.endpoints == 0 {
				return false
			}
		}
		if len(types) == 0 {
			return true
		}
		for _, t := range types {
			if t == ev.typ || strings.HasSuffix(t, ".*") && strings.HasPrefix(ev.typ, t[:len(t)-1]) {
				return true
			}
		}
		return false
	}
	page, hasMore, e := listPage(p, p.st.eventOrder, prefixEvent, lp, match, "event")
	if e != nil {
		return p.errResult(c, e)
	}
	return listResult(page, 512, hasMore, "/v1/events", func(b []byte, ev *event) []byte { return p.appendEventLocked(b, ev, p.cfg.apiVersion) })
}
