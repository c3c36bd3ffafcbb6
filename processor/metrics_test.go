package processor

import (
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// TestZeroSeries checks that the series whose labels are known before the first message
// exist at 0 once a stage starts: a counter that first appears at 1 is an increment
// rate() and increase() never see.
func TestZeroSeries(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	m.zero(config.StageMap, []string{"rudder.events"}, []string{"acme", "beta"})
	m.zero(config.StagePush, []string{"ometria.records"}, []string{"acme", "beta"})
	m.zero(config.StageRetry, []string{"ometria.retry"}, []string{"acme", "beta"})

	types := len(mapper.Types())
	want := map[string]int{
		MetricConsumed:     3,                               // a topic for each stage
		MetricMapped:       2 * types,                       // accounts x record types
		MetricDeadLettered: len(mapper.Reasons()) + 1 + 2*5, // the mapper's reasons and message_too_large; the push and retry stages' 5 each
		MetricSkipped:      len(mapper.SkipReasons()),       // the mapper's skip reasons
		MetricWarnings:     len(mapper.WarningCodes()),      // the mapper's warning codes
		MetricPushed:       2 * types * 5,                   // accounts x types x outcomes
		MetricParked:       2 * 2,                           // accounts x park reasons
		MetricUnavailable:  2,                               // accounts
		MetricRequests:     0,                               // statuses are Ometria's: not known ahead
		MetricCommitted:    0,                               // partitions are known only once assigned
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, mf := range mfs {
		got[mf.GetName()] = len(mf.GetMetric())
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if got[name] != want[name] {
			t.Errorf("%s: %d series, want %d", name, got[name], want[name])
		}
	}
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, series := range []string{
		`kafka_ometria_dead_lettered_total{reason="missing_email",stage="map"} 0`,
		`kafka_ometria_dead_lettered_total{reason="rejected_by_ometria",stage="push"} 0`,
		`kafka_ometria_dead_lettered_total{reason="retry_expired",stage="retry"} 0`,
		`kafka_ometria_dead_lettered_total{reason="message_too_large",stage="map"} 0`,
		`kafka_ometria_dead_lettered_total{reason="message_too_large",stage="push"} 0`,
		`kafka_ometria_dead_lettered_total{reason="message_too_large",stage="retry"} 0`,
		`kafka_ometria_skipped_total{reason="filtered_event"} 0`,
		`kafka_ometria_mapped_total{account="beta",type="custom_event"} 0`,
		`kafka_ometria_pushed_total{account="beta",outcome="rejected",type="order"} 0`,
		`kafka_ometria_parked_total{account="acme",reason="push_failing"} 0`,
		`kafka_ometria_account_unavailable{account="beta"} 0`,
		`kafka_ometria_mapping_warnings_total{code="invalid_phone"} 0`,
	} {
		if !strings.Contains(rec.Body.String(), "\n"+series+"\n") {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}
