package dlq

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// Flags are the filter as the command line gives it; Filter parses them.
type Flags struct {
	Reasons, Accounts, Stages, EventTypes, SourceTopics []string
	Since, Until                                        string // RFC 3339, or a date (YYYY-MM-DD, UTC)
	Partitions                                          []int
	Offset                                              string // FROM-TO, FROM- or N
	Headers                                             []string
}

// Filter parses the flags; an error names the flag at fault.
func (fl Flags) Filter() (Filter, error) {
	f := Filter{Reasons: clean(fl.Reasons), Accounts: clean(fl.Accounts), EventTypes: clean(fl.EventTypes),
		SourceTopics: clean(fl.SourceTopics), Stages: clean(fl.Stages)}
	var errs []error
	for _, s := range f.Stages {
		if s != StageNone && !slices.Contains(config.AllStages(), config.Stage(s)) {
			errs = append(errs, fmt.Errorf("--stage %q: not %s or %s (entries without kafka-ometria's headers)", s, strings.Join(config.Names(config.AllStages()), ", "), StageNone))
		}
	}
	var err error
	if f.Since, err = parseTime(fl.Since); err != nil {
		errs = append(errs, fmt.Errorf("--since %q: %v", fl.Since, err))
	}
	if f.Until, err = parseTime(fl.Until); err != nil {
		errs = append(errs, fmt.Errorf("--until %q: %v", fl.Until, err))
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		errs = append(errs, fmt.Errorf("--since %s is not before --until %s", fl.Since, fl.Until))
	}
	for _, p := range fl.Partitions {
		if p < 0 {
			errs = append(errs, fmt.Errorf("--partition %d: not a partition", p))
		} else if !slices.Contains(f.Partitions, p) {
			f.Partitions = append(f.Partitions, p)
		}
	}
	slices.Sort(f.Partitions)
	if fl.Offset != "" {
		if f.Offsets, err = parseOffsets(fl.Offset); err != nil {
			errs = append(errs, fmt.Errorf("--offset %q: %v", fl.Offset, err))
		}
	}
	for _, h := range fl.Headers {
		name, value, ok := strings.Cut(h, "=")
		if !ok || strings.TrimSpace(name) == "" {
			errs = append(errs, fmt.Errorf("--header %q: not NAME=VALUE", h))
			continue
		}
		f.Headers = append(f.Headers, HeaderMatch{Name: strings.TrimSpace(name), Value: value})
	}
	slices.SortFunc(f.Headers, func(a, b HeaderMatch) int { return strings.Compare(a.Name+"="+a.Value, b.Name+"="+b.Value) })
	f.Headers = slices.Compact(f.Headers)
	return f, errors.Join(errs...)
}

// clean splits comma-separated values, trims them, drops empty ones and duplicates, and sorts.
func clean(in []string) []string {
	var out []string
	for _, v := range in {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("not an RFC 3339 time (2026-01-02T15:04:05Z) or a date (2026-01-02, UTC)")
}

func parseOffsets(s string) (*OffsetRange, error) {
	from, to, ranged := strings.Cut(strings.TrimSpace(s), "-")
	a, err := strconv.ParseInt(strings.TrimSpace(from), 10, 64)
	if err != nil || a < 0 {
		return nil, errors.New("not FROM-TO, FROM- or OFFSET (offsets are whole numbers, TO included)")
	}
	r := &OffsetRange{From: a, To: a}
	if ranged {
		r.To = -1
		if to = strings.TrimSpace(to); to != "" {
			b, err := strconv.ParseInt(to, 10, 64)
			if err != nil || b < a {
				return nil, errors.New("not FROM-TO with FROM <= TO")
			}
			r.To = b
		}
	}
	return r, nil
}
