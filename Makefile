# kafka-ometria developer commands. `make help` lists them.

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         ?= bin

.PHONY: help demo test test-short bench bench-e2e lint build fuzz fuzz-ci clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

demo: ## the whole pipeline on an in-process Kafka and the Ometria emulator
	$(GO) run ./cmd/kafka-ometria demo

test: ## run every test, with the race detector
	$(GO) test -race -count=1 ./...

test-short: ## the fast tests only (no binary build)
	$(GO) test -short -count=1 ./...

bench: ## run the benchmarks on one core (figures recorded in README.md)
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1 -count 3 ./mapper
	$(GO) test -run '^$$' -bench 'MapStage|PushStage' -benchmem -cpu 1 ./processor
	$(GO) test -run '^$$' -bench SinkBacklog -benchtime 12000x ./sink
	$(GO) test -run '^$$' -bench SinkThroughput -benchtime 3s ./sink
	$(GO) test -run '^$$' -bench 'Replay|Scan' -benchtime 3x ./dlq

lint: ## gofmt check, go vet, staticcheck (the reliability suites too)
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags reliability ./reliability/
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags reliability ./reliability/

# bench-e2e: the whole pipeline end to end, the real binaries over a real broker
# (scripts/kafka-local on BENCH_KAFKA_PORT, or KAFKA_BROKERS when set) and over kfake;
# prints one table (docs/benchmarks-e2e.md). Not part of `make test` nor CI: it takes
# minutes. BENCH_E2E_FLAGS passes flags, e.g. BENCH_E2E_FLAGS='-quick' or
# BENCH_E2E_FLAGS='-scenarios a,b -brokers real -runs 3'.
BENCH_KAFKA_PORT ?= 29492
BENCH_E2E_FLAGS  ?=

bench-e2e: build ## end-to-end benchmark over a real broker and kfake, one table (minutes; BENCH_E2E_FLAGS=-quick)
	$(GO) run ./bench/e2e -bin $(BIN) -kafka-port $(BENCH_KAFKA_PORT) $(BENCH_E2E_FLAGS)

build: ## build the binaries into ./bin
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/...

# Fuzzing budgets are counts of executions, not durations: with a duration, Go 1.26's
# fuzzing coordinator can fail a target with a bare "context deadline exceeded" at the
# deadline when a loaded machine's worker is late to stop (go.dev/issue/75804, fixed in
# Go 1.27); a count has no deadline to race. About 30 s each here (FuzzMap runs about
# 3,000 executions a second, FuzzScan 4,500).
FUZZ_MAP_EXECS  ?= 100000x
FUZZ_SCAN_EXECS ?= 150000x

fuzz: ## fuzz the mapper and its JSON scanner, about a minute each
	$(GO) test -run '^$$' -fuzz '^FuzzMap$$' -fuzztime 200000x -fuzzminimizetime 2s ./mapper
	$(GO) test -run '^$$' -fuzz '^FuzzScan$$' -fuzztime 300000x -fuzzminimizetime 2s ./mapper

fuzz-ci: ## fuzz FuzzMap and FuzzScan FUZZ_MAP_EXECS and FUZZ_SCAN_EXECS times (about 30 s each) from the corpus in mapper/testdata/fuzz (CI)
	$(GO) test -run '^$$' -fuzz '^FuzzMap$$' -fuzztime $(FUZZ_MAP_EXECS) -fuzzminimizetime 2s ./mapper
	$(GO) test -run '^$$' -fuzz '^FuzzScan$$' -fuzztime $(FUZZ_SCAN_EXECS) -fuzzminimizetime 2s ./mapper

clean: ## remove build output
	rm -rf $(BIN)

# A real Apache Kafka broker (KRaft, one node, no Docker): scripts/kafka-local
# fetches its jars from Maven Central with Maven and runs it on this port.
KAFKA_PORT ?= 39092

.PHONY: test-kafka kafka-local test-reliability

test-kafka: ## the integration tests against a real Kafka broker (with SASL/SCRAM and TLS listeners), stopped after
	@set -e; export KAFKA_PORT=$(KAFKA_PORT); \
	trap 'scripts/kafka-local stop' EXIT; trap 'exit 130' INT TERM; \
	out=$$(scripts/kafka-local start --sasl --tls); echo "$$out"; \
	eval "$$out"; export $$(echo "$$out" | cut -d= -f1); \
	$(GO) test -count=1 ./integration_test/...

kafka-local: ## start a real Kafka broker (port KAFKA_PORT, 39092; SASL/SCRAM on +2, TLS on +3); scripts/kafka-local stop ends it
	KAFKA_PORT=$(KAFKA_PORT) scripts/kafka-local start --sasl --tls

# The reliability suites start a broker of their own on another port, so that they can
# run beside `make test-kafka` (and restart their broker without disturbing it).
RELIABILITY_KAFKA_PORT ?= 39592

# Its ports lie in Linux's ephemeral range (32768-60999), where a client connection of
# this machine may hold one for a moment: a start that fails is tried again, three times.
test-reliability: ## the reliability suites (crash, chaos, broker restart, poison, secrets, SIGTERM) on a real Kafka broker (port RELIABILITY_KAFKA_PORT, 39592, with SASL/SCRAM), stopped after; see docs/reliability.md
	@set -e; export KAFKA_PORT=$(RELIABILITY_KAFKA_PORT); \
	trap 'scripts/kafka-local stop' EXIT; trap 'exit 130' INT TERM; \
	for try in 1 2 3; do \
		if out=$$(scripts/kafka-local start --sasl); then break; fi; \
		out=; echo "make test-reliability: the broker did not start (try $$try of 3)" >&2; sleep 5; \
	done; [ -n "$$out" ]; echo "$$out"; \
	eval "$$out"; export $$(echo "$$out" | cut -d= -f1); \
	$(GO) test -tags reliability -count=1 -v -timeout 30m ./reliability/
