package integration_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// TestRefusedDeadLetterWaitsForTheTopic: the dead-letter topic's max.message.bytes is
// lowered after kafka-ometria read it, so the broker refuses a dead letter cut to the old
// limit. The dead letter is neither lost nor given back: its event stays unfinished (its
// partition commits nothing past it), the refusal is counted, the other events go on;
// once the topic takes it again, the next try writes it whole and the commits reach the end.
func TestRefusedDeadLetterWaitsForTheTopic(t *testing.T) {
	e := newEnv(t, 0)
	reg := prometheus.NewRegistry()
	e.runWith(t, func(o *processor.Options) { o.Registry = reg })
	values, _ := sampleEvents(20)
	e.produce(t, values[:10]...)
	e.waitAll(t, 60*time.Second, "acme", expected(t, values[:10]))

	e.setMaxMessageBytes(t, e.cfg.Topics.DeadLetter, 2000)
	bad := string(invalidJSON(20_000))
	e.produce(t, append([]string{bad}, values[10:]...)...)
	itest.Eventually(t, 30*time.Second, "the dead letter refused and counted", func() bool {
		return metricValue(t, reg, processor.MetricProduceRefused, "topic", e.cfg.Topics.DeadLetter) >= 1
	})
	e.waitAll(t, 60*time.Second, "acme", expected(t, values))
	if e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) {
		t.Fatal("the map stage committed past the event whose dead letter Kafka refused")
	}
	if n := len(e.readAll(t, e.cfg.Topics.DeadLetter)); n > 1 { // the sample's one bad event in 20
		t.Fatalf("%d dead letters while the dead-letter topic refuses the big one", n)
	}

	e.setMaxMessageBytes(t, e.cfg.Topics.DeadLetter, 1<<20)
	itest.Eventually(t, 60*time.Second, "the dead letter written once the topic takes it, and the commits at the end", func() bool {
		for _, m := range e.readAll(t, e.cfg.Topics.DeadLetter) {
			if len(m.Value) == len(bad) && headers(m)[processor.HeaderReason] == "invalid_json" {
				return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0])
			}
		}
		return false
	})
}

// setMaxMessageBytes sets topic's max.message.bytes.
func (e *env) setMaxMessageBytes(t *testing.T, topic string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, done := e.client()
	defer done()
	resp, err := c.IncrementalAlterConfigs(ctx, &kafka.IncrementalAlterConfigsRequest{Resources: []kafka.IncrementalAlterConfigsRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic,
		Configs: []kafka.IncrementalAlterConfigsRequestConfig{{Name: "max.message.bytes", Value: strconv.Itoa(n), ConfigOperation: kafka.ConfigOperationSet}},
	}}})
	if err == nil {
		for _, r := range resp.Resources {
			if r.Error != nil {
				err = r.Error
			}
		}
	}
	if err != nil {
		t.Fatalf("setting max.message.bytes of %s: %v", topic, err)
	}
}
