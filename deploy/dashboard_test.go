package deploy_test

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/internal/goconst"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// metricConstants reads the Metric* constants of processor/metrics.go.
func metricConstants(t *testing.T) map[string]bool {
	t.Helper()
	values, err := goconst.Strings(metricsSource, "Metric")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, v := range values {
		names[v] = true
	}
	if len(names) < 10 {
		t.Fatalf("%s: found only %d Metric* constants: %v", metricsSource, len(names), slices.Sorted(maps.Keys(names)))
	}
	return names
}

var metricName = regexp.MustCompile(`kafka_ometria_[a-z_]+`)

// dashboardMetrics returns the metric names the expressions query, histogram suffixes
// removed when the name without them is a metric.
func dashboardMetrics(exprs []string, known map[string]bool) map[string]bool {
	used := map[string]bool{}
	for _, e := range exprs {
		for _, m := range metricName.FindAllString(e, -1) {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if base, ok := strings.CutSuffix(m, suffix); ok && known[base] {
					m = base
				}
			}
			used[m] = true
		}
	}
	return used
}

// exprs collects every "expr" string in the dashboard, panels nested in rows included.
func exprs(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "expr" {
				*out = append(*out, s)
			}
			exprs(x, out)
		}
	case []any:
		for _, x := range v {
			exprs(x, out)
		}
	}
}

func loadDashboard(t *testing.T) map[string]any {
	t.Helper()
	var dash map[string]any
	if err := json.Unmarshal(readFile(t, dashboardFile), &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return dash
}

func TestDashboard(t *testing.T) {
	dash := loadDashboard(t)
	if dash["title"] == "" || dash["uid"] == "" {
		t.Errorf("%s: no title or uid", dashboardFile)
	}
	var all []string
	exprs(dash, &all)
	if len(all) < 10 {
		t.Fatalf("%s: %d PromQL expressions, want at least 10", dashboardFile, len(all))
	}
	known := metricConstants(t)
	used := dashboardMetrics(all, known)
	for m := range used {
		if !known[m] {
			t.Errorf("%s queries %s, which is not a metric of %s (known: %v)", dashboardFile, m, metricsSource, slices.Sorted(maps.Keys(known)))
		}
	}
	for _, want := range []string{"kafka_ometria_consumed_total", "kafka_ometria_pushed_total", "kafka_ometria_dead_lettered_total",
		"kafka_ometria_ometria_requests_total", "kafka_ometria_consumer_lag", "kafka_ometria_commit_lag", "kafka_ometria_in_flight",
		"kafka_ometria_account_unavailable", "kafka_ometria_batch_records", "kafka_ometria_push_retries_total", "kafka_ometria_parked_total",
		processor.MetricOldestUnfinished, processor.MetricRegistryWaiting, processor.MetricRegistryRetries} {
		if !used[want] {
			t.Errorf("%s has no panel over %s", dashboardFile, want)
		}
	}
}

// TestDashboardCheckCatchesUnknownMetrics keeps the dashboard check honest: a misspelt
// metric, or a suffix on a metric that is not a histogram, is reported.
func TestDashboardCheckCatchesUnknownMetrics(t *testing.T) {
	known := metricConstants(t)
	used := dashboardMetrics([]string{
		`rate(kafka_ometria_batch_records_bucket[5m])`,
		`rate(kafka_ometria_pushed_totl[5m])`,
	}, known)
	if !used["kafka_ometria_batch_records"] || known["kafka_ometria_pushed_totl"] || !used["kafka_ometria_pushed_totl"] {
		t.Fatalf("dashboardMetrics = %v", slices.Sorted(maps.Keys(used)))
	}
}

// panel is as much of a Grafana panel as the tests read.
type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	GridPos struct {
		H, W, X, Y int
	} `json:"gridPos"`
	FieldConfig struct {
		Defaults struct {
			Unit       string `json:"unit"`
			Thresholds struct {
				Steps []struct {
					Color string   `json:"color"`
					Value *float64 `json:"value"`
				} `json:"steps"`
			} `json:"thresholds"`
			Custom struct {
				ThresholdsStyle struct {
					Mode string `json:"mode"`
				} `json:"thresholdsStyle"`
			} `json:"custom"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

func loadPanels(t *testing.T) []panel {
	t.Helper()
	var dash struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(readFile(t, dashboardFile), &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return dash.Panels
}

// TestDashboardLayout checks that panel ids are unique and that the panels of the grid
// (24 columns wide) do not overlap: Grafana would move them.
func TestDashboardLayout(t *testing.T) {
	top := loadPanels(t)
	ids := map[int]string{}
	var all []panel
	for _, p := range top {
		all = append(all, p)
		all = append(all, p.Panels...)
	}
	for _, p := range all {
		if other, ok := ids[p.ID]; ok || p.ID == 0 {
			t.Errorf("panel %q: id %d, also of %q", p.Title, p.ID, other)
		}
		ids[p.ID] = p.Title
	}
	for i, p := range top {
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
		}
		for _, q := range top[:i] {
			h := q.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("panels %q %+v and %q %+v overlap", q.Title, h, p.Title, g)
			}
		}
	}
}

// stallThreshold is the stall panel's threshold line, in seconds: kafka.stall_timeout's
// default, past which /readyz fails. The alert rule uses it too.
var stallThreshold = config.DefaultStallTimeout.Seconds()

const stallPanel = "Oldest unfinished message (stall)"

// TestDashboardStallPanel checks the stall panel: the oldest unfinished message's age
// by group, topic and partition, in seconds, with a threshold line at kafka.stall_timeout's
// default.
func TestDashboardStallPanel(t *testing.T) {
	var found []panel
	for _, p := range loadPanels(t) {
		if p.Title == stallPanel {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d panels %q, want 1", dashboardFile, len(found), stallPanel)
	}
	p := found[0]
	if p.Type != "timeseries" || len(p.Targets) != 1 {
		t.Fatalf("panel %q: a %s of %d queries, want a timeseries of 1", p.Title, p.Type, len(p.Targets))
	}
	expr := strings.Join(strings.Fields(p.Targets[0].Expr), " ")
	if !strings.HasPrefix(expr, "max by (group, topic, partition) ("+processor.MetricOldestUnfinished) {
		t.Errorf("panel %q: expr %s, want max by (group, topic, partition) (%s{...})", p.Title, expr, processor.MetricOldestUnfinished)
	}
	d := p.FieldConfig.Defaults
	if d.Unit != "s" {
		t.Errorf("panel %q: unit %q, want s", p.Title, d.Unit)
	}
	var steps []float64 // the base step (value null) left out
	for _, s := range d.Thresholds.Steps {
		if s.Value != nil {
			steps = append(steps, *s.Value)
		}
	}
	if mode := d.Custom.ThresholdsStyle.Mode; !slices.Contains(steps, stallThreshold) || mode == "" || mode == "off" {
		t.Errorf("panel %q: no threshold line at %v s (thresholds %v, thresholdsStyle %q)", p.Title, stallThreshold, steps, mode)
	}
}
