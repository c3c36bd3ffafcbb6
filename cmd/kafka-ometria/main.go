// Command kafka-ometria moves RudderStack/Segment events from Kafka into Ometria.
//
// Subcommands:
//
//	kafka-ometria run --config FILE [--stages map,push,retry]    run the pipeline
//	kafka-ometria demo [--events N] [--accounts N] [--listen ADDR]  the whole pipeline on one machine
//	kafka-ometria map --config FILE [--account NAME] [FILE...]   map JSONL events offline
//	kafka-ometria dlq stats|inspect|export|import|replay --config FILE [filters]   the dead-letter topic
//	kafka-ometria config check FILE                              validate a config file
//	kafka-ometria completion bash|zsh|fish|powershell            shell completion
//	kafka-ometria --version
//
// Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kafka-ometria/kafka-ometria/internal/version"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // a runtime failure
	exitUsage   = 2 // bad usage or an invalid configuration
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		fmt.Fprintf(stderr, "kafka-ometria: %v\n", ee.err)
		return ee.code
	}
	// Everything else comes from cobra: an unknown command or flag, a missing argument.
	fmt.Fprintf(stderr, "kafka-ometria: %v\nRun '%s --help' for usage.\n", err, cmd.CommandPath())
	return exitUsage
}

// exitError is an error with its exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

func failure(err error) error { return &exitError{exitFailure, err} }

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "kafka-ometria",
		Short:         "Move RudderStack/Segment events from Kafka into Ometria",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = version.String()
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newMapCmd(), newConfigCmd(), newRunCmd(), newDemoCmd(), newDLQCmd())
	return root
}
