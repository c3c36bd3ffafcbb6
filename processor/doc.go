// Package processor is the pipeline's wiring: it runs the map, push and retry stages, each
// in its own consumer group (package group), over the records, retry and dead-letter
// topics, with the mapper, the sink, a Kafka producer sized to its topics' limits, and the
// Prometheus metrics. Run starts the configured stages and stops them cleanly.
//
// Each stage is a group.Handler that gives every message an explicit outcome: finished
// once its outputs are acknowledged (records, retries or dead letters), or given back to
// be read again (a produce or a push abandoned at a rebalance or shutdown).
package processor
