package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paychaos/paychaos/internal/secret"
)

// noSecretLeak: nothing the SUT says or logs carries a secret or a full
// card number.
//
// Rule: no op's Body or Error and no Input.Texts value contains any
// non-empty Input.Secrets value, or anything secret.Find finds: a full card
// number (13 to 19 digits, alone or grouped, not part of a longer token,
// a card network's first digit and a valid Luhn check digit) or a secret
// or restricted key, webhook secret or control token by its prefix. Masked
// numbers (424242******4242), publishable keys and ids that merely contain
// digits do not match. Messages name the op or text and mask what leaked,
// as the reports do.
type noSecretLeak struct{}

func (noSecretLeak) Name() string              { return "no-secret-leak" }
func (c noSecretLeak) Check(in *Input) Verdict { return c.checkInput(in) }

func (c noSecretLeak) checkInput(in *Input) Verdict {
	secrets := make([]string, 0, len(in.Secrets))
	for _, s := range in.Secrets {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	f := finding{name: c.Name()}
	scanned, outputs, texts := 0, 0, 0
	for i := range in.History {
		op := &in.History[i]
		if op.Body == "" && op.Error == "" {
			continue
		}
		outputs++
		for _, fld := range [...]struct{ name, s string }{{"body", op.Body}, {"error", op.Error}} {
			if fld.s == "" {
				continue
			}
			scanned += len(fld.s)
			if what := leakIn(fld.s, secrets); what != "" {
				f.violation(0, "op %d %s carries %s", op.ID, fld.name, what)
				f.op(op.ID)
				f.order(op.Order)
			}
		}
	}
	keys := make([]string, 0, len(in.Texts))
	for k := range in.Texts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := in.Texts[k]
		scanned += len(s)
		texts++
		if what := leakIn(s, secrets); what != "" {
			f.violation(0, "text %q carries %s", k, what)
		}
	}
	if scanned == 0 {
		return skip(c.Name(), "no response body, error or text to scan")
	}
	return f.verdict(
		fmt.Sprintf("%s leaked", plural(f.n, "output")),
		fmt.Sprintf("%d bytes in %s and %s scanned for %s and card numbers: none found",
			scanned, plural(outputs, "op output"), plural(texts, "text"), plural(len(secrets), "secret")))
}

// leakIn describes the first secret or card number found in s, masked, or
// returns "".
func leakIn(s string, secrets []string) string {
	for i, sec := range secrets {
		if strings.Contains(s, sec) {
			return fmt.Sprintf("secret #%d (%s)", i+1, secret.MaskKey(sec))
		}
	}
	if m, ok := secret.Find(s, 0); ok {
		if m.Kind == secret.Card {
			return "a card number ending " + strings.TrimPrefix(m.Masked(s), "****")
		}
		return fmt.Sprintf("a %s (%s)", m.Kind, m.Masked(s))
	}
	return ""
}

// redact masks every secret and card number in s, for quoting s in a
// verdict.
func redact(s string, secrets []string) string { return secret.Mask(s, secrets...) }
