package deploy_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kafka-ometria/kafka-ometria/processor"
)

// recorder is a prometheus.Registerer that registers into a registry and keeps the
// collectors, so that the test can create a series of each vector.
type recorder struct {
	reg        *prometheus.Registry
	collectors []prometheus.Collector
}

func (r *recorder) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return r.reg.Register(c)
}

func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	r.collectors = append(r.collectors, cs...)
	r.reg.MustRegister(cs...)
}

func (r *recorder) Unregister(c prometheus.Collector) bool { return r.reg.Unregister(c) }

// metricTypes returns the type (COUNTER, GAUGE, HISTOGRAM, ...) of each metric that
// processor.NewMetrics registers, by name: it registers them in a fresh registry, creates
// one series of each vector (a vector without series is not gathered) and gathers.
func metricTypes(t *testing.T) map[string]string {
	t.Helper()
	r := &recorder{reg: prometheus.NewRegistry()}
	processor.NewMetrics(r)
	for _, c := range r.collectors {
		var vec *prometheus.MetricVec
		switch c := c.(type) {
		case *prometheus.CounterVec:
			vec = c.MetricVec
		case *prometheus.GaugeVec:
			vec = c.MetricVec
		case *prometheus.HistogramVec:
			vec = c.MetricVec
		case *prometheus.SummaryVec:
			vec = c.MetricVec
		default:
			continue // not a vector: it has its series already
		}
		created := false
		for n := 0; n <= 16 && !created; n++ { // the vector's number of labels
			_, err := vec.GetMetricWithLabelValues(slices.Repeat([]string{"x"}, n)...)
			created = err == nil
		}
		if !created {
			t.Fatalf("could not create a series of %T", c)
		}
	}
	families, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, f := range families {
		types[f.GetName()] = f.GetType().String()
	}
	if len(types) < 10 {
		t.Fatalf("processor.NewMetrics registered only %v", types)
	}
	return types
}

// seriesKinds decides, for each Metric* constant and its histogram series, whether it
// is a counter (counters, and the _bucket, _count and _sum series of histograms and
// summaries, which are cumulative) or a gauge. The types come from what
// processor.NewMetrics registers; a constant it does not register (yet) is classified by
// the naming convention (counters end in _total), which the registered metrics must
// follow too.
func seriesKinds(t *testing.T) map[string]string {
	t.Helper()
	types := metricTypes(t)
	kinds := map[string]string{}
	for name, typ := range types {
		switch typ {
		case "COUNTER":
			kinds[name] = kindCounter
			if !strings.HasSuffix(name, "_total") {
				t.Errorf("counter %s does not end in _total", name)
			}
		case "GAUGE":
			kinds[name] = kindGauge
			if strings.HasSuffix(name, "_total") {
				t.Errorf("gauge %s ends in _total, which says counter", name)
			}
		case "HISTOGRAM", "SUMMARY":
			kinds[name] = kindHistogram
			for _, s := range []string{"_count", "_sum"} {
				kinds[name+s] = kindCounter
			}
			if typ == "HISTOGRAM" {
				kinds[name+"_bucket"] = kindCounter
			}
		default:
			kinds[name] = typ
		}
	}
	for name := range metricConstants(t) {
		if _, ok := types[name]; ok {
			continue
		}
		if strings.HasSuffix(name, "_total") {
			kinds[name] = kindCounter
		} else {
			kinds[name] = kindGauge
		}
		t.Logf("%s is not registered by processor.NewMetrics: taken as a %s from its name", name, kinds[name])
	}
	return kinds
}

const (
	kindCounter   = "counter"
	kindGauge     = "gauge"
	kindHistogram = "histogram" // the family of a classic histogram: its series are _bucket, _count, _sum
)

// rangeFuncs are the PromQL functions meant for one kind of series: rate, irate,
// increase and resets read counters (a decrease is a counter reset); deriv, delta,
// idelta and predict_linear read gauges.
var rangeFuncs = map[string]string{
	"rate": kindCounter, "irate": kindCounter, "increase": kindCounter, "resets": kindCounter,
	"deriv": kindGauge, "delta": kindGauge, "idelta": kindGauge, "predict_linear": kindGauge,
}

var (
	rangeCall     = regexp.MustCompile(`\b(rate|irate|increase|resets|deriv|delta|idelta|predict_linear)\s*\(`)
	stringLiteral = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
)

// checkRangeFuncs returns a problem for each metric of exprs given to a function meant
// for another kind of series (rate of a gauge, deriv of a counter), and for each metric
// whose kind is unknown.
func checkRangeFuncs(exprs []string, kinds map[string]string) []string {
	var problems []string
	for _, e := range exprs {
		// Label values are not metrics: blank the string literals, keeping offsets.
		code := stringLiteral.ReplaceAllStringFunc(e, func(s string) string { return strings.Repeat(" ", len(s)) })
		for _, m := range rangeCall.FindAllStringSubmatchIndex(code, -1) {
			fn := code[m[2]:m[3]]
			arg, ok := parenthesized(code[m[1]:])
			if !ok {
				problems = append(problems, fmt.Sprintf("%q: unbalanced parentheses after %s(", e, fn))
				continue
			}
			for _, metric := range metricName.FindAllString(arg, -1) {
				switch kind, ok := kinds[metric]; {
				case !ok:
					problems = append(problems, fmt.Sprintf("%q: %s of %s, which is not a metric of %s", e, fn, metric, metricsSource))
				case kind != rangeFuncs[fn]:
					problems = append(problems, fmt.Sprintf("%q: %s of %s, a %s (%s is for %ss)", e, fn, metric, kind, fn, rangeFuncs[fn]))
				}
			}
		}
	}
	return problems
}

// parenthesized returns s up to the parenthesis that closes an opening one just before s.
func parenthesized(s string) (string, bool) {
	depth := 1
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return s[:i], true
			}
		}
	}
	return "", false
}

// TestQueryFunctionsMatchMetricTypes checks that the dashboard and the alert rules apply
// rate(), irate() and increase() only to counters and deriv() and delta() only to
// gauges: rate() of a gauge reads each decrease as a counter reset and makes up a jump.
func TestQueryFunctionsMatchMetricTypes(t *testing.T) {
	kinds := seriesKinds(t)
	var dash []string
	exprs(loadDashboard(t), &dash)
	for file, all := range map[string][]string{dashboardFile: dash, alertsFile: alertExprs(t)} {
		for _, p := range checkRangeFuncs(all, kinds) {
			t.Errorf("%s: %s", file, p)
		}
	}
}

// TestRangeFuncCheck keeps the check honest on expressions of known kinds.
func TestRangeFuncCheck(t *testing.T) {
	kinds := seriesKinds(t)
	for expr, want := range map[string]int{
		`sum by (stage) (rate(kafka_ometria_consumed_total{job=~"$job"}[$__rate_interval]))`:                 0,
		`histogram_quantile(0.99, sum by (le) (rate(kafka_ometria_ometria_request_seconds_bucket[5m])))`:     0,
		`rate(kafka_ometria_batch_records_sum[5m]) / rate(kafka_ometria_batch_records_count[5m])`:            0,
		`increase(kafka_ometria_dead_lettered_total{reason="kafka_ometria_in_flight"}[10m]) > 0`:             0,
		`deriv(kafka_ometria_consumer_lag[10m]) > 0 and kafka_ometria_consumer_lag > 1000`:                   0,
		`sum(rate(kafka_ometria_committed_offset[5m]))`:                                                      1,
		`irate(` + "\n" + `  kafka_ometria_in_flight[1m])`:                                                   1,
		`increase(kafka_ometria_account_unavailable[1h])`:                                                    1,
		`rate(kafka_ometria_batch_records[5m])`:                                                              1,
		`deriv(kafka_ometria_pushed_total[5m])`:                                                              1,
		`rate(kafka_ometria_pushed_totl[5m])`:                                                                1,
		`rate(max_over_time(kafka_ometria_consumer_lag[1m])[10m:1m]) + rate(kafka_ometria_skipped_total[1m]`: 2,
	} {
		if got := checkRangeFuncs([]string{expr}, kinds); len(got) != want {
			t.Errorf("%s: %d problems, want %d: %q", expr, len(got), want, got)
		}
	}
	if kinds[processor.MetricConsumerLag] != kindGauge || kinds[processor.MetricConsumed] != kindCounter ||
		kinds[processor.MetricBatchSize+"_bucket"] != kindCounter {
		t.Errorf("kinds: %v", kinds)
	}
}
