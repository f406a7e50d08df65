package fakeprovider

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkCreateConfirmHandler measures the provider's own work for a
// create+confirm (form decoding, idempotency, state, events, JSON),
// without the network. The over-the-wire CPU comparison lives in
// internal/benchserver.
func BenchmarkCreateConfirmHandler(b *testing.B) {
	p := New(WithSeed(1))
	defer p.Close()
	const body = "amount=2000&confirm=true&currency=usd&metadata[order_id]=o_%d&payment_method=pm_card_visa&payment_method_types[0]=card"
	u, _ := url.Parse("/v1/payment_intents")
	auth := []string{"Bearer " + testKey}
	ctype := []string{"application/x-www-form-urlencoded"}
	b.ReportAllocs()
	i := 0
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		i++
		id := strconv.Itoa(i)
		req := &http.Request{Method: http.MethodPost, URL: u, RemoteAddr: "127.0.0.1:1", Body: io.NopCloser(strings.NewReader(strings.Replace(body, "%d", id, 1))),
			Header: http.Header{"Authorization": auth, "Content-Type": ctype, "Idempotency-Key": {"k" + id}}}
		clear(w.h)
		p.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatal(w.code)
		}
	}
}

// discardWriter is the cheapest http.ResponseWriter, so the benchmark
// measures the provider and not the recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

func BenchmarkFormDecode(b *testing.B) {
	const body = "amount=2000&confirm=true&currency=usd&metadata[order_id]=o+1%262&payment_method=pm_card_visa&payment_method_types[0]=card&expand[0]=latest_charge"
	b.ReportAllocs()
	for b.Loop() {
		f := newForm()
		if err := f.parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
