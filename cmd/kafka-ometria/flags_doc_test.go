package main

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
)

// TestFlagsDocumented checks the flags table of docs/configuration.md against the command
// tree: every flag of every command (its shorthand too) has a row naming the command, and
// every kafka-ometria row names a flag the command has.
func TestFlagsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := itest.FlagRows(t, string(doc))

	root := newRootCmd(strings.NewReader(""), io.Discard, io.Discard)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	defined := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() == "help" || c.Hidden {
			return
		}
		c.InitDefaultHelpFlag()
		c.InitDefaultVersionFlag()
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" || f.Hidden {
				return
			}
			path := c.CommandPath()
			for _, name := range []string{"--" + f.Name, "-" + f.Shorthand} {
				if name == "-" {
					continue
				}
				defined[path+" "+name] = true
				if !documented[path+" "+name] {
					t.Errorf("%s %s is not in docs/configuration.md's flags table", path, name)
				}
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if len(defined) < 20 {
		t.Fatalf("only %d flags found in the command tree: the walk is broken", len(defined))
	}
	for row := range documented {
		if strings.HasPrefix(row, "kafka-ometria") && !defined[row] {
			t.Errorf("docs/configuration.md lists %s, a flag the command does not have", row)
		}
	}
}
