package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafka-ometria/kafka-ometria/config"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with configuration files",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Validate a configuration file, reporting every problem",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %s\n", cfg.Summary())
			return nil
		},
	})
	return cmd
}

// loadConfig loads the config file at path with the environment's overrides, then the
// flags' overrides, and validates the result. Its error is a usage error listing every
// problem, one per line.
func loadConfig(path string, overrides ...config.Override) (*config.Config, error) {
	cfg, err := config.LoadEnv(path, os.LookupEnv, overrides...)
	if err == nil {
		return cfg, nil
	}
	problems := config.Problems(err)
	if len(problems) == 1 {
		return nil, usageError("config %s: %v", path, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "config %s: %d problems:", path, len(problems))
	for _, p := range problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return nil, usageError("%s", b.String())
}
