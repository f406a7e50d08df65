package sut

import (
	"os"
	"strings"
	"testing"
)

func TestExampleFlowTargetsLoad(t *testing.T) {
	for file, want := range map[string]Flow{
		"../../examples/shop/target.yaml":          FlowServerConfirm,
		"../../examples/shop/target-client.yaml":   FlowClientConfirm,
		"../../examples/shop/target-checkout.yaml": FlowCheckoutSession,
	} {
		tg, err := LoadTarget(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if got := FlowOf(NewHTTPDriver(tg)); got != want {
			t.Errorf("%s: flow %s, want %s", file, got, want)
		}
	}
}

func TestFlowMistakesNameTheLineAndField(t *testing.T) {
	b, err := os.ReadFile("../../examples/shop/target-client.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for name, c := range map[string]struct {
		edit func(string) string
		want string
	}{
		"unknown flow": {func(s string) string { return strings.Replace(s, "flow: client_confirm", "flow: browser", 1) },
			`flow: flow "browser": want one of server_confirm, client_confirm, checkout_session`},
		"no client_secret": {func(s string) string { return strings.Replace(s, "  client_secret: client_secret\n", "", 1) },
			"fields.client_secret: required with flow client_confirm"},
		"no checkout url": {func(s string) string { return strings.Replace(s, "flow: client_confirm", "flow: checkout_session", 1) },
			"fields.checkout_url: required with flow checkout_session"},
	} {
		_, err := ParseTarget("t.yaml", []byte(c.edit(src)))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "t.yaml:") {
			t.Errorf("%s: err = %v, want t.yaml:LINE: …%s", name, err, c.want)
		}
	}
}
