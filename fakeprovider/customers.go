package fakeprovider

import (
	"fmt"
	"net/http"
	"strings"
)

// customer is a Stripe Customer. A deleted one keeps its slot, so its id
// answers as deleted rather than missing.
type customer struct {
	seq                             int
	id                              string
	email, name, description, phone string
	defaultPM                       string
	addr                            map[string]string
	metadata                        []pair
	created                         int64
	deleted                         bool
}

func (cu *customer) position() int                  { return cu.seq }
func (cu *customer) hasID(_ *idGen, id string) bool { return cu.id == id }

func (p *Provider) customerLocked(id string) *customer {
	cu, _ := lookup(&p.ids, p.st.fl.customers, prefixCustomer, id, p.st.gen)
	return cu
}

// customerObject is a Customer in Stripe's shape.
type customerObject struct {
	ID                  string            `json:"id"`
	Object              string            `json:"object"`
	Address             *address          `json:"address"`
	Balance             int64             `json:"balance"`
	Created             int64             `json:"created"`
	Currency            *string           `json:"currency"`
	DefaultSource       *string           `json:"default_source"`
	Delinquent          bool              `json:"delinquent"`
	Description         *string           `json:"description"`
	Email               *string           `json:"email"`
	InvoicePrefix       string            `json:"invoice_prefix"`
	InvoiceSettings     invoiceSettings   `json:"invoice_settings"`
	Livemode            bool              `json:"livemode"`
	Metadata            map[string]string `json:"metadata"`
	Name                *string           `json:"name"`
	NextInvoiceSequence int64             `json:"next_invoice_sequence"`
	Phone               *string           `json:"phone"`
	PreferredLocales    []string          `json:"preferred_locales"`
	Shipping            *struct{}         `json:"shipping"`
	TaxExempt           string            `json:"tax_exempt"`
	TestClock           *string           `json:"test_clock"`
}

type invoiceSettings struct {
	CustomFields         *struct{} `json:"custom_fields"`
	DefaultPaymentMethod *string   `json:"default_payment_method"`
	Footer               *string   `json:"footer"`
	RenderingOptions     *struct{} `json:"rendering_options"`
}

// deletedObject is Stripe's answer to a delete.
type deletedObject struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (cu *customer) object() customerObject {
	o := customerObject{ID: cu.id, Object: "customer", Created: cu.created, Description: strOrNil(cu.description),
		Email: strOrNil(cu.email), Name: strOrNil(cu.name), Phone: strOrNil(cu.phone), Metadata: metadataMap(cu.metadata),
		InvoicePrefix: strings.ToUpper(cu.id[len(prefixCustomer) : len(prefixCustomer)+7]), NextInvoiceSequence: 1,
		PreferredLocales: []string{}, TaxExempt: "none",
		InvoiceSettings: invoiceSettings{DefaultPaymentMethod: strOrNil(cu.defaultPM)}}
	if o.Metadata == nil {
		o.Metadata = map[string]string{}
	}
	if len(cu.addr) > 0 {
		a := cu.addr
		o.Address = &address{City: strOrNil(a["city"]), Country: strOrNil(a["country"]), Line1: strOrNil(a["line1"]),
			Line2: strOrNil(a["line2"]), PostalCode: strOrNil(a["postal_code"]), State: strOrNil(a["state"])}
	}
	return o
}

// customer reads what create and update share into cu; it returns the
// payment_method to attach, if any.
func (in *reader) customer(cu *customer) string {
	for _, fld := range []struct {
		name string
		dst  *string
		max  int
	}{{"email", &cu.email, 512}, {"name", &cu.name, 256}, {"description", &cu.description, 350}, {"phone", &cu.phone, 20}} {
		v, ok := in.str(fld.name)
		switch {
		case !ok:
			continue
		case len(v) > fld.max:
			in.fail(invalidParam(fld.name, fmt.Sprintf("Invalid %s: must be at most %d characters.", fld.name, fld.max)))
		case fld.name == "email" && v != "" && (strings.Count(v, "@") != 1 || strings.HasPrefix(v, "@") || strings.HasSuffix(v, "@")):
			in.fail(&apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "email_invalid", param: "email",
				message: fmt.Sprintf("Invalid email address: %s", truncateForMsg(v))})
		}
		*fld.dst = v
	}
	if md, sent, cleared := in.metadata(); sent {
		cu.metadata = setMetadata(cu.metadata, md, cleared)
	}
	if kv, sent, cleared := in.hash("address"); sent {
		if cleared || cu.addr == nil {
			cu.addr = map[string]string{}
		}
		for _, p := range kv {
			cu.addr[p.key] = p.val
		}
	}
	if dpm, ok := in.subStr("invoice_settings", "default_payment_method"); ok {
		cu.defaultPM = dpm
	}
	pm, _ := in.str("payment_method")
	return pm
}

// subStr reads a[b] from a parameter taken with any shape (anyP).
func subStr(f *form, name, key string) (string, bool, *apiError) {
	n := f.lookup(name)
	if n < 0 {
		return "", false, nil
	}
	if f.nodes[n].kind != kindHash {
		return "", true, invalidParam(name, fmt.Sprintf("Invalid hash: %s must be a hash.", name))
	}
	c := f.child(n, key)
	if c < 0 {
		return "", false, nil
	}
	if f.nodes[c].kind != kindValue {
		return "", true, invalidParam(name+"["+key+"]", fmt.Sprintf("Invalid string: %s[%s] must be a string.", name, key))
	}
	return f.nodes[c].val, true, nil
}

func (p *Provider) customerCreate(c *call) *result {
	var v customer
	in := c.in()
	pmID := in.customer(&v)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fl := &p.st.fl
	cu := &v
	cu.seq = len(fl.customers)
	cu.id = p.ids.object(prefixCustomer, p.st.gen, cu.seq)
	cu.created = p.nowFor(c).Unix()
	if pmID != "" {
		if _, e := p.attachLocked(c, pmID, cu.id, "payment_method"); e != nil {
			return p.errResult(c, e)
		}
	}
	fl.customers = append(fl.customers, cu)
	obj := cu.object()
	p.emitObjLocked(c, "customer.created", cu.id, obj)
	return jsonResult(obj)
}

// liveCustomerLocked finds the customer in the path; a deleted one is
// missing for everything but retrieve.
func (p *Provider) liveCustomerLocked(c *call) (*customer, *apiError) {
	cu := p.customerLocked(c.id)
	if cu == nil || cu.deleted {
		return nil, resourceMissing("customer", "id", c.id)
	}
	return cu, nil
}

func (p *Provider) customerRetrieve(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	cu := p.customerLocked(c.id)
	if cu == nil {
		return p.errResult(c, resourceMissing("customer", "id", c.id))
	}
	if cu.deleted {
		return jsonResult(deletedObject{ID: cu.id, Object: "customer", Deleted: true})
	}
	return jsonResult(cu.object())
}

func (p *Provider) customerUpdate(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	cu, e := p.liveCustomerLocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	v := *cu
	v.addr = make(map[string]string, len(cu.addr))
	for k, a := range cu.addr {
		v.addr[k] = a
	}
	in := c.in()
	pmID := in.customer(&v)
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	if pmID != "" {
		if _, e := p.attachLocked(c, pmID, v.id, "payment_method"); e != nil {
			return p.errResult(c, e)
		}
	}
	*cu = v
	obj := cu.object()
	p.emitObjLocked(c, "customer.updated", cu.id, obj)
	return jsonResult(obj)
}

func (p *Provider) customerDelete(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	cu, e := p.liveCustomerLocked(c)
	if e != nil {
		return p.errResult(c, e)
	}
	cu.deleted = true
	for _, pm := range p.st.fl.pms {
		if pm.customer == cu.id {
			pm.customer = ""
		}
	}
	p.emitObjLocked(c, "customer.deleted", cu.id, cu.object())
	return jsonResult(deletedObject{ID: cu.id, Object: "customer", Deleted: true})
}

func (p *Provider) customerList(c *call) *result {
	in := c.in()
	lp := in.listParams()
	email, _ := in.str("email")
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	page, hasMore, e := listPage(p, p.st.fl.customers, prefixCustomer, lp, func(cu *customer) bool {
		return !cu.deleted && lp.createdOK(cu.created) && (email == "" || cu.email == email)
	}, "customer")
	if e != nil {
		return p.errResult(c, e)
	}
	out := make([]customerObject, len(page))
	for i, cu := range page {
		out[i] = cu.object()
	}
	return jsonResult(newList(out, hasMore, "/v1/customers"))
}

// customerSearchFields are the fields a Customer search takes.
var customerSearchFields = searchFields{kind: "customers", numeric: map[string]bool{
	"created": true, "email": false, "name": false, "phone": false}}

func (cu *customer) searchValue(field, key string) (string, int64, bool) {
	switch field {
	case "created":
		return "", cu.created, true
	case "email":
		return cu.email, 0, true
	case "name":
		return cu.name, 0, true
	case "phone":
		return cu.phone, 0, true
	case "metadata":
		v, ok := metadataGet(cu.metadata, key)
		return v, 0, ok
	}
	return "", 0, false
}

// gone says a search does not find the customer: it was deleted.
func (cu *customer) gone() bool { return cu.deleted }

func (p *Provider) customerSearch(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	return searchLocked(p, c, p.st.fl.customers, customerSearchFields, 0, "/v1/customers/search",
		func(b []byte, cu *customer, _ expansion) []byte { return appendJSON(b, cu.object()) })
}
