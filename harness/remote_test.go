package harness_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/paychaos/paychaos/fakeprovider"
	"github.com/paychaos/paychaos/harness"
	"github.com/paychaos/paychaos/harness/fault"
	"github.com/paychaos/paychaos/scenarios/refshop"
)

// Remote mode against a real toxiproxy-server process and a provider
// reached only by URL and control token: a staging environment.
func TestRemoteModeRunsTheSameScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("builds toxiproxy-server; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "toxiproxy-server")
	build := exec.Command("go", "build", "-o", bin, "github.com/Shopify/toxiproxy/v2/cmd/server")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build toxiproxy-server: %v\n%s", err, out)
	}
	port := freePort(t)
	srv := exec.Command(bin, "-host", "127.0.0.1", "-port", port)
	srv.Env = append(os.Environ(), "LOG_LEVEL=error")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	api := "http://127.0.0.1:" + port
	gomega.NewWithT(t).Eventually(func() error {
		resp, err := http.Get(api + "/version")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}).WithTimeout(10 * time.Second).Should(gomega.Succeed())

	p := fakeprovider.New(fakeprovider.WithControlToken("ctl"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: p}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close(); p.Close() })

	env, err := harness.New(context.Background(), harness.WithSeed(3),
		harness.WithRemote(api, "http://"+ln.Addr().String(), "ctl"),
		harness.WithSUT(refshop.Launcher{Flaws: "mark-paid-on-error"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close() })
	if env.Mode() != "remote" {
		t.Fatalf("mode %s", env.Mode())
	}
	res, err := env.Run(context.Background(), scenario("provider-outage", fault.ProviderDown))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inconclusive != "" || res.Mode != "remote" {
		t.Fatalf("inconclusive %q, mode %q", res.Inconclusive, res.Mode)
	}
	if v := verdict(t, res, "no-false-paid"); v.Result != "fail" {
		t.Fatalf("remote mode missed the flaw: no-false-paid %s (%s)", v.Result, v.Message)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}
