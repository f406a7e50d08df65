package fakeprovider

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// control sends one control request straight to p's handler.
func control(p *Provider, method, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://fake"+controlPrefix+path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:1"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	return rec
}

// controlState is what a refused control request must leave unchanged.
func controlState(t *testing.T, p *Provider) string {
	t.Helper()
	p.mu.Lock()
	fs := p.faultStatusLocked()
	eps := len(p.endpoints)
	p.mu.Unlock()
	// The clock runs: compare its offset from the real clock.
	return fmt.Sprintf("%+v %d %d", fs, eps, p.clock.offset.Load())
}

// The control API refuses what it cannot honour with a precise 4xx and
// changes nothing.
func TestControlRefusesWhatItCannotHonour(t *testing.T) {
	const ok = "application/json"
	for _, c := range []struct {
		name, method, path, ct, body string
		status                       int
		says                         string
	}{
		{"a slow fault of 292 years", "POST", "faults", ok, `{"kind":"slow","delay":9223372036854775807}`, 400, "delay 2562047h47m16.854775807s over the maximum of 24h0m0s"},
		{"jitter over the maximum", "POST", "faults", ok, `{"kind":"slow","delay":1000000,"jitter":90000000000000}`, 400, "jitter 25h0m0s over the maximum"},
		{"a window over the maximum", "POST", "faults", ok, `{"kind":"amnesia","window":90000000000000}`, 400, "window 25h0m0s over the maximum"},
		{"a rate over 1", "POST", "faults", ok, `{"kind":"http_error","rate":1.5}`, 400, "rate 1.5 outside [0, 1]"},
		{"an id that is no URL segment", "POST", "faults", ok, `{"kind":"http_error","id":"a/b"}`, 400, `id "a/b": letters, digits`},
		{"two objects", "POST", "faults", ok, `{"kind":"http_error"}{"kind":"away"}`, 400, "exactly one JSON object"},
		{"an object and garbage", "POST", "faults", ok, `{"kind":"http_error"} x`, 400, "exactly one JSON object"},
		{"null", "POST", "faults", ok, `null`, 400, "must be one JSON object"},
		{"an array", "POST", "faults", ok, `[{"kind":"http_error"}]`, 400, "must be one JSON object"},
		{"an empty body", "POST", "faults", ok, ``, 400, "must be one JSON object"},
		{"an unknown field", "POST", "faults", ok, `{"kind":"http_error","sttaus":500}`, 400, `unknown field "sttaus"`},
		{"a type that starts like JSON", "POST", "faults", "application/jsonp", `{"kind":"http_error"}`, 415, `content type "application/jsonp": want application/json`},
		{"a type with JSON as a prefix word", "POST", "faults", "application/json-patch+json", `{"kind":"http_error"}`, 415, "want application/json"},
		{"another charset", "POST", "faults", "application/json; charset=latin1", `{"kind":"http_error"}`, 415, "charset utf-8 at most"},
		{"no content type", "POST", "faults", "", `{"kind":"http_error"}`, 415, "want application/json"},
		{"text", "POST", "faults", "text/plain", `{"kind":"http_error"}`, 415, "want application/json"},
		{"a body over 64 KiB", "POST", "faults", ok, `{"kind":"http_error","endpoint":"` + strings.Repeat("x", 70000) + `"}`, 413, "body over 65536 bytes"},
		{"the year 9999", "POST", "clock", ok, `{"now":"9999-01-01T00:00:00Z"}`, 400, "9999-01-01T00:00:00Z is outside the provider's clock range"},
		{"before 1970", "POST", "clock", ok, `{"now":"1969-12-31T23:59:59Z"}`, 400, "outside the provider's clock range"},
		{"an advance past the range", "POST", "clock", ok, `{"advance":9223372036854775807}`, 400, "more than the clock's whole range"},
		{"an advance out of the range", "POST", "clock", ok, `{"advance":5600000000000000000}`, 400, "outside the provider's clock range"},
		{"now and advance", "POST", "clock", ok, `{"now":"2030-01-01T00:00:00Z","advance":1}`, 400, "exactly one of now or advance"},
		{"a webhook endpoint twice over", "POST", "webhook_endpoints", ok, `{"url":"http://127.0.0.1:1/h","secret":"whsec_x"}{"url":"http://127.0.0.1:2/h","secret":"whsec_y"}`, 400, "exactly one JSON object"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := New(WithSeed(1))
			t.Cleanup(func() { _ = p.Close() })
			before := controlState(t, p)
			rec := control(p, c.method, c.path, c.ct, c.body)
			var e controlError
			if rec.Code != c.status || json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, c.says) {
				t.Fatalf("%d %s, want %d saying %q", rec.Code, rec.Body.String(), c.status, c.says)
			}
			if after := controlState(t, p); after != before {
				t.Fatalf("a refused request changed the provider:\n%s\n%s", before, after)
			}
		})
	}
}

func TestControlAcceptsWhatItCanHonour(t *testing.T) {
	p := New(WithSeed(1))
	t.Cleanup(func() { _ = p.Close() })
	for _, c := range []struct{ path, ct, body string }{
		{"faults", "application/json; charset=UTF-8", `{"kind":"slow","delay":86400000000000,"jitter":1000}`},
		{"faults", "Application/JSON", " \n{\"kind\":\"http_error\",\"id\":\"my-fault.1\"}\n"},
		{"clock", "application/json", `{"now":"2199-12-31T23:59:59Z"}`},
		{"clock", "application/json", `{"now":"1970-01-01T00:00:00Z"}`},
		{"clock", "application/json", `{"advance":3600000000000}`},
	} {
		if rec := control(p, "POST", c.path, c.ct, c.body); rec.Code >= 300 {
			t.Errorf("%s %s: %d %s", c.path, c.body, rec.Code, rec.Body.String())
		}
	}
	if got, _ := p.Now(bg); got.Year() != 1970 || got.Hour() != 1 {
		t.Errorf("clock %v after setting 1970 and advancing an hour", got)
	}
	// Through the Go API the same bounds hold.
	if _, err := p.AddFault(bg, Fault{Kind: FaultHTTPError, Rate: math.NaN()}); err == nil {
		t.Error("a NaN rate was accepted")
	}
	if err := p.SetClock(bg, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("SetClock accepted the year 9999")
	}
}

// The provider's server drops a client that sends its body too slowly
// and refuses oversized headers: 300 slow-body connections once held it
// for 40 s.
func TestServerBoundsSlowAndLargeRequests(t *testing.T) {
	srv := NewServer(New(WithSeed(1)))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("limits not set: %+v", srv)
	}
	srv.ReadTimeout = 300 * time.Millisecond // the same server, judged quicker
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	var conns []net.Conn
	for range 20 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\namount=")
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := bufio.NewReader(c).ReadString('\n')
		var ne net.Error
		if isTimeout := err != nil && errors.As(err, &ne) && ne.Timeout(); isTimeout {
			t.Fatalf("slow-body connection %d still open after 10 s", i)
		}
		_ = c.Close()
	}

	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v1/charges", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 2*ServerMaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a %d-byte header: %d", 2*ServerMaxHeaderBytes, resp.StatusCode)
	}
	http.DefaultClient.CloseIdleConnections()
}
