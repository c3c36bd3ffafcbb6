package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/kafka-ometria/kafka-ometria/demo"
)

func newDemoCmd() *cobra.Command {
	var o demo.Options
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on an in-process Kafka and the Ometria emulator",
		Long: `Demo starts an in-process Kafka and the Ometria emulator, produces sample events
for three accounts, or --accounts (some of them bad), runs the map, push and retry stages until every
event is done, and prints what reached Ometria, the dead letters by reason, the requests
and rate of each account, and the committed offsets. Nothing needs installing.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			live := false
			if f, ok := cmd.ErrOrStderr().(*os.File); ok {
				if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
					live = true
				}
			}
			o.Live = live
			if err := demo.Run(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				return failure(err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Events, "events", 3000, "sample events to produce")
	f.IntVar(&o.Accounts, "accounts", 3, "accounts (acme, beta, gamma, then shop04, shop05, ...)")
	f.StringVar(&o.Listen, "listen", "", "serve the pipeline's /metrics on this address while it runs, e.g. 127.0.0.1:9090")
	f.IntVar(&o.KafkaPort, "kafka-port", 0, "the in-process Kafka's port (default: a free one)")
	return cmd
}
