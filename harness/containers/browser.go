package containers

import (
	"context"
	"fmt"
	"strconv"

	"github.com/paychaos/paychaos/harness"
)

// browserPort is where the Toxiproxy container listens for the customer's
// browser link; it is published, because the browser (the harness) runs
// on the host, outside the stack's networks.
const browserPort = 8668

var _ harness.BrowserReacher = (*stack)(nil)

// BrowserURL is the browser link's address as the host reaches it.
func (s *stack) BrowserURL(ctx context.Context) (string, error) {
	u, err := s.toxiproxy.PortEndpoint(ctx, strconv.Itoa(browserPort)+"/tcp", "http")
	if err != nil {
		return "", fmt.Errorf("the browser link's mapped port: %w", err)
	}
	return u, nil
}
