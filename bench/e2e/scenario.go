package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// scenario is one measurement.
type scenario struct {
	id          string // a..f, the flag's letter
	tag         string // id, or id and record partitions ("a8") when -scenarios overrides them
	name        string // in the table
	events      int
	accounts    int
	eventParts  int32
	recordParts int32
	rate        float64 // requests/s per account, at the emulator and in kafka-ometria; 0: off
	// backlog: every event is produced before kafka-ometria starts, and the time runs
	// from its start; otherwise kafka-ometria runs first and the time runs from the first
	// event produced.
	backlog bool
	// latRate > 0: the events are produced at latRate a second (events = latRate × the
	// duration) and the latency of each record is measured.
	latRate float64
	kills   int  // SIGKILLs of kafka-ometria, evenly spread over the run
	unique  bool // every copy of a sample event makes records of its own
	// sessionTimeout, when set, is kafka.session_timeout (the crash scenario: how long
	// the dead process's partitions wait before the restarted one gets them).
	sessionTimeout time.Duration
}

// result is one row of the table.
type result struct {
	Scenario     string  `json:"scenario"`
	Broker       string  `json:"broker"`
	Run          int     `json:"run"`
	Events       int     `json:"events"`
	Accounts     int     `json:"accounts"`
	Records      int     `json:"records"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_second"`
	RecPerReq    float64 `json:"records_per_request"`
	MaxReqPerSec int     `json:"max_requests_per_second"` // the most of any account in any 1-s window
	Limit        float64 `json:"limit"`                   // 0: off
	ShareMin     float64 `json:"share_of_limit_min"`      // per account: requests / (limit × its push span)
	ShareMax     float64 `json:"share_of_limit_max"`
	Requests     int     `json:"requests"`
	Status429    int     `json:"status_429"`
	KoCPU        float64 `json:"kafka_ometria_cpu_seconds"`
	KoUsPerEvent float64 `json:"kafka_ometria_cpu_us_per_event"`
	KoPeakRSSMB  float64 `json:"kafka_ometria_peak_rss_mb"`
	EmuCPU       float64 `json:"emulator_cpu_seconds"`
	EmuPeakRSSMB float64 `json:"emulator_peak_rss_mb"`
	BrokerCPU    float64 `json:"broker_cpu_seconds"` // -1: unknown
	HarnessCPU   float64 `json:"harness_cpu_seconds"`
	MachineCores float64 `json:"machine_busy_cores"` // busy CPU seconds a second, every process
	OthersCPU    float64 `json:"others_cpu_seconds"` // busy CPU of processes outside the benchmark
	P50ms        float64 `json:"latency_p50_ms,omitempty"`
	P99ms        float64 `json:"latency_p99_ms,omitempty"`
	MaxMs        float64 `json:"latency_max_ms,omitempty"`
	Duplicates   int     `json:"duplicates"` // records accepted more often than produced
	Lost         int     `json:"lost"`
	Notes        string  `json:"notes"`
	Err          string  `json:"error,omitempty"`
}

// harness holds what every scenario run shares.
type harness struct {
	opts    options
	koBin   string
	emuBin  string
	samples [][]byte
	work    string
	stamp   string
}

// snapshot is the CPU of the processes of a run at one moment.
type snapshot struct {
	at              time.Time
	ko, emu, broker usage
	brokerOK        bool
	busy, total     time.Duration
	harness         time.Duration
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func takeSnapshot(koPID, emuPID, brokerPID int) snapshot {
	s := snapshot{at: time.Now(), harness: selfCPU()}
	if koPID > 0 {
		s.ko, _ = readUsage(koPID)
	}
	s.emu, _ = readUsage(emuPID)
	if brokerPID > 0 {
		var err error
		s.broker, err = readUsage(brokerPID)
		s.brokerOK = err == nil
	}
	s.busy, s.total, _ = readMachine()
	return s
}

// killRecord is what was known right after one SIGKILL.
type killRecord struct {
	accepted        int // records accepted by then
	pushUncommitted int // accepted but past the push group's committed offsets
	mapUncommitted  int // on the records topic, made from events past the map group's committed offsets
	recovery        time.Duration
}

func (h *harness) runScenario(ctx context.Context, sc scenario, shared *broker, run int) (res result) {
	res = result{Scenario: sc.id + " " + sc.name, Broker: shared.kind, Run: run, Accounts: sc.accounts, Limit: sc.rate, BrokerCPU: -1}
	err := h.measure(ctx, sc, shared, run, &res)
	if err != nil {
		res.Err = err.Error()
		logf("%s on %s, run %d: %v", sc.tag, shared.kind, run, err)
	}
	return res
}

func (h *harness) measure(ctx context.Context, sc scenario, shared *broker, run int, res *result) error {
	name := fmt.Sprintf("%s-%s-%d", sc.tag, shared.kind, run)
	dir := filepath.Join(h.work, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b := shared
	if shared.kind == "kfake" {
		var err error
		if b, err = startKfake(filepath.Join(dir, "kfake.log")); err != nil {
			return err
		}
		defer b.stop()
	}
	linger := 5 * time.Millisecond
	if sc.latRate > 0 {
		linger = 0
	}
	kc, err := newKafkaClient(b.addrs, linger)
	if err != nil {
		return err
	}
	defer kc.close()
	prefix := fmt.Sprintf("bench-%s-%s-%d", h.stamp, sc.tag, run)
	tp := topicNames(prefix)
	if err := kc.createTopics(ctx, map[string]int32{tp.events: sc.eventParts, tp.records: sc.recordParts,
		tp.retry: 4, tp.dlq: 4, tp.replay: 1}); err != nil {
		return err
	}
	if b.kind == "real" && !h.opts.keepTopics {
		defer func() {
			dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := kc.deleteTopics(dctx, tp.events, tp.records, tp.retry, tp.dlq, tp.replay); err != nil {
				logf("deleting the topics of %s: %v", name, err)
			}
		}()
	}

	accounts := accountNames(sc.accounts)
	n := sc.events
	if sc.latRate > 0 {
		n = int(sc.latRate * h.opts.latencyFor.Seconds())
	}
	res.Events = n
	groupID := prefix
	emuCfg := filepath.Join(dir, "emulator.yaml")
	if err := os.WriteFile(emuCfg, emulatorConfig(accounts, sc.rate), 0o644); err != nil {
		return err
	}
	emu, err := startEmulator(h.emuBin, emuCfg, filepath.Join(dir, "emulator.log"))
	if err != nil {
		return err
	}
	defer emu.stop(10 * time.Second)
	url := emu.url
	var rec *recorder
	if sc.latRate > 0 {
		if rec, err = startRecorder(emu.url, accounts); err != nil {
			return err
		}
		defer rec.close()
		url = rec.url
	}
	cfgYAML := koConfig(koConfigArgs{brokers: b.addrs, groupID: groupID, topics: tp, url: url + "/v2",
		accounts: accounts, rate: sc.rate, sessionTimeout: sc.sessionTimeout, kafkaExtra: h.opts.koKafka})
	koCfg := filepath.Join(dir, "kafka-ometria.yaml")
	if err := os.WriteFile(koCfg, cfgYAML, 0o644); err != nil {
		return err
	}
	recs, err := mapSamples(h.samples, cfgYAML, accounts[0])
	if err != nil {
		return err
	}
	p := &plan{samples: h.samples, recs: recs, accounts: accounts, unique: sc.unique}
	want, distinct := p.expected(n, sc.unique)
	res.Records = want
	if want == 0 {
		return errNoRecords
	}
	logf("%s on %s, run %d: %d events, %d accounts, %d records to push (%s)", sc.tag, b.kind, run, n, sc.accounts, want, dir)

	pr := &producer{k: kc}
	headers := make([][]byte, len(accounts))
	for i, a := range accounts {
		headers[i] = []byte(a)
	}
	record := func(i int) (*kgo.Record, recKey, bool) {
		acct, value, key, ok := p.event(i)
		return &kgo.Record{Topic: tp.events, Partition: int32(i) % sc.eventParts, Value: value,
			Headers: []kgo.RecordHeader{{Key: "ometria-account", Value: headers[acct]}}}, key, ok
	}
	produceAll := func() error {
		for i := range n {
			r, _, _ := record(i)
			pr.send(ctx, r)
		}
		return pr.flush(ctx)
	}

	var notes []string
	var ko *pipeline
	var t0 time.Time
	var s0 snapshot
	base := takeSnapshot(0, emu.pid(), b.pid)
	produced := map[recKey][]time.Time{}
	type produceResult struct {
		err  error
		took time.Duration
	}
	produceDone := make(chan produceResult, 1)
	startKO := func() (*pipeline, error) {
		return startPipeline(ctx, h.koBin, koCfg, filepath.Join(dir, fmt.Sprintf("kafka-ometria-%d.log", time.Now().UnixMilli())), accounts, h.opts.cpuProfile > 0)
	}
	profile := func() {
		if h.opts.cpuProfile <= 0 {
			return
		}
		go func(ko *pipeline) {
			if err := ko.cpuProfile(ctx, h.opts.cpuProfile, filepath.Join(dir, "cpu.pprof")); err != nil {
				logf("%s: %v", name, err)
			}
		}(ko)
	}
	if sc.backlog {
		tp0 := time.Now()
		if err := produceAll(); err != nil {
			return err
		}
		notes = append(notes, fmt.Sprintf("backlog produced in %.1fs", time.Since(tp0).Seconds()))
		t0 = time.Now()
		if ko, err = startKO(); err != nil {
			return err
		}
		s0 = takeSnapshot(ko.pid(), emu.pid(), b.pid)
		s0.at = t0
		profile()
		produceDone <- produceResult{}
	} else {
		if ko, err = startKO(); err != nil {
			return err
		}
		if err := ko.waitReady(ctx, 60*time.Second); err != nil {
			ko.kill()
			return err
		}
		if err := kc.waitStable(ctx, 90*time.Second, config.StageMap.GroupID(groupID), config.StagePush.GroupID(groupID), config.StageRetry.GroupID(groupID)); err != nil {
			ko.kill()
			return err
		}
		s0 = takeSnapshot(ko.pid(), emu.pid(), b.pid)
		t0 = time.Now()
		s0.at = t0
		profile()
		go func() {
			tp0 := time.Now()
			var err error
			if sc.latRate > 0 {
				interval := time.Duration(float64(time.Second) / sc.latRate)
				for i := range n {
					if err = sleepCtx(ctx, time.Until(t0.Add(time.Duration(i)*interval))); err != nil {
						break
					}
					r, key, ok := record(i)
					now := time.Now()
					pr.send(ctx, r)
					if ok {
						produced[key] = append(produced[key], now) // read only after produceDone
					}
				}
				if err == nil {
					err = pr.flush(ctx)
				}
			} else {
				err = produceAll()
			}
			produceDone <- produceResult{err, time.Since(tp0)}
		}()
	}
	defer func() { ko.stop(30 * time.Second) }()

	// The kafka-ometria CPU of processes killed along the way.
	var koCPU time.Duration
	var koPeak int64
	var kills []killRecord
	killAt := func(k int) int { return want * (k + 1) / (sc.kills + 1) }
	var restarted time.Time
	deadline := t0.Add(h.opts.timeout)
	lastLog := time.Now()
	// kafka-ometria's in-flight gauges, sampled once a second: what its windows hold.
	inFlight := map[config.Stage][]float64{}
	waiting := map[config.Stage][]float64{}
	var oldestPush []float64
	lastScrape := time.Now()
	produceFinished := false
	for {
		acc, rej, _ := emu.progress()
		if acc+rej >= want && produceFinished {
			break
		}
		if !produceFinished {
			select {
			case r := <-produceDone:
				produceFinished = true
				if r.err != nil {
					return fmt.Errorf("producing: %w", r.err)
				}
				if r.took > 0 {
					notes = append(notes, fmt.Sprintf("produced in %.1fs", r.took.Seconds()))
				}
			default:
			}
		}
		if len(kills) < sc.kills && acc >= killAt(len(kills)) {
			u, _ := readUsage(ko.pid())
			koCPU += u.CPU
			koPeak = max(koPeak, u.PeakRSS)
			ko.kill()
			_ = sleepCtx(ctx, 500*time.Millisecond)
			k, err := h.afterKill(ctx, kc, p, sc, tp, groupID, emu, kills)
			if err != nil {
				return err
			}
			logf("  SIGKILL at %d of %d records: %d accepted but not committed, %d records of uncommitted events", k.accepted, want, k.pushUncommitted, k.mapUncommitted)
			kills = append(kills, k)
			if ko, err = startKO(); err != nil {
				return err
			}
			restarted = time.Now()
		}
		if !restarted.IsZero() {
			if _, _, last := emu.progress(); last.After(restarted) {
				kills[len(kills)-1].recovery = last.Sub(restarted)
				restarted = time.Time{}
			}
		}
		if ko.exited() {
			return fmt.Errorf("kafka-ometria exited: %v\n%s", ko.err, ko.tail(20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w after %v: %d of %d records at the emulator", errTimeout, h.opts.timeout, acc, want)
		}
		if time.Since(lastScrape) >= scrapeEvery(sc.accounts) && sc.kills == 0 {
			lastScrape = time.Now()
			if m := ko.scrape(ctx); m != nil {
				for _, st := range []config.Stage{config.StageMap, config.StagePush} {
					inFlight[st] = append(inFlight[st], m[`kafka_ometria_in_flight{stage="`+string(st)+`"}`])
				}
				// The age of the oldest unfinished record of the push stage's partitions:
				// what holds the partition's window.
				oldest := 0.0
				for k, v := range m {
					if strings.HasPrefix(k, `kafka_ometria_oldest_unfinished_seconds{group="`+config.StagePush.GroupID(groupID)+`"`) {
						oldest = max(oldest, v)
					}
				}
				oldestPush = append(oldestPush, oldest)
			}
			// Where the work waits: events not yet mapped (the events topic's end less the
			// events behind the records written, at the share of events that make one) and
			// records not yet accepted (the records topic's end less the accepted).
			evEnd, _, err1 := kc.endOffsets(ctx, tp.events)
			recEnd, _, err2 := kc.endOffsets(ctx, tp.records)
			if err1 == nil && err2 == nil {
				acc, rej, _ := emu.progress()
				mapped := float64(recEnd) * float64(n) / float64(want)
				waiting[config.StageMap] = append(waiting[config.StageMap], max(float64(evEnd)-mapped, 0))
				waiting[config.StagePush] = append(waiting[config.StagePush], max(float64(recEnd)-float64(acc+rej), 0))
			}
		}
		if time.Since(lastLog) > 10*time.Second {
			logf("  %d of %d records at the emulator after %.0fs", acc, want, time.Since(t0).Seconds())
			lastLog = time.Now()
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	s1 := takeSnapshot(ko.pid(), emu.pid(), b.pid)
	metrics := ko.scrape(ctx)
	_, _, tEnd := emu.progress()
	if tEnd.Before(t0) {
		tEnd = s1.at
	}
	koCPU += s1.ko.CPU - s0.ko.CPU
	koPeak = max(koPeak, s1.ko.PeakRSS)

	if sc.kills > 0 {
		// Let the restarted process finish what it reads again, then count.
		if err := h.waitCommitted(ctx, kc, groupID, tp, 90*time.Second); err != nil {
			notes = append(notes, err.Error())
		}
	}
	_ = sleepCtx(ctx, time.Second)
	accepted, rejected, _ := emu.progress()

	// The table's figures.
	secs := tEnd.Sub(t0).Seconds()
	res.Seconds = secs
	res.EventsPerSec = float64(n) / secs
	res.KoCPU = koCPU.Seconds()
	res.KoUsPerEvent = koCPU.Seconds() * 1e6 / float64(n)
	res.KoPeakRSSMB = float64(koPeak) / (1 << 20)
	res.EmuCPU = (s1.emu.CPU - s0.emu.CPU).Seconds()
	res.EmuPeakRSSMB = float64(s1.emu.PeakRSS) / (1 << 20)
	if s1.brokerOK {
		res.BrokerCPU = (s1.broker.CPU - s0.broker.CPU).Seconds()
		if b.kind == "real" {
			notes = append(notes, fmt.Sprintf("broker %.1f CPU s from topic creation", (s1.broker.CPU-base.broker.CPU).Seconds()))
		}
	}
	res.HarnessCPU = (s1.harness - s0.harness).Seconds()
	wall := s1.at.Sub(s0.at).Seconds()
	busy := (s1.busy - s0.busy).Seconds()
	res.MachineCores = busy / wall
	ours := (s1.ko.CPU - s0.ko.CPU).Seconds() + res.EmuCPU + max(res.BrokerCPU, 0) + res.HarnessCPU
	if sc.kills == 0 {
		res.OthersCPU = max(busy-ours, 0)
	}

	reqs, err := emu.requests(ctx, accounts)
	if err != nil {
		return err
	}
	okReqs, okRecs := 0, 0
	byType := map[string][2]int{} // pushes and records of each record type
	var shares []float64
	for _, a := range accounts {
		var times []time.Time
		var ok []time.Time
		for _, r := range reqs[a] {
			res.Requests++
			times = append(times, r.Time)
			if r.Status == 429 {
				res.Status429++
			}
			if r.Status/100 == 2 {
				okReqs++
				okRecs += r.Accepted + r.Rejected
				ok = append(ok, r.Time)
				t := byType[r.Type]
				byType[r.Type] = [2]int{t[0] + 1, t[1] + r.Accepted + r.Rejected}
			}
		}
		res.MaxReqPerSec = max(res.MaxReqPerSec, maxInWindow(times, time.Second))
		if sc.rate > 0 && len(ok) >= 2 {
			shares = append(shares, shareOfLimit(len(ok), ok[len(ok)-1].Sub(ok[0]), sc.rate))
		}
	}
	if okReqs > 0 {
		res.RecPerReq = float64(okRecs) / float64(okReqs)
	}
	res.ShareMin, res.ShareMax = minMax(shares)
	var perType []string
	for _, typ := range slices.Sorted(maps.Keys(byType)) {
		t := byType[typ]
		perType = append(perType, fmt.Sprintf("%s %.1f", typ, float64(t[1])/float64(t[0])))
	}
	notes = append(notes, "records a push by type: "+strings.Join(perType, ", "))
	if sc.rate > 0 && sc.backlog {
		floor := float64(okReqs) / (float64(sc.accounts) * sc.rate)
		first := time.Time{}
		for _, a := range accounts {
			for _, r := range reqs[a] {
				if first.IsZero() || r.Time.Before(first) {
					first = r.Time
				}
			}
		}
		notes = append(notes, fmt.Sprintf("%d pushes: floor %.1fs at the limit, pushes took %.1fs (first push at +%.1fs); %.0f-%.0f%% of the limit per account",
			okReqs, floor, tEnd.Sub(first).Seconds(), first.Sub(t0).Seconds(), 100*res.ShareMin, 100*res.ShareMax))
	}
	if res.Status429 > 0 {
		notes = append(notes, fmt.Sprintf("%d answers 429", res.Status429))
	}
	if rejected > 0 {
		notes = append(notes, fmt.Sprintf("%d records rejected", rejected))
	}
	res.Duplicates = accepted + rejected - want

	if sc.latRate > 0 {
		lat, dups, missing := latencies(produced, rec.all())
		res.P50ms = float64(percentile(lat, 50)) / 1e6
		res.P99ms = float64(percentile(lat, 99)) / 1e6
		res.MaxMs = float64(percentile(lat, 100)) / 1e6
		notes = append(notes, fmt.Sprintf("%.0f events/s for %v: latency p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d records; %d unmatched, %d missing)",
			sc.latRate, h.opts.latencyFor, res.P50ms, res.P99ms, res.MaxMs, len(lat), dups, missing))
	}
	if sc.unique {
		stored, err := emu.storedRecords(ctx)
		if err != nil {
			return err
		}
		res.Lost = max(distinct-stored, 0)
	}
	if sc.kills > 0 {
		endRec, _, err := kc.endOffsets(ctx, tp.records)
		if err != nil {
			return err
		}
		var parts []string
		expect := 0
		for i, k := range kills {
			expect += k.pushUncommitted + k.mapUncommitted
			parts = append(parts, fmt.Sprintf("kill %d at %d records: %d pushed not committed + %d of uncommitted events, first push %.1fs after restart",
				i+1, k.accepted, k.pushUncommitted, k.mapUncommitted, k.recovery.Seconds()))
		}
		notes = append(notes, fmt.Sprintf("%d duplicate pushes (%d mapped twice, %d pushed twice) against %d uncommitted at the kills; %d lost. %s",
			res.Duplicates, int(endRec)-want, accepted+rejected-int(endRec), expect, res.Lost, strings.Join(parts, "; ")))
		notes = append(notes, fmt.Sprintf("session_timeout %v", sc.sessionTimeout))
	} else if res.Duplicates != 0 {
		notes = append(notes, fmt.Sprintf("%d more records accepted than produced", res.Duplicates))
	}
	if sc.latRate > 0 {
		notes = append(notes, fmt.Sprintf("%d pushes", okReqs))
	}
	if len(inFlight[config.StagePush]) > 0 {
		var parts []string
		for _, st := range []config.Stage{config.StageMap, config.StagePush} {
			xs := inFlight[st]
			sum := 0.0
			for _, x := range xs {
				sum += x
			}
			_, hi := minMax(xs)
			parts = append(parts, fmt.Sprintf("%s mean %.0f, max %.0f", st, sum/float64(len(xs)), hi))
		}
		sum := 0.0
		for _, x := range oldestPush {
			sum += x
		}
		_, hi := minMax(oldestPush)
		parts = append(parts, fmt.Sprintf("oldest unfinished record of a push partition mean %.2f s, max %.2f s", sum/float64(max(len(oldestPush), 1)), hi))
		notes = append(notes, fmt.Sprintf("messages in flight (%v samples): ", scrapeEvery(sc.accounts))+strings.Join(parts, "; "))
	}
	if len(waiting[config.StagePush]) > 0 {
		mean := func(xs []float64) float64 {
			sum := 0.0
			for _, x := range xs {
				sum += x
			}
			return sum / float64(len(xs))
		}
		_, mapHi := minMax(waiting[config.StageMap])
		_, pushHi := minMax(waiting[config.StagePush])
		notes = append(notes, fmt.Sprintf("waiting (%v samples): events not yet mapped mean %.0f, max %.0f; records on the records topic not yet accepted mean %.0f, max %.0f",
			scrapeEvery(sc.accounts), mean(waiting[config.StageMap]), mapHi, mean(waiting[config.StagePush]), pushHi))
	}
	emu.mu.Lock()
	handler, pushes := emu.handlerTime, emu.pushes
	emu.mu.Unlock()
	if pushes > 0 {
		notes = append(notes, fmt.Sprintf("emulator %.1f ms a push", handler.Seconds()*1e3/float64(pushes)))
	}
	if n := metrics["kafka_ometria_ometria_request_seconds_count"]; n > 0 && sc.kills == 0 {
		notes = append(notes, fmt.Sprintf("kafka-ometria %.1f ms a push round trip, %.2f s a push waiting for its token",
			metrics["kafka_ometria_ometria_request_seconds_sum"]*1e3/n, metrics["kafka_ometria_limiter_wait_seconds_sum"]/max(metrics["kafka_ometria_limiter_wait_seconds_count"], 1)))
	}
	if sc.kills == 0 {
		brokerShare := "?"
		if res.BrokerCPU >= 0 {
			brokerShare = fmt.Sprintf("%.0f%%", 100*res.BrokerCPU/wall)
		}
		notes = append(notes, fmt.Sprintf("of a core: kafka-ometria %.0f%%, emulator %.0f%%, broker %s, harness %.0f%%; machine %.2f of 2 cores busy (%.1f CPU s outside the benchmark)",
			100*(s1.ko.CPU-s0.ko.CPU).Seconds()/wall, 100*res.EmuCPU/wall, brokerShare, 100*res.HarnessCPU/wall, res.MachineCores, res.OthersCPU))
	}
	notes = append(notes, fmt.Sprintf("emulator peak RSS %.0f MB", res.EmuPeakRSSMB))
	res.Notes = strings.Join(notes, "; ")
	logf("  done: %d records in %.1fs, %.0f events/s, kafka-ometria %.1f CPU s", accepted, secs, res.EventsPerSec, res.KoCPU)
	return nil
}

// afterKill reads, after a SIGKILL, how much the restarted process will do again.
func (h *harness) afterKill(ctx context.Context, kc *kafkaClient, p *plan, sc scenario, tp topics, groupID string, emu *emulator, before []killRecord) (killRecord, error) {
	acc, rej, _ := emu.progress()
	k := killRecord{accepted: acc + rej}
	pushC, err := kc.committed(ctx, config.StagePush.GroupID(groupID), tp.records)
	if err != nil {
		return k, err
	}
	mapC, err := kc.committed(ctx, config.StageMap.GroupID(groupID), tp.events)
	if err != nil {
		return k, err
	}
	endRec, _, err := kc.endOffsets(ctx, tp.records)
	if err != nil {
		return k, err
	}
	var committedRecs int64
	for _, o := range pushC {
		committedRecs += o
	}
	// Records made from the events below the map group's committed offsets: event i went
	// to partition i mod N at offset i div N.
	var fromCommitted int64
	for part, off := range mapC {
		for j := int64(0); j < off; j++ {
			i := int(part) + int(sc.eventParts)*int(j)
			if p.recs[i%len(p.samples)].ok {
				fromCommitted++
			}
		}
	}
	prevPush, prevMap := 0, 0
	for _, b := range before {
		prevPush += b.pushUncommitted
		prevMap += b.mapUncommitted
	}
	k.pushUncommitted = max(k.accepted-prevPush-int(committedRecs), 0)
	k.mapUncommitted = max(int(endRec-fromCommitted)-prevMap, 0)
	return k, nil
}

// waitCommitted waits until the map and push groups have committed the end of the events
// and records topics.
func (h *harness) waitCommitted(ctx context.Context, kc *kafkaClient, groupID string, tp topics, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		done := true
		for _, gt := range [][2]string{{config.StageMap.GroupID(groupID), tp.events}, {config.StagePush.GroupID(groupID), tp.records}} {
			c, err1 := kc.committed(ctx, gt[0], gt[1])
			_, end, err2 := kc.endOffsets(ctx, gt[1])
			if err1 != nil || err2 != nil {
				done = false
				continue
			}
			for part, e := range end {
				if c[part] < e {
					done = false
				}
			}
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("offsets not committed at the end after %v", d)
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// sortResults orders rows by scenario, broker and run.
func sortResults(rs []result) {
	slices.SortStableFunc(rs, func(a, b result) int {
		if c := strings.Compare(a.Scenario, b.Scenario); c != 0 {
			return c
		}
		if c := strings.Compare(b.Broker, a.Broker); c != 0 { // real first
			return c
		}
		return a.Run - b.Run
	})
}

// scrapeEvery is how often a run samples kafka-ometria's /metrics: each second, or every
// 15 s (Prometheus's default interval) with over 100 accounts, whose tens of thousands of
// series would cost kafka-ometria a fifth of its CPU if gathered each second.
func scrapeEvery(accounts int) time.Duration {
	if accounts > 100 {
		return 15 * time.Second
	}
	return time.Second
}
