package sut

import (
	"strings"
	"testing"
)

// A user's image is described in the target file: image, port, env names
// and the health path that says when it is ready.
func TestContainerTargetFromYAML(t *testing.T) {
	src := goodTarget + `health:
  path: /healthz
env:
  provider_url: STRIPE_BASE_URL
  webhook_secret: STRIPE_WEBHOOK_SECRET
  addr: LISTEN_ADDR
container:
  image: registry.example/shop:ci
  port: 8080
  env:
    LOG_LEVEL: warn
  args: [serve, --quiet]
`
	tg, err := ParseTarget("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := tg.Container
	if !c.Defined() || c.Image != "registry.example/shop:ci" || c.Port != 8080 || c.Env["LOG_LEVEL"] != "warn" || len(c.Args) != 2 {
		t.Fatalf("decoded %+v", c)
	}
	if err := c.Validate(tg); err != nil {
		t.Fatalf("a complete container target is invalid: %v", err)
	}
	if _, err := ParseTarget("t.yaml", []byte(strings.Replace(src, "  port: 8080", "  prot: 8080", 1))); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("a misspelt container field was accepted: %v", err)
	}
}

func TestContainerSpecValidate(t *testing.T) {
	base := ShopTarget("http://sut:8080", []Customer{{ID: "cus_a"}})
	good := ContainerSpec{Image: "shop:ci", Port: 8080}
	if err := good.Validate(base); err != nil {
		t.Fatal(err)
	}
	noHealth := base
	noHealth.Health = Call{}
	templated := base
	templated.Health = Call{Path: "/orders/{{.OrderID}}"}
	cases := []struct {
		name string
		spec ContainerSpec
		t    Target
		want string
	}{
		{"no image", ContainerSpec{Port: 8080}, base, "container.image is empty"},
		{"blank image", ContainerSpec{Image: "  ", Port: 8080}, base, "container.image is empty"},
		{"no port", ContainerSpec{Image: "shop:ci"}, base, "container.port 0"},
		{"port too big", ContainerSpec{Image: "shop:ci", Port: 70000}, base, "container.port 70000"},
		{"no health", good, noHealth, "health.path is needed"},
		{"templated health", good, templated, "plain path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.spec.Validate(c.t)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}
