package fakeprovider

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Limits of the form decoder. They keep a hostile body from costing more
// than a bounded amount of memory and time.
const (
	maxFormPairs = 1000
	maxFormDepth = 16
)

// nodeKind tells what a form node holds.
type nodeKind uint8

const (
	kindValue nodeKind = iota + 1 // a scalar: a=1
	kindHash                      // a[b]=1: children are named
	kindList                      // a[]=1: children appended in order
)

// fnode is one node of the Rack-style parameter tree, kept in a flat arena
// so that decoding a body costs a couple of allocations, not one per key.
type fnode struct {
	name  string
	val   string
	kind  nodeKind
	first int32 // first child, -1 for none
	last  int32 // last child, -1 for none
	next  int32 // next sibling, -1 for none
}

// pair is one decoded key/value as sent, kept for idempotency
// fingerprints and for counting unknown parameters.
type pair struct{ key, val string }

// form is a decoded application/x-www-form-urlencoded body, assembled into
// the tree Stripe's API (a Rack application) sees: metadata[order_id]=x
// becomes {"metadata": {"order_id": "x"}} and expand[0]=a, expand[]=a
// become lists.
type form struct {
	nodes []fnode // nodes[0] is the root hash
	pairs []pair
}

// formError is a malformed body; it becomes a 400 invalid_request_error.
type formError struct {
	msg   string
	param string
}

func (e *formError) Error() string { return e.msg }

func newForm() *form {
	f := &form{nodes: make([]fnode, 1, 16), pairs: make([]pair, 0, 16)}
	f.nodes[0] = fnode{kind: kindHash, first: -1, last: -1, next: -1}
	return f
}

// formPool recycles forms between requests: a form holds no state once
// its request is answered (what handlers keep, they copy out).
var formPool = sync.Pool{New: func() any { return newForm() }}

func getForm() *form { return formPool.Get().(*form) }

// putForm clears f (so it keeps no request's strings alive) and recycles it.
func putForm(f *form) {
	if cap(f.nodes) > 4096 || cap(f.pairs) > 4096 {
		return // a huge request: let it go
	}
	clear(f.nodes)
	clear(f.pairs)
	f.nodes = f.nodes[:1]
	f.nodes[0] = fnode{kind: kindHash, first: -1, last: -1, next: -1}
	f.pairs = f.pairs[:0]
	formPool.Put(f)
}

// parseForm decodes s (a query string or form body) into f. It may be
// called more than once to merge the query string and the body.
func (f *form) parse(s string) error {
	for len(s) > 0 {
		var part string
		part, s, _ = strings.Cut(s, "&")
		if part == "" {
			continue
		}
		if len(f.pairs) >= maxFormPairs {
			return &formError{msg: fmt.Sprintf("Too many parameters: at most %d are accepted.", maxFormPairs)}
		}
		rk, rv, _ := strings.Cut(part, "=")
		k, err := unescape(rk)
		if err != nil {
			return &formError{msg: fmt.Sprintf("Invalid URL encoding in parameter name %q.", truncateForMsg(rk))}
		}
		v, err := unescape(rv)
		if err != nil {
			return &formError{msg: fmt.Sprintf("Invalid URL encoding in the value of %s.", truncateForMsg(k)), param: truncateForMsg(k)}
		}
		if err := f.insert(k, v); err != nil {
			return err
		}
		f.pairs = append(f.pairs, pair{k, v})
	}
	return nil
}

// insert places key (e.g. "a[b][0]") with value v into the tree.
func (f *form) insert(key, v string) error {
	base, rest, ok := splitBase(key)
	if !ok {
		return &formError{msg: fmt.Sprintf("Invalid parameter name: %s", truncateForMsg(key)), param: truncateForMsg(key)}
	}
	cur := int32(0)
	name := base
	depth := 0
	for {
		depth++
		if depth > maxFormDepth {
			return &formError{msg: fmt.Sprintf("Parameter %s is nested too deeply.", truncateForMsg(key)), param: truncateForMsg(key)}
		}
		if rest == "" {
			// Leaf: a scalar at name under cur.
			if f.nodes[cur].kind == kindList {
				f.appendChild(cur, fnode{name: name, val: v, kind: kindValue})
				return nil
			}
			if c := f.child(cur, name); c >= 0 {
				if f.nodes[c].kind != kindValue {
					return typeConflict(key)
				}
				f.nodes[c].val = v // Rack: the last value wins
				return nil
			}
			f.appendChild(cur, fnode{name: name, val: v, kind: kindValue})
			return nil
		}
		// rest starts with "[": read the next segment.
		end := strings.IndexByte(rest, ']')
		if rest[0] != '[' || end < 0 {
			return &formError{msg: fmt.Sprintf("Invalid parameter name: %s", truncateForMsg(key)), param: truncateForMsg(key)}
		}
		seg := rest[1:end]
		rest = rest[end+1:]
		if strings.IndexByte(seg, '[') >= 0 {
			return &formError{msg: fmt.Sprintf("Invalid parameter name: %s", truncateForMsg(key)), param: truncateForMsg(key)}
		}
		want := kindHash
		if seg == "" {
			want = kindList
		}
		var c int32 = -1
		if f.nodes[cur].kind == kindList {
			// a[][b]=1: Rack appends a new hash unless the last one lacks b.
			if l := f.nodes[cur].last; l >= 0 && f.nodes[l].kind == want && want == kindHash && rest == "" && f.child(l, seg) < 0 {
				c = l
			}
		} else {
			c = f.child(cur, name)
		}
		if c >= 0 && f.nodes[c].kind != want {
			return typeConflict(key)
		}
		if c < 0 {
			c = f.appendChild(cur, fnode{name: name, kind: want})
		}
		cur = c
		name = seg
	}
}

func typeConflict(key string) error {
	return &formError{msg: fmt.Sprintf("Invalid value for %s: a parameter cannot be both a value and a hash or an array.", truncateForMsg(key)), param: truncateForMsg(key)}
}

// splitBase splits "a[b][c]" into "a" and "[b][c]".
func splitBase(key string) (base, rest string, ok bool) {
	i := strings.IndexByte(key, '[')
	if i < 0 {
		if key == "" || strings.IndexByte(key, ']') >= 0 {
			return "", "", false
		}
		return key, "", true
	}
	base, rest = key[:i], key[i:]
	if base == "" || strings.IndexByte(base, ']') >= 0 || !strings.HasSuffix(rest, "]") {
		return "", "", false
	}
	return base, rest, true
}

func (f *form) appendChild(parent int32, n fnode) int32 {
	n.first, n.last, n.next = -1, -1, -1
	idx := int32(len(f.nodes))
	f.nodes = append(f.nodes, n)
	p := &f.nodes[parent]
	if p.last >= 0 {
		f.nodes[p.last].next = idx
	} else {
		p.first = idx
	}
	f.nodes[parent].last = idx
	return idx
}

// child finds the child of parent called name, or -1.
func (f *form) child(parent int32, name string) int32 {
	for c := f.nodes[parent].first; c >= 0; c = f.nodes[c].next {
		if f.nodes[c].name == name {
			return c
		}
	}
	return -1
}

// lookup returns the top-level node called name, or -1.
func (f *form) lookup(name string) int32 { return f.child(0, name) }

// has reports whether a top-level parameter was sent.
func (f *form) has(name string) bool { return f.lookup(name) >= 0 }

// str returns a top-level scalar; ok is false when it is absent. A hash or
// list where a scalar is expected is a paramError.
func (f *form) str(name string) (string, bool, *apiError) {
	c := f.lookup(name)
	if c < 0 {
		return "", false, nil
	}
	if f.nodes[c].kind != kindValue {
		return "", true, invalidParam(name, fmt.Sprintf("Invalid string: %s must be a string, not a hash or an array.", name))
	}
	return f.nodes[c].val, true, nil
}

// list returns the values of a list parameter sent as a[]=x, a[0]=x, or
// (for one value) a=x. Indexed entries are ordered by index.
func (f *form) list(name string) ([]string, bool, *apiError) {
	c := f.lookup(name)
	if c < 0 {
		return nil, false, nil
	}
	n := f.nodes[c]
	switch n.kind {
	case kindValue:
		if n.val == "" { // "a=" clears an array in Stripe's API
			return []string{}, true, nil
		}
		return []string{n.val}, true, nil
	case kindList:
		var out []string
		for k := n.first; k >= 0; k = f.nodes[k].next {
			if f.nodes[k].kind != kindValue {
				return nil, true, invalidParam(name, fmt.Sprintf("Invalid array: %s must contain strings.", name))
			}
			out = append(out, f.nodes[k].val)
		}
		return out, true, nil
	default: // hash with index keys
		// Clients send a[0], a[1], … in order: take them as they come.
		inOrder, n2 := true, 0
		for k := n.first; k >= 0; k = f.nodes[k].next {
			if f.nodes[k].kind != kindValue || f.nodes[k].name != strconv.Itoa(n2) {
				inOrder = false
				break
			}
			n2++
		}
		if inOrder {
			out := make([]string, 0, n2)
			for k := n.first; k >= 0; k = f.nodes[k].next {
				out = append(out, f.nodes[k].val)
			}
			return out, true, nil
		}
		type iv struct {
			i int
			v string
		}
		var items []iv
		for k := n.first; k >= 0; k = f.nodes[k].next {
			i, err := strconv.Atoi(f.nodes[k].name)
			if err != nil || i < 0 || i > maxFormPairs {
				return nil, true, invalidParam(name, fmt.Sprintf("Invalid array: %s must be an array, got a hash.", name))
			}
			if f.nodes[k].kind != kindValue {
				return nil, true, invalidParam(name, fmt.Sprintf("Invalid array: %s must contain strings.", name))
			}
			items = append(items, iv{i, f.nodes[k].val})
		}
		slices.SortStableFunc(items, func(a, b iv) int { return a.i - b.i })
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = it.v
		}
		return out, true, nil
	}
}

// hash returns the scalar children of a hash parameter such as metadata,
// in the order sent. "metadata=" (an empty scalar) returns an empty,
// non-nil slice with cleared set: Stripe's way to unset every key.
func (f *form) hash(name string) (kv []pair, sent, cleared bool, err *apiError) {
	c := f.lookup(name)
	if c < 0 {
		return nil, false, false, nil
	}
	n := f.nodes[c]
	if n.kind == kindValue {
		if n.val == "" {
			return []pair{}, true, true, nil
		}
		return nil, true, false, invalidParam(name, fmt.Sprintf("Invalid hash: %s must be a hash.", name))
	}
	if n.kind != kindHash {
		return nil, true, false, invalidParam(name, fmt.Sprintf("Invalid hash: %s must be a hash, not an array.", name))
	}
	for k := n.first; k >= 0; k = f.nodes[k].next {
		if f.nodes[k].kind != kindValue {
			return nil, true, false, invalidParam(name+"["+f.nodes[k].name+"]", fmt.Sprintf("Invalid value for %s[%s]: nested objects are not allowed here.", name, f.nodes[k].name))
		}
		kv = append(kv, pair{f.nodes[k].name, f.nodes[k].val})
	}
	return kv, true, false, nil
}

// sub returns the named child of a top-level hash (a[b]) as a scalar.
func (f *form) sub(name, key string) (string, bool, *apiError) {
	c := f.lookup(name)
	if c < 0 {
		return "", false, nil
	}
	if f.nodes[c].kind != kindHash {
		return "", true, invalidParam(name, fmt.Sprintf("Invalid hash: %s must be a hash.", name))
	}
	k := f.child(c, key)
	if k < 0 {
		return "", false, nil
	}
	if f.nodes[k].kind != kindValue {
		return "", true, invalidParam(name+"["+key+"]", fmt.Sprintf("Invalid string: %s[%s] must be a string.", name, key))
	}
	return f.nodes[k].val, true, nil
}

// fingerprint hashes the parameters independent of their order, so that a
// retry whose client sorted keys differently still matches.
func (f *form) fingerprint(method, route string) uint64 {
	// FNV-1a over each pair; pairs are combined with a commutative sum of
	// mixed per-pair hashes, so order does not matter but multiplicity does.
	var sum uint64
	for _, p := range f.pairs {
		h := uint64(14695981039346656037)
		for i := 0; i < len(p.key); i++ {
			h ^= uint64(p.key[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
		for i := 0; i < len(p.val); i++ {
			h ^= uint64(p.val[i])
			h *= 1099511628211
		}
		sum += mix64(h)
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(method); i++ {
		h ^= uint64(method[i])
		h *= 1099511628211
	}
	for i := 0; i < len(route); i++ {
		h ^= uint64(route[i])
		h *= 1099511628211
	}
	return mix64(sum ^ h)
}

var errBadEscape = errors.New("invalid escape")

// unescape decodes a query component ("+" is a space). It returns the
// input unchanged, without allocating, when nothing needs decoding.
func unescape(s string) (string, error) {
	n := 0
	plus := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			n++
			if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
				return "", errBadEscape
			}
			i += 2
		case '+':
			plus = true
		}
	}
	if n == 0 && !plus {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) - 2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case '+':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// truncateForMsg keeps hostile keys from bloating error messages.
func truncateForMsg(s string) string {
	const max = 100
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
