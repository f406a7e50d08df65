package sut

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// fullTarget uses every field a real service's target may need.
const fullTarget = goodTarget + `  charged: paid
get:
  path: /orders/{{.OrderID}}/status
  fields:
    id: order.id
    status: order.state
env:
  port: PORT
  provider_url: STRIPE_API_BASE
process:
  command: ./server
  args: [--listen, "127.0.0.1:{{.Port}}", --db, ./data/app.db]
correlate:
  metadata_key: order_ref
setup:
  command: ./setup.sh
  timeout: 30s
teardown:
  command: ./teardown.sh
budgets:
  fail_fast: 2500ms
  fail_fast_grace: 1s
  response: 4s
  settle: 20s
  scale: 1.5
`

func TestParseTargetFull(t *testing.T) {
	// goodTarget's get is replaced by the one with its own fields.
	src := strings.Replace(fullTarget, "get:\n  path: /orders/{{.OrderID}}\n", "", 1)
	tg, err := ParseTarget("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if tg.Get.Fields.ID != "order.id" || tg.Env.Port != "PORT" || tg.Correlate.MetadataKey != "order_ref" ||
		tg.Setup.Timeout != 30*time.Second || tg.Budgets.Scale != 1.5 || tg.Budgets.Response != 4*time.Second {
		t.Fatalf("decoded %+v", tg)
	}
	if got := tg.Budgets.String(); got != "fail-fast 2.5s, fail-fast grace 1s, response 4s, settle 20s, warm-up, hold and cool-down ×1.5" {
		t.Fatalf("budgets shown as %q", got)
	}
}

func TestParseTargetRunErrorsNameFieldAndLine(t *testing.T) {
	src := strings.Replace(fullTarget, "get:\n  path: /orders/{{.OrderID}}\n", "", 1)
	if _, err := ParseTarget("t.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, from, to, want string
	}{
		{"addr and port", "  port: PORT\n", "  port: PORT\n  addr: ADDR\n", "t.yaml:24: env.port: set env.addr (host:port) or env.port (a port), not both"},
		{"no listen variable", "  port: PORT\n", "", "t.yaml:24: env: a started service needs env.addr"},
		{"bad arg template", `"127.0.0.1:{{.Port}}"`, `"{{.Prot}}"`, "t.yaml:28: process.args[1]: "},
		{"bad duration", "settle: 20s", "settle: twenty", `t.yaml:40: budgets.settle: "twenty" is not a duration: write it as Go does`},
		{"negative duration", "fail_fast: 2500ms", "fail_fast: -1s", "t.yaml:37: budgets.fail_fast: must be positive"},
		{"scale out of range", "scale: 1.5", "scale: 50", "t.yaml:41: budgets.scale: 50: want a factor between 0.1 and 20"},
		{"hook timeout", "timeout: 30s", "timeout: -5s", "t.yaml:33: setup.timeout: must be positive"},
		{"hook without command", "  command: ./teardown.sh\n", "  args: [x]\n", "t.yaml:35: teardown.command: required when teardown has args"},
		{"bad metadata key", "metadata_key: order_ref", "metadata_key: \"order ref\"", "t.yaml:30: correlate.metadata_key: "},
		{"unknown per-call field", "    status: order.state\n", "    stauts: order.state\n", `t.yaml:22: unknown field "stauts" (check its spelling`},
		{"unknown budget", "  settle: 20s\n", "  setle: 20s\n", `t.yaml:40: unknown field "setle"`},
		{"bad pass name", "  port: PORT\n", "  port: PORT\n  pass: [DATABASE-URL]\n", `env.pass[0]: "DATABASE-URL" is not a variable name`},
		{"paychaos's own pass name", "  port: PORT\n", "  port: PORT\n  pass: [HOME, PAYCHAOS_PROVIDER_TOKEN]\n", "env.pass[1]: PAYCHAOS_PROVIDER_TOKEN is paychaos's own"},
		{"args without command", "  command: ./server\n", "", "t.yaml:27: process.command: required when process.args"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(src, c.from) {
				t.Fatalf("fixture lacks %q", c.from)
			}
			_, err := ParseTarget("t.yaml", []byte(strings.Replace(src, c.from, c.to, 1)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestLoadTargetChecksCommandsAgainstItsFolder(t *testing.T) {
	dir := t.TempDir()
	src := strings.Replace(fullTarget, "get:\n  path: /orders/{{.OrderID}}\n", "", 1)
	path := filepath.Join(dir, "target.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tg, err := LoadTarget(path)
	if err != nil {
		t.Fatal(err)
	}
	if tg.Dir != dir {
		t.Fatalf("dir %q, want %q", tg.Dir, dir)
	}
	err = tg.CheckCommands(true)
	want := path + ":32: setup.command: " + filepath.Join(dir, "setup.sh") + " does not exist"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "fix the path") {
		t.Fatalf("error %v, want it to contain %q", err, want)
	}
	for _, f := range []string{"setup.sh", "teardown.sh", "server"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := tg.CheckCommands(true); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "server"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tg.CheckCommands(true); err == nil || !strings.Contains(err.Error(), ":27: process.command: ") || !strings.Contains(err.Error(), "not an executable file") {
		t.Fatalf("non-executable command: %v", err)
	}
	if err := tg.CheckCommands(false); err != nil {
		t.Fatalf("without the process (containers, remote): %v", err)
	}
}
