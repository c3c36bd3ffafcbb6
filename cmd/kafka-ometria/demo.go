package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/kafka-ometria/kafka-ometria/demo"
)

func newDemoCmd() *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on an in-process Kafka and the Ometria emulator",
		Long: `Demo starts an in-process Kafka and the Ometria emulator, produces sample events
for three accounts (some of them bad), runs the map, push and retry stages until every
event is done, and prints what reached Ometria, the dead letters by reason, the requests
and rate of each account, and the committed offsets. Nothing needs installing.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			live := false
			if f, ok := cmd.ErrOrStderr().(*os.File); ok {
				if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
					live = true
				}
			}
			if err := demo.Run(cmd.Context(), demo.Options{Events: n, Live: live}, cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				return failure(err)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "events", 3000, "sample events to produce")
	return cmd
}
