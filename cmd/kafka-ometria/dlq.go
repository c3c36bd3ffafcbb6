package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/dlq"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// dlqFlags are the flags every dlq command takes: the config and the filter.
type dlqFlags struct {
	config string
	filter dlq.Flags
}

func newDLQCmd() *cobra.Command {
	o := &dlqFlags{}
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Count, inspect, export and replay the dead-letter topic",
		Long: `The dlq commands work on the configured dead-letter topic (topics.dead_letter), with
the same config file as run. stats, inspect and export only read: they join no consumer
group and commit no offset; they read every partition from its start to the end it had
when the command started. replay (and import) send entries back to the stage that failed
them.

Every command takes the same filters; a list flag matches any of its values, and all
flags given must match:
  --reason, --account, --stage (map, push, retry, or none: entries without
  kafka-ometria's headers), --event-type (an event's type or name, or a record type;
  case ignored), --since/--until (failure time: RFC 3339 or YYYY-MM-DD in UTC; since
  included, until not), --partition, --offset FROM-TO (TO included; FROM- for the rest),
  --source-topic, --header NAME=VALUE (repeatable).`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVarP(&o.config, "config", "c", "", "configuration file (required)")
	f := &o.filter
	pf.StringSliceVar(&f.Reasons, "reason", nil, "reason codes, e.g. missing_email,invalid_json")
	pf.StringSliceVar(&f.Accounts, "account", nil, "accounts")
	pf.StringSliceVar(&f.Stages, "stage", nil, "stages that failed the entry: map, push, retry, none")
	pf.StringSliceVar(&f.EventTypes, "event-type", nil, `event types or names ("identify", "Order Completed") or record types`)
	pf.StringVar(&f.Since, "since", "", "failed at or after this time (RFC 3339, or YYYY-MM-DD in UTC)")
	pf.StringVar(&f.Until, "until", "", "failed before this time (RFC 3339, or YYYY-MM-DD in UTC)")
	pf.IntSliceVar(&f.Partitions, "partition", nil, "partitions of the dead-letter topic")
	pf.StringVar(&f.Offset, "offset", "", "offsets of the dead-letter topic: FROM-TO (TO included), FROM-, or one offset")
	pf.StringSliceVar(&f.SourceTopics, "source-topic", nil, "topics the failed messages were read from")
	pf.StringArrayVar(&f.Headers, "header", nil, "NAME=VALUE: the entry's header NAME has this value (repeatable)")
	_ = cmd.MarkPersistentFlagRequired("config")
	cmd.AddCommand(newDLQStatsCmd(o), newDLQInspectCmd(o), newDLQExportCmd(o), newDLQReplayCmd(o, false), newDLQReplayCmd(o, true))
	return cmd
}

// dlqSetup is what a dlq command works with.
type dlqSetup struct {
	cfg    *config.Config
	conn   *processor.Connection
	filter dlq.Filter
}

func (o *dlqFlags) setup() (*dlqSetup, error) {
	filter, err := o.filter.Filter()
	if err != nil {
		return nil, usageError("%v", err)
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return nil, err
	}
	password := ""
	if cfg.Kafka.SASL.Mechanism != "" {
		s, err := cfg.SASLPassword(os.LookupEnv, os.ReadFile)
		if err != nil {
			return nil, usageError("%v", err)
		}
		password = s.Reveal()
	}
	conn, err := processor.Connect(cfg.Kafka, password)
	if err != nil {
		return nil, usageError("config %s: %v", o.config, err)
	}
	return &dlqSetup{cfg: cfg, conn: conn, filter: filter}, nil
}

func (s *dlqSetup) deadLetterTopic(ctx context.Context) (*dlq.Topic, error) {
	t, err := dlq.OpenTopic(ctx, s.conn, s.cfg.Topics.DeadLetter, "topics.dead_letter")
	if err != nil {
		return nil, failure(err)
	}
	return t, nil
}

// openDeadLetters is setup, then the dead-letter topic opened: what the read-only
// commands start with.
func (o *dlqFlags) openDeadLetters(ctx context.Context) (*dlqSetup, *dlq.Topic, error) {
	s, err := o.setup()
	if err != nil {
		return nil, nil, err
	}
	t, err := s.deadLetterTopic(ctx)
	if err != nil {
		return nil, nil, err
	}
	return s, t, nil
}

// noMatch says on stderr that the filter selects nothing of the dead-letter topic.
func (s *dlqSetup) noMatch(w io.Writer, read int) {
	s.noMatchIn(w, s.cfg.Topics.DeadLetter, int64(read), "")
}

// noMatchIn says on stderr that the filter selects nothing of source (a topic, or
// file:PATH), with then after.
func (s *dlqSetup) noMatchIn(w io.Writer, source string, read int64, then string) {
	what := "no entry of " + source
	if f := s.filter.String(); f != "" {
		what += " matches " + f
	}
	fmt.Fprintf(w, "kafka-ometria: %s (%d entries read)%s\n", what, read, then)
}

func newDLQStatsCmd(o *dlqFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count entries by reason, account, stage, event type and day; list the replays",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, t, err := o.openDeadLetters(ctx)
			if err != nil {
				return err
			}
			replays, err := dlq.OpenTopic(ctx, s.conn, s.cfg.Topics.Replays, "topics.replays")
			if errors.Is(err, dlq.ErrNoTopic) {
				replays, err = nil, nil // no replay yet
			}
			if err != nil {
				return failure(err)
			}
			st, err := dlq.CountTopic(ctx, t, replays, &s.filter, s.cfg.DLQ.MaxReplays)
			if err != nil {
				return failure(err)
			}
			if st.Entries == 0 {
				s.noMatch(cmd.ErrOrStderr(), st.Read)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), st)
			}
			return dlq.WriteStats(cmd.OutOrStdout(), st)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object instead of tables")
	return cmd
}

func newDLQInspectCmd(o *dlqFlags) *cobra.Command {
	var (
		asJSON     bool
		page, size int
	)
	cmd := &cobra.Command{
		Use:   "inspect",
		Short: "Show matching entries: headers, coordinates and a readable value, a page at a time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if page < 1 || size < 0 {
				return usageError("--page must be 1 or more and --page-size 0 (all) or more")
			}
			s, t, err := o.openDeadLetters(cmd.Context())
			if err != nil {
				return err
			}
			p, err := dlq.ReadPage(cmd.Context(), t, &s.filter, page, size)
			if err != nil {
				return failure(err)
			}
			stderr := cmd.ErrOrStderr()
			if p.Matched == 0 {
				s.noMatch(stderr, p.Read)
				return nil
			}
			out := bufio.NewWriter(cmd.OutOrStdout())
			for _, e := range p.Entries {
				if asJSON {
					line, err := dlq.EncodeLine(e, true)
					if err != nil {
						return failure(err)
					}
					out.Write(append(line, '\n'))
				} else {
					dlq.WriteEntry(out, e)
				}
			}
			if err := out.Flush(); err != nil {
				return failure(err)
			}
			fmt.Fprintf(stderr, "page %d of %d: %d entries match (%d read)", p.Number, p.Pages(), p.Matched, p.Read)
			if p.Number < p.Pages() {
				fmt.Fprintf(stderr, "; --page %d for the next", p.Number+1)
			}
			fmt.Fprintln(stderr)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "JSONL: one entry a line, with what its headers say under dead_letter")
	f.IntVar(&page, "page", 1, "page to show, from 1")
	f.IntVar(&size, "page-size", 20, "entries a page (0: all)")
	return cmd
}

func newDLQExportCmd(o *dlqFlags) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [--output FILE]",
		Short: "Write matching entries as JSONL (value, key, headers, coordinates), for dlq import",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, t, err := o.openDeadLetters(cmd.Context())
			if err != nil {
				return err
			}
			w, closeOut := cmd.OutOrStdout(), func() error { return nil }
			if output != "-" {
				f, err := os.Create(output)
				if err != nil {
					return usageError("--output: %v", err)
				}
				w, closeOut = f, f.Close
			}
			n, read, err := dlq.Export(cmd.Context(), t, &s.filter, w)
			if cerr := closeOut(); err == nil {
				err = cerr
			}
			if err != nil {
				return failure(err)
			}
			if n == 0 {
				s.noMatch(cmd.ErrOrStderr(), read)
			} else if output != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "exported %d entries (of %d read) to %s\n", n, read, output)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "-", "file to write (- : standard output)")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return failure(err)
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// whoAmI names the user and host running the command, for the replay's record.
func whoAmI() (string, string) {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name, host
}
