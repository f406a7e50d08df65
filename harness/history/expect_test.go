package history

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExpectAllows(t *testing.T) {
	for _, tt := range []struct {
		expect string
		code   int
		want   bool
	}{
		{"4xx, no state change", 400, true},
		{"4xx, no state change", 422, true},
		{"4xx, no state change", 201, false},
		{"403 or 404", 404, true},
		{"403 or 404", 400, false},
		{"2xx or 4xx", 200, true},
		{"no state change", 201, true},
		{"no state change", 500, false},
		{"", 418, true},
		{"4XX", 409, true},
		{"401 or 403 or 404, no state change", 403, true},
		{"401 or 403 or 404, no state change", 400, false},
	} {
		var e Expect
		if err := e.UnmarshalText([]byte(tt.expect)); err != nil {
			t.Fatalf("%q: %v", tt.expect, err)
		}
		if got := e.Allows(tt.code); got != tt.want {
			t.Errorf("Expect(%q).Allows(%d) = %v, want %v", tt.expect, tt.code, got, tt.want)
		}
	}
}

// An Expect is saved as the words older runs were saved with, and read
// back to the same value.
func TestExpectText(t *testing.T) {
	for _, tt := range []struct {
		e    Expect
		text string
	}{
		{Expect{Status: []StatusClass{Class4xx}, Effect: NoOrder}, "4xx, no order created, nothing charged"},
		{Expect{Status: []StatusClass{Code(401), Code(403), Code(404)}, Effect: NoChange}, "401 or 403 or 404, no state change"},
		{Expect{Status: []StatusClass{Class2xx, Class4xx}, Effect: NoChange}, "2xx or 4xx, no state change"},
		{Expect{Effect: OncePerKey}, "at most one order and one payment for the key"},
		{Expect{Status: []StatusClass{Class4xx}, Effect: NoOrderNoEcho}, "4xx, no order created, the number neither echoed nor logged"},
		{Expect{Status: []StatusClass{Code(413)}}, "413"},
	} {
		if got := tt.e.String(); got != tt.text {
			t.Errorf("String() = %q, want %q", got, tt.text)
		}
		var back Expect
		if err := back.UnmarshalText([]byte(tt.text)); err != nil || back.String() != tt.text {
			t.Errorf("UnmarshalText(%q) = %q, %v", tt.text, back.String(), err)
		}
	}
	b, err := json.Marshal(Op{ID: 1, Kind: Attack, Expect: Expect{Status: []StatusClass{Code(404)}, Effect: NoChange}})
	if err != nil || !strings.Contains(string(b), `"expect":"404, no state change"`) {
		t.Fatalf("json: %s %v", b, err)
	}
	if b, _ := json.Marshal(Op{ID: 1, Kind: Pay}); strings.Contains(string(b), "expect") {
		t.Errorf("an op with no expectation saves one: %s", b)
	}
	// What the checker could misread is refused.
	for _, bad := range []string{"4xx, maybe", "teapot", "4xx or", "4xx or, no state change", "600, no state change"} {
		var e Expect
		if err := e.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) = %q, want an error", bad, e.String())
		}
	}
}
