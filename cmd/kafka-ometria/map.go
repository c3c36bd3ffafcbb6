package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/processor"
)

// reasonLineTooLarge dead-letters an input line over --max-line-size. It is not a mapper
// reason (the line never reaches the mapper) but the pipeline's for a message too large.
const reasonLineTooLarge = processor.ReasonMessageTooLarge

func newMapCmd() *cobra.Command {
	var (
		configPath  string
		accountName string
		maxLine     int
	)
	cmd := &cobra.Command{
		Use:   "map --config FILE [--account NAME] [FILE...]",
		Short: "Map JSONL events to Ometria records, offline",
		Long: `Map reads RudderStack/Segment events, one JSON object per line, from the files
(or standard input, also written "-") and writes one JSON line per outcome:

  {"line":1,"account":"acme","type":"contact","record":{...},"warnings":["invalid_phone: traits.phone"]}
  {"line":2,"reason":"invalid_json","error":"..."}
  {"line":3,"skipped":"unsupported_type"}

"index" is added for the events of a {"batch":[...]} envelope, "file" when several files are
read. The events are mapped for --account, else routing.default_account, else dead-lettered
as unknown_account. A summary goes to standard error. Dead letters are normal output: they
do not change the exit code.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMap(cmd.Context(), cmd, configPath, accountName, maxLine, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&configPath, "config", "c", "", "configuration file (required)")
	f.StringVarP(&accountName, "account", "a", "", "account to map for (default: routing.default_account)")
	f.IntVar(&maxLine, "max-line-size", 8<<20, "longest input line in bytes; a longer one is dead-lettered as "+reasonLineTooLarge)
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

func runMap(ctx context.Context, cmd *cobra.Command, configPath, accountName string, maxLine int, files []string) error {
	if maxLine <= 0 {
		return usageError("--max-line-size must be positive")
	}
	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	accounts, err := cfg.MapperAccounts()
	if err != nil {
		return usageError("config %s: %v", configPath, err)
	}
	if accountName == "" {
		accountName = cfg.Routing.DefaultAccount
	} else if accounts[accountName] == nil {
		return usageError("--account %q is not an account of %s (accounts: %v)", accountName, configPath, slices.Sorted(maps.Keys(accounts)))
	}
	for _, name := range files {
		if name == "-" {
			continue
		}
		if st, err := os.Stat(name); err != nil {
			return usageError("input: %v", err)
		} else if st.IsDir() {
			return usageError("input %s is a directory", name)
		}
	}

	out := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	r := &mapRun{acct: accounts[accountName], out: enc, maxLine: maxLine, sum: newSummary()}
	if len(files) == 0 {
		files = []string{"-"}
	}
	withFile := len(files) > 1
	for _, name := range files {
		if err = r.mapFile(ctx, cmd.InOrStdin(), name, withFile); err != nil {
			break
		}
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("writing the output: %w", ferr)
	}
	r.sum.write(cmd.ErrOrStderr())
	if err != nil {
		return failure(err)
	}
	return nil
}

// mapRun maps the lines of its inputs, writing outcomes to out and counting them in sum.
type mapRun struct {
	m       mapper.Mapper
	acct    *mapper.Account // nil: every event is dead-lettered as unknown_account
	out     *json.Encoder
	maxLine int
	line    []byte // the line being mapped, reused
	sum     *summary
}

// outLine is one line of map's output.
type outLine struct {
	File     string          `json:"file,omitempty"`
	Line     int             `json:"line"`
	Index    *int            `json:"index,omitempty"`
	Account  string          `json:"account,omitempty"`
	Type     string          `json:"type,omitempty"`
	Record   json.RawMessage `json:"record,omitempty"` // the mapper's JSON, as it will be pushed
	Warnings []string        `json:"warnings,omitempty"`
	Reason   string          `json:"reason,omitempty"`
	Error    string          `json:"error,omitempty"`
	Skipped  string          `json:"skipped,omitempty"`
}

func (r *mapRun) mapFile(ctx context.Context, stdin io.Reader, name string, withFile bool) error {
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	r.sum.files++
	rd := bufio.NewReaderSize(in, 64<<10)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted at %s line %d: %w", name, n, err)
		}
		line, size, err := readLine(rd, r.line, r.maxLine)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		r.line = line[:0]
		r.sum.lines++
		ol := outLine{Line: n}
		if withFile {
			ol.File = name
		}
		if err := r.mapLine(ol, line, size); err != nil {
			return fmt.Errorf("writing the output: %w", err)
		}
	}
}

// mapLine maps one input line (nil when it was over the size limit) and writes its outcomes.
func (r *mapRun) mapLine(ol outLine, line []byte, size int) error {
	if line == nil {
		r.sum.events++
		r.sum.dead[reasonLineTooLarge]++
		ol.Reason = reasonLineTooLarge
		ol.Error = fmt.Sprintf("the line is %d bytes, over the limit of %d bytes", size, r.maxLine)
		return r.out.Encode(ol)
	}
	if len(bytes.TrimSpace(line)) == 0 {
		r.sum.blank++
		return nil
	}
	outs := r.m.Map(line, r.acct)
	for _, o := range outs {
		r.sum.add(&o)
		l := ol
		if len(outs) > 1 {
			l.Index = &o.Index
		}
		switch o.Kind {
		case mapper.Mapped:
			l.Account, l.Type, l.Record = o.Record.Account, o.Record.Type, o.Record.JSON
			for _, w := range o.Warnings {
				l.Warnings = append(l.Warnings, w.String())
			}
		case mapper.DeadLetter:
			l.Reason, l.Error = string(o.Err.Reason), o.Err.Error()
		case mapper.Skipped:
			l.Skipped = string(o.Skip)
		}
		if err := r.out.Encode(l); err != nil {
			return err
		}
	}
	return nil
}
