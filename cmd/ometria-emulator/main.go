// Command ometria-emulator serves package ometriatest's emulator of Ometria's Push API over
// HTTP, for local stacks, demos and docker-compose.
//
// Usage:
//
//	ometria-emulator [--addr 127.0.0.1:8080] [--config FILE] [--account NAME=KEY[:RATE]]...
//	                 [--retry-after] [--rate-limit N] [--burst N] [--success-status N]
//
// Flags override the config file. The server answers POST /v2/push, GET /v2/push/_errors
// and the test controls under /_emulator/ (see package ometriatest). It logs JSON lines to
// stderr: one "listening" line with the bound address ("--addr 127.0.0.1:0" picks a free
// port), then one line per request. SIGINT or SIGTERM shuts it down gracefully.
//
// Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on a usage or configuration
// error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// shutdownTimeout bounds the wait for in-flight requests at shutdown.
const shutdownTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses args, serves until ctx is done and returns the exit code. --version writes to
// stdout; the usage, errors and the logs go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args, stdout, stderr)
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "ometria-emulator: %v\n", err)
		return exitUsage
	}
	log := newLogger(stderr)
	defer func() { _ = log.Sync() }()
	opts.config.Logger = log
	if len(opts.accounts) == 0 {
		log.Warn("no accounts: every push answers 403 until one is added with POST /_emulator/accounts")
	}
	if err := serve(ctx, opts, log); err != nil {
		log.Error("serving failed", zap.Error(err))
		return exitFailure
	}
	return exitOK
}

// serve listens on opts.addr and serves the emulator until ctx is done.
func serve(ctx context.Context, opts options, log *zap.Logger) error {
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	emu := ometriatest.New(opts.config, opts.accounts...)
	names := make([]string, len(opts.accounts))
	for i, a := range opts.accounts {
		names[i] = a.Name
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	log.Info("listening", zap.String("addr", ln.Addr().String()),
		zap.String("url", "http://"+ln.Addr().String()+"/v2"), zap.Strings("accounts", names))

	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newLogger returns a zap production JSON logger writing to w, without sampling so that every
// request gets its line.
func newLogger(w io.Writer) *zap.Logger {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), zap.InfoLevel))
}
