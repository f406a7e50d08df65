package fakeprovider

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// A subset of Stripe's search query language, enough for what
// integrations send: metadata['order_id']:'o_1', status:'succeeded',
// amount>1000, created>=1700000000, -currency:'eur', joined by AND or OR
// (not both), at most 10 clauses.

type searchClause struct {
	field  string // amount, created, currency, customer, status, metadata
	key    string // metadata key
	op     string // ":", "~", ">", "<", ">=", "<="
	neg    bool
	str    string
	num    int64
	isNum  bool
	isNull bool
}

type searchQuery struct {
	or      bool
	clauses []searchClause
}

func searchError(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, param: "query",
		message: "Invalid search query: " + msg + " See https://stripe.com/docs/search#search-query-language."}
}

// piSearchFields are the fields a PaymentIntent search takes besides
// created and metadata, which every search takes.
var piSearchFields = []string{"amount", "currency", "customer", "status"}

// parseSearchOf parses a query on objects of kind (for messages), which
// take fields besides created and metadata.
func parseSearchOf(q string, fields []string, kind string) (searchQuery, *apiError) {
	var sq searchQuery
	s := strings.TrimSpace(q)
	if s == "" {
		return sq, searchError("the query is empty.")
	}
	sawAnd, sawOr := false, false
	for {
		var cl searchClause
		var e *apiError
		cl, s, e = parseClause(s, fields, kind)
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

func parseClause(s string, fields []string, kind string) (cl searchClause, rest string, e *apiError) {
	if strings.HasPrefix(s, "-") {
		cl.neg, s = true, s[1:]
	}
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] == '_') {
		i++
	}
	cl.field, s = s[:i], s[i:]
	switch cl.field {
	case "created":
	case "metadata":
		if len(s) < 2 || s[0] != '[' || (s[1] != '\'' && s[1] != '"') {
			return cl, "", searchError("metadata must be written metadata['key'].")
		}
		q := s[1]
		end := strings.IndexByte(s[2:], q)
		if end < 0 || len(s) < end+4 || s[end+3] != ']' {
			return cl, "", searchError("unterminated metadata key.")
		}
		cl.key, s = s[2:2+end], s[end+4:]
	case "":
		return cl, "", searchError(fmt.Sprintf("expected a field at %q.", truncateForMsg(s)))
	default:
		if !slices.Contains(fields, cl.field) {
			return cl, "", searchError(fmt.Sprintf("the field %q cannot be searched on %s.", cl.field, kind))
		}
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
	numeric := cl.field == "amount" || cl.field == "created"
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

func (cl searchClause) match(pi *paymentIntent) bool {
	var ok bool
	if cl.field == "amount" || cl.field == "created" {
		v := pi.amount
		if cl.field == "created" {
			v = pi.created()
		}
		ok = cl.matchNum(v)
	} else {
		var v string
		present := true
		switch cl.field {
		case "currency":
			v = pi.currency
		case "customer":
			v = pi.x.customer
		case "status":
			v = pi.status
		case "metadata":
			v, present = metadataGet(pi.metadata, cl.key)
		}
		ok = cl.matchStr(v, present)
	}
	return ok != cl.neg
}

// matchNum compares a number field with the clause.
func (cl searchClause) matchNum(v int64) bool {
	switch cl.op {
	case ":":
		return v == cl.num
	case ">":
		return v > cl.num
	case "<":
		return v < cl.num
	case ">=":
		return v >= cl.num
	case "<=":
		return v <= cl.num
	}
	return false
}

// matchStr compares a text field (present: set at all) with the clause.
func (cl searchClause) matchStr(v string, present bool) bool {
	switch {
	case cl.isNull:
		return !present || v == ""
	case cl.op == "~":
		return present && strings.Contains(v, cl.str)
	default:
		want := cl.str
		if cl.isNum {
			want = strconv.FormatInt(cl.num, 10)
		}
		return present && v == want
	}
}

func (q searchQuery) match(pi *paymentIntent) bool {
	return q.holds(func(cl searchClause) bool { return cl.match(pi) })
}

// holds combines the clauses' results (each already negated as asked)
// with the query's AND or OR.
func (q searchQuery) holds(m func(searchClause) bool) bool {
	for _, cl := range q.clauses {
		ok := m(cl)
		if q.or && ok {
			return true
		}
		if !q.or && !ok {
			return false
		}
	}
	return !q.or
}

// searchParams are a search's query, limit and page token.
type searchParams struct {
	q     searchQuery
	limit int
	page  string
}

func readSearchParams(f *form, fields []string, kind string) (sp searchParams, e *apiError) {
	query, ok, e := f.strParam("query")
	if e != nil {
		return sp, e
	}
	if !ok {
		return sp, missingParam("query")
	}
	if sp.q, e = parseSearchOf(query, fields, kind); e != nil {
		return sp, e
	}
	sp.limit = 10
	if n, ok, e := f.int64Param("limit"); e != nil {
		return sp, e
	} else if ok {
		if n < 1 || n > 100 {
			return sp, invalidParam("limit", "This value must be between 1 and 100.")
		}
		sp.limit = int(n)
	}
	sp.page, _, e = f.strParam("page")
	return sp, e
}

// start is the position a search of n objects continues from, newest
// first: a page token is that position.
func (sp searchParams) start(n int) (int, *apiError) {
	if sp.page == "" {
		return n - 1, nil
	}
	i, err := strconv.Atoi(strings.TrimPrefix(sp.page, "page_"))
	if err != nil || !strings.HasPrefix(sp.page, "page_") || i < 0 || i >= n {
		return 0, invalidParam("page", "Invalid page token: "+truncateForMsg(sp.page))
	}
	return i, nil
}

func (p *Provider) piSearch(c *call) *result {
	sp, e := readSearchParams(c.f, piSearchFields, "payment intents")
	if e != nil {
		return p.errResult(c, e)
	}
	exp, e := c.f.expansionParam(expandLatestCharge | expandPaymentMethod)
	if e != nil {
		return p.errResult(c, e)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	start, e := sp.start(len(p.st.piOrder))
	if e != nil {
		return p.errResult(c, e)
	}
	sq, limit := sp.q, sp.limit
	b := append(make([]byte, 0, 4096), `{"object":"search_result","data":[`...)
	found, next := 0, -1
	for i := start; i >= 0; i-- {
		pi := p.st.piOrder[i]
		if !sq.match(pi) {
			continue
		}
		if found == limit {
			next = i
			break
		}
		if found > 0 {
			b = append(b, ',')
		}
		b = p.appendPI(b, pi, exp)
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
	b = append(b, `,"url":"/v1/payment_intents/search"}`...)
	return okResult(b)
}
