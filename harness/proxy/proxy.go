package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
	zlog "github.com/rs/zerolog/log"

	"github.com/paychaos/paychaos/internal/jsonapi"
)

// Server is a Toxiproxy server, in process or remote, driven through its
// HTTP API.
type Server struct {
	api jsonapi.Client
	// host is where proxies listen by default.
	host string
	// advertise, when set, is the host others dial to reach a link (a
	// Toxiproxy container's network alias) instead of the listen address.
	advertise string

	mu    sync.Mutex
	links map[string]*Link
	close func() error
}

// Option configures a Server.
type Option func(*Server)

// WithHTTPClient sets the client used for the Toxiproxy API.
func WithHTTPClient(c *http.Client) Option { return func(s *Server) { s.api.HTTP = c } }

// WithListenHost sets the host that proxies listen on and are dialled at
// (default 127.0.0.1). A Toxiproxy server in a container listens on
// 0.0.0.0 and is reached through another address.
func WithListenHost(h string) Option { return func(s *Server) { s.host = h } }

// WithAdvertiseHost sets the host that the SUT and the provider dial to
// reach links, when it differs from where links listen: a Toxiproxy
// container listens on 0.0.0.0 and is reached by its network alias.
func WithAdvertiseHost(h string) Option { return func(s *Server) { s.advertise = h } }

var quietZerolog sync.Once

// Embedded starts a Toxiproxy server in this process, its API and every
// proxy on random loopback ports. Close stops it and all its proxies.
func Embedded(opts ...Option) (*Server, error) {
	// The bandwidth toxic logs through zerolog's global logger: quiet it
	// once, so that servers started at once do not race on it.
	quietZerolog.Do(func() { zlog.Logger = zerolog.Nop() })
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for toxiproxy api: %w", err)
	}
	hs := &http.Server{Handler: api.Routes(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln)
	}()
	s := newServer("http://"+ln.Addr().String(), opts...)
	s.close = func() error {
		api.Collection.Clear()
		err := hs.Close()
		<-done
		return err
	}
	return s, nil
}

// Remote drives an existing Toxiproxy server by its API URL
// (e.g. "http://127.0.0.1:8474").
func Remote(apiURL string, opts ...Option) (*Server, error) {
	if !strings.HasPrefix(apiURL, "http://") && !strings.HasPrefix(apiURL, "https://") {
		apiURL = "http://" + apiURL
	}
	s := newServer(strings.TrimRight(apiURL, "/"), opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.do(ctx, http.MethodGet, "/version", nil, nil); err != nil {
		return nil, fmt.Errorf("reach toxiproxy at %s: %w", apiURL, err)
	}
	return s, nil
}

func newServer(api string, opts ...Option) *Server {
	s := &Server{
		api: jsonapi.Client{
			Base: api, HTTP: &http.Client{Timeout: 30 * time.Second},
			Header: http.Header{"User-Agent": {"paychaos"}},
			Err:    func(status int, msg string) error { return &APIError{Status: status, Message: msg} },
		},
		host: "127.0.0.1", links: map[string]*Link{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// APIURL is the server's API base URL.
func (s *Server) APIURL() string { return s.api.Base }

// Link creates a proxy named name that forwards connections made to it to
// upstream (host:port). listen is where it listens, "" for a random port.
func (s *Server) Link(ctx context.Context, name, upstream, listen string) (*Link, error) {
	if listen == "" {
		listen = s.host + ":0"
	}
	body := map[string]any{"name": name, "listen": listen, "upstream": upstream, "enabled": true}
	var out struct {
		Listen string `json:"listen"`
	}
	if err := s.do(ctx, http.MethodPost, "/proxies", body, &out); err != nil {
		return nil, fmt.Errorf("create link %s: %w", name, err)
	}
	l := &Link{srv: s, Name: name, Upstream: upstream, Listen: out.Listen, dial: out.Listen}
	if s.advertise != "" {
		_, port, err := net.SplitHostPort(out.Listen)
		if err != nil {
			return nil, fmt.Errorf("link %s listens on %q: %w", name, out.Listen, err)
		}
		l.dial = net.JoinHostPort(s.advertise, port)
	}
	s.mu.Lock()
	s.links[name] = l
	s.mu.Unlock()
	return l, nil
}

// Reset re-enables every proxy and removes every toxic.
func (s *Server) Reset(ctx context.Context) error {
	return s.do(ctx, http.MethodPost, "/reset", nil, nil)
}

// Close deletes the links this Server made and, for an embedded server,
// stops it.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.mu.Lock()
	links := s.links
	s.links = map[string]*Link{}
	s.mu.Unlock()
	var errs []error
	if s.close == nil { // a remote server outlives us: remove what we made
		for name := range links {
			if err := s.do(ctx, http.MethodDelete, "/proxies/"+name, nil, nil); err != nil {
				errs = append(errs, fmt.Errorf("delete link %s: %w", name, err))
			}
		}
		return errors.Join(errs...)
	}
	return s.close()
}

// APIError is an error answer from the Toxiproxy API.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("toxiproxy: %d %s", e.Status, e.Message) }

func (s *Server) do(ctx context.Context, method, path string, in, out any) error {
	return s.api.Do(ctx, method, path, in, out)
}
