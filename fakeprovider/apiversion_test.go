package fakeprovider

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	webhook76 "github.com/stripe/stripe-go/v76/webhook"
	"github.com/stripe/stripe-go/v84"
)

// sink76 is a service built on stripe-go v76, whose ConstructEvent
// accepts only events of its API version (2023-10-16).
type sink76 struct {
	srv *httptest.Server

	mu                 sync.Mutex
	accepted, rejected int
	versions           []string
}

func newSink76(t *testing.T, secret string) *sink76 {
	s := &sink76{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ev, err := webhook76.ConstructEvent(body, r.Header.Get("Stripe-Signature"), secret)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.rejected++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.accepted++
		s.versions = append(s.versions, ev.APIVersion)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink76) counts() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted, s.rejected
}

func TestWebhookEndpointAPIVersion(t *testing.T) {
	old := newSink76(t, "whsec_old")
	unpinned := newSink76(t, "whsec_unpinned")
	current := newHookSink(t, "whsec_new")
	h := newHarness(t, WithWebhook(current.srv.URL, current.secret), WithWebhookRetry(1, time.Millisecond))
	ctl := NewClient(h.srv.URL, "")
	if err := ctl.AddWebhook(bg, WebhookEndpoint{URL: old.srv.URL, Secret: "whsec_old", APIVersion: "2023-10-16"}); err != nil {
		t.Fatal(err)
	}
	// An endpoint left at the provider's version is what v76 rejects: the
	// reason the version is per endpoint.
	if err := ctl.AddWebhook(bg, WebhookEndpoint{URL: unpinned.srv.URL, Secret: "whsec_unpinned"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"2023-13", "clover", "2023-10-16.", "2023-10-16.Clover", "2023-10-1x"} {
		if err := ctl.AddWebhook(bg, WebhookEndpoint{URL: "http://127.0.0.1:1/x", Secret: "whsec_x", APIVersion: bad}); err == nil {
			t.Errorf("api_version %q accepted", bad)
		}
	}
	if _, err := h.client(0, 0).V1PaymentIntents.Create(bg, visaParams("o-ver", 1000)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "three events at each endpoint", func() bool {
		a, _ := old.counts()
		_, r := unpinned.counts()
		return a == 3 && r == 3 && current.count() == 3
	})
	if _, r := old.counts(); r != 0 || current.rejectedCount() != 0 {
		t.Fatalf("rejected: v76 %d, v84 %v", r, current.rejected)
	}
	old.mu.Lock()
	for _, v := range old.versions {
		if v != "2023-10-16" {
			t.Fatalf("pinned endpoint got api_version %q", v)
		}
	}
	old.mu.Unlock()
	current.mu.Lock()
	for _, ev := range current.events {
		if ev.APIVersion != DefaultAPIVersion {
			t.Fatalf("default endpoint got %q", ev.APIVersion)
		}
	}
	current.mu.Unlock()
	// The API's own events keep the provider's version.
	ev, err := h.client(0, 0).V1Events.Retrieve(bg, h.p.Snapshot().Events[0].ID, nil)
	if err != nil || ev.APIVersion != DefaultAPIVersion || ev.Type != stripe.EventTypePaymentIntentCreated {
		t.Fatalf("GET event: %v %+v", err, ev)
	}
}
