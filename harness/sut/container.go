package sut

import (
	"fmt"
	"strings"
)

// ContainerSpec runs the SUT as a container image (the containers mode):
// the service as it ships. The image must exist in the local engine:
// paychaos never pulls one. The wiring reaches the SUT through the
// Target's Env names (provider URL, secret key, webhook secret, listen
// address), its readiness through the Target's health call.
type ContainerSpec struct {
	// Image is the image reference, e.g. "registry.example/shop:ci".
	Image string `yaml:"image"`
	// Port is the TCP port the SUT listens on inside the container.
	Port int `yaml:"port"`
	// Env is passed as it is (the wiring's variables are added to it).
	Env map[string]string `yaml:"env"`
	// Args replace the image's command (its entrypoint stays).
	Args []string `yaml:"args"`
}

// Defined reports whether the target names an image.
func (c ContainerSpec) Defined() bool { return c.Image != "" }

// Validate reports what stops t from running as a container: an image, a
// port and a health path are needed.
func (c ContainerSpec) Validate(t Target) error {
	switch {
	case strings.TrimSpace(c.Image) == "":
		return fmt.Errorf("target %s: container.image is empty", t.Name)
	case c.Port <= 0 || c.Port > 65535:
		return fmt.Errorf("target %s: container.port %d is not a TCP port", t.Name, c.Port)
	case !t.Health.Defined():
		return fmt.Errorf("target %s: health.path is needed to know when the container is ready", t.Name)
	case !strings.HasPrefix(t.Health.Path, "/") || strings.Contains(t.Health.Path, "{{"):
		return fmt.Errorf("target %s: health.path %q must be a plain path starting with /", t.Name, t.Health.Path)
	}
	return nil
}
