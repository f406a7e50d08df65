package secret

import (
	"slices"
	"strings"
	"testing"
)

// found lists what Find finds in s, each as its kind and masked form.
func found(s string) []string {
	var out []string
	for at := 0; ; {
		m, ok := Find(s, at)
		if !ok {
			return out
		}
		out = append(out, m.Kind.String()+" "+m.Masked(s))
		at = m.End
	}
}

func TestFind(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want []string
	}{
		{"4242424242424242", []string{"card number ****4242"}},
		{`{"card":"4242 4242 4242 4242"}`, []string{"card number ****4242"}},
		{"card 5555-5555-5555-4444 and 378282246310005", []string{"card number ****4444", "card number ****0005"}},
		{"amex 3782 822463 10005", []string{"card number ****0005"}},
		{"discover 6011000990139424 end", []string{"card number ****9424"}},
		{"id 12 4242 4242 4242 4242", []string{"card number ****4242"}},
		{"tok_4242424242424242", []string{"card number ****4242"}},
		{"4242424242424241", nil},                         // Luhn fails
		{"1700000000123 1700000000123456", nil},           // timestamps: no card starts with 1
		{"order 1234567890123 is no card", nil},           // nor here
		{"424242******4242", nil},                         // masked
		{"already masked sk_test_**** and ****4242", nil}, // masked
		{"pi_3N4242424242424242xyz", nil},                 // inside an id
		{"trace 4bf92f3577b34da6a3ce929d0e0e4736", nil},   // hex
		{"42424242424242424242", nil},                     // 20 digits
		{"4242 42 4242 4242 4242", nil},                   // a 2-digit group breaks the run
		{"amount 4242, 4242 4242 4242 4242", []string{"card number ****4242"}},
		{strings.Repeat("1 ", 100) + "4111111111111111", []string{"card number ****1111"}},

		{"key sk_test_51HxYzAbC and rk_live_abc9", []string{"secret key sk_test_****", "restricted key rk_live_****"}},
		{"Bearer sk_live_abcdefghijklmnop", []string{"secret key sk_live_****"}},
		{"whsec_abcDEF123 signed", []string{"webhook secret whsec_****"}},
		{"token=ctl_00112233445566778899aabbccddeeff", []string{"control token ctl_****"}},
		{"ctl_short and ctl_", nil},                                       // names, not tokens
		{"pk_test_public stays", nil},                                     // publishable keys are public
		{"mask_test_x task_live_y xsk_test_z", nil},                       // not at the start of a word
		{"sk_test_ alone", nil},                                           // a prefix without a key
		{"client_secret pi_1_secret_2", nil},                              // a PaymentIntent's client secret is no key
		{"sk_test_4242424242424242", []string{"secret key sk_test_****"}}, // the key, not a card inside it
		{"4242424242424242 sk_test_a", []string{"card number ****4242", "secret key sk_test_****"}},
	} {
		if got := found(tt.s); !slices.Equal(got, tt.want) {
			t.Errorf("Find over %q = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestMask(t *testing.T) {
	for _, tt := range []struct {
		s     string
		known []string
		want  string
	}{
		{"key sk_test_51HxYzAbC and rk_live_abc9", nil, "key sk_test_**** and rk_live_****"},
		{"whsec_abcDEF123 signed", nil, "whsec_**** signed"},
		{"pk_test_public stays", nil, "pk_test_public stays"},
		{"card 4242424242424242.", nil, "card ****4242."},
		{"card 4000 0000 0000 0002 declined", nil, "card ****0002 declined"},
		{"card 4242-4242-4242-4242", nil, "card ****4242"},
		{"id pi_4242424242424242 is no id", nil, "id pi_****4242 is no id"},
		{"already masked sk_test_**** and ****4242", nil, "already masked sk_test_**** and ****4242"},
		{"card 4242 4242 4242 4242, key sk_test_51Habc", nil, "card ****4242, key sk_test_****"},
		{"key=sk_test_paychaos_0123456789abcdef!", []string{"sk_test_paychaos_0123456789abcdef"}, "key=sk_test_****!"},
		{"admin adm_paychaos_token in a log", []string{"adm_paychaos_token"}, "admin **** in a log"},
		{"nothing here", []string{"", "absent"}, "nothing here"},
	} {
		if got := Mask(tt.s, tt.known...); got != tt.want {
			t.Errorf("Mask(%q, %q) = %q, want %q", tt.s, tt.known, got, tt.want)
		}
	}
}

func TestMaskKey(t *testing.T) {
	for in, want := range map[string]string{
		"sk_test_paychaos_0123456789abcdef": "sk_test_****",
		"whsec_abcdef123456":                "whsec_****",
		"ctl_00112233445566778899":          "ctl_****",
		"plainsecretvalue":                  "****",
		"pk_live_0123456789ab":              "pk_live_****",
		"sk_test_short":                     "sk_test_****",
		"abc":                               "****",
		"":                                  "****",
	} {
		if got := MaskKey(in); got != want {
			t.Errorf("MaskKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// Mask leaves a text without secrets as it is, without copying it.
func TestMaskKeepsCleanText(t *testing.T) {
	s := `{"id":"pi_3N4242","amount":4242,"currency":"eur","client_secret":"pi_3N4242_secret_x"}`
	if got := Mask(s); got != s {
		t.Fatalf("Mask changed a clean text: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { Mask(s) }); n != 0 {
		t.Errorf("Mask of a clean text allocates %v times", n)
	}
}

// FuzzMask: whatever the text, nothing Find finds survives Mask, and a
// text Find finds nothing in comes back unchanged.
func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"card 4242 4242 4242 4242, key sk_test_51Habc",
		"sk_test_aaaaaaaaaaaa1234 5678 9012 3456 7",
		"4242424242424242 4242 4242 4242 4242",
		"whsec_abcdef123456-4242-4242-4242",
		"ctl_00112233445566778899aabbccddeeff",
		"rk_live_x_sk_test_y 378282246310005",
		"pi_4242424242424242",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		masked := Mask(s)
		if m, ok := Find(masked, 0); ok {
			t.Fatalf("Mask(%q) = %q still holds a %s at %d-%d", s, masked, m.Kind, m.Start, m.End)
		}
		if _, ok := Find(s, 0); !ok && masked != s {
			t.Fatalf("Mask(%q) = %q changed a text without secrets", s, masked)
		}
	})
}
