// Package jsonapi is the one HTTP client of the JSON control APIs
// paychaos drives: the fake provider's and Toxiproxy's. Both take JSON,
// answer JSON and say what went wrong as {"error": "..."}; one request
// shape and one error path serve both. Like the provider, it imports
// nothing of the harness.
package jsonapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client calls one API. Its zero value is not ready: Base and HTTP are
// needed.
type Client struct {
	// Base is the URL paths are appended to, without a trailing slash.
	Base string
	// HTTP sends the requests.
	HTTP *http.Client
	// Header is sent with every request (a token, a User-Agent).
	Header http.Header
	// MaxBody bounds how much of an answer is read (default 4 MiB).
	MaxBody int64
	// Err makes the error of an answer with a status of 300 or more, from
	// its status and message: the answer's "error" member, or its body.
	// By default, an *Error.
	Err func(status int, message string) error
}

// Error is an error answer, when the Client has no Err of its own.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Message) }

// Do sends in, if not nil, as JSON with method to Base+path, and decodes
// the answer into out, if not nil. A transport error is returned as it
// is, an error answer as Err makes it.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return err
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	limit := c.MaxBody
	if limit <= 0 {
		limit = 4 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		if c.Err != nil {
			return c.Err(resp.StatusCode, e.Error)
		}
		return &Error{Status: resp.StatusCode, Message: e.Error}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode the answer to %s %s: %w", method, path, err)
		}
	}
	return nil
}
