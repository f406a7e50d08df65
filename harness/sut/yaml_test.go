package sut

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodTarget = `name: shop
base_url: http://127.0.0.1:8080
headers:
  Authorization: "Bearer {{.Token}}"
customers:
  - {id: cus_a, token: tok_a}
pay:
  method: POST
  path: /orders
  body: '{"amount":{{.Amount}},"currency":{{json .Currency}}}'
get:
  path: /orders/{{.OrderID}}
fields:
  id: id
  status: status
statuses:
  paid: paid
  pending: pending
`

func TestParseTargetGood(t *testing.T) {
	tg, err := ParseTarget("t.yaml", []byte(goodTarget))
	if err != nil {
		t.Fatal(err)
	}
	if tg.Pay.Path != "/orders" || tg.Customers[0].Token != "tok_a" || tg.Statuses["paid"] != "paid" {
		t.Fatalf("decoded %+v", tg)
	}
}

func TestParseTargetErrorsNameFieldAndLine(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown field", strings.Replace(goodTarget, "fields:", "feilds:", 1), "unknown field"},
		{"bad base url", strings.Replace(goodTarget, "http://127.0.0.1:8080", "not a url", 1), "t.yaml:2: base_url"},
		{"missing pay path", strings.Replace(goodTarget, "  path: /orders\n", "", 1), "pay.path: required"},
		{"bad template", strings.Replace(goodTarget, "{{.Amount}}", "{{.Amont}}", 1), "t.yaml:10: pay.body"},
		{"bad status", strings.Replace(goodTarget, "pending: pending", "pending: limbo", 1), "t.yaml:18: statuses.pending"},
		{"no paid", strings.Replace(goodTarget, "  paid: paid\n", "", 1), "no status word maps to paid"},
		{"wrong type", strings.Replace(goodTarget, "customers:\n  - {id: cus_a, token: tok_a}", "customers: 3", 1), "t.yaml"},
		{"empty", "", "empty target file"},
		{"bad method", strings.Replace(goodTarget, "method: POST", "method: FETCH", 1), "t.yaml:8: pay.method"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTarget("t.yaml", []byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestShopTargetIsValid(t *testing.T) {
	if err := ShopTarget("http://127.0.0.1:1", []Customer{{ID: "c", Token: "t"}}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadTargetMissingFile(t *testing.T) {
	_, err := LoadTarget(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("missing file: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}
