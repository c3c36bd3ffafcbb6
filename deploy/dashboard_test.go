package deploy_test

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/internal/goconst"
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
		t.Fatalf("%s: %d PromQL expressions, want the panels of the brief", dashboardFile, len(all))
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
		"kafka_ometria_account_unavailable", "kafka_ometria_batch_records", "kafka_ometria_push_retries_total", "kafka_ometria_parked_total"} {
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
