package main

import (
	"fmt"
	"io"
	"strings"
)

// columns of the table, in order.
var columns = []string{"scenario", "broker", "events", "seconds", "events/s", "records/request",
	"max req/s per account (limit)", "kafka-ometria CPU s", "CPU µs/event", "peak RSS MB",
	"emulator CPU s", "broker CPU s", "notes"}

func limitText(limit float64) string {
	if limit == 0 {
		return "off"
	}
	return fmt.Sprintf("%g", limit)
}

func brokerCPUText(v float64) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", v)
}

// thousands writes n with commas: 200000 -> 200,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func cells(r result) []string {
	if r.Err != "" {
		return []string{r.Scenario, r.Broker, thousands(r.Events), "", "", "", "", "", "", "", "", "", "FAILED: " + oneLine(r.Err)}
	}
	notes := r.Notes
	if r.Run > 0 {
		notes = fmt.Sprintf("run %d; %s", r.Run, notes)
	}
	return []string{
		r.Scenario, r.Broker, thousands(r.Events), fmt.Sprintf("%.1f", r.Seconds), thousands(int(r.EventsPerSec + 0.5)),
		fmt.Sprintf("%.1f", r.RecPerReq), fmt.Sprintf("%d (%s)", r.MaxReqPerSec, limitText(r.Limit)),
		fmt.Sprintf("%.1f", r.KoCPU), fmt.Sprintf("%.0f", r.KoUsPerEvent), fmt.Sprintf("%.0f", r.KoPeakRSSMB),
		fmt.Sprintf("%.1f", r.EmuCPU), brokerCPUText(r.BrokerCPU), notes,
	}
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// writeTable writes one Markdown row per result.
func writeTable(w io.Writer, rs []result) {
	writeRow(w, columns)
	sep := make([]string, len(columns))
	for i := range sep {
		sep[i] = "---"
	}
	writeRow(w, sep)
	for _, r := range rs {
		writeRow(w, cells(r))
	}
}

func writeRow(w io.Writer, cs []string) {
	esc := make([]string, len(cs))
	for i, c := range cs {
		esc[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
}

// span formats the range of a figure over runs: "5.2" or "5.2-6.0".
func span(xs []float64, format string) string {
	lo, hi := minMax(xs)
	a, b := fmt.Sprintf(format, lo), fmt.Sprintf(format, hi)
	if a == b {
		return a
	}
	return a + "–" + b
}

// writeRanges writes one row per scenario and broker with the range of each figure over
// the runs that succeeded.
func writeRanges(w io.Writer, rs []result) {
	type key struct{ scenario, broker string }
	var order []key
	groups := map[key][]result{}
	for _, r := range rs {
		if r.Err != "" {
			continue
		}
		k := key{r.Scenario, r.Broker}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	cols := append(append([]string{}, columns[:len(columns)-1]...), "runs")
	writeRow(w, cols)
	sep := make([]string, len(cols))
	for i := range sep {
		sep[i] = "---"
	}
	writeRow(w, sep)
	for _, k := range order {
		g := groups[k]
		f := func(get func(result) float64) []float64 {
			out := make([]float64, len(g))
			for i, r := range g {
				out[i] = get(r)
			}
			return out
		}
		eps := f(func(r result) float64 { return r.EventsPerSec })
		lo, hi := minMax(eps)
		epsText := thousands(int(lo + 0.5))
		if int(lo+0.5) != int(hi+0.5) {
			epsText += "–" + thousands(int(hi+0.5))
		}
		events := f(func(r result) float64 { return float64(r.Events) })
		evLo, evHi := minMax(events)
		evText := thousands(int(evLo))
		if evLo != evHi {
			evText += "–" + thousands(int(evHi))
		}
		writeRow(w, []string{
			k.scenario, k.broker, evText,
			span(f(func(r result) float64 { return r.Seconds }), "%.1f"),
			epsText,
			span(f(func(r result) float64 { return r.RecPerReq }), "%.1f"),
			span(f(func(r result) float64 { return float64(r.MaxReqPerSec) }), "%.0f") + " (" + limitText(g[0].Limit) + ")",
			span(f(func(r result) float64 { return r.KoCPU }), "%.1f"),
			span(f(func(r result) float64 { return r.KoUsPerEvent }), "%.0f"),
			span(f(func(r result) float64 { return r.KoPeakRSSMB }), "%.0f"),
			span(f(func(r result) float64 { return r.EmuCPU }), "%.1f"),
			brokerSpan(g),
			fmt.Sprint(len(g)),
		})
	}
}

func brokerSpan(g []result) string {
	var xs []float64
	for _, r := range g {
		if r.BrokerCPU >= 0 {
			xs = append(xs, r.BrokerCPU)
		}
	}
	if len(xs) == 0 {
		return "n/a"
	}
	return span(xs, "%.1f")
}
