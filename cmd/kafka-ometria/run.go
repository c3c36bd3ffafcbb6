package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/group"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

func newRunCmd() *cobra.Command {
	var (
		configPath string
		listen     string
		stages     []string
		drain      time.Duration
		profiles   bool
	)
	cmd := &cobra.Command{
		Use:   "run --config FILE",
		Short: "Run the pipeline: map, push and retry stages over Kafka",
		Long: `Run consumes the event topics, maps the events, pushes the records to Ometria and
retries or dead-letters what fails, committing Kafka offsets only for finished work.
Logs are JSON on standard error; /metrics, /healthz and /readyz are served on --listen.
SIGTERM or SIGINT drains the stages, commits and exits.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// --stages overrides the file and KAFKA_OMETRIA_STAGES, and is validated with
			// the rest of the config, as the variable is.
			var overrides []config.Override
			if cmd.Flags().Changed("stages") {
				overrides = append(overrides, config.Override{Name: "--stages", Path: "stages", Value: strings.Join(stages, ",")})
			}
			cfg, err := loadConfig(configPath, overrides...)
			if err != nil {
				return err
			}
			// The drain must end before the group coordinator gives up on this member,
			// as kafka-go does not heartbeat while a generation drains.
			limit := cfg.Kafka.SessionTimeout * 2 / 3
			if !cmd.Flags().Changed("drain-timeout") {
				drain = min(drain, limit)
			} else if drain > limit {
				return usageError("--drain-timeout %v: at most 2/3 of kafka.session_timeout (%v), so that the group keeps this member while it drains", drain, cfg.Kafka.SessionTimeout)
			}
			return runPipeline(cmd.Context(), cfg, listen, profiles, drain, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&configPath, "config", "c", "", "configuration file (required)")
	f.StringVar(&listen, "listen", ":9090", "address of /metrics, /healthz and /readyz (empty: none)")
	f.BoolVar(&profiles, "pprof", false, "also serve Go's runtime profiles (/debug/pprof/) on --listen; off by default, as they show the process's internals")
	f.StringSliceVar(&stages, "stages", nil, "stages to run, e.g. map,push; overrides the config's stages and KAFKA_OMETRIA_STAGES (default: the config's stages)")
	f.DurationVar(&drain, "drain-timeout", 20*time.Second, "on SIGTERM or a rebalance, how long to wait for in-flight work (at most 2/3 of kafka.session_timeout); the process exits within it plus 5 s")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

func runPipeline(ctx context.Context, cfg *config.Config, listen string, profiles bool, drain time.Duration, stderr io.Writer) error {
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.Lock(zapcore.AddSync(stderr)), zap.InfoLevel))
	defer log.Sync()
	var err error

	// Read every secret now, once: a missing one is a configuration error (exit 2).
	keys, err := cfg.APIKeys(os.LookupEnv, os.ReadFile)
	if err != nil {
		return usageError("%v", err)
	}
	password := ""
	if cfg.Kafka.SASL.Mechanism != "" {
		s, err := cfg.SASLPassword(os.LookupEnv, os.ReadFile)
		if err != nil {
			return usageError("%v", err)
		}
		password = s.Reveal()
	}
	srPassword := ""
	if cfg.SchemaRegistry.Username != "" {
		s, err := cfg.SchemaRegistryPassword(os.LookupEnv, os.ReadFile)
		if err != nil {
			return usageError("%v", err)
		}
		srPassword = s.Reveal()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var ready atomic.Bool
	health := &processor.Health{}
	if listen != "" {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return usageError("--listen %s: %v", listen, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
			if !ready.Load() {
				http.Error(w, "starting", http.StatusServiceUnavailable)
				return
			}
			if err := health.Err(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("ready\n"))
		})
		if profiles {
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		log.Info("serving metrics and health", zap.String("address", ln.Addr().String()))
	}
	err = processor.Run(ctx, processor.Options{
		Config: cfg,
		Keys: func(a string) (string, error) {
			s, ok := keys[a]
			if !ok {
				return "", fmt.Errorf("%q is not an account", a)
			}
			return s.Reveal(), nil
		},
		SASLPassword:           password,
		SchemaRegistryPassword: srPassword,
		Logger:                 log,
		Registry:               reg,
		Group:                  group.Config{DrainTimeout: drain},
		Health:                 health,
		Started:                func() { ready.Store(true) },
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error("kafka-ometria stopped", zap.Error(err))
		return failure(err)
	}
	log.Info("kafka-ometria stopped")
	return nil
}
