package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// screenshotDoc is the screenshot kept for the README, refreshed by
// -update; reports/out/ holds the one of the latest test run.
const screenshotDoc = "docs/report-screenshot.png"

// chromium finds a Chromium or Chrome binary: $CHROMIUM first, then the
// names Debian and others install it under.
func chromium() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser or google-chrome on PATH and CHROMIUM unset")
}

// The HTML report as a person sees it: opened from disk in a real headless
// Chromium, it loads with no console error and no request but its own file,
// shows the verdict, the table and a drawn chart, fits a laptop screen, and
// prints. It leaves a screenshot in reports/out/.
func TestHTMLInHeadlessChromium(t *testing.T) {
	bin, err := chromium()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and Chromium is missing, so the HTML report cannot be checked in a browser: %v; install Debian's package first: apt-get install -y chromium", err)
		}
		t.Skipf("skipping the HTML report's browser test: %v; install Debian's package (apt-get install -y chromium) to run it; in CI (CI=true) this is a failure", err)
	}

	dir := t.TempDir()
	rep := fixtureReport(t)
	if err := WriteAll(dir, rep); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, HTMLName)
	pageURL := "file://" + page

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // root in CI containers has no user namespace sandbox
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	var mu sync.Mutex
	var problems, requests []string
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				problems = append(problems, fmt.Sprintf("console %s", e.Type))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, fmt.Sprintf("log %s (%s): %s", e.Entry.Level, e.Entry.Source, e.Entry.Text))
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	}); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}

	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(chromedp.ID("verdict")),
	); err != nil {
		t.Fatalf("open the report: %v", err)
	}

	type box struct {
		Text          string  `json:"text"`
		Top, W, H     float64 `json:"-"`
		Visible       bool    `json:"visible"`
		InFirstScreen bool    `json:"inFirstScreen"`
	}
	type facts struct {
		Verdict      box     `json:"verdict"`
		Score        box     `json:"score"`
		Rows         int     `json:"rows"`
		Table        box     `json:"table"`
		Charts       int     `json:"charts"`
		ChartWidth   float64 `json:"chartWidth"`
		ChartHeight  float64 `json:"chartHeight"`
		FaultRects   int     `json:"faultRects"`
		FaultWidth   float64 `json:"faultWidth"`
		Dots         int     `json:"dots"`
		Bars         int     `json:"bars"`
		ScrollWidth  float64 `json:"scrollWidth"`
		ViewWidth    float64 `json:"viewWidth"`
		Title        string  `json:"title"`
		FailCells    int     `json:"failCells"`
		ExternalRefs int     `json:"externalRefs"`
		TableScrolls bool    `json:"tableScrolls"`
	}
	const probe = `(() => {
	  const vis = el => {
	    if (!el) return {text: "", visible: false, inFirstScreen: false};
	    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
	    return {text: el.innerText.replace(/\s+/g, " ").trim(), visible: r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" && parseFloat(s.opacity) > 0,
	            inFirstScreen: r.top >= 0 && r.bottom <= innerHeight};
	  };
	  const svg = document.querySelector("svg.timeline");
	  const sr = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
	  const fault = document.querySelector("svg.timeline rect.fault.win");
	  return {
	    verdict: vis(document.querySelector("#verdict")),
	    score: vis(document.querySelector("#score")),
	    rows: document.querySelectorAll("table.matrix tbody tr").length,
	    table: vis(document.querySelector("table.matrix")),
	    charts: document.querySelectorAll("svg.timeline").length,
	    chartWidth: sr.width, chartHeight: sr.height,
	    faultRects: document.querySelectorAll("svg.timeline rect.fault.win").length,
	    faultWidth: fault ? fault.getBoundingClientRect().width : 0,
	    dots: document.querySelectorAll("svg.timeline circle.dot").length,
	    bars: document.querySelectorAll("svg.timeline rect.bar").length,
	    scrollWidth: document.documentElement.scrollWidth, viewWidth: innerWidth,
	    title: document.title,
	    failCells: document.querySelectorAll("table.matrix td.c-fail").length,
	    externalRefs: [...document.querySelectorAll("[src],[href]")].filter(e => !(e.getAttribute("href")||"").startsWith("#")).length,
	    tableScrolls: (s => s.scrollWidth > s.clientWidth)(document.querySelector("#matrix .scroll")),
	  };
	})()`
	f, err := chromedp.Run(bctx, chromedp.Evaluate[facts](probe))
	if err != nil {
		t.Fatalf("probe the page: %v", err)
	}
	if f.Verdict.Text != "FAIL" || !f.Verdict.Visible || !f.Verdict.InFirstScreen {
		t.Errorf("verdict %+v: want FAIL, visible on the first screen", f.Verdict)
	}
	if want := fmt.Sprintf("%d /100 resilience score", rep.Score); !strings.HasPrefix(f.Score.Text, want) || !f.Score.Visible || !f.Score.InFirstScreen {
		t.Errorf("score %+v: want %q visible on the first screen", f.Score, want)
	}
	if f.Rows != 6 || !f.Table.Visible || f.FailCells != 1 {
		t.Errorf("table: %d rows (want 6), visible %v, %d violated cells (want 1)", f.Rows, f.Table.Visible, f.FailCells)
	}
	// Three scenarios have a timeline: baseline, outage, latency.
	if f.Charts != 3 || f.ChartWidth < 600 || f.ChartHeight < 150 {
		t.Errorf("charts: %d drawn at %.0f×%.0f px, want 3 at least 600×150", f.Charts, f.ChartWidth, f.ChartHeight)
	}
	if f.FaultRects != 2 || f.FaultWidth < 50 || f.Dots < 500 || f.Bars < 60 {
		t.Errorf("chart content: %d fault windows (first %.0f px wide), %d dots, %d bars", f.FaultRects, f.FaultWidth, f.Dots, f.Bars)
	}
	if f.ScrollWidth > f.ViewWidth {
		t.Errorf("the page is %.0f px wide in a %.0f px window: it scrolls sideways on a laptop", f.ScrollWidth, f.ViewWidth)
	}
	if f.TableScrolls {
		t.Errorf("the scenarios × invariants table (all ten invariants) does not fit a 1280 px screen")
	}
	if f.ExternalRefs != 0 {
		t.Errorf("%d elements reference something outside the page", f.ExternalRefs)
	}

	// The screenshot: the top of the page down to the first timeline (the
	// violated scenario's, with its fault window), and the whole page.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 1480)); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	full, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("full screenshot: %v", err)
	}
	for _, img := range [][]byte{shot, full} {
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil || cfg.Width != 1280 || cfg.Height < 800 {
			t.Fatalf("screenshot is not a 1280 px wide PNG: %v %+v", err, cfg)
		}
	}
	// And it prints.
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPrintBackground()))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("print to PDF: %v", err)
	}

	if err := os.MkdirAll("out", 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"screenshot.png": shot, "screenshot-full.png": full, "print.pdf": pdf} {
		if err := os.WriteFile(filepath.Join("out", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(screenshotDoc), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(screenshotDoc, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the browser reported problems:\n%s", strings.Join(problems, "\n"))
	}
	for _, u := range requests {
		if u != pageURL {
			t.Errorf("the page requested %s; it must load nothing but itself", u)
		}
	}
	if len(requests) == 0 {
		t.Errorf("no request seen at all: the network listener is not working")
	}
}
