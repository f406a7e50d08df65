package fakeprovider

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// The parameters each operation takes come from Stripe's OpenAPI spec:
// specparams.json is generated from it (see specgen_test.go) and compiled
// once, on the first request; a request's parameters are then checked by
// walking its form against its route's tree. A route whose pattern is in
// the spec gets its parameters from there, with nothing to write by hand.

//go:generate go test -run ^TestSpecParamsUpToDate$ -update-spec-params .

//go:embed specparams.json
var specParamsJSON []byte

// specNodeJSON is one schema node of specparams.json; nodes refer to each
// other by index.
type specNodeJSON struct {
	// Type is s(tring), i(nteger), n(umber), b(oolean), o(bject),
	// a(rray), | (any of) or * (anything).
	Type     string         `json:"t"`
	Enum     []string       `json:"e,omitempty"`
	Props    map[string]int `json:"p,omitempty"`
	Required []string       `json:"r,omitempty"`
	Addl     *int           `json:"x,omitempty"` // the schema of keys not in Props
	Items    *int           `json:"i,omitempty"`
	AnyOf    []int          `json:"u,omitempty"`
}

// pnode is a compiled parameter schema.
type pnode struct {
	typ      byte
	enum     []string
	props    map[string]*pnode
	required []string
	addl     *pnode
	items    *pnode
	anyOf    []*pnode // without the branches that only allow ""
	emptyOK  bool     // "" (unset) is allowed: an anyOf with an enum [""] branch
}

// specParams is the compiled table: the spec's version and each
// operation's parameters, by pattern with its ids written {}.
type specParams struct {
	version string
	ops     map[string]*pnode
	// byRoute is ops looked up for each route of the route table.
	byRoute [numRoutes]*pnode
}

var compiledSpec = sync.OnceValue(func() *specParams {
	sp, err := compileSpecParams(specParamsJSON)
	if err != nil {
		panic(err) // the embedded file is generated and tested: it cannot be bad
	}
	for i := routeID(1); i < numRoutes; i++ {
		sp.byRoute[i] = sp.ops[normalizePattern(routes[i].pattern)]
	}
	return sp
})

func compileSpecParams(b []byte) (*specParams, error) {
	var raw struct {
		Version string         `json:"version"`
		Ops     map[string]int `json:"ops"`
		Nodes   []specNodeJSON `json:"nodes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("read spec parameters: %w", err)
	}
	nodes := make([]*pnode, len(raw.Nodes))
	for i := range nodes {
		nodes[i] = &pnode{}
	}
	at := func(i int) (*pnode, error) {
		if i < 0 || i >= len(nodes) {
			return nil, fmt.Errorf("read spec parameters: node %d out of range", i)
		}
		return nodes[i], nil
	}
	var err error
	for i, r := range raw.Nodes {
		n := nodes[i]
		if len(r.Type) != 1 {
			return nil, fmt.Errorf("read spec parameters: node %d has type %q", i, r.Type)
		}
		n.typ, n.enum, n.required = r.Type[0], r.Enum, r.Required
		if len(r.Props) > 0 {
			n.props = make(map[string]*pnode, len(r.Props))
			for k, j := range r.Props {
				if n.props[k], err = at(j); err != nil {
					return nil, err
				}
			}
		}
		if r.Addl != nil {
			if n.addl, err = at(*r.Addl); err != nil {
				return nil, err
			}
		}
		if r.Items != nil {
			if n.items, err = at(*r.Items); err != nil {
				return nil, err
			}
		}
		for _, j := range r.AnyOf {
			if j < 0 || j >= len(raw.Nodes) {
				return nil, fmt.Errorf("read spec parameters: node %d out of range", j)
			}
			if b := raw.Nodes[j]; b.Type == "s" && len(b.Enum) == 1 && b.Enum[0] == "" {
				n.emptyOK = true
				continue
			}
			n.anyOf = append(n.anyOf, nodes[j])
		}
	}
	sp := &specParams{version: raw.Version, ops: make(map[string]*pnode, len(raw.Ops))}
	for k, j := range raw.Ops {
		if sp.ops[normalizePattern(k)], err = at(j); err != nil {
			return nil, err
		}
	}
	return sp, nil
}

// normalizePattern writes every path parameter as {}: the spec says
// {intent} where the route table says {id}.
func normalizePattern(p string) string {
	var b strings.Builder
	for len(p) > 0 {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			break
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			b.WriteString(p)
			break
		}
		b.WriteString(p[:i])
		b.WriteString("{}")
		p = p[i+j+1:]
	}
	return b.String()
}

// specFor returns the spec's parameters of a route, or nil when the spec
// has no such operation.
func specFor(rt routeID) *pnode {
	if rt == routeNone || rt >= numRoutes {
		return nil
	}
	return compiledSpec().byRoute[rt]
}

// validateSpec checks a request's parameters against its operation's
// tree, the way Stripe does: an unknown name anywhere is
// parameter_unknown, a value of the wrong type or shape a 400 naming it.
// Empty scalars pass: whether a field can be unset is the handler's call.
func validateSpec(f *form, top *pnode) *apiError {
	for c := f.nodes[0].first; c >= 0; c = f.nodes[c].next {
		name := f.nodes[c].name
		s := top.props[name]
		if s == nil {
			return unknownParam(truncateForMsg(name))
		}
		var at ppath
		at.push(name)
		if e := checkParam(f, c, s, &at); e != nil {
			return e
		}
	}
	return nil
}

// ppath is where a parameter sits (a[b][0]): a stack of names, one
// value for the whole walk, written out only for an error, so that the
// hot path allocates nothing for it.
type ppath struct {
	names [maxFormDepth + 1]string
	n     int
}

func (p *ppath) push(name string) { p.names[p.n] = name; p.n++ }
func (p *ppath) pop()             { p.n-- }

func (p *ppath) String() string {
	var b strings.Builder
	for i, n := range p.names[:p.n] {
		if i == 0 {
			b.WriteString(truncateForMsg(n))
			continue
		}
		b.WriteByte('[')
		b.WriteString(truncateForMsg(n))
		b.WriteByte(']')
	}
	return b.String()
}

func checkParam(f *form, c int32, s *pnode, at *ppath) *apiError {
	n := &f.nodes[c]
	switch s.typ {
	case '|':
		if n.kind == kindValue && n.val == "" && s.emptyOK {
			return nil
		}
		// When no branch takes the value, the error is the one of the
		// branch that knows most of what was sent (then, an unknown key
		// over a missing one): a token hash with a typo is told about
		// the typo, not about the card number it lacks.
		var best *apiError
		bestScore := -1
		depth := at.n
		for _, b := range s.anyOf {
			if !b.fits(n.kind) {
				continue
			}
			e := checkParam(f, c, b, at)
			at.n = depth // a failed branch returns without popping
			if e == nil {
				return nil
			}
			score := 2 * b.known(f, c)
			if e.code == "parameter_unknown" {
				score++
			}
			if score > bestScore {
				best, bestScore = e, score
			}
		}
		if best == nil && len(s.anyOf) > 0 {
			best = checkParam(f, c, s.anyOf[0], at)
			at.n = depth
		}
		return best
	case 's', 'i', 'n', 'b':
		if n.kind != kindValue {
			return invalidParam(at.String(), fmt.Sprintf("Invalid string: %s must be a string, not a hash or an array.", at.String()))
		}
		return checkScalar(s, n.val, at)
	case 'a':
		switch n.kind {
		case kindValue:
			if n.val == "" {
				return nil // a= clears an array
			}
			if s.items != nil && s.items.fits(kindValue) {
				return checkParam(f, c, s.items, at) // a=x is a list of one
			}
			return invalidParam(at.String(), fmt.Sprintf("Invalid array: %s must be an array.", at.String()))
		case kindList:
			i := 0
			for k := n.first; k >= 0; k = f.nodes[k].next {
				at.push(indexName(i))
				if e := checkParam(f, k, s.items, at); e != nil {
					return e
				}
				at.pop()
				i++
			}
		default:
			for k := n.first; k >= 0; k = f.nodes[k].next {
				if _, err := strconv.Atoi(f.nodes[k].name); err != nil {
					return invalidParam(at.String(), fmt.Sprintf("Invalid array: %s must be an array, got a hash.", at.String()))
				}
				at.push(f.nodes[k].name)
				if e := checkParam(f, k, s.items, at); e != nil {
					return e
				}
				at.pop()
			}
		}
		return nil
	case 'o':
		if n.kind != kindHash {
			if n.kind == kindValue && n.val == "" && s.props == nil && s.addl != nil && s.addl.typ == '*' {
				return nil // a free-form hash cleared
			}
			if n.kind == kindList {
				return invalidParam(at.String(), fmt.Sprintf("Invalid hash: %s must be a hash, not an array.", at.String()))
			}
			return invalidParam(at.String(), fmt.Sprintf("Invalid hash: %s must be a hash.", at.String()))
		}
		for k := n.first; k >= 0; k = f.nodes[k].next {
			name := f.nodes[k].name
			sub := s.props[name]
			if sub == nil {
				sub = s.addl
			}
			if sub == nil {
				at.push(name)
				return unknownParam(at.String())
			}
			at.push(name)
			if e := checkParam(f, k, sub, at); e != nil {
				return e
			}
			at.pop()
		}
		for _, r := range s.required {
			if f.child(c, r) < 0 {
				at.push(r)
				return missingParam(at.String())
			}
		}
		return nil
	}
	return nil // '*': anything
}

// indexName is a list position as a name, without allocating for the
// first few.
func indexName(i int) string {
	const small = "0123456789"
	if i < len(small) {
		return small[i : i+1]
	}
	return strconv.Itoa(i)
}

// known counts the nodes under c whose names s defines, at any depth:
// how well a value fits a branch it failed.
func (s *pnode) known(f *form, c int32) int {
	n := &f.nodes[c]
	total := 0
	switch s.typ {
	case '|':
		for _, b := range s.anyOf {
			total = max(total, b.known(f, c))
		}
	case 'o':
		if n.kind != kindHash {
			return 0
		}
		for k := n.first; k >= 0; k = f.nodes[k].next {
			sub := s.props[f.nodes[k].name]
			if sub == nil {
				sub = s.addl
			}
			if sub != nil {
				total += 1 + sub.known(f, k)
			}
		}
	case 'a':
		if s.items != nil && n.kind != kindValue {
			for k := n.first; k >= 0; k = f.nodes[k].next {
				total += s.items.known(f, k)
			}
		}
	}
	return total
}

// fits reports whether a form node of kind k can be of this schema.
func (s *pnode) fits(k nodeKind) bool {
	switch s.typ {
	case 's', 'i', 'n', 'b':
		return k == kindValue
	case 'o':
		return k == kindHash
	}
	return true
}

func checkScalar(s *pnode, v string, at *ppath) *apiError {
	if v == "" {
		return nil
	}
	switch s.typ {
	case 'i':
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return invalidInteger(at.String(), v)
		}
	case 'n':
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return invalidParam(at.String(), fmt.Sprintf("Invalid decimal: %s", truncateForMsg(v)))
		}
	case 'b':
		if v != "true" && v != "false" {
			return invalidBoolean(at.String(), v)
		}
	}
	if len(s.enum) > 0 {
		for _, a := range s.enum {
			if v == a {
				return nil
			}
		}
		path := at.String()
		return invalidParam(path, fmt.Sprintf("Invalid %s: must be one of %s", path, strings.Join(s.enum, ", ")))
	}
	return nil
}
