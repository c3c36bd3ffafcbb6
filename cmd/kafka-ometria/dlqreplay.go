package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kafka-ometria/kafka-ometria/dlq"
)

// newDLQReplayCmd is `dlq replay`, or `dlq import FILE` (replay --from FILE) when imp.
func newDLQReplayCmd(o *dlqFlags, imp bool) *cobra.Command {
	var (
		to, from                      string
		dryRun, force, restart, asJSN bool
		rate, limit                   int
	)
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Send matching entries back to the stage that failed them",
		Long: `Replay sends the matching entries back to the stage that failed them: map-stage
entries to topics.replay (which the map stage reads besides the event topics), push- and
retry-stage entries to topics.records; --to sends every entry to another topic. An entry
keeps its key, its value and the user's headers; kafka-ometria's failure headers are
dropped, and it carries ometria-replay-count, -replayed-at, -replay-id and -replay-of.

Entries are sent once: the same command started again (the same filter, targets and
source) goes on where the last run stopped, from a bookmark kept on topics.replays, and
does not send again what an interrupted run sent. --restart examines every entry again.
An entry already replayed dlq.max_replays times is left unless --force; an entry whose
value was cut to fit the topic is never replayed; an entry without kafka-ometria's
headers is replayed only with --to.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if imp {
				from = args[0]
			}
			if rate < 0 || limit < 0 {
				return usageError("--rate and --limit must be 0 (none) or more")
			}
			s, err := o.setup()
			if err != nil {
				return err
			}
			cfg := s.cfg
			user, host := whoAmI()
			stderr := cmd.ErrOrStderr()
			opts := dlq.ReplayOptions{
				Conn: s.conn, DeadLetter: cfg.Topics.DeadLetter, File: from, Replays: cfg.Topics.Replays,
				Targets: dlq.Targets{To: to, Replay: cfg.Topics.Replay, Records: cfg.Topics.Records, RoutingHeader: cfg.Routing.Header},
				Filter:  s.filter, MaxReplays: cfg.DLQ.MaxReplays, Force: force, DryRun: dryRun, Restart: restart,
				Rate: rate, Limit: limit, User: user, Host: host,
				Warn: func(w string) { fmt.Fprintf(stderr, "kafka-ometria: warning: %s\n", w) },
			}
			if isTerminal(stderr) && !asJSN {
				opts.Progress = func(total int64) dlq.Progress { return dlq.NewProgressBar(stderr, total, "replaying") }
			}
			sum, err := dlq.Replay(cmd.Context(), opts)
			if sum != nil {
				if sum.Counts.Matched == 0 && sum.Counts.Before == 0 {
					s.noMatchIn(stderr, sum.Source, sum.Counts.Examined, ": nothing to replay")
				}
				if asJSN {
					if jerr := writeJSON(cmd.OutOrStdout(), sum); jerr != nil && err == nil {
						err = jerr
					}
				} else {
					dlq.WriteSummary(cmd.OutOrStdout(), sum)
				}
			}
			if err != nil {
				if sum == nil {
					return failure(err) // nothing started: a setting, a file, a topic
				}
				return failure(fmt.Errorf("%w (the same command goes on from the last bookmark)", err))
			}
			return nil
		},
	}
	if imp {
		cmd.Use = "import FILE"
		cmd.Short = "Replay entries from a JSONL file (dlq export's format, fixed by hand): replay --from FILE"
		cmd.Long = "Import replays the entries of FILE, as written by dlq export and perhaps fixed by hand,\nexactly as `dlq replay --from FILE` does; see dlq replay --help."
		cmd.Args = cobra.ExactArgs(1)
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "send every entry to this topic instead of its stage's (needed for entries without kafka-ometria's headers)")
	if !imp {
		f.StringVar(&from, "from", "", "replay the entries of this JSONL file (dlq export's format) instead of the topic's")
	}
	f.BoolVar(&dryRun, "dry-run", false, "count what would be sent, by reason; write nothing")
	f.IntVar(&rate, "rate", 0, "messages per second at most, in any second (0: no limit)")
	f.IntVar(&limit, "limit", 0, "send at most this many messages (0: no limit); the same command goes on from there")
	f.BoolVar(&force, "force", false, "replay entries already replayed dlq.max_replays times too")
	f.BoolVar(&restart, "restart", false, "ignore the bookmark of an earlier run: examine every entry again")
	f.BoolVar(&asJSN, "json", false, "the summary as JSON (and no progress bar)")
	return cmd
}
