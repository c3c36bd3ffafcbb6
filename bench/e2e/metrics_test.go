package main

import (
	"strings"
	"testing"
)

func TestPromSums(t *testing.T) {
	text := `# HELP kafka_ometria_ometria_request_seconds Duration of HTTP requests to Ometria.
# TYPE kafka_ometria_ometria_request_seconds histogram
kafka_ometria_ometria_request_seconds_bucket{le="0.005"} 3
kafka_ometria_ometria_request_seconds_sum 12.5
kafka_ometria_ometria_request_seconds_count 250
kafka_ometria_pushed_total{account="a",outcome="accepted",type="contact"} 100
kafka_ometria_pushed_total{account="b",outcome="accepted",type="x{y}"} 50
go_goroutines 42
broken{ 1
`
	got := promSums(strings.NewReader(text))
	for name, want := range map[string]float64{
		"kafka_ometria_ometria_request_seconds_sum":                              12.5,
		"kafka_ometria_ometria_request_seconds_count":                            250,
		"kafka_ometria_pushed_total":                                             150,
		"go_goroutines":                                                          42,
		`kafka_ometria_pushed_total{account="b",outcome="accepted",type="x{y}"}`: 50,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
	if _, ok := got["broken"]; ok {
		t.Error("a malformed line was read")
	}
}
