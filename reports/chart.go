package reports

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// The timeline chart is drawn in Go as plain SVG shapes: a bar panel of
// outcomes per time bucket above a scatter of latencies on a log scale,
// both under the fault windows, shaded. Nothing is loaded at view time.
const (
	chartW       = 960.0
	chartH       = 330.0
	chartLeft    = 64.0
	chartRight   = 16.0
	barsTop      = 44.0
	barsBottom   = 124.0
	scatterTop   = 140.0
	scatterBot   = 294.0
	axisLabelY   = 312.0
	chartBuckets = 60
	// chartMaxPoints caps the dots drawn; all non-ok operations are kept,
	// ok ones are thinned evenly. The bars still count every operation.
	chartMaxPoints = 4000
)

type chart struct {
	Empty      bool
	Label      string
	W, H       float64
	PlotX      float64
	PlotW      float64
	BarsTop    float64
	BarsH      float64
	ScatterTop float64
	ScatterH   float64
	AxisY      float64
	// Precomputed positions, so the template only prints numbers.
	PlotRight, BarsBase, ScatterBase float64
	WinY, WinH, FLabelY              float64
	YLabelX, CountTopY               float64
	OpsTitleY, LatTitleY             float64
	Windows                          []chartWindow
	Settle                           *chartLine
	Bars                             []chartRect
	// Dots is the latency scatter, written here rather than by the
	// template: a large run has millions of them.
	Dots     template.HTML
	XTicks   []chartTick
	YTicks   []chartTick
	MaxCount int
	Thinned  int
}

type chartWindow struct {
	X, W, LabelX float64
	Label        string
	Title        string
	Fired        bool
}

type chartLine struct {
	X, LabelX, LabelY float64
	Label             string
}

type chartRect struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type chartTick struct {
	Pos, LabelPos float64
	Label         string
}

func buildChart(s Scenario) chart {
	c := chart{
		W: chartW, H: chartH, PlotX: chartLeft, PlotW: chartW - chartLeft - chartRight,
		BarsTop: barsTop, BarsH: barsBottom - barsTop, ScatterTop: scatterTop, ScatterH: scatterBot - scatterTop,
		AxisY: axisLabelY,
	}
	c.PlotRight = c.PlotX + c.PlotW
	c.BarsBase, c.ScatterBase = barsBottom, scatterBot
	c.WinY, c.WinH, c.FLabelY = barsTop-16, scatterBot-barsTop+16, barsTop-5
	c.YLabelX, c.CountTopY = c.PlotX-6, barsTop+4
	c.OpsTitleY, c.LatTitleY = (barsTop+barsBottom)/2, (scatterTop+scatterBot)/2
	if len(s.Timeline) == 0 {
		c.Empty = true
		return c
	}
	var tMax time.Duration
	minLat, maxLat := time.Duration(math.MaxInt64), time.Duration(0)
	counts := map[string]int{}
	for _, p := range s.Timeline {
		tMax = max(tMax, p.At.D()+p.Latency.D())
		if p.Latency > 0 {
			minLat = min(minLat, p.Latency.D())
		}
		maxLat = max(maxLat, p.Latency.D())
		counts[p.Outcome]++
	}
	for _, f := range s.Faults {
		tMax = max(tMax, f.End.D())
	}
	tMax = max(tMax, s.Window.SettleEnd.D(), s.Window.FaultEnd.D(), time.Millisecond)
	tMax = time.Duration(float64(tMax) * 1.02)
	x := func(t time.Duration) float64 {
		return c.PlotX + float64(t)/float64(tMax)*c.PlotW
	}

	// Fault windows; a scenario without a fault has none to shade.
	for _, f := range s.Faults {
		end := f.End.D()
		if end <= f.Start.D() {
			end = tMax
		}
		w := chartWindow{X: x(f.Start.D()), Label: f.Name, Fired: f.Fired,
			Title: fmt.Sprintf("%s (%s): %s, %s", f.Name, f.Kind, fmtWindow(f.Start, Duration(end)), firedWord(f))}
		w.W = max(x(end)-w.X, 1)
		w.LabelX = w.X + 4
		c.Windows = append(c.Windows, w)
	}
	if s.Window.SettleEnd > 0 {
		sx := x(s.Window.SettleEnd.D())
		c.Settle = &chartLine{X: sx, LabelX: sx - 4, LabelY: scatterTop + 10, Label: "settle " + fmtDur(s.Window.SettleEnd.D())}
	}

	// Outcome bars.
	bucket := tMax / chartBuckets
	type tally struct{ ok, fail, unknown int }
	buckets := make([]tally, chartBuckets)
	for _, p := range s.Timeline {
		i := min(int(p.At.D()/bucket), chartBuckets-1)
		switch p.Outcome {
		case "ok":
			buckets[i].ok++
		case "fail":
			buckets[i].fail++
		default:
			buckets[i].unknown++
		}
	}
	for _, b := range buckets {
		c.MaxCount = max(c.MaxCount, b.ok+b.fail+b.unknown)
	}
	barW := c.PlotW / chartBuckets
	for i, b := range buckets {
		y := barsBottom
		from := time.Duration(i) * bucket
		for _, seg := range []struct {
			n     int
			class string
		}{{b.ok, "ok"}, {b.unknown, "unknown"}, {b.fail, "fail"}} {
			if seg.n == 0 {
				continue
			}
			h := float64(seg.n) / float64(c.MaxCount) * c.BarsH
			y -= h
			c.Bars = append(c.Bars, chartRect{
				X: c.PlotX + float64(i)*barW + 0.5, Y: y, W: max(barW-1, 0.5), H: h, Class: seg.class,
				Title: fmt.Sprintf("%s–%s: %d %s", fmtDur(from), fmtDur(from+bucket), seg.n, seg.class),
			})
		}
	}

	// Latency scatter on a log scale, whole decades.
	if minLat == time.Duration(math.MaxInt64) {
		minLat = time.Millisecond
	}
	lo := math.Floor(math.Log10(float64(max(minLat, 100*time.Microsecond))))
	hi := math.Ceil(math.Log10(float64(max(maxLat, time.Millisecond))))
	if hi <= lo {
		hi = lo + 1
	}
	y := func(d time.Duration) float64 {
		v := math.Log10(float64(max(d, time.Duration(math.Pow(10, lo)))))
		return scatterBot - (v-lo)/(hi-lo)*c.ScatterH
	}
	for e := lo; e <= hi; e++ {
		d := time.Duration(math.Pow(10, e))
		c.YTicks = append(c.YTicks, chartTick{Pos: y(d), LabelPos: y(d) + 4, Label: fmtTick(d)})
	}
	stride := 1
	if len(s.Timeline) > chartMaxPoints {
		stride = (counts["ok"] + chartMaxPoints - 1) / max(chartMaxPoints-(len(s.Timeline)-counts["ok"]), 1)
	}
	okSeen := 0
	var dots strings.Builder
	for _, p := range s.Timeline {
		if p.Outcome == "ok" {
			okSeen++
			if stride > 1 && okSeen%stride != 0 {
				c.Thinned++
				continue
			}
		}
		class := p.Outcome
		if class != "ok" && class != "fail" {
			class = "unknown"
		}
		// class is one of three words and the rest are numbers: nothing to escape.
		dots.WriteString(`<circle class="dot ` + class + `" cx="` + f1(x(p.At.D())) + `" cy="` + f1(y(p.Latency.D())) + `" r="2.2"/>`)
	}
	c.Dots = template.HTML(dots.String())

	// Time axis: about eight round ticks.
	step := niceStep(tMax / 8)
	for i := time.Duration(0); i <= 10 && i*step <= tMax; i++ { // bounded, whatever tMax is
		c.XTicks = append(c.XTicks, chartTick{Pos: x(i * step), LabelPos: axisLabelY, Label: fmtTick(i * step)})
	}
	c.Label = fmt.Sprintf("Timeline of %d operations over %s: %d ok, %d failed, %d unknown; %d fault window(s) shaded.",
		len(s.Timeline), fmtDur(tMax), counts["ok"], counts["fail"], len(s.Timeline)-counts["ok"]-counts["fail"], len(c.Windows))
	return c
}

func firedWord(f Fault) string {
	if f.Fired {
		return fmt.Sprintf("fired %d×", f.Hits)
	}
	return "never fired"
}

// niceStep rounds a step up to 1, 2 or 5 times a power of ten.
func niceStep(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Millisecond
	}
	p := math.Pow(10, math.Floor(math.Log10(float64(d))))
	for _, m := range []float64{1, 2, 5, 10} {
		if float64(d) <= m*p {
			return time.Duration(m * p)
		}
	}
	return time.Duration(10 * p)
}

// fmtTick writes round axis values without trailing zeros: 500ms, 1s, 2.5s.
func fmtTick(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', -1, 64) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
	return d.Round(time.Second).String()
}
