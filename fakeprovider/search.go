package fakeprovider

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// A subset of Stripe's search query language, enough for what
// integrations send: metadata['order_id']:'o_1', status:'succeeded',
// amount>1000, created>=1700000000, -currency:'eur', joined by AND or OR
// (not both), at most 10 clauses.

// searchFields are the fields a resource can be searched on; numeric
// ones take >, <, >= and <=.
type searchFields struct {
	kind    string // "payment intents", for errors
	numeric map[string]bool
}

var (
	piSearchFields = searchFields{kind: "payment intents", numeric: map[string]bool{
		"amount": true, "created": true, "currency": false, "customer": false, "status": false}}
	chargeSearchFields = searchFields{kind: "charges", numeric: map[string]bool{
		"amount": true, "created": true, "currency": false, "customer": false, "status": false,
		"disputed": false, "refunded": false, "payment_intent": false, "payment_method_details.card.last4": false,
		"payment_method_details.card.brand": false}}
)

// searchable is an object a search query can match: v is the value of a
// field (n when numeric), or of a metadata key.
type searchable interface {
	stored
	searchValue(field, key string) (v string, n int64, present bool)
}

func (pi *paymentIntent) searchValue(field, key string) (string, int64, bool) {
	switch field {
	case "amount":
		return "", pi.amount, true
	case "created":
		return "", pi.created(), true
	case "currency":
		return pi.currency, 0, true
	case "customer":
		return pi.x.customer, 0, true
	case "status":
		return pi.status, 0, true
	case "metadata":
		v, ok := metadataGet(pi.metadata, key)
		return v, 0, ok
	}
	return "", 0, false
}

func (ch *charge) searchValue(field, key string) (string, int64, bool) {
	switch field {
	case "amount":
		return "", ch.amount, true
	case "created":
		return "", ch.created, true
	case "currency":
		return ch.currency, 0, true
	case "customer":
		return ch.customer, 0, true
	case "status":
		return ch.status, 0, true
	case "disputed":
		return "false", 0, true
	case "refunded":
		return strconv.FormatBool(ch.refunded), 0, true
	case "payment_intent":
		return ch.pi.id, 0, true
	case "payment_method_details.card.last4":
		return ch.card.last4, 0, true
	case "payment_method_details.card.brand":
		return ch.card.brand, 0, true
	case "metadata":
		v, ok := metadataGet(ch.metadata, key)
		return v, 0, ok
	}
	return "", 0, false
}

type searchClause struct {
	field  string // one of the resource's searchFields, or metadata
	key    string // metadata key
	op     string // ":", "~", ">", "<", ">=", "<="
	neg    bool
	str    string
	num    int64
	isNum  bool
	isNull bool
	// numeric says the field compares as a number.
	numeric bool
}

type searchQuery struct {
	or      bool
	clauses []searchClause
}

func searchError(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, param: "query",
		message: "Invalid search query: " + msg + " See https://stripe.com/docs/search#search-query-language."}
}

// parseSearch parses a query on a resource with fields into clauses.
func parseSearch(q string, fields searchFields) (searchQuery, *apiError) {
	var sq searchQuery
	s := strings.TrimSpace(q)
	if s == "" {
		return sq, searchError("the query is empty.")
	}
	sawAnd, sawOr := false, false
	for {
		var cl searchClause
		var e *apiError
		cl, s, e = parseClause(s, fields)
		if e != nil {
			return sq, e
		}
		sq.clauses = append(sq.clauses, cl)
		if len(sq.clauses) > 10 {
			return sq, searchError("at most 10 clauses are allowed.")
		}
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		switch {
		case strings.HasPrefix(s, "AND "):
			sawAnd, s = true, s[4:]
		case strings.HasPrefix(s, "OR "):
			sawOr, s = true, s[3:]
		default:
			return sq, searchError(fmt.Sprintf("expected AND or OR before %q.", truncateForMsg(s)))
		}
		if sawAnd && sawOr {
			return sq, searchError("AND and OR cannot be combined in one query.")
		}
		s = strings.TrimLeft(s, " ")
	}
	sq.or = sawOr
	return sq, nil
}

func parseClause(s string, fields searchFields) (cl searchClause, rest string, e *apiError) {
	if strings.HasPrefix(s, "-") {
		cl.neg, s = true, s[1:]
	}
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9' || s[i] == '_' || s[i] == '.') {
		i++
	}
	cl.field, s = s[:i], s[i:]
	numeric, known := fields.numeric[cl.field]
	cl.numeric = numeric
	switch {
	case known:
	case cl.field == "metadata":
		if len(s) < 2 || s[0] != '[' || (s[1] != '\'' && s[1] != '"') {
			return cl, "", searchError("metadata must be written metadata['key'].")
		}
		q := s[1]
		end := strings.IndexByte(s[2:], q)
		if end < 0 || len(s) < end+4 || s[end+3] != ']' {
			return cl, "", searchError("unterminated metadata key.")
		}
		cl.key, s = s[2:2+end], s[end+4:]
	case cl.field == "":
		return cl, "", searchError(fmt.Sprintf("expected a field at %q.", truncateForMsg(s)))
	default:
		return cl, "", searchError(fmt.Sprintf("the field %q cannot be searched on %s.", truncateForMsg(cl.field), fields.kind))
	}
	switch {
	case strings.HasPrefix(s, ">="), strings.HasPrefix(s, "<="):
		cl.op, s = s[:2], s[2:]
	case strings.HasPrefix(s, ":"), strings.HasPrefix(s, "~"), strings.HasPrefix(s, ">"), strings.HasPrefix(s, "<"):
		cl.op, s = s[:1], s[1:]
	default:
		return cl, "", searchError(fmt.Sprintf("expected an operator after %s.", cl.field))
	}
	switch {
	case s != "" && (s[0] == '\'' || s[0] == '"'):
		q := s[0]
		end := strings.IndexByte(s[1:], q)
		if end < 0 {
			return cl, "", searchError("unterminated string.")
		}
		cl.str, s = s[1:1+end], s[end+2:]
	case strings.HasPrefix(s, "null"):
		cl.isNull, s = true, s[4:]
	default:
		j := 0
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || j == 0 && s[j] == '-') {
			j++
		}
		n, err := strconv.ParseInt(s[:j], 10, 64)
		if err != nil {
			return cl, "", searchError(fmt.Sprintf("expected a quoted string or a number at %q.", truncateForMsg(s)))
		}
		cl.num, cl.isNum, s = n, true, s[j:]
	}
	if cl.op != ":" && cl.op != "~" && !numeric {
		return cl, "", searchError(fmt.Sprintf("%s does not support %s.", cl.field, cl.op))
	}
	if cl.op == "~" && (numeric || len(cl.str) < 3) {
		return cl, "", searchError("~ needs a text field and at least 3 characters.")
	}
	if numeric && !cl.isNum {
		if n, err := strconv.ParseInt(cl.str, 10, 64); err == nil {
			cl.num, cl.isNum = n, true
		} else {
			return cl, "", searchError(fmt.Sprintf("%s takes a number.", cl.field))
		}
	}
	if s != "" && s[0] != ' ' {
		return cl, "", searchError(fmt.Sprintf("unexpected %q.", truncateForMsg(s)))
	}
	return cl, s, nil
}

func (cl searchClause) match(obj searchable) bool {
	var ok bool
	v, n, present := obj.searchValue(cl.field, cl.key)
	if cl.numeric {
		switch cl.op {
		case ":":
			ok = n == cl.num
		case ">":
			ok = n > cl.num
		case "<":
			ok = n < cl.num
		case ">=":
			ok = n >= cl.num
		case "<=":
			ok = n <= cl.num
		}
	} else {
		switch {
		case cl.isNull:
			ok = !present || v == ""
		case cl.op == "~":
			ok = present && strings.Contains(v, cl.str)
		default:
			want := cl.str
			if cl.isNum {
				want = strconv.FormatInt(cl.num, 10)
			}
			ok = present && v == want
		}
	}
	return ok != cl.neg
}

func (q searchQuery) match(obj searchable) bool {
	for _, cl := range q.clauses {
		m := cl.match(obj)
		if q.or && m {
			return true
		}
		if !q.or && !m {
			return false
		}
	}
	return !q.or
}

func (p *Provider) piSearch(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	return searchLocked(p, c, p.st.piOrder, piSearchFields, piExpandable, "/v1/payment_intents/search", p.appendPI)
}

func (p *Provider) chargeSearch(c *call) *result {
	p.mu.Lock()
	defer p.mu.Unlock()
	return searchLocked(p, c, p.st.chargeOrder, chargeSearchFields, chargeExpandable, "/v1/charges/search", p.appendCharge)
}

// searchLocked answers a search over order, newest first.
func searchLocked[T searchable](p *Provider, c *call, order []T, fields searchFields, expandable expansion, url string, appendOne func([]byte, T, expansion) []byte) *result {
	in := c.in()
	query, ok := in.str("query")
	if in.ok() && !ok {
		in.fail(missingParam("query"))
	}
	var sq searchQuery
	if in.ok() {
		sq, in.err = parseSearch(query, fields)
	}
	limit := 10
	if n, ok := in.num("limit"); ok {
		if n < 1 || n > 100 {
			in.fail(invalidParam("limit", "This value must be between 1 and 100."))
		}
		limit = int(n)
	}
	page, _ := in.str("page")
	exp := in.expandList(expandable)
	// A page token is the position to continue from, newest first.
	start := len(order) - 1
	if page != "" && in.ok() {
		n, err := strconv.Atoi(strings.TrimPrefix(page, "page_"))
		if err != nil || !strings.HasPrefix(page, "page_") || n < 0 || n >= len(order) {
			in.fail(invalidParam("page", "Invalid page token: "+truncateForMsg(page)))
		}
		start = n
	}
	if in.err != nil {
		return p.errResult(c, in.err)
	}
	b := append(make([]byte, 0, 4096), `{"object":"search_result","data":[`...)
	found, next := 0, -1
	for i := start; i >= 0; i-- {
		x := order[i]
		if g, ok := any(x).(interface{ gone() bool }); ok && g.gone() || !sq.match(x) {
			continue
		}
		if found == limit {
			next = i
			break
		}
		if found > 0 {
			b = append(b, ',')
		}
		b = appendOne(b, x, exp)
		found++
	}
	b = append(b, `],"has_more":`...)
	b = appendBool(b, next >= 0)
	b = append(b, `,"next_page":`...)
	if next >= 0 {
		b = appendStr(b, "page_"+strconv.Itoa(next))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"url":`...)
	b = appendStr(b, url)
	return okResult(append(b, '}'))
}
