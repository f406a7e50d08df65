package fakeprovider

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/paychaos/paychaos/internal/secret"
)

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decode reads the query string and, for POST, the form body, and checks
// every parameter against the spec's parameters of the route (or, for a
// route the spec lacks, the route's own list). A bad body gets a precise
// 4xx and changes nothing. A key sent as the key parameter (c.keyInForm)
// is checked first, as Stripe checks a key before the body it came with.
func (p *Provider) decode(c *call) (*form, *apiError) {
	f := getForm()
	if e := p.decodeInto(f, c); e != nil {
		putForm(f)
		return nil, e
	}
	return f, nil
}

func (p *Provider) decodeInto(f *form, c *call) *apiError {
	r, rt := c.r, c.route
	var body string
	var bodyErr *apiError
	if r.Method == http.MethodPost && r.Body != nil {
		body, bodyErr = p.readBody(r)
	}
	if c.keyInForm {
		if e := p.keyFromForm(c, r.URL.RawQuery, body); e != nil {
			return e
		}
	}
	if bodyErr != nil {
		return bodyErr
	}
	if q := r.URL.RawQuery; q != "" {
		if err := f.parse(q); err != nil {
			return formErr(err)
		}
	}
	if body != "" {
		if err := f.parse(body); err != nil {
			return formErr(err)
		}
	}
	var e *apiError
	if s := specFor(rt); s != nil {
		e = validateSpec(f, s)
	} else {
		e = validateParams(f, routes[rt].params) // a route the spec lacks
	}
	if e != nil {
		if e.code == "parameter_unknown" {
			p.mu.Lock()
			p.st.unknownParams++
			p.mu.Unlock()
		}
		return e
	}
	return nil
}

// readBody reads a POST's form body, at most maxBody bytes.
func (p *Provider) readBody(r *http.Request) (string, *apiError) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return "", &apiError{status: http.StatusBadRequest, typ: errInvalidRequest,
			message: fmt.Sprintf("Invalid request: unsupported Content-Type %s. If error persists and you need assistance, please contact support. The API takes application/x-www-form-urlencoded bodies.", truncateForMsg(ct))}
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	defer bodyPool.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, p.cfg.maxBody+1)); err != nil {
		return "", &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, message: "Invalid request: the body could not be read."}
	}
	if int64(buf.Len()) > p.cfg.maxBody {
		return "", &apiError{status: http.StatusRequestEntityTooLarge, typ: errInvalidRequest,
			message: fmt.Sprintf("Request body too large: at most %d bytes are accepted.", p.cfg.maxBody)}
	}
	return buf.String(), nil // a copy: the form keeps substrings of it
}

func formErr(err error) *apiError {
	fe, _ := err.(*formError)
	e := &apiError{status: http.StatusBadRequest, typ: errInvalidRequest, message: err.Error()}
	if fe != nil {
		e.param = fe.param
	}
	return e
}

// validateParams rejects parameters the route does not take, the way
// Stripe answers parameter_unknown.
func validateParams(f *form, spec map[string]paramSpec) *apiError {
	for c := f.nodes[0].first; c >= 0; c = f.nodes[c].next {
		n := &f.nodes[c]
		s, ok := spec[n.name]
		if !ok {
			return unknownParam(n.name)
		}
		switch s.kind {
		case pScalar:
			if n.kind != kindValue {
				return invalidParam(n.name, fmt.Sprintf("Invalid value for %s: expected a string, got a hash or an array.", n.name))
			}
		case pList:
			if n.kind == kindValue {
				continue
			}
			for k := n.first; k >= 0; k = f.nodes[k].next {
				if f.nodes[k].kind != kindValue {
					return invalidParam(n.name, fmt.Sprintf("Invalid array: %s must contain strings.", n.name))
				}
				if n.kind == kindHash {
					if _, err := strconv.Atoi(f.nodes[k].name); err != nil {
						return invalidParam(n.name, fmt.Sprintf("Invalid array: %s must be an array, got a hash.", n.name))
					}
				}
			}
		case pMeta:
			if n.kind == kindValue {
				if n.val != "" {
					return invalidParam(n.name, fmt.Sprintf("Invalid hash: %s must be a hash.", n.name))
				}
				continue
			}
			if n.kind != kindHash {
				return invalidParam(n.name, fmt.Sprintf("Invalid hash: %s must be a hash, not an array.", n.name))
			}
			for k := n.first; k >= 0; k = f.nodes[k].next {
				if f.nodes[k].kind != kindValue {
					return invalidParam(n.name+"["+f.nodes[k].name+"]", fmt.Sprintf("Invalid value for %s[%s]: metadata values must be strings.", n.name, truncateForMsg(f.nodes[k].name)))
				}
			}
		case pHash:
			if n.kind != kindHash {
				return invalidParam(n.name, fmt.Sprintf("Invalid hash: %s must be a hash.", n.name))
			}
			for k := n.first; k >= 0; k = f.nodes[k].next {
				sub := f.nodes[k].name
				known := false
				for _, a := range s.subs {
					if a == sub {
						known = true
						break
					}
				}
				if !known {
					return unknownParam(n.name + "[" + truncateForMsg(sub) + "]")
				}
				if f.nodes[k].kind != kindValue {
					return invalidParam(n.name+"["+sub+"]", fmt.Sprintf("Invalid value for %s[%s]: expected a string.", n.name, sub))
				}
			}
		}
	}
	return nil
}

// Typed accessors: each returns a Stripe-shaped 400 for a bad value.

func (f *form) int64Param(name string) (int64, bool, *apiError) {
	s, ok, err := f.str(name)
	if err != nil {
		return 0, true, err
	}
	if !ok {
		return 0, false, nil
	}
	if s == "" {
		return 0, true, emptyParam(name)
	}
	n, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil {
		return 0, true, invalidInteger(name, s)
	}
	return n, true, nil
}

func (f *form) boolParam(name string) (bool, bool, *apiError) {
	s, ok, err := f.str(name)
	if err != nil {
		return false, true, err
	}
	if !ok {
		return false, false, nil
	}
	switch s {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, invalidBoolean(name, s)
}

func (f *form) strParam(name string) (string, bool, *apiError) {
	s, ok, err := f.str(name)
	if err != nil {
		return "", true, err
	}
	return s, ok, nil
}

// enumParam reads a string that must be one of allowed.
func (f *form) enumParam(name string, allowed ...string) (string, bool, *apiError) {
	s, ok, e := f.strParam(name)
	if e != nil || !ok {
		return s, ok, e
	}
	for _, a := range allowed {
		if s == a {
			return s, true, nil
		}
	}
	return "", true, invalidParam(name, fmt.Sprintf("Invalid %s: must be one of %s", name, strings.Join(allowed, ", ")))
}

// metadataParam reads metadata and checks Stripe's limits (50 keys, keys
// up to 40 characters, values up to 500).
func (f *form) metadataParam() (upd []pair, sent, cleared bool, e *apiError) {
	kv, sent, cleared, err := f.hash("metadata")
	if err != nil {
		return nil, true, false, err
	}
	if len(kv) > 50 {
		return nil, true, false, invalidParam("metadata", "Invalid metadata: metadata can have at most 50 keys.")
	}
	for _, p := range kv {
		if p.key == "" || len(p.key) > 40 {
			return nil, true, false, invalidParam("metadata", fmt.Sprintf("Invalid metadata: keys must be 1 to 40 characters long (%s).", truncateForMsg(p.key)))
		}
		if len(p.val) > 500 {
			return nil, true, false, invalidParam("metadata["+p.key+"]", fmt.Sprintf("Invalid metadata: values can be at most 500 characters long (%s).", p.key))
		}
	}
	return kv, sent, cleared, nil
}

// expansions reads expand[]; for a list or search result (list) every
// path starts with "data." (data.latest_charge).
func (f *form) expansions(allowed expansion, list bool) (expansion, *apiError) {
	l, ok, err := f.list("expand")
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, nil
	}
	var exp expansion
	for _, s := range l {
		path, inData := strings.CutPrefix(s, "data.")
		x, good := parseExpansion(path, allowed)
		if !good || list != inData {
			return 0, invalidParam("expand", fmt.Sprintf("This property cannot be expanded (%s).", truncateForMsg(s)))
		}
		exp |= x
	}
	return exp, nil
}

// authenticate checks the API key the way Stripe does: Bearer or Basic
// (the key as user name), and only test-mode keys.
func (p *Provider) authenticate(r *http.Request) *apiError {
	a := r.Header.Get("Authorization")
	var key string
	switch {
	case a == "":
		return &apiError{status: http.StatusUnauthorized, typ: errInvalidRequest,
			message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."}
	case strings.HasPrefix(a, "Bearer "):
		key = strings.TrimSpace(a[len("Bearer "):])
	case strings.HasPrefix(a, "Basic "):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(a[len("Basic "):]))
		if err == nil {
			key, _, _ = strings.Cut(string(raw), ":")
		}
	}
	if p.cfg.apiKeys != nil {
		if p.cfg.apiKeys[key] {
			return nil
		}
	} else if validTestKey(key) {
		return nil
	}
	return &apiError{status: http.StatusUnauthorized, typ: errInvalidRequest,
		message: "Invalid API Key provided: " + secret.MaskKey(key)}
}

func validTestKey(k string) bool {
	if !strings.HasPrefix(k, "sk_test_") && !strings.HasPrefix(k, "rk_test_") || len(k) <= len("sk_test_") || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
