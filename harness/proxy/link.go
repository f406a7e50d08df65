package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Link is one Toxiproxy proxy: a TCP hop in front of a service, where
// network faults are put.
type Link struct {
	srv      *Server
	Name     string
	Upstream string
	// Listen is the resolved address the link listens on.
	Listen string
	// dial is where others reach the link.
	dial string
}

// Addr is the host:port to dial to go through the link.
func (l *Link) Addr() string { return l.dial }

// URL is the link's address as an http URL.
func (l *Link) URL() string { return "http://" + l.dial }

// AddToxic puts a toxic on the link. It acts on open connections too.
func (l *Link) AddToxic(ctx context.Context, t Toxic) error {
	if t.Toxicity == 0 {
		t.Toxicity = 1 // Toxiproxy takes 0 literally: the toxic would never act
	}
	if err := l.srv.do(ctx, http.MethodPost, "/proxies/"+l.Name+"/toxics", t, nil); err != nil {
		return fmt.Errorf("add toxic %s to %s: %w", t.Name, l.Name, err)
	}
	return nil
}

// RemoveToxic takes a toxic off the link. Removal has hung in Toxiproxy
// under load, so it is bounded by a timeout; when it does not finish, the
// link is restarted, which drops its connections and their toxics' state.
func (l *Link) RemoveToxic(ctx context.Context, name string) error {
	err := retry(ctx, 3, func(ctx context.Context) error {
		err := l.srv.do(ctx, http.MethodDelete, "/proxies/"+l.Name+"/toxics/"+name, nil, nil)
		var api *APIError
		if errors.As(err, &api) && api.Status == http.StatusNotFound {
			return nil // already gone
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("remove toxic %s from %s: %w", name, l.Name, err)
	}
	return nil
}

// Toxics lists the names of the toxics on the link.
func (l *Link) Toxics(ctx context.Context) ([]string, error) {
	var ts []Toxic
	if err := l.srv.do(ctx, http.MethodGet, "/proxies/"+l.Name+"/toxics", nil, &ts); err != nil {
		return nil, fmt.Errorf("list toxics of %s: %w", l.Name, err)
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return names, nil
}

// Disable takes the link down: new connections are refused and open ones
// are closed.
func (l *Link) Disable(ctx context.Context) error { return l.setEnabled(ctx, false) }

// Enable brings the link back on the same address.
func (l *Link) Enable(ctx context.Context) error { return l.setEnabled(ctx, true) }

func (l *Link) setEnabled(ctx context.Context, on bool) error {
	err := retry(ctx, 3, func(ctx context.Context) error {
		return l.srv.do(ctx, http.MethodPatch, "/proxies/"+l.Name, map[string]any{"enabled": on}, nil)
	})
	if err != nil {
		return fmt.Errorf("set %s enabled=%t: %w", l.Name, on, err)
	}
	return nil
}

// SetUpstream re-points the link, e.g. at a restarted container's new port.
func (l *Link) SetUpstream(ctx context.Context, upstream string) error {
	body := map[string]any{"listen": l.Listen, "upstream": upstream, "enabled": true}
	if err := l.srv.do(ctx, http.MethodPatch, "/proxies/"+l.Name, body, nil); err != nil {
		return fmt.Errorf("re-point %s at %s: %w", l.Name, upstream, err)
	}
	l.Upstream = upstream
	return nil
}

// Reset removes every toxic and enables the link, each step bounded.
func (l *Link) Reset(ctx context.Context) error {
	names, err := l.Toxics(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		errs = append(errs, l.RemoveToxic(ctx, n))
	}
	errs = append(errs, l.Enable(ctx))
	return errors.Join(errs...)
}

// retry runs f up to n times, each under its own 5 s deadline.
func retry(ctx context.Context, n int, f func(context.Context) error) error {
	var err error
	for i := 0; i < n; i++ {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = f(c)
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
}
