package fakeprovider

import (
	"fmt"
	"net/http"
	"strconv"
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

// readCustomer reads what create and update share into cu; it returns
// the payment_method to attach, if any.
func readCustomer(f *form, cu *customer) (string, *apiError) {
	for _, fld := range []struct {
		name string
		dst  *string
		max  int
	}{{"email", &cu.email, 512}, {"name", &cu.name, 256}, {"description", &cu.description, 350}, {"phone", &cu.phone, 20}} {
		v, ok, e := f.strParam(fld.name)
		if e != nil {
			return "", e
		}
		if !ok {
			continue
		}
		if len(v) > fld.max {
			return "", invalidParam(fld.name, fmt.Sprintf("Invalid %s: must be at most %d characters.", fld.name, fld.max))
		}
		if fld.name == "email" && v != "" && (strings.Count(v, "@") != 1 || strings.HasPrefix(v, "@") || strings.HasSuffix(v, "@")) {
			return "", &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "email_invalid", param: "email",
				message: fmt.Sprintf("Invalid email address: %s", truncateForMsg(v))}
		}
		*fld.dst = v
	}
	md, mdSent, cleared, e := f.metadataParam()
	if e != nil {
		return "", e
	}
	if mdSent {
		cu.metadata = setMetadata(cu.metadata, md, cleared)
	}
	if kv, sent, cleared, e := f.hash("address"); e != nil {
		return "", e
	} else if sent {
		if cleared || cu.addr == nil {
			cu.addr = map[string]string{}
		}
		for _, p := range kv {
			cu.addr[p.key] = p.val
		}
	}
	if dpm, ok, e := subStr(f, "invoice_settings", "default_payment_method"); e != nil {
		return "", e
	} else if ok {
		cu.defaultPM = dpm
	}
	pm, _, e := f.strParam("payment_method")
	return pm, e
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
	pmID, e := readCustomer(c.f, &v)
	if e != nil {
		return p.errResult(c, e)
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
	pmID, e := readCustomer(c.f, &v)
	if e != nil {
		return p.errResult(c, e)
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
	lp, e := readListParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	email, _, e := c.f.strParam("email")
	if e != nil {
		return p.errResult(c, e)
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

// customerSearchFields are the fields a Customer search takes besides
// created and metadata.
var customerSearchFields = []string{"email", "name", "phone"}

func (cu *customer) matches(q searchQuery) bool {
	return q.holds(func(cl searchClause) bool {
		var m bool
		switch cl.field {
		case "created":
			m = cl.matchNum(cu.created)
		case "email":
			m = cl.matchStr(cu.email, true)
		case "name":
			m = cl.matchStr(cu.name, true)
		case "phone":
			m = cl.matchStr(cu.phone, true)
		case "metadata":
			v, present := metadataGet(cu.metadata, cl.key)
			m = cl.matchStr(v, present)
		}
		return m != cl.neg
	})
}

func (p *Provider) customerSearch(c *call) *result {
	sp, e := readSearchParams(c.f, customerSearchFields, "customers")
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	all := p.st.fl.customers
	start, e := sp.start(len(all))
	if e != nil {
		return p.errResult(c, e)
	}
	res := searchResult[customerObject]{Object: "search_result", Data: []customerObject{}, URL: "/v1/customers/search"}
	for i := start; i >= 0; i-- {
		cu := all[i]
		if cu.deleted || !cu.matches(sp.q) {
			continue
		}
		if len(res.Data) == sp.limit {
			res.HasMore, res.NextPage = true, ptr("page_"+strconv.Itoa(i))
			break
		}
		res.Data = append(res.Data, cu.object())
	}
	return jsonResult(res)
}

// searchResult is Stripe's search envelope.
type searchResult[T any] struct {
	Object   string  `json:"object"`
	Data     []T     `json:"data"`
	HasMore  bool    `json:"has_more"`
	NextPage *string `json:"next_page"`
	URL      string  `json:"url"`
}
