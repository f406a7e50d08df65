package checkout

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlaws(t *testing.T) {
	fs, err := ParseFlaws(" mark-paid-on-error, ,no-timeout,mark-paid-on-error ")
	if err != nil {
		t.Fatal(err)
	}
	if got := fs.List(); !slices.Equal(got, []Flaw{FlawNoTimeout, FlawMarkPaidOnError}) {
		t.Fatalf("List() = %v", got)
	}
	if fs.String() != "no-timeout,mark-paid-on-error" {
		t.Fatalf("String() = %q", fs.String())
	}
	back, err := ParseFlaws(fs.String())
	if err != nil || back.String() != fs.String() {
		t.Fatalf("round trip: %v %v", back, err)
	}
	empty, err := ParseFlaws("")
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty: %v %v", empty, err)
	}

	_, err = ParseFlaws("no-timeout,no-such-flaw")
	if err == nil {
		t.Fatal("unknown flaw accepted")
	}
	for _, want := range []string{`"no-such-flaw"`, "valid:", "mark-paid-on-error", "no-ownership-check"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestAllFlawsParse(t *testing.T) {
	all := AllFlaws()
	if len(all) != 22 {
		t.Fatalf("AllFlaws() has %d flaws, the README names 22", len(all))
	}
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = string(f)
	}
	fs, err := ParseFlaws(strings.Join(names, ","))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs.List()) != len(all) {
		t.Fatalf("parsed %d of %d", len(fs.List()), len(all))
	}
	all[0] = "mutated"
	if AllFlaws()[0] == "mutated" {
		t.Fatal("AllFlaws returns the catalogue itself, not a copy")
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	cfg, err := ConfigFromEnv(env(map[string]string{
		"SHOP_ADDR":               "127.0.0.1:0",
		"SHOP_PROVIDER_URL":       "http://127.0.0.1:12111",
		"SHOP_STRIPE_KEY":         "sk_test_abc",
		"SHOP_WEBHOOK_SECRET":     "whsec_x",
		"SHOP_DB":                 "/tmp/x.db",
		"SHOP_FLAWS":              "trust-webhooks",
		"SHOP_CUSTOMERS":          "t1=cus_1, t2=cus_2",
		"SHOP_ADMIN_TOKEN":        "adm",
		"SHOP_CLIENT_TIMEOUT":     "300ms",
		"SHOP_RESPONSE_BUDGET":    "1s",
		"SHOP_RECONCILE_INTERVAL": "-1s",
		"SHOP_CURRENCIES":         "usd,jpy",
		"SHOP_MAX_AMOUNT":         "5000",
		"SHOP_MAX_RETRIES":        "0",
		"SHOP_SEED":               "42",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:0" || cfg.ProviderURL != "http://127.0.0.1:12111" || cfg.SecretKey != "sk_test_abc" ||
		cfg.WebhookSecret != "whsec_x" || cfg.DBPath != "/tmp/x.db" || cfg.AdminToken != "adm" {
		t.Errorf("strings: %+v", cfg)
	}
	if !cfg.Flaws.Has(FlawTrustWebhooks) || len(cfg.Flaws) != 1 {
		t.Errorf("flaws: %v", cfg.Flaws)
	}
	if cfg.Customers["t1"] != "cus_1" || cfg.Customers["t2"] != "cus_2" || len(cfg.Customers) != 2 {
		t.Errorf("customers: %v", cfg.Customers)
	}
	if cfg.ClientTimeout != 300*time.Millisecond || cfg.ResponseBudget != time.Second || cfg.ReconcileInterval != -time.Second {
		t.Errorf("durations: %v %v %v", cfg.ClientTimeout, cfg.ResponseBudget, cfg.ReconcileInterval)
	}
	if !slices.Equal(cfg.Currencies, []string{"usd", "jpy"}) || cfg.MaxAmount != 5000 || cfg.MaxRetries != -1 || cfg.Seed != 42 {
		t.Errorf("others: %v %d %d %d", cfg.Currencies, cfg.MaxAmount, cfg.MaxRetries, cfg.Seed)
	}

	min, err := ConfigFromEnv(env(map[string]string{"SHOP_PROVIDER_URL": "http://127.0.0.1:1"}))
	if err != nil {
		t.Fatal(err)
	}
	if min.Addr != DefaultAddr {
		t.Errorf("default addr %q", min.Addr)
	}
	d, err := min.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if d.ClientTimeout != DefaultClientTimeout || d.ResponseBudget != DefaultResponseBudget ||
		d.ReconcileInterval != DefaultReconcileInterval || d.MaxRetries != DefaultMaxRetries ||
		len(d.Customers) != len(DemoCustomers) || d.SecretKey != DefaultSecretKey {
		t.Errorf("defaults: %+v", d)
	}
}

func TestConfigFromEnvErrors(t *testing.T) {
	base := map[string]string{"SHOP_PROVIDER_URL": "http://127.0.0.1:1"}
	cases := []struct {
		name, key, value, want string
	}{
		{"no provider", "SHOP_PROVIDER_URL", "", "SHOP_PROVIDER_URL is required"},
		{"bad provider", "SHOP_PROVIDER_URL", "ftp://x", "want http(s)"},
		{"bad flaw", "SHOP_FLAWS", "no-timeout,nope", `SHOP_FLAWS: unknown flaw "nope"`},
		{"bad customers", "SHOP_CUSTOMERS", "t1=cus_1,broken", "SHOP_CUSTOMERS: entry 2"},
		{"dup customer", "SHOP_CUSTOMERS", "t1=a,t1=b", "token given twice"},
		{"bad duration", "SHOP_CLIENT_TIMEOUT", "5", "SHOP_CLIENT_TIMEOUT"},
		{"negative budget", "SHOP_RESPONSE_BUDGET", "-1s", "must be positive"},
		{"zero interval", "SHOP_RECONCILE_INTERVAL", "0s", "must be positive"},
		{"timeout over budget", "SHOP_CLIENT_TIMEOUT", "1500ms", "at most half the response budget"},
		{"bad currency", "SHOP_CURRENCIES", "usd,USD", `"USD"`},
		{"bad max amount", "SHOP_MAX_AMOUNT", "-3", "SHOP_MAX_AMOUNT"},
		{"bad retries", "SHOP_MAX_RETRIES", "two", "SHOP_MAX_RETRIES"},
		{"bad seed", "SHOP_SEED", "-1", "SHOP_SEED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range base {
				m[k] = v
			}
			m[c.key] = c.value
			_, err := ConfigFromEnv(env(m))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestCustomerTokensNeverInErrors(t *testing.T) {
	_, err := ConfigFromEnv(env(map[string]string{
		"SHOP_PROVIDER_URL": "http://127.0.0.1:1",
		"SHOP_CUSTOMERS":    "secret-token-123=cus_1,secret-token-456",
	}))
	if err == nil || strings.Contains(err.Error(), "secret-token") {
		t.Fatalf("error %v leaks a token", err)
	}
}

func TestMaskSecret(t *testing.T) {
	for in, want := range map[string]string{
		"sk_test_51HxYzAbCdEfGhIjKlMn": "sk_test_****KlMn",
		"whsec_0123456789abcdefXYZW":   "whsec_****XYZW",
		"sk_test_short":                "sk_test_****",
		"":                             "",
		"opaque-secret-value-1234":     "****1234",
	} {
		if got := maskSecret(in); got != want {
			t.Errorf("maskSecret(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBackoffIsSeededAndBounded(t *testing.T) {
	a, b := newJitter(7), newJitter(7)
	for n := range 6 {
		da, db := a.backoff(n), b.backoff(n)
		if da != db {
			t.Fatalf("same seed, different delays: %v %v", da, db)
		}
		if da < 25*time.Millisecond || da > 400*time.Millisecond {
			t.Fatalf("backoff(%d) = %v out of bounds", n, da)
		}
	}
}
