package fakeprovider

import (
	"fmt"
	"net/http"
	"strconv"
)

// product and price are what Checkout line items are made of. Only
// one-time prices per unit: enough for a shop's catalogue.
type product struct {
	seq               int
	id                string
	name, description string
	active            bool
	metadata          []pair
	created           int64
}

type price struct {
	seq        int
	id         string
	product    *product
	currency   string
	unitAmount int64
	active     bool
	nickname   string
	lookupKey  string
	metadata   []pair
	created    int64
}

func (pr *product) position() int                  { return pr.seq }
func (pr *product) hasID(_ *idGen, id string) bool { return pr.id == id }
func (pr *price) position() int                    { return pr.seq }
func (pr *price) hasID(_ *idGen, id string) bool   { return pr.id == id }

func (p *Provider) productLocked(id string) *product {
	pr, _ := lookup(&p.ids, p.st.fl.products, prefixProduct, id, p.st.gen)
	return pr
}

func (p *Provider) priceLocked(id string) *price {
	pr, _ := lookup(&p.ids, p.st.fl.prices, prefixPrice, id, p.st.gen)
	return pr
}

type productObject struct {
	ID                  string            `json:"id"`
	Object              string            `json:"object"`
	Active              bool              `json:"active"`
	Created             int64             `json:"created"`
	DefaultPrice        *string           `json:"default_price"`
	Description         *string           `json:"description"`
	Images              []string          `json:"images"`
	Livemode            bool              `json:"livemode"`
	MarketingFeatures   []struct{}        `json:"marketing_features"`
	Metadata            map[string]string `json:"metadata"`
	Name                string            `json:"name"`
	PackageDimensions   *struct{}         `json:"package_dimensions"`
	Shippable           *bool             `json:"shippable"`
	StatementDescriptor *string           `json:"statement_descriptor"`
	TaxCode             *string           `json:"tax_code"`
	UnitLabel           *string           `json:"unit_label"`
	Updated             int64             `json:"updated"`
	URL                 *string           `json:"url"`
}

func (pr *product) object() productObject {
	md := metadataMap(pr.metadata)
	if md == nil {
		md = map[string]string{}
	}
	return productObject{ID: pr.id, Object: "product", Active: pr.active, Created: pr.created, Description: strOrNil(pr.description),
		Images: []string{}, MarketingFeatures: []struct{}{}, Metadata: md, Name: pr.name, Updated: pr.created}
}

type priceObject struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Active            bool              `json:"active"`
	BillingScheme     string            `json:"billing_scheme"`
	Created           int64             `json:"created"`
	Currency          string            `json:"currency"`
	CustomUnitAmount  *struct{}         `json:"custom_unit_amount"`
	Livemode          bool              `json:"livemode"`
	LookupKey         *string           `json:"lookup_key"`
	Metadata          map[string]string `json:"metadata"`
	Nickname          *string           `json:"nickname"`
	Product           string            `json:"product"`
	Recurring         *struct{}         `json:"recurring"`
	TaxBehavior       string            `json:"tax_behavior"`
	TiersMode         *string           `json:"tiers_mode"`
	TransformQuantity *struct{}         `json:"transform_quantity"`
	Type              string            `json:"type"`
	UnitAmount        int64             `json:"unit_amount"`
	UnitAmountDecimal string            `json:"unit_amount_decimal"`
}

func (pr *price) object() priceObject {
	md := metadataMap(pr.metadata)
	if md == nil {
		md = map[string]string{}
	}
	return priceObject{ID: pr.id, Object: "price", Active: pr.active, BillingScheme: "per_unit", Created: pr.created,
		Currency: pr.currency, LookupKey: strOrNil(pr.lookupKey), Metadata: md, Nickname: strOrNil(pr.nickname),
		Product: pr.product.id, TaxBehavior: "unspecified", Type: "one_time", UnitAmount: pr.unitAmount,
		UnitAmountDecimal: strconv.FormatInt(pr.unitAmount, 10)}
}

func (p *Provider) newProductLocked(c *call, name, description string, md []pair) *product {
	fl := &p.st.fl
	pr := &product{seq: len(fl.products), name: name, description: description, active: true, metadata: md, created: p.nowFor(c).Unix()}
	pr.id = p.ids.object(prefixProduct, p.st.gen, pr.seq)
	fl.products = append(fl.products, pr)
	return pr
}

func (p *Provider) productCreate(c *call) *result {
	f := c.f
	name, ok, e := f.strParam("name")
	if e != nil {
		return p.errResult(c, e)
	}
	if !ok {
		return p.errResult(c, missingParam("name"))
	}
	if name == "" {
		return p.errResult(c, emptyParam("name"))
	}
	desc, _, e := f.strParam("description")
	if e != nil {
		return p.errResult(c, e)
	}
	active, hasActive, e := f.boolParam("active")
	if e != nil {
		return p.errResult(c, e)
	}
	md, _, _, e := f.metadataParam()
	if e != nil {
		return p.errResult(c, e)
	}
	if f.has("id") {
		return p.errResult(c, invalidParam("id", "Custom product ids are not supported by this provider."))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pr := p.newProductLocked(c, name, desc, setMetadata(nil, md, false))
	if hasActive {
		pr.active = active
	}
	return jsonResult(pr.object())
}

func (p *Provider) productRetrieve(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr := p.productLocked(c.id)
	if pr == nil {
		return p.errResult(c, resourceMissing("product", "id", c.id))
	}
	return jsonResult(pr.object())
}

func (p *Provider) productList(c *call) *result {
	lp, e := readListParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	active, hasActive, e := c.f.boolParam("active")
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	page, hasMore, e := listPage(p, p.st.fl.products, prefixProduct, lp, func(pr *product) bool {
		return lp.createdOK(pr.created) && (!hasActive || pr.active == active)
	}, "product")
	if e != nil {
		return p.errResult(c, e)
	}
	out := make([]productObject, len(page))
	for i, pr := range page {
		out[i] = pr.object()
	}
	return jsonResult(newList(out, hasMore, "/v1/products"))
}

// priceInput is what makes a price: from create, or from a line item's
// price_data.
type priceInput struct {
	currency    string
	unitAmount  int64
	productID   string
	productName string
}

// pname names field of the hash prefix ("" for a top-level field).
func pname(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "[" + field + "]"
}

func checkPriceInput(in priceInput, prefix string) *apiError {
	if in.currency == "" {
		return missingParam(pname(prefix, "currency"))
	}
	if in.productID == "" && in.productName == "" {
		return missingParam(pname(prefix, "product"))
	}
	if in.unitAmount < 0 {
		return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_invalid_integer", param: pname(prefix, "unit_amount"),
			message: "This value must be greater than or equal to 0."}
	}
	if in.unitAmount > maxAmount {
		return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "parameter_invalid_integer", param: pname(prefix, "unit_amount"),
			message: fmt.Sprintf("This value must be less than or equal to %d.", maxAmount)}
	}
	return nil
}

// checkPriceRefsLocked checks what a price refers to and returns its
// currency and product (nil: make one from in.productName). It changes
// nothing, so a request can check all its prices before making any.
func (p *Provider) checkPriceRefsLocked(in priceInput, prefix string) (string, *product, *apiError) {
	cur, e := checkCurrency(pname(prefix, "currency"), in.currency)
	if e != nil {
		return "", nil, e
	}
	if in.productID == "" {
		return cur, nil, nil
	}
	pr := p.productLocked(in.productID)
	if pr == nil {
		return "", nil, resourceMissing("product", pname(prefix, "product"), in.productID)
	}
	return cur, pr, nil
}

// makePriceLocked makes a price checked by checkPriceRefsLocked (and its
// product when prod is nil).
func (p *Provider) makePriceLocked(c *call, in priceInput, cur string, prod *product, md []pair) *price {
	if prod == nil {
		prod = p.newProductLocked(c, in.productName, "", nil)
	}
	fl := &p.st.fl
	x := &price{seq: len(fl.prices), product: prod, currency: cur, unitAmount: in.unitAmount, active: true, metadata: md, created: p.nowFor(c).Unix()}
	x.id = p.ids.object(prefixPrice, p.st.gen, x.seq)
	fl.prices = append(fl.prices, x)
	return x
}

func (p *Provider) priceCreate(c *call) *result {
	f := c.f
	var in priceInput
	var e *apiError
	if in.currency, _, e = f.strParam("currency"); e != nil {
		return p.errResult(c, e)
	}
	amt, hasAmt, e := f.int64Param("unit_amount")
	if e != nil {
		return p.errResult(c, e)
	}
	if !hasAmt {
		return p.errResult(c, missingParam("unit_amount"))
	}
	in.unitAmount = amt
	if in.productID, _, e = f.strParam("product"); e != nil {
		return p.errResult(c, e)
	}
	if in.productName, _, e = subStr(f, "product_data", "name"); e != nil {
		return p.errResult(c, e)
	}
	if in.productID != "" && f.has("product_data") {
		return p.errResult(c, exclusiveParams("product", "product_data"))
	}
	if f.has("recurring") {
		return p.errResult(c, invalidParam("recurring", "Recurring prices are not supported by this provider: it serves one-time payments."))
	}
	nick, _, e := f.strParam("nickname")
	if e != nil {
		return p.errResult(c, e)
	}
	lookupKey, _, e := f.strParam("lookup_key")
	if e != nil {
		return p.errResult(c, e)
	}
	md, _, _, e := f.metadataParam()
	if e != nil {
		return p.errResult(c, e)
	}
	if e := checkPriceInput(in, ""); e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, prod, e := p.checkPriceRefsLocked(in, "")
	if e != nil {
		return p.errResult(c, e)
	}
	pr := p.makePriceLocked(c, in, cur, prod, setMetadata(nil, md, false))
	pr.nickname, pr.lookupKey = nick, lookupKey
	return jsonResult(pr.object())
}

func (p *Provider) priceRetrieve(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr := p.priceLocked(c.id)
	if pr == nil {
		return p.errResult(c, resourceMissing("price", "price", c.id))
	}
	return jsonResult(pr.object())
}

func (p *Provider) priceList(c *call) *result {
	lp, e := readListParams(c.f)
	if e != nil {
		return p.errResult(c, e)
	}
	prod, _, e := c.f.strParam("product")
	if e != nil {
		return p.errResult(c, e)
	}
	cur, _, e := c.f.strParam("currency")
	if e != nil {
		return p.errResult(c, e)
	}
	active, hasActive, e := c.f.boolParam("active")
	if e != nil {
		return p.errResult(c, e)
	}
	typ, _, e := c.f.enumParam("type", "one_time", "recurring")
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	page, hasMore, e := listPage(p, p.st.fl.prices, prefixPrice, lp, func(pr *price) bool {
		return lp.createdOK(pr.created) && (prod == "" || pr.product.id == prod) && (cur == "" || pr.currency == cur) &&
			(!hasActive || pr.active == active) && typ != "recurring"
	}, "price")
	if e != nil {
		return p.errResult(c, e)
	}
	out := make([]priceObject, len(page))
	for i, pr := range page {
		out[i] = pr.object()
	}
	return jsonResult(newList(out, hasMore, "/v1/prices"))
}

// priceMissing is the error for a line item's unknown price.
func priceMissing(param, id string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, code: "resource_missing", param: param,
		message: fmt.Sprintf("No such price: '%s'", truncateForMsg(id))}
}
