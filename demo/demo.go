// Package demo runs the whole pipeline on one machine with nothing installed: an
// in-process Kafka (franz-go's kfake), the Ometria emulator, sample events with some bad
// ones, a live progress line, and a summary read back from Kafka and the emulator.
package demo

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// Options tune the demo.
type Options struct {
	Events  int           // sample events; default 3000
	Timeout time.Duration // give up after; default 2m
	Logger  *zap.Logger   // the pipeline's logs; nil: none
	// Live rewrites one progress line in place (a terminal); otherwise a line a second.
	Live bool
	// Accounts is the number of accounts; default 3 (acme, beta, gamma; then shop04, ...).
	Accounts int
	// KafkaPort, when set, is the in-process Kafka's port (else a free one).
	KafkaPort int
	// Listen, when set, serves the pipeline's /metrics there while the demo runs.
	Listen string
}

const eventsTopic = "rudder.events"

// Run runs the demo, writing the progress to progress and the summary to out.
func Run(ctx context.Context, o Options, out, progress io.Writer) error {
	if o.Events <= 0 {
		o.Events = 3000
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Accounts <= 0 {
		o.Accounts = len(baseAccounts)
	}
	accounts := demoAccounts(o.Accounts)
	start := time.Now()
	kopts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(6, eventsTopic, "ometria.records", "ometria.retry", "ometria.dlq", "ometria.replay")}
	if o.KafkaPort > 0 {
		kopts = append(kopts, kfake.Ports(o.KafkaPort))
	}
	var reg prometheus.Registerer // nil: the metrics are kept but not served
	if o.Listen != "" {
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return fmt.Errorf("serving metrics on %s: %w", o.Listen, err)
		}
		r := prometheus.NewRegistry()
		reg = r
		srv := &http.Server{Handler: promhttp.HandlerFor(r, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		fmt.Fprintf(progress, "kafka-ometria demo: metrics on http://%s/metrics\n", ln.Addr())
	}
	cluster, err := kfake.NewCluster(kopts...)
	if err != nil {
		return fmt.Errorf("starting the in-process Kafka: %w", err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()

	var emuAccts []ometriatest.Account
	var yaml strings.Builder
	fmt.Fprintf(&yaml, "kafka: {brokers: [%q]}\n", brokers[0])
	fmt.Fprintf(&yaml, "topics: {events: [%s]}\n", eventsTopic)
	fmt.Fprintf(&yaml, "routing: {topics: {%s: %s}}\n", eventsTopic, accounts[0].name)
	emu := ometriatest.NewServer(ometriatest.Config{})
	defer emu.Close()
	fmt.Fprintf(&yaml, "ometria: {base_url: %q}\naccounts:\n", emu.URL())
	for _, a := range accounts {
		emuAccts = append(emuAccts, ometriatest.Account{Name: a.name, Key: "demo-key-" + a.name, RateLimit: a.rate})
		fmt.Fprintf(&yaml, "  %s: {api_key_env: DEMO_KEY, rate_limit: %v, phone_region: GB, derive_products: %v}\n", a.name, a.rate, a.deriveProducts)
	}
	for _, a := range emuAccts {
		emu.AddAccount(a)
	}
	cfg, err := config.Parse([]byte(yaml.String()))
	if err != nil {
		return fmt.Errorf("the demo's configuration: %w", err)
	}

	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll, BatchSize: 500}
	if err := w.WriteMessages(ctx, events(o.Events, eventsTopic, accounts)...); err != nil {
		return fmt.Errorf("producing the sample events: %w", err)
	}
	w.Close()
	fmt.Fprintf(progress, "kafka-ometria demo: %d sample events on %s (in-process Kafka at %s), %d accounts, Ometria emulator at %s\n",
		o.Events, eventsTopic, brokers[0], len(accounts), emu.URL())

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- processor.Run(runCtx, processor.Options{
			Config:   cfg,
			Keys:     func(a string) (string, error) { return "demo-key-" + a, nil },
			Logger:   o.Logger,
			Registry: reg,
			Group:    group.Config{CommitInterval: 200 * time.Millisecond},
		})
	}()

	mon := &monitor{brokers: brokers, groupPrefix: cfg.Kafka.GroupID, topics: cfg.Topics}
	deadline := time.After(o.Timeout)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var lastLine time.Time
	for finished := false; !finished; {
		select {
		case err := <-done:
			return fmt.Errorf("the pipeline stopped: %w", err)
		case <-ctx.Done():
			stop()
			<-done
			return ctx.Err()
		case <-deadline:
			stop()
			<-done
			return fmt.Errorf("the demo did not finish within %v", o.Timeout)
		case <-tick.C:
			p, err := mon.poll(ctx)
			if err != nil {
				continue
			}
			finished = p.mapDone == p.mapEnd && p.pushDone == p.pushEnd && p.retryDone == p.retryEnd && p.mapEnd > 0
			line := fmt.Sprintf("  map %d/%d events · push %d/%d records · retry %d/%d · %d requests to Ometria",
				p.mapDone, p.mapEnd, p.pushDone, p.pushEnd, p.retryDone, p.retryEnd, requests(emu, accounts))
			switch {
			case o.Live:
				fmt.Fprintf(progress, "\r%s  ", line)
			case finished || time.Since(lastLine) >= time.Second:
				fmt.Fprintln(progress, line)
				lastLine = time.Now()
			}
		}
	}
	if o.Live {
		fmt.Fprintln(progress)
	}
	stop()
	if err := <-done; err != nil {
		return err
	}
	return summarize(ctx, out, emu, mon, accounts, time.Since(start))
}

func requests(emu *ometriatest.Server, accounts []demoAccount) int {
	n := 0
	for _, a := range accounts {
		n += emu.RequestCount(a.name)
	}
	return n
}
