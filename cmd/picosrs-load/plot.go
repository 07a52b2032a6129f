package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// The plot (-plot results.jsonl): server CPU against latency p99 for the
// HTTP-FLV points of a bench run, beside the targets of issue 7, the peers'
// published figures and the baseline programs, as an SVG that needs nothing
// to render. CPU runs along x (% of one core), latency p99 up y on a log
// scale: lower left is better.

type plotPoint struct {
	x, y  float64 // CPU %, p99 ms
	label string
}

// Peers' figures from issue 7 (SRS 7.0.18, livego, lal v0.37.4: 1000 viewers,
// same shape of run; middle of each published range) and its targets.
var (
	plotPeers = []plotPoint{
		{22, 356, "SRS defaults"},
		{28, 118, "SRS realtime"},
		{64.5, 80, "livego"},
		{80.5, 111, "lal"},
	}
	plotTargets = []plotPoint{
		{20, 350, "defaults"},
		{25, 110, "realtime"},
		{48, 20, "mw 0"},
		{30, 15, "mw 0, 500"},
	}
)

const (
	plotW, plotH           = 720, 460
	plotL, plotR           = 70, 200 // margins: left axis, right legend
	plotT, plotB           = 30, 50
	plotYMin, plotYMax     = 5.0, 1000.0
	plotXMin, plotXMax     = 0.0, 100.0
	colPicosrs, colPeer    = "#1f77b4", "#d62728"
	colTarget, colFloor    = "#2ca02c", "#7f7f7f"
	plotFont               = `font-family="sans-serif" font-size="12"`
	plotInnerW, plotInnerH = plotW - plotL - plotR, plotH - plotT - plotB
)

func px(x float64) float64 { return plotL + (x-plotXMin)/(plotXMax-plotXMin)*plotInnerW }
func py(y float64) float64 {
	y = min(max(y, plotYMin), plotYMax)
	return plotT + (1-(math.Log10(y)-math.Log10(plotYMin))/(math.Log10(plotYMax)-math.Log10(plotYMin)))*plotInnerH
}

func plotFile(w io.Writer, path string) error {
	rs, err := readResults(path)
	if err != nil {
		return err
	}
	var ours, floor []plotPoint
	for _, r := range rs {
		if r.Proto != "flv" || r.Publishers > 1 || r.SlowViewers > 0 {
			continue // the plot is the HTTP-FLV trade-off
		}
		p := plotPoint{r.CPUPercent, r.LatP99, fmt.Sprintf("%s (%d)", r.Label, r.Viewers)}
		if strings.HasPrefix(r.Label, "base") {
			floor = append(floor, p)
		} else {
			ours = append(ours, p)
		}
	}
	writeSVG(w, ours, floor)
	return nil
}

func writeSVG(w io.Writer, ours, floor []plotPoint) {
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, plotH)
	// Grid and axes.
	for x := plotXMin; x <= plotXMax; x += 10 {
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", px(x), plotT, px(x), plotT+plotInnerH)
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" %s>%.0f</text>`+"\n", px(x), plotT+plotInnerH+16, plotFont, x)
	}
	for _, y := range []float64{5, 10, 20, 50, 100, 200, 500, 1000} {
		fmt.Fprintf(w, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", plotL, py(y), plotL+plotInnerW, py(y))
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" %s>%.0f</text>`+"\n", plotL-6, py(y)+4, plotFont, y)
	}
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", plotL, plotT, plotInnerW, plotInnerH)
	fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" %s>server CPU, %% of one core (1000 HTTP-FLV viewers unless noted)</text>`+"\n", px(50), plotH-12, plotFont)
	fmt.Fprintf(w, `<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle" %s>latency p99, ms (log)</text>`+"\n", py(70), plotFont)
	fmt.Fprintf(w, `<text x="%d" y="18" %s font-weight="bold">picosrs: CPU against latency, lower left is better</text>`+"\n", plotL, plotFont)

	mark := func(p plotPoint, shape, color string) {
		x, y := px(p.x), py(p.y)
		switch shape {
		case "dot":
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s"/>`+"\n", x, y, color)
		case "square":
			fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="9" height="9" fill="%s"/>`+"\n", x-4.5, y-4.5, color)
		case "target":
			// The target's corner: anything below and left of it meets it.
			fmt.Fprintf(w, `<path d="M%.1f %.1f H%.1f V%.1f" fill="none" stroke="%s" stroke-dasharray="4 3"/>`+"\n", float64(plotL), y, x, float64(plotT+plotInnerH), color)
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="4" fill="none" stroke="%s" stroke-width="2"/>`+"\n", x, y, color)
		case "floor":
			fmt.Fprintf(w, `<path d="M%.1f %.1f l5 -8 l5 8 z" fill="%s"/>`+"\n", x-5, y+4, color)
		}
		// Labels: ours above left, targets below right, baselines below
		// left, peers above right, so that neighbours do not overprint.
		lx, ly, anchor := x+8, y-6, "start"
		switch shape {
		case "dot":
			lx, ly, anchor = x-8, y-6, "end"
		case "target":
			lx, ly = x+6, y+16
		case "floor":
			lx, ly, anchor = x-6, y+14, "end"
		}
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="%s" %s fill="%s">%s</text>`+"\n", lx, ly, anchor, plotFont, color, xmlEscape(p.label))
	}
	for _, p := range plotTargets {
		mark(p, "target", colTarget)
	}
	for _, p := range plotPeers {
		mark(p, "square", colPeer)
	}
	for _, p := range floor {
		mark(p, "floor", colFloor)
	}
	for _, p := range ours {
		mark(p, "dot", colPicosrs)
	}
	// Legend.
	lx := float64(plotL + plotInnerW + 16)
	for i, l := range []struct{ text, color string }{
		{"● picosrs (this run)", colPicosrs},
		{"■ peers (issue 7)", colPeer},
		{"○ target (corner)", colTarget},
		{"▲ baseline program", colFloor},
	} {
		fmt.Fprintf(w, `<text x="%.1f" y="%d" %s fill="%s">%s</text>`+"\n", lx, plotT+14+18*i, plotFont, l.color, xmlEscape(l.text))
	}
	fmt.Fprintln(w, `</svg>`)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
