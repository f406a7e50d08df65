package secret

import "testing"

// BenchmarkFind is the checker's case: short answers with ids and no
// secret, scanned whole.
func BenchmarkFind(b *testing.B) {
	bodies := []string{
		`{"id":"ord_123","status":"paid","amount":4200,"currency":"eur","payment_intent":"pi_3N4242"}`,
		`{"error":"invalid_amount"}`,
		`{"id":"ord_9","status":"pending","client_secret":"pi_9_secret_x"}`,
	}
	for b.Loop() {
		for _, s := range bodies {
			if _, ok := Find(s, 0); ok {
				b.Fatal("a secret in a clean body")
			}
		}
	}
}
