package main

import (
	"fmt"
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

func TestScenarioList(t *testing.T) {
	o := options{scenarios: []string{"a", "a:8", "b", "c:2"}, throughputN: 10, backlogN: 5, memoryN: 7, memoryAccts: 3, crashN: 4, crashKills: 1}
	list, err := o.scenarioList()
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, s := range list {
		got = append(got, fmt.Sprintf("%s %s %d", s.tag, s.name, s.recordParts))
	}
	want := []string{"a limits off, 4 record partitions 4", "a8 limits off, 8 record partitions 8",
		"b limits off, 12 record partitions 12", "c2 limits on (4/s), backlog, 2 record partitions 2"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("scenarios:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, bad := range [][]string{{"g"}, {"a:0"}, {"a:x"}, {"a", "a"}, {"a:8", "a:8"}} {
		if _, err := (options{scenarios: bad}).scenarioList(); err == nil {
			t.Errorf("-scenarios %v: no error", bad)
		}
	}
}
