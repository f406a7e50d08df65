package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/paychaos/paychaos/harness/tempdir"
)

// ModulePath is the Go module the images are built from.
const ModulePath = "github.com/paychaos/paychaos"

// Labels on the images paychaos builds.
const (
	// LabelImage names which of paychaos's images it is.
	LabelImage = "paychaos.image"
	// LabelBinary is the SHA-256 of the binary inside: an image is rebuilt
	// only when the freshly compiled binary differs.
	LabelBinary = "paychaos.binary.sha256"
)

// Image is one image paychaos builds locally: a static Go binary (built
// with CGO_ENABLED=0) copied FROM scratch. Nothing is pulled.
type Image struct {
	// Name is the short name: provider, toxiproxy, shop.
	Name string
	// Ref is the fixed repo:tag containers are started from.
	Ref string
	// Package is the Go package compiled, relative to the module root or
	// a full import path of a module dependency.
	Package string
	// Binary is the file name inside the image.
	Binary string
	// Dockerfile is the image's recipe; its context holds only Binary.
	Dockerfile string
}

// The images of the containers mode, with fixed tags.
var (
	// ProviderImage runs the fake provider: `paychaos provider`.
	ProviderImage = Image{
		Name: "provider", Ref: "paychaos/provider:dev", Package: "./cmd/paychaos", Binary: "paychaos",
		Dockerfile: "FROM scratch\nCOPY paychaos /paychaos\nEXPOSE 12111\nENTRYPOINT [\"/paychaos\"]\nCMD [\"provider\", \"--addr\", \"0.0.0.0:12111\"]\n",
	}
	// ToxiproxyImage runs a Toxiproxy server built from the version this
	// module pins, its API on 8474.
	ToxiproxyImage = Image{
		Name: "toxiproxy", Ref: "paychaos/toxiproxy:dev", Package: "github.com/Shopify/toxiproxy/v2/cmd/server", Binary: "toxiproxy-server",
		Dockerfile: "FROM scratch\nCOPY toxiproxy-server /toxiproxy-server\nEXPOSE 8474\nENTRYPOINT [\"/toxiproxy-server\", \"-host=0.0.0.0\", \"-port=8474\"]\n",
	}
	// ShopImage runs the reference shop (examples/shop) on 8080, its
	// SQLite database in /data so that it survives a kill and restart.
	ShopImage = Image{
		Name: "shop", Ref: "paychaos/shop:dev", Package: "./examples/shop", Binary: "shop",
		Dockerfile: "FROM scratch\nCOPY shop /shop\nWORKDIR /tmp\nWORKDIR /data\n" +
			"ENV SHOP_ADDR=0.0.0.0:8080 SHOP_DB=/data/shop.db TMPDIR=/tmp\nEXPOSE 8080\nENTRYPOINT [\"/shop\"]\n",
	}
)

// Images are every image paychaos builds, in build order.
func Images() []Image { return []Image{ProviderImage, ToxiproxyImage, ShopImage} }

// ImageByRef finds one of paychaos's images by its repo:tag.
func ImageByRef(ref string) (Image, bool) {
	for _, im := range Images() {
		if im.Ref == ref {
			return im, true
		}
	}
	return Image{}, false
}

// BuildPolicy says when EnsureImages builds an image.
type BuildPolicy string

const (
	// BuildIfChanged compiles each binary (fast when Go's build cache is
	// warm) and rebuilds the image only when the binary differs from the
	// one inside: an image never runs stale code. The default.
	BuildIfChanged BuildPolicy = "if-changed"
	// BuildIfMissing builds only images that do not exist; an existing
	// image is used as it is, even if the sources changed since.
	BuildIfMissing BuildPolicy = "if-missing"
	// BuildAlways rebuilds every image.
	BuildAlways BuildPolicy = "always"
)

// BuildOptions configure EnsureImages.
type BuildOptions struct {
	// Source is the root of a paychaos checkout; empty means the module
	// that holds the working directory.
	Source string
	// Policy defaults to BuildIfChanged.
	Policy BuildPolicy
	// Logger receives one line per image; nil discards.
	Logger *slog.Logger
	// BuildLog, when set, receives the engine's build output.
	BuildLog io.Writer
}

// Built says what EnsureImages did for one image.
type Built struct {
	Image
	// ID is the image id in the engine.
	ID string
	// Rebuilt is true when the image was (re)built now.
	Rebuilt bool
	// Took is the time spent on this image, compile included.
	Took time.Duration
}

// EnsureImages makes sure each image exists in the local engine, built
// from this module's sources according to the policy; no image is ever
// pulled. Without images it ensures all of Images().
func EnsureImages(ctx context.Context, o BuildOptions, images ...Image) ([]Built, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return ensureImages(ctx, cli, o, images...)
}

func ensureImages(ctx context.Context, cli *client.Client, o BuildOptions, images ...Image) ([]Built, error) {
	if len(images) == 0 {
		images = Images()
	}
	switch o.Policy {
	case "":
		o.Policy = BuildIfChanged
	case BuildIfChanged, BuildIfMissing, BuildAlways:
	default:
		return nil, fmt.Errorf("build policy %q: want %s, %s or %s", o.Policy, BuildIfChanged, BuildIfMissing, BuildAlways)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var tmp string
	defer func() {
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
	}()
	var out []Built
	for _, im := range images {
		start := time.Now()
		b := Built{Image: im}
		inspect, err := cli.ImageInspect(ctx, im.Ref)
		exists := err == nil
		if err != nil && !cerrdefs.IsNotFound(err) {
			return out, fmt.Errorf("inspect image %s: %w", im.Ref, err)
		}
		if exists && o.Policy == BuildIfMissing {
			b.ID, b.Took = inspect.ID, time.Since(start)
			out = append(out, b)
			log.Info("image present", "image", im.Ref)
			continue
		}
		if o.Source == "" {
			if o.Source, err = moduleRoot(ctx, ""); err != nil {
				return out, err
			}
		}
		if tmp == "" {
			// Named for this process: a build killed midway leaves it to
			// the next build's sweep.
			if tmp, err = tempdir.New("paychaos-images-"); err != nil {
				return out, err
			}
		}
		bin, err := compile(ctx, o.Source, im, filepath.Join(tmp, im.Name))
		if err != nil {
			return out, err
		}
		sum := sha256.Sum256(bin)
		digest := hex.EncodeToString(sum[:])
		if exists && o.Policy == BuildIfChanged && inspect.Config != nil && inspect.Config.Labels[LabelBinary] == digest {
			b.ID, b.Took = inspect.ID, time.Since(start)
			out = append(out, b)
			log.Info("image up to date", "image", im.Ref)
			continue
		}
		if b.ID, err = buildImage(ctx, cli, im, bin, digest, o.BuildLog); err != nil {
			return out, err
		}
		if exists && inspect.ID != b.ID {
			// The tag moved: drop the old image rather than leave it
			// dangling. One a container still uses stays (and is harmless).
			_, _ = cli.ImageRemove(ctx, inspect.ID, client.ImageRemoveOptions{PruneChildren: true})
		}
		b.Rebuilt, b.Took = true, time.Since(start)
		out = append(out, b)
		log.Info("image built", "image", im.Ref, "took", b.Took.Round(time.Millisecond))
	}
	return out, nil
}

// moduleRoot finds the root of the paychaos module holding dir (the
// working directory when empty).
func moduleRoot(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, goTool(), "env", "GOMOD")
	cmd.Dir = dir
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("find the paychaos sources (go env GOMOD): %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("find the paychaos sources: not inside a Go module; run from a paychaos checkout or name its root (BuildOptions.Source, paychaos images --src)")
	}
	src, err := os.ReadFile(mod)
	if err != nil {
		return "", fmt.Errorf("find the paychaos sources: %w", err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			if f[1] != ModulePath {
				return "", fmt.Errorf("find the paychaos sources: %s is module %s, not %s", mod, f[1], ModulePath)
			}
			return filepath.Dir(mod), nil
		}
	}
	return "", fmt.Errorf("find the paychaos sources: %s names no module", mod)
}

// goTool is the go command: $GOROOT/bin/go when GOROOT is set (as go
// test sets it), else the one on PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// compile builds im's package as a static Linux binary and returns it.
// The flags make the build reproducible, so that the same sources give
// the same bytes and the image is not rebuilt for nothing.
func compile(ctx context.Context, root string, im Image, out string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goTool(), "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, im.Package)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("compile %s for image %s: no Go toolchain found (%w); install Go, or build the images elsewhere and use BuildIfMissing", im.Package, im.Ref, err)
		}
		return nil, fmt.Errorf("compile %s for image %s: %w\n%s", im.Package, im.Ref, err, strings.TrimSpace(stderr.String()))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("read the %s binary: %w", im.Name, err)
	}
	return b, nil
}

// buildImage sends a two-file context (Dockerfile, binary) to the engine's
// classic builder. FROM scratch needs no base image: nothing is pulled.
func buildImage(ctx context.Context, cli *client.Client, im Image, bin []byte, digest string, buildLog io.Writer) (string, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, []byte(im.Dockerfile)}, {im.Binary, 0o755, bin}}
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return "", fmt.Errorf("build image %s: %w", im.Ref, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return "", fmt.Errorf("build image %s: %w", im.Ref, err)
		}
	}
	if err := tw.Close(); err != nil {
		return "", fmt.Errorf("build image %s: %w", im.Ref, err)
	}
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags: []string{im.Ref}, Remove: true, ForceRemove: true, PullParent: false,
		Version: build.BuilderV1,
		Labels:  map[string]string{LabelImage: im.Name, LabelBinary: digest},
	})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", im.Ref, err)
	}
	defer res.Body.Close()
	if buildLog == nil {
		buildLog = io.Discard
	}
	dec := json.NewDecoder(res.Body)
	for {
		var m struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("build image %s: read the engine's answer: %w", im.Ref, err)
		}
		if m.Error != "" {
			return "", fmt.Errorf("build image %s: %s", im.Ref, strings.TrimSpace(m.Error))
		}
		_, _ = io.WriteString(buildLog, m.Stream)
	}
	inspect, err := cli.ImageInspect(ctx, im.Ref)
	if err != nil {
		return "", fmt.Errorf("build image %s: inspect the result: %w", im.Ref, err)
	}
	if inspect.Config == nil || inspect.Config.Labels[LabelBinary] != digest {
		return "", fmt.Errorf("build image %s: the engine holds another image under that tag", im.Ref)
	}
	return inspect.ID, nil
}

// requireImage checks that a user's image exists locally: paychaos never
// pulls.
func requireImage(ctx context.Context, cli *client.Client, ref string) error {
	if _, err := cli.ImageInspect(ctx, ref); err != nil {
		if cerrdefs.IsNotFound(err) {
			return fmt.Errorf("image %s is not in the local engine, and paychaos never pulls: build or load it first (docker build -t %s …)", ref, ref)
		}
		return fmt.Errorf("inspect image %s: %w", ref, err)
	}
	return nil
}
