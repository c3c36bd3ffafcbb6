package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// loadEvents reads one event per line from a JSONL file, gzipped when its name ends in .gz.
func loadEvents(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	var out [][]byte
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, bytes.Clone(line))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no events", path)
	}
	return out, nil
}

// idFields are the event members that the record ids come from: a contact's listingId, an
// order's properties.order_id, a custom event's properties.event_id or messageId.
var idFields = []string{"listingId", "order_id", "event_id", "messageId"}

// uniquify returns ev with suffix appended to the string value of every member named in
// idFields, so that a copy of a sample event makes a record of its own instead of
// updating the first copy's. Values that are not strings are left alone.
func uniquify(ev []byte, suffix string) []byte {
	out := make([]byte, 0, len(ev)+len(idFields)*len(suffix))
	rest := ev
	for {
		at, end := -1, -1
		for _, f := range idFields {
			pat := `"` + f + `":"`
			if i := bytes.Index(rest, []byte(pat)); i >= 0 && (at < 0 || i < at) {
				at, end = i, i+len(pat)
			}
		}
		if at < 0 {
			return append(out, rest...)
		}
		// The value runs to the next unescaped quote.
		q := end
		for q < len(rest) && rest[q] != '"' {
			if rest[q] == '\\' {
				q++
			}
			q++
		}
		if q >= len(rest) {
			return append(out, rest...)
		}
		out = append(out, rest[:q]...)
		out = append(out, suffix...)
		rest = rest[q:]
	}
}

// recKey names one record: its account, type and id.
type recKey struct{ account, typ, id string }

func (k recKey) String() string { return k.account + "/" + k.typ + "/" + k.id }

// sampleRecord is what one sample event maps to.
type sampleRecord struct {
	ok      bool // it makes a record (else it is dead-lettered or skipped)
	typ, id string
	// suffixed reports that the id of a uniquified copy is the id plus the suffix, so
	// that every copy makes a record of its own.
	suffixed bool
}

// mapSamples maps each sample event with the settings of an account of cfgYAML, as the
// map stage does, and returns what each makes. Every account of a benchmark has the same
// settings, so one account stands for all.
func mapSamples(events [][]byte, cfgYAML []byte, account string) ([]sampleRecord, error) {
	cfg, err := config.ParseEnv(cfgYAML, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, fmt.Errorf("the generated config: %w", err)
	}
	accts, err := cfg.MapperAccounts()
	if err != nil {
		return nil, err
	}
	acct := accts[account]
	if acct == nil {
		return nil, fmt.Errorf("no account %q in the generated config", account)
	}
	var m mapper.Mapper
	out := make([]sampleRecord, len(events))
	const suffix = "-u1"
	for i, ev := range events {
		var rec sampleRecord
		n := 0
		for _, o := range m.Map(ev, acct) {
			if o.Kind == mapper.Mapped {
				rec = sampleRecord{ok: true, typ: o.Record.Type, id: o.Record.ID}
				n++
			}
		}
		if n > 1 {
			return nil, fmt.Errorf("sample event %d makes %d records: the harness expects one event a record", i+1, n)
		}
		if rec.ok {
			for _, o := range m.Map(uniquify(ev, suffix), acct) {
				if o.Kind == mapper.Mapped && o.Record.Type == rec.typ && o.Record.ID == rec.id+suffix {
					rec.suffixed = true
				}
			}
		}
		out[i] = rec
	}
	return out, nil
}

// plan says what the i-th produced event of a scenario is: which sample it copies,
// which account it goes to, and the record it makes.
type plan struct {
	samples  [][]byte
	recs     []sampleRecord
	accounts []string
	unique   bool // copies after the first get suffixed ids
}

// accountOf spreads events over the accounts evenly but not in a cycle, so that each
// account sees every kind of sample event (splitmix64 of the index).
func (p *plan) accountOf(i int) int {
	z := uint64(i) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return int(z % uint64(len(p.accounts)))
}

// event returns the i-th event: its account's index, its bytes and its record (ok false
// when it makes none).
func (p *plan) event(i int) (acct int, value []byte, rec recKey, ok bool) {
	c, copyNo := i%len(p.samples), i/len(p.samples)
	acct = p.accountOf(i)
	value = p.samples[c]
	s := p.recs[c]
	id := s.id
	if p.unique && copyNo > 0 {
		suffix := fmt.Sprintf("-u%d", copyNo)
		value = uniquify(value, suffix)
		if s.suffixed {
			id += suffix
		}
	}
	if !s.ok {
		return acct, value, recKey{}, false
	}
	return acct, value, recKey{account: p.accounts[acct], typ: s.typ, id: id}, true
}

// expected counts the records that the first n events make (each a push), and, when keys
// is true, the distinct records among them (what the emulator stores).
func (p *plan) expected(n int, keys bool) (records, distinct int) {
	seen := map[recKey]bool{}
	for i := range n {
		c := i % len(p.samples)
		if !p.recs[c].ok {
			continue
		}
		records++
		if keys {
			_, _, k, _ := p.event(i)
			seen[k] = true
		}
	}
	return records, len(seen)
}
