// Package benchserver holds the two servers the provider's CPU benchmark
// compares: the fake provider, and a bare net/http handler that answers
// with a body of the same size. Each runs in its own process pinned to
// one core, so the benchmark can read its CPU time (rusage) before and
// after a load and divide by the number of requests.
package benchserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"

	"github.com/paychaos/paychaos/fakeprovider"
)

// RusagePath answers the server process's CPU time so far.
const RusagePath = "/_bench/rusage"

// Rusage is the CPU time a process used, in microseconds.
type Rusage struct {
	UserMicros   int64 `json:"user_us"`
	SystemMicros int64 `json:"system_us"`
}

// Total is user plus system time.
func (r Rusage) Total() int64 { return r.UserMicros + r.SystemMicros }

// Self reads this process's rusage (all threads).
func Self() (Rusage, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Rusage{}, fmt.Errorf("getrusage: %w", err)
	}
	return Rusage{
		UserMicros:   ru.Utime.Sec*1e6 + int64(ru.Utime.Usec),
		SystemMicros: ru.Stime.Sec*1e6 + int64(ru.Stime.Usec),
	}, nil
}

// CreateConfirmBody is the form stripe-go v84 sends for a create+confirm
// with pm_card_visa, minus the order id the load generator appends.
const CreateConfirmBody = "amount=2000&confirm=true&currency=usd&metadata[order_id]="

// CreateConfirmTail follows the order id.
const CreateConfirmTail = "&payment_method=pm_card_visa&payment_method_types[0]=card"

// Handler returns the server for mode ("provider" or "bare") and a
// function that releases it.
func Handler(mode string) (http.Handler, func(), error) {
	switch mode {
	case "provider":
		p := fakeprovider.New(fakeprovider.WithSeed(1))
		return withRusage(p), func() { _ = p.Close() }, nil
	case "bare":
		body, err := sampleBody()
		if err != nil {
			return nil, nil, err
		}
		ctype := []string{"application/json"}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header()["Content-Type"] = ctype
			_, _ = w.Write(body)
		})
		return withRusage(h), func() {}, nil
	}
	return nil, nil, fmt.Errorf("unknown bench server mode %q (want provider or bare)", mode)
}

// sampleBody is a real create+confirm answer of the provider, so the bare
// handler writes exactly as many bytes.
func sampleBody() ([]byte, error) {
	p := fakeprovider.New(fakeprovider.WithSeed(1))
	defer p.Close()
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/v1/payment_intents",
		strings.NewReader(CreateConfirmBody+"o_000001"+CreateConfirmTail))
	req.Header.Set("Authorization", "Bearer sk_test_bench")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("sample create+confirm: %d %s", rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes(), nil
}

func withRusage(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == RusagePath {
			ru, err := Self()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(ru)
			return
		}
		h.ServeHTTP(w, r)
	})
}
