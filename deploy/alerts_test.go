package deploy_test

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

const alertsFile = "prometheus/alerts.yaml"

// ruleFile is a Prometheus rule file. Prometheus refuses unknown keys in it, and so does
// loadRules.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert         string            `yaml:"alert"`
	Record        string            `yaml:"record"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for"`
	KeepFiringFor string            `yaml:"keep_firing_for"`
	Labels        map[string]string `yaml:"labels"`
	Annotations   map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readFile(t, alertsFile)))
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	var rules []rule
	names := map[string]bool{}
	for _, g := range f.Groups {
		if g.Name == "" || names[g.Name] {
			t.Errorf("%s: group name %q empty or repeated", alertsFile, g.Name)
		}
		names[g.Name] = true
		rules = append(rules, g.Rules...)
	}
	if len(rules) == 0 {
		t.Fatalf("%s: no rules", alertsFile)
	}
	return rules
}

func alertExprs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range loadRules(t) {
		out = append(out, r.Expr)
	}
	return out
}

// byClause matches an aggregation's grouping: sum by (job, group).
var byClause = regexp.MustCompile(`\bby\s*\(([^)]*)\)`)

// keptLabels returns the labels an expression's result keeps when each of its
// aggregations groups by (every by clause names them), and false when it does not
// aggregate, or aggregates without by (its labels are not known from the text).
func keptLabels(expr string) (map[string]string, bool) {
	clauses := byClause.FindAllStringSubmatch(expr, -1)
	if len(clauses) == 0 || regexp.MustCompile(`\bwithout\s*\(`).MatchString(expr) {
		return nil, false
	}
	var kept map[string]string
	for _, c := range clauses {
		labels := map[string]string{}
		for _, l := range strings.Split(c[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				labels[l] = "<" + l + ">"
			}
		}
		if kept == nil {
			kept = labels
		} else {
			maps.DeleteFunc(kept, func(l, _ string) bool { _, ok := labels[l]; return !ok })
		}
	}
	return kept, true
}

// renderAnnotation expands an annotation as Prometheus does (with $labels, $value and
// $externalLabels defined), with stand-ins for the functions of Prometheus' templates.
func renderAnnotation(text string, labels map[string]string) (string, error) {
	stub := func(v any) string { return fmt.Sprint(v) }
	funcs := template.FuncMap{"humanize": stub, "humanize1024": stub, "humanizeDuration": stub,
		"humanizePercentage": stub, "humanizeTimestamp": stub, "toUpper": strings.ToUpper, "toLower": strings.ToLower}
	tmpl, err := template.New("").Funcs(funcs).Option("missingkey=error").
		Parse("{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$value := .Value}}" + text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = tmpl.Execute(&b, struct {
		Labels, ExternalLabels map[string]string
		Value                  float64
	}{labels, map[string]string{}, 1})
	return b.String(), err
}

// balanced reports whether the brackets of a PromQL expression, string literals left
// out, open and close in order.
func balanced(expr string) bool {
	var open []rune
	for _, r := range stringLiteral.ReplaceAllString(expr, `""`) {
		switch r {
		case '(', '[', '{':
			open = append(open, r)
		case ')', ']', '}':
			want := map[rune]rune{')': '(', ']': '[', '}': '{'}[r]
			if len(open) == 0 || open[len(open)-1] != want {
				return false
			}
			open = open[:len(open)-1]
		}
	}
	return len(open) == 0
}

// TestAlertRules checks deploy/prometheus/alerts.yaml as far as can be without promtool:
// each rule is an alert with an expression over kafka-ometria's metrics only, a valid
// for, a severity and a summary whose templates expand with the labels the expression
// keeps.
func TestAlertRules(t *testing.T) {
	known := metricConstants(t)
	names := map[string]bool{}
	for _, r := range loadRules(t) {
		what := fmt.Sprintf("%s: alert %q", alertsFile, r.Alert)
		if r.Alert == "" || r.Record != "" {
			t.Errorf("%s: rule %q (record %q) is not an alert", alertsFile, r.Expr, r.Record)
			continue
		}
		if names[r.Alert] || !regexp.MustCompile(`^KafkaOmetria[A-Z][A-Za-z]*$`).MatchString(r.Alert) {
			t.Errorf("%s: name repeated or not KafkaOmetria<CamelCase>", what)
		}
		names[r.Alert] = true
		if strings.TrimSpace(r.Expr) == "" || !balanced(r.Expr) {
			t.Errorf("%s: expr %q empty or with unbalanced brackets", what, r.Expr)
		}
		used := dashboardMetrics([]string{r.Expr}, known)
		if len(used) == 0 {
			t.Errorf("%s: expr %q names no kafka_ometria_ metric", what, r.Expr)
		}
		for m := range used {
			if !known[m] {
				t.Errorf("%s: expr names %s, which is not a metric of %s", what, m, metricsSource)
			}
		}
		for key, d := range map[string]string{"for": r.For, "keep_firing_for": r.KeepFiringFor} {
			if _, err := time.ParseDuration(d); d != "" && err != nil {
				t.Errorf("%s: %s %q: %v", what, key, d, err)
			}
		}
		if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
			t.Errorf("%s: severity %q, want critical, warning or info", what, s)
		}
		if strings.TrimSpace(r.Annotations["summary"]) == "" {
			t.Errorf("%s: no summary annotation", what)
		}
		labels, grouped := keptLabels(r.Expr)
		for key, text := range r.Annotations {
			if !grouped { // the labels are not known: parse only, any label expands
				labels = map[string]string{}
				for _, m := range regexp.MustCompile(`\$labels\.(\w+)`).FindAllStringSubmatch(text, -1) {
					labels[m[1]] = "?"
				}
			}
			if _, err := renderAnnotation(text, labels); err != nil {
				t.Errorf("%s: annotation %s: %v (the expression keeps %v)", what, key, err, slices.Sorted(maps.Keys(labels)))
			}
		}
	}
	for _, want := range []string{"KafkaOmetriaPartitionStalled", "KafkaOmetriaDeadLetters",
		"KafkaOmetriaAccountUnavailable", "KafkaOmetriaConsumerLagGrowing",
		"KafkaOmetriaSchemaRegistryWaiting", "KafkaOmetriaSchemaRegistryUnauthorized"} {
		if !names[want] {
			t.Errorf("%s: no alert %s", alertsFile, want)
		}
	}
}

// TestStallAlert checks the stall alert against the dashboard's stall panel: the same
// gauge and threshold, for 2 minutes, naming the group, topic and partition.
func TestStallAlert(t *testing.T) {
	var stall *rule
	for _, r := range loadRules(t) {
		if r.Alert == "KafkaOmetriaPartitionStalled" {
			stall = &r
		}
	}
	if stall == nil {
		t.Fatalf("%s: no alert KafkaOmetriaPartitionStalled", alertsFile)
	}
	if !strings.Contains(stall.Expr, processor.MetricOldestUnfinished) {
		t.Errorf("KafkaOmetriaPartitionStalled: expr %q does not read %s", stall.Expr, processor.MetricOldestUnfinished)
	}
	var threshold float64
	if m := regexp.MustCompile(`>\s*([0-9.]+)\s*$`).FindStringSubmatch(stall.Expr); m != nil {
		threshold, _ = strconv.ParseFloat(m[1], 64)
	}
	if threshold != stallThreshold {
		t.Errorf("KafkaOmetriaPartitionStalled: expr %q, want ... > %v (the dashboard's threshold, kafka.stall_timeout's default)", stall.Expr, stallThreshold)
	}
	if stall.For != "2m" {
		t.Errorf("KafkaOmetriaPartitionStalled: for %q, want 2m", stall.For)
	}
	labels, _ := keptLabels(stall.Expr)
	text := stall.Annotations["summary"] + stall.Annotations["description"]
	for _, l := range []string{"group", "topic", "partition"} {
		if _, ok := labels[l]; !ok || !strings.Contains(text, "$labels."+l) {
			t.Errorf("KafkaOmetriaPartitionStalled: the expression does not keep, or the annotations do not name, the %s", l)
		}
	}
}

// TestSchemaRegistryAlerts checks the schema registry's alerts: the waiting one reads the
// gauge through max_over_time (a wait shorter than a scrape interval stays in view) and fires before
// the stall alert would (kafka.stall_timeout's default); the credentials one counts the
// unauthorized retries.
func TestSchemaRegistryAlerts(t *testing.T) {
	alerts := map[string]rule{}
	for _, r := range loadRules(t) {
		alerts[r.Alert] = r
	}
	w := alerts["KafkaOmetriaSchemaRegistryWaiting"]
	if !strings.Contains(w.Expr, "max_over_time("+processor.MetricRegistryWaiting+"[") {
		t.Errorf("KafkaOmetriaSchemaRegistryWaiting: expr %q does not read max_over_time(%s[...])", w.Expr, processor.MetricRegistryWaiting)
	}
	if d, err := time.ParseDuration(w.For); err != nil || d <= 0 || d >= config.DefaultStallTimeout {
		t.Errorf("KafkaOmetriaSchemaRegistryWaiting: for %q, want more than 0 and less than kafka.stall_timeout's default %v", w.For, config.DefaultStallTimeout)
	}
	u := alerts["KafkaOmetriaSchemaRegistryUnauthorized"]
	if !strings.Contains(u.Expr, "increase("+processor.MetricRegistryRetries+`{reason="unauthorized"}[`) {
		t.Errorf("KafkaOmetriaSchemaRegistryUnauthorized: expr %q does not read increase(%s{reason=\"unauthorized\"}[...])", u.Expr, processor.MetricRegistryRetries)
	}
}

// TestAlertRuleChecks keeps the checks of TestAlertRules honest.
func TestAlertRuleChecks(t *testing.T) {
	if !balanced(`sum by (a) (rate(x{b="("}[5m])) > 0`) || balanced(`sum(rate(x[5m])`) || balanced(`max(x[5m)]`) {
		t.Error("balanced")
	}
	labels, ok := keptLabels(`sum by (job, group) (deriv(x[5m])) > 0 and sum by (job, group, topic) (x) > 1`)
	if !ok || !slices.Equal(slices.Sorted(maps.Keys(labels)), []string{"group", "job"}) {
		t.Errorf("keptLabels = %v, %v", labels, ok)
	}
	if _, ok := keptLabels(`x > 1`); ok {
		t.Error("keptLabels of an expression without aggregation")
	}
	if _, err := renderAnnotation(`{{ $labels.topic }} is {{ $value | humanizeDuration }} old`, labels); err == nil {
		t.Error("an annotation naming a label the expression drops expands")
	}
	if _, err := renderAnnotation(`{{ $labels.group }} {{ $value | humanizeDuration }}`, labels); err != nil {
		t.Error(err)
	}
	if _, err := renderAnnotation(`{{ $labels.group `, labels); err == nil {
		t.Error("a broken template parses")
	}
}

// TestComposePrometheusRules checks the rule files the compose Prometheus loads, if any:
// each is mounted into the prometheus service from deploy/prometheus/.
func TestComposePrometheusRules(t *testing.T) {
	var cfg struct {
		RuleFiles []string `yaml:"rule_files"`
	}
	decodeYAML(t, "compose/prometheus.yml", &cfg)
	if len(cfg.RuleFiles) == 0 {
		t.Logf("compose/prometheus.yml loads no rule files (%s is not wired into the compose stack)", alertsFile)
		return
	}
	mounts := map[string]string{} // target: source
	for _, v := range loadCompose(t).Services["prometheus"].Volumes {
		if parts := strings.Split(v, ":"); len(parts) >= 2 {
			mounts[parts[1]] = parts[0]
		}
	}
	for _, f := range cfg.RuleFiles {
		if src := mounts[f]; filepath.Clean(src) != filepath.Join("deploy", alertsFile) {
			t.Errorf("compose/prometheus.yml loads rule file %s, which the prometheus service mounts from %q, not ./deploy/%s (volumes %v)", f, src, alertsFile, mounts)
		}
	}
}
