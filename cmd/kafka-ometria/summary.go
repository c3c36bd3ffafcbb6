package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// summary counts what map did, for the report on standard error.
type summary struct {
	files, lines, blank, events int
	records                     map[string]int // by record type
	dead                        map[string]int // by reason
	skipped                     map[string]int // by reason
	warnings                    map[string]int // by code
}

func newSummary() *summary {
	return &summary{records: map[string]int{}, dead: map[string]int{}, skipped: map[string]int{}, warnings: map[string]int{}}
}

func (s *summary) add(o *mapper.Outcome) {
	s.events++
	switch o.Kind {
	case mapper.Mapped:
		s.records[o.Record.Type]++
		for _, w := range o.Warnings {
			s.warnings[w.Code]++
		}
	case mapper.DeadLetter:
		s.dead[string(o.Err.Reason)]++
	case mapper.Skipped:
		s.skipped[string(o.Skip)]++
	}
}

// write prints the summary as aligned text, each section's keys in sorted order:
//
//	lines             5 (1 blank, 1 file)
//	events            6
//	records           3
//	  contact         2
//	  order           1
//	dead letters      2
//	  invalid_json    2
//	...
func (s *summary) write(w io.Writer) {
	width := len(strconv.Itoa(max(s.lines, s.events)))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	files := "files"
	if s.files == 1 {
		files = "file"
	}
	fmt.Fprintf(tw, "lines\t%*d (%d blank, %d %s)\n", width, s.lines, s.blank, s.files, files)
	fmt.Fprintf(tw, "events\t%*d\n", width, s.events)
	section := func(title string, m map[string]int) {
		total := 0
		for _, n := range m {
			total += n
		}
		fmt.Fprintf(tw, "%s\t%*d\n", title, width, total)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			name := k
			if name == "" {
				name = "(none)"
			}
			fmt.Fprintf(tw, "  %s\t%*d\n", name, width, m[k])
		}
	}
	section("records", s.records)
	section("dead letters", s.dead)
	section("skipped", s.skipped)
	section("warnings", s.warnings)
	_ = tw.Flush()
}
