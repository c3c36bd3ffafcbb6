// Command bench-e2e measures kafka-ometria end to end: it produces events into Kafka, runs
// the real kafka-ometria binary (map, push and retry stages) against the
// ometria-emulator binary, and measures until every record is at the emulator. It runs
// each scenario on a real Apache Kafka broker (scripts/kafka-local, or KAFKA_BROKERS) and
// on the in-process Kafka (kfake, in a child process of its own), and prints one table.
//
//	go run ./bench/e2e [-quick] [-scenarios a,b,c,d,e,f] [-brokers real,kfake] [-runs N]
//
// `make bench-e2e` builds the binaries and runs it; docs/benchmarks-e2e.md explains the
// scenarios and every figure. Linux only (it reads /proc).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	bin         string
	brokers     []string
	scenarios   []string
	quick       bool
	runs        int
	eventsFile  string
	kafkaPort   int
	work        string
	jsonOut     string
	timeout     time.Duration
	keepTopics  bool
	throughputN int
	backlogN    int
	memoryN     int
	koKafka     string // extra kafka.* settings of kafka-ometria, "key: value; key: value"
	cpuProfile  time.Duration
	memoryAccts int
	latencyRate float64
	latencyFor  time.Duration
	crashN      int
	crashKills  int
	crashRate   float64
	crashSessTO time.Duration
	report      []string
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-serve-kfake" {
		os.Exit(serveKfake())
	}
	os.Exit(run())
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench-e2e: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func parseFlags() (options, error) {
	var o options
	var brokers, scenarios string
	flag.StringVar(&o.bin, "bin", "", "directory holding the kafka-ometria and ometria-emulator binaries (make build's bin); empty: build them")
	flag.StringVar(&brokers, "brokers", "real,kfake", "Kafkas to run on: real (scripts/kafka-local, or KAFKA_BROKERS when set), kfake")
	flag.StringVar(&scenarios, "scenarios", "a,b,c,d,e,f", "scenarios to run (a: limits off, 4 record partitions; b: 12; c: limits on, backlog; d: memory, many accounts; e: latency; f: crash); ID:N gives scenario ID N record partitions, e.g. a,a:8,b")
	flag.BoolVar(&o.quick, "quick", false, "smaller sizes: the whole run in a few minutes")
	flag.IntVar(&o.runs, "runs", 1, "runs of every scenario, interleaved (run 1 of each, then run 2...), for ranges")
	flag.StringVar(&o.eventsFile, "events", "mapper/testdata/events-2k.jsonl.gz", "sample events, JSONL (gzipped with .gz), copied round robin")
	flag.IntVar(&o.kafkaPort, "kafka-port", 29492, "port of the broker scripts/kafka-local starts (the next ports +10, +20 when taken)")
	flag.StringVar(&o.work, "work", "", "directory for configs and logs (default: a new one under the temp dir, kept)")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "the longest one scenario may take")
	flag.BoolVar(&o.keepTopics, "keep-topics", false, "keep each scenario's topics on the real broker")
	flag.IntVar(&o.throughputN, "throughput-events", 0, "events of a and b (default 200,000; -quick 40,000)")
	flag.IntVar(&o.backlogN, "backlog-events", 0, "events of c (default 200,000; -quick 20,000)")
	flag.IntVar(&o.memoryN, "memory-events", 0, "events of d (default 1,000,000; -quick 100,000)")
	flag.StringVar(&o.koKafka, "ko-kafka", "", `extra kafka settings of kafka-ometria, e.g. "partition_unfinished: 1000; max_unfinished: 40000"`)
	flag.DurationVar(&o.cpuProfile, "cpu-profile", 0, "take a CPU profile of kafka-ometria this long from the start of each run, saved as cpu.pprof in the run's directory (0: none)")
	flag.IntVar(&o.memoryAccts, "memory-accounts", 1000, "accounts of d")
	flag.Float64Var(&o.latencyRate, "latency-rate", 50, "events/s of e")
	flag.DurationVar(&o.latencyFor, "latency-duration", 0, "how long e produces (default 20s; -quick 10s)")
	flag.IntVar(&o.crashN, "crash-events", 0, "events of f (default 100,000; -quick 40,000)")
	flag.IntVar(&o.crashKills, "crash-kills", 0, "SIGKILLs in f (default 2; -quick 1)")
	flag.Float64Var(&o.crashRate, "crash-rate", 0, "rate limit of f's accounts (0: off)")
	flag.DurationVar(&o.crashSessTO, "crash-session-timeout", 10*time.Second, "kafka.session_timeout in f")
	var report string
	flag.StringVar(&report, "report", "", "run nothing: print the tables of results saved with -json (comma-separated files, merged)")
	flag.Parse()
	if flag.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", flag.Arg(0))
	}
	o.brokers = splitList(brokers)
	for _, b := range o.brokers {
		if b != "real" && b != "kfake" {
			return o, fmt.Errorf("-brokers: %q is neither real nor kfake", b)
		}
	}
	o.scenarios = splitList(scenarios)
	o.report = splitList(report)
	def := func(v *int, full, quick int) {
		if *v == 0 {
			*v = full
			if o.quick {
				*v = quick
			}
		}
	}
	def(&o.throughputN, 200000, 40000)
	def(&o.backlogN, 200000, 20000)
	def(&o.memoryN, 1000000, 100000)
	def(&o.crashN, 100000, 40000)
	def(&o.crashKills, 2, 1)
	if o.latencyFor == 0 {
		o.latencyFor = 20 * time.Second
		if o.quick {
			o.latencyFor = 10 * time.Second
		}
	}
	if o.runs < 1 {
		return o, fmt.Errorf("-runs %d: want at least 1", o.runs)
	}
	return o, nil
}

func splitList(s string) []string { return splitOn(s, ",") }

// scenarios returns the scenarios o selects, in the order asked.
func (o options) scenarioList() ([]scenario, error) {
	all := map[string]scenario{
		"a": {id: "a", name: "limits off, 4 record partitions", events: o.throughputN, accounts: 8, eventParts: 4, recordParts: 4},
		"b": {id: "b", name: "limits off, 12 record partitions", events: o.throughputN, accounts: 8, eventParts: 4, recordParts: 12},
		"c": {id: "c", name: "limits on (4/s), backlog", events: o.backlogN, accounts: 8, eventParts: 4, recordParts: 4, rate: 4, backlog: true},
		"d": {id: "d", name: fmt.Sprintf("memory: %s accounts, backlog", thousands(o.memoryAccts)), events: o.memoryN, accounts: o.memoryAccts,
			eventParts: 4, recordParts: 4, rate: 4, backlog: true},
		"e": {id: "e", name: fmt.Sprintf("latency at %g events/s", o.latencyRate), accounts: 8, eventParts: 4, recordParts: 4, rate: 4, latRate: o.latencyRate},
		"f": {id: "f", name: fmt.Sprintf("crash: %d × SIGKILL", o.crashKills), events: o.crashN, accounts: 8, eventParts: 4, recordParts: 4,
			rate: o.crashRate, kills: o.crashKills, unique: true, sessionTimeout: o.crashSessTO},
	}
	var out []scenario
	seen := map[string]bool{}
	for _, entry := range o.scenarios {
		id, parts, overridden := strings.Cut(entry, ":")
		s, ok := all[id]
		if !ok {
			return nil, fmt.Errorf("-scenarios: no scenario %q (a to f)", id)
		}
		s.tag = id
		if overridden {
			n, err := strconv.Atoi(parts)
			if err != nil || n < 1 || n > 1000 {
				return nil, fmt.Errorf("-scenarios %s: want ID:N, N record partitions from 1 to 1000", entry)
			}
			s.recordParts, s.tag = int32(n), fmt.Sprintf("%s%d", id, n)
			if id == "a" || id == "b" {
				s.name = fmt.Sprintf("limits off, %d record partitions", n)
			} else {
				s.name += fmt.Sprintf(", %d record partitions", n)
			}
		}
		if seen[s.tag] {
			return nil, fmt.Errorf("-scenarios: %s twice", entry)
		}
		seen[s.tag] = true
		out = append(out, s)
	}
	return out, nil
}

// repoRoot returns the module's root directory: the nearest parent holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod in the working directory or above: run bench-e2e from the repository")
		}
		dir = parent
	}
}

func run() int {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		return 2
	}
	if len(o.report) > 0 {
		return printReport(o.report)
	}
	list, err := o.scenarioList()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	repo, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		return 2
	}
	h := &harness{opts: o, stamp: time.Now().Format("0102-150405")}
	if h.work = o.work; h.work == "" {
		if h.work, err = os.MkdirTemp("", "bench-e2e-"); err != nil {
			fmt.Fprintln(os.Stderr, "bench-e2e:", err)
			return 1
		}
	}
	eventsFile := o.eventsFile
	if !filepath.IsAbs(eventsFile) {
		if _, err := os.Stat(eventsFile); err != nil {
			eventsFile = filepath.Join(repo, eventsFile)
		}
	}
	if h.samples, err = loadEvents(eventsFile); err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		return 2
	}
	if err := h.binaries(repo); err != nil {
		fmt.Fprintln(os.Stderr, "bench-e2e:", err)
		return 1
	}
	logf("logs and configs in %s", h.work)

	brokers := map[string]*broker{}
	for _, kind := range o.brokers {
		if kind == "real" {
			b, err := startRealBroker(repo, o.kafkaPort)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench-e2e:", err)
				return 1
			}
			defer b.stop()
			brokers[kind] = b
		} else {
			brokers[kind] = &broker{kind: "kfake", stop: func() {}}
		}
	}

	var results []result
	failed := false
	for runNo := 1; runNo <= o.runs; runNo++ {
		for _, sc := range list {
			for _, kind := range o.brokers {
				if ctx.Err() != nil {
					break
				}
				r := h.runScenario(ctx, sc, brokers[kind], runNo)
				if o.runs == 1 {
					r.Run = 0
				}
				failed = failed || r.Err != ""
				results = append(results, r)
			}
		}
	}
	if ctx.Err() != nil {
		logf("interrupted")
	}
	fmt.Printf("\nkafka-ometria end to end (%s sizes; %s)\n\n", map[bool]string{true: "-quick", false: "full"}[o.quick], time.Now().Format("2006-01-02 15:04"))
	writeResults(results, o.runs > 1)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench-e2e:", err)
			return 1
		}
	}
	if failed || ctx.Err() != nil {
		return 1
	}
	return 0
}

// binaries finds the kafka-ometria and ometria-emulator binaries in -bin, or builds them
// into the work directory as make build does.
func (h *harness) binaries(repo string) error {
	dir := h.opts.bin
	if dir == "" {
		dir = filepath.Join(h.work, "bin")
		logf("building kafka-ometria and ometria-emulator into %s", dir)
		cmd := exec.Command("go", "build", "-trimpath", "-o", dir+"/", "./cmd/kafka-ometria", "./cmd/ometria-emulator")
		cmd.Dir, cmd.Stdout, cmd.Stderr = repo, os.Stderr, os.Stderr
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	h.koBin, h.emuBin = filepath.Join(dir, "kafka-ometria"), filepath.Join(dir, "ometria-emulator")
	for _, b := range []string{h.koBin, h.emuBin} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%v (make build makes it)", err)
		}
	}
	return nil
}

// writeResults prints the table of every run and, with ranges, the table of ranges.
func writeResults(results []result, ranges bool) {
	sortResults(results)
	writeTable(os.Stdout, results)
	if ranges {
		fmt.Println("\nRanges over the runs:")
		fmt.Println()
		writeRanges(os.Stdout, results)
	}
}

// printReport prints the tables of results saved with -json, merged, numbering the runs
// of each scenario and broker anew.
func printReport(files []string) int {
	var all []result
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-e2e:", err)
			return 1
		}
		var rs []result
		if err := json.Unmarshal(b, &rs); err != nil {
			fmt.Fprintf(os.Stderr, "bench-e2e: %s: %v\n", f, err)
			return 1
		}
		all = append(all, rs...)
	}
	runs := map[string]int{}
	for i := range all {
		k := all[i].Scenario + "/" + all[i].Broker
		runs[k]++
		all[i].Run = runs[k]
	}
	writeResults(all, true)
	return 0
}
