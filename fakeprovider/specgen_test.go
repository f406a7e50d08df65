package fakeprovider

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stripe/stripe-mock/embedded"
)

// The parameter tables in specparams.json are generated from Stripe's
// OpenAPI spec (the stripe-mock module) by this test:
//
//	go generate ./fakeprovider/
//
// runs it with -update-spec-params. Without the flag it fails when the
// committed file is not what the spec gives.
var updateSpecParams = flag.Bool("update-spec-params", false, "rewrite specparams.json from Stripe's OpenAPI spec")

// specGenPrefixes are the paths whose operations get tables: what the
// provider serves and what it is about to serve.
var specGenPrefixes = []string{
	"/v1/payment_intents", "/v1/charges", "/v1/refunds", "/v1/events",
	"/v1/checkout/sessions", "/v1/customers", "/v1/payment_methods",
	"/v1/prices", "/v1/products", "/v1/setup_intents", "/v1/webhook_endpoints",
}

// specGenSkip are sub-resources under those paths no integration here
// needs (they would triple the file).
var specGenSkip = []string{
	"/v1/customers/{customer}/bank_accounts", "/v1/customers/{customer}/cards", "/v1/customers/{customer}/sources",
	"/v1/customers/{customer}/subscriptions", "/v1/customers/{customer}/tax_ids", "/v1/customers/{customer}/cash_balance",
	"/v1/customers/{customer}/funding_instructions", "/v1/customers/{customer}/discount",
	"/v1/products/{product}/features", "/v1/charges/{charge}/dispute",
}

func TestSpecParamsUpToDate(t *testing.T) {
	got, err := generateSpecParams(embedded.OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	if *updateSpecParams {
		if err := os.WriteFile("specparams.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, specParamsJSON) {
		t.Fatal("specparams.json is not what Stripe's spec gives: run go generate ./fakeprovider/")
	}
}

// rawSchema is the part of an OpenAPI schema a form parameter uses.
type rawSchema struct {
	Type       string                `json:"type"`
	Enum       []any                 `json:"enum"`
	Bypass     bool                  `json:"x-stripeBypassValidation"`
	Properties map[string]*rawSchema `json:"properties"`
	Required   []string              `json:"required"`
	Addl       json.RawMessage       `json:"additionalProperties"`
	Items      *rawSchema            `json:"items"`
	AnyOf      []*rawSchema          `json:"anyOf"`
}

type rawOp struct {
	Parameters []struct {
		In     string     `json:"in"`
		Name   string     `json:"name"`
		Schema *rawSchema `json:"schema"`
	} `json:"parameters"`
	RequestBody struct {
		Content map[string]struct {
			Schema *rawSchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

// generateSpecParams builds specparams.json: a table of schema nodes,
// each written once, and per operation the node of its parameters.
func generateSpecParams(spec []byte) ([]byte, error) {
	var doc struct {
		Info  struct{ Version string } `json:"info"`
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	type opTop struct {
		name string
		top  *rawSchema
	}
	var tops []opTop
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		item := doc.Paths[path]
		if !slices.ContainsFunc(specGenPrefixes, func(p string) bool { return path == p || strings.HasPrefix(path, p+"/") }) ||
			slices.ContainsFunc(specGenSkip, func(p string) bool { return strings.HasPrefix(path, p) }) {
			continue
		}
		for _, method := range slices.Sorted(maps.Keys(item)) {
			raw := item[method]
			if method != "get" && method != "post" && method != "delete" {
				continue
			}
			var op rawOp
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("read %s %s: %w", method, path, err)
			}
			top := &rawSchema{Type: "object", Properties: map[string]*rawSchema{}}
			for _, p := range op.Parameters {
				if p.In == "query" {
					top.Properties[p.Name] = p.Schema
				}
			}
			if c, ok := op.RequestBody.Content["application/x-www-form-urlencoded"]; ok && c.Schema != nil {
				for n, s := range c.Schema.Properties {
					top.Properties[n] = s
				}
			}
			tops = append(tops, opTop{strings.ToUpper(method) + " " + path, top})
		}
	}
	byName := map[string]*rawSchema{}
	for _, o := range tops {
		byName[o.name] = o.top
	}
	if err := addUnlisted(byName); err != nil {
		return nil, err
	}
	g := &specGen{index: map[string]int{}}
	ops := map[string]int{}
	for _, o := range tops {
		ops[o.name] = g.node(o.top, true)
	}
	out := struct {
		Version string         `json:"version"`
		Ops     map[string]int `json:"ops"`
		Nodes   []specNodeJSON `json:"nodes"`
	}{doc.Info.Version, ops, g.nodes}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	// One node a line keeps diffs of a new spec readable.
	b = bytes.ReplaceAll(b, []byte(`},{"t"`), []byte("},\n{\"t\""))
	return append(b, '\n'), nil
}

// addUnlisted adds the parameters Stripe takes on these operations that
// its spec does not list: Stripe.js sends the publishable key as key and
// expected_payment_method_type on confirm, and a card given as
// payment_method_data[card] (a token, tok_visa, or the raw details
// integrations with that permission send) is what POST
// /v1/payment_methods takes as card.
func addUnlisted(ops map[string]*rawSchema) error {
	const (
		piCreate  = "POST /v1/payment_intents"
		piConfirm = "POST /v1/payment_intents/{intent}/confirm"
		piGet     = "GET /v1/payment_intents/{intent}"
		pmCreate  = "POST /v1/payment_methods"
	)
	for _, name := range []string{piCreate, piConfirm, piGet, pmCreate} {
		if ops[name] == nil {
			return fmt.Errorf("spec: no operation %s", name)
		}
	}
	card := ops[pmCreate].Properties["card"]
	if card == nil {
		return fmt.Errorf("spec: %s has no card", pmCreate)
	}
	str := &rawSchema{Type: "string"}
	for _, name := range []string{piConfirm, piGet, pmCreate} {
		ops[name].Properties["key"] = str
	}
	ops[piConfirm].Properties["expected_payment_method_type"] = str
	for _, name := range []string{piCreate, piConfirm} {
		pmd := ops[name].Properties["payment_method_data"]
		if pmd == nil || pmd.Type != "object" {
			return fmt.Errorf("spec: %s has no payment_method_data hash", name)
		}
		with := *pmd
		with.Properties = maps.Clone(pmd.Properties)
		with.Properties["card"] = card
		ops[name].Properties["payment_method_data"] = &with
	}
	return nil
}

type specGen struct {
	nodes []specNodeJSON
	index map[string]int
}

// node adds s (and what it holds) to the table and returns its index.
// top is the operation's parameters: its required list is the handlers'
// business (they answer parameter_missing in their own order).
func (g *specGen) node(s *rawSchema, top bool) int {
	n := specNodeJSON{Type: "*"}
	switch {
	case s == nil:
	case len(s.AnyOf) > 0:
		n.Type = "|"
		for _, b := range s.AnyOf {
			n.AnyOf = append(n.AnyOf, g.node(b, false))
		}
	case s.Type == "string" || s.Type == "integer" || s.Type == "number" || s.Type == "boolean":
		n.Type = s.Type[:1]
		if !s.Bypass {
			for _, e := range s.Enum {
				n.Enum = append(n.Enum, fmt.Sprint(e))
			}
		}
	case s.Type == "array":
		n.Type = "a"
		i := g.node(s.Items, false)
		n.Items = &i
	case s.Type == "object":
		n.Type = "o"
		if len(s.Properties) > 0 {
			n.Props = map[string]int{}
			for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
				n.Props[k] = g.node(s.Properties[k], false)
			}
		}
		if !top {
			n.Required = slices.Clone(s.Required)
			sort.Strings(n.Required)
		}
		if len(s.Addl) > 0 && string(s.Addl) != "false" {
			var a rawSchema
			if string(s.Addl) != "true" {
				_ = json.Unmarshal(s.Addl, &a)
			}
			i := g.node(&a, false)
			n.Addl = &i
		} else if len(s.Properties) == 0 {
			i := g.node(nil, false) // a free-form hash
			n.Addl = &i
		}
	}
	key, _ := json.Marshal(n)
	if i, ok := g.index[string(key)]; ok {
		return i
	}
	g.nodes = append(g.nodes, n)
	g.index[string(key)] = len(g.nodes) - 1
	return len(g.nodes) - 1
}

// BenchmarkCompileSpecParams is what the first request pays once.
func BenchmarkCompileSpecParams(b *testing.B) {
	for b.Loop() {
		if _, err := compileSpecParams(specParamsJSON); err != nil {
			b.Fatal(err)
		}
	}
}
