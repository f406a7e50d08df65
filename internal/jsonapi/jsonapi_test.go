package jsonapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, `{"error":"headers lost"}`, http.StatusBadRequest)
				return
			}
			fmt.Fprintf(w, `{"got":%s}`, b)
		case "/bare":
			if r.Header.Get("Content-Type") != "" || len(b) != 0 {
				http.Error(w, "a body where none was sent", http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case "/json-error":
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, `{"error":"proxy already exists"}`)
		case "/text-error":
			http.Error(w, "  plain words  ", http.StatusBadGateway)
		case "/garbage":
			_, _ = io.WriteString(w, "not json")
		case "/big":
			_, _ = io.WriteString(w, `{"got":"`+strings.Repeat("x", 100)+`"}`)
		}
	}))
	defer srv.Close()
	c := &Client{Base: srv.URL, HTTP: srv.Client(), Header: http.Header{"Authorization": {"Bearer tok"}}}
	ctx := context.Background()

	var out struct {
		Got struct{ N int } `json:"got"`
	}
	if err := c.Do(ctx, http.MethodPost, "/echo", map[string]int{"N": 7}, &out); err != nil || out.Got.N != 7 {
		t.Fatalf("echo: %+v %v", out, err)
	}
	if err := c.Do(ctx, http.MethodGet, "/bare", nil, nil); err != nil {
		t.Fatalf("bare: %v", err)
	}
	var e *Error
	if err := c.Do(ctx, http.MethodPost, "/json-error", nil, nil); !errors.As(err, &e) || e.Status != http.StatusConflict || e.Message != "proxy already exists" {
		t.Fatalf("json error: %v", err)
	}
	if err := c.Do(ctx, http.MethodGet, "/text-error", nil, nil); !errors.As(err, &e) || e.Status != http.StatusBadGateway || e.Message != "plain words" {
		t.Fatalf("text error: %v", err)
	}
	if err := c.Do(ctx, http.MethodGet, "/garbage", nil, &out); err == nil || !strings.Contains(err.Error(), "decode the answer to GET /garbage") {
		t.Fatalf("garbage: %v", err)
	}
	if err := c.Do(ctx, http.MethodGet, "/echo", func() {}, nil); err == nil || !strings.Contains(err.Error(), "encode GET /echo") {
		t.Fatalf("unencodable body: %v", err)
	}
	// An answer past MaxBody is cut, so it no longer decodes.
	small := *c
	small.MaxBody = 10
	if err := small.Do(ctx, http.MethodGet, "/big", nil, &out); err == nil {
		t.Fatal("an answer past MaxBody decoded")
	}
	// Err makes the error a caller's own type.
	type mine struct{ error }
	own := *c
	own.Err = func(status int, msg string) error { return mine{fmt.Errorf("%d: %s", status, msg)} }
	if err := own.Do(ctx, http.MethodPost, "/json-error", nil, nil); !errors.As(err, new(mine)) {
		t.Fatalf("own error: %T %v", err, err)
	}
}
