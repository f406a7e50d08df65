package containers

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	tc "github.com/testcontainers/testcontainers-go"

	"github.com/paychaos/paychaos/internal/secret"
)

// maxLog bounds what is kept of one container's output: its tail.
const maxLog = 64 << 10

// logBook keeps the containers of one environment and, once they are
// gone, their last output, so that a failing scenario can attach them
// after the environment closed.
type logBook struct {
	mu      sync.Mutex
	order   []string
	live    map[string]*tc.DockerContainer
	kept    map[string]string
	secrets []string
}

func newLogBook() *logBook {
	return &logBook{live: map[string]*tc.DockerContainer{}, kept: map[string]string{}}
}

func (b *logBook) track(role string, c *tc.DockerContainer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.live[role]; !ok {
		if _, ok := b.kept[role]; !ok {
			b.order = append(b.order, role)
		}
	}
	b.live[role] = c
}

// secret adds a value that must never appear in logs unmasked.
func (b *logBook) secret(s string) {
	if len(s) < 8 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.secrets = append(b.secrets, s)
}

// keep reads a container's output once, before the container goes.
func (b *logBook) keep(ctx context.Context, role string) {
	b.mu.Lock()
	c := b.live[role]
	b.mu.Unlock()
	if c == nil {
		return
	}
	text := read(ctx, c)
	b.mu.Lock()
	delete(b.live, role)
	b.kept[role] = text
	b.mu.Unlock()
}

// one is the output of one container, masked.
func (b *logBook) one(ctx context.Context, role string) string {
	b.mu.Lock()
	c, text := b.live[role], b.kept[role]
	b.mu.Unlock()
	if c != nil {
		text = read(ctx, c)
	}
	return b.mask(text)
}

// text is every container's output under a header each, masked.
func (b *logBook) text(ctx context.Context) string {
	b.mu.Lock()
	roles := append([]string(nil), b.order...)
	b.mu.Unlock()
	var sb strings.Builder
	for _, r := range roles {
		fmt.Fprintf(&sb, "===== %s =====\n%s", r, b.one(ctx, r))
		if !strings.HasSuffix(sb.String(), "\n") {
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// mask hides the secrets this environment handed out, and any other
// secret.Find finds, in a container's output.
func (b *logBook) mask(s string) string {
	b.mu.Lock()
	secrets := append([]string(nil), b.secrets...)
	b.mu.Unlock()
	return secret.Mask(s, secrets...)
}

// read returns the tail of a container's output (stdout and stderr), or
// a line saying why it could not.
func read(ctx context.Context, c *tc.DockerContainer) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rc, err := c.Logs(ctx)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return "(container removed before its logs were read)\n"
		}
		return fmt.Sprintf("(logs unavailable: %v)\n", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	text := string(b)
	if len(text) > maxLog {
		cut := text[len(text)-maxLog:]
		if i := strings.IndexByte(cut, '\n'); i >= 0 {
			cut = cut[i+1:]
		}
		text = fmt.Sprintf("(… %d bytes cut)\n%s", len(text)-len(cut), cut)
	}
	if err != nil {
		text += fmt.Sprintf("(logs cut short: %v)\n", err)
	}
	return text
}

// isGone reports an engine error that means the object is already gone
// or going.
func isGone(err error) bool {
	return cerrdefs.IsNotFound(err) || strings.Contains(err.Error(), "already in progress")
}
