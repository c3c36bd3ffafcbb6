package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestFlagsDocumented checks the flags table of docs/configuration.md against the command
// tree: every flag of every command (its shorthand too) has a row naming the command, and
// every kafka-ometria row names a flag the command has.
func TestFlagsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := flagRows(t, string(doc))

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

var codeSpan = regexp.MustCompile("`([^`]+)`")

// flagRows returns "COMMAND FLAG" for each command and flag of the rows of the flags table
// (the table under "## Command-line flags" whose first column is "command").
func flagRows(t *testing.T, doc string) map[string]bool {
	t.Helper()
	_, section, ok := strings.Cut(doc, "\n## Command-line flags\n")
	if !ok {
		t.Fatal(`docs/configuration.md has no "## Command-line flags" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		for _, cmd := range codeSpan.FindAllStringSubmatch(cells[1], -1) {
			for _, flag := range codeSpan.FindAllStringSubmatch(cells[2], -1) {
				rows[cmd[1]+" "+flag[1]] = true
			}
		}
	}
	if len(rows) == 0 {
		t.Fatal("no rows in docs/configuration.md's flags table")
	}
	return rows
}
