package main

import (
	"strings"
	"testing"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 200000: "200,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestWriteRanges(t *testing.T) {
	rs := []result{
		{Scenario: "a x", Broker: "real", Run: 1, Events: 1000, Seconds: 2, EventsPerSec: 500, RecPerReq: 99, MaxReqPerSec: 30, KoCPU: 1, BrokerCPU: 2},
		{Scenario: "a x", Broker: "real", Run: 2, Events: 1000, Seconds: 4, EventsPerSec: 250, RecPerReq: 99, MaxReqPerSec: 40, KoCPU: 1.5, BrokerCPU: 3},
		{Scenario: "a x", Broker: "kfake", Run: 1, Err: "boom"},
	}
	var b strings.Builder
	writeRanges(&b, rs)
	out := b.String()
	if !strings.Contains(out, "| a x | real | 1,000 | 2.0–4.0 | 250–500 | 99.0 | 30–40 (off) | 1.0–1.5 |") {
		t.Errorf("ranges:\n%s", out)
	}
	if strings.Contains(out, "kfake") {
		t.Errorf("a failed run is in the ranges:\n%s", out)
	}
	b.Reset()
	writeTable(&b, rs)
	if !strings.Contains(b.String(), "FAILED: boom") {
		t.Errorf("table:\n%s", b.String())
	}
}
