//go:build reliability

package reliability

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// templatesFile holds 2,000 realistic RudderStack events (40% identify, 40% custom events,
// 20% orders), the mapper's benchmark set.
const templatesFile = "../mapper/testdata/events-2k.jsonl.gz"

// template is a realistic event and the string values that become its records' ids.
type template struct {
	raw []byte
	ids []string
}

var loadTemplates = sync.OnceValues(func() ([]template, error) {
	f, err := os.Open(templatesFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var out []template
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		raw := bytes.Clone(sc.Bytes())
		var e map[string]any
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("%s: %v", templatesFile, err)
		}
		tp := template{raw: raw}
		for _, path := range [][]string{{"messageId"}, {"traits", "listingId"}, {"context", "traits", "listingId"},
			{"integrations", "Ometria", "listingId"}, {"properties", "order_id"}} {
			var v any = e
			for _, k := range path {
				m, _ := v.(map[string]any)
				v = m[k]
			}
			if s, ok := v.(string); ok && s != "" {
				tp.ids = append(tp.ids, s)
			}
		}
		out = append(out, tp)
	}
	return out, sc.Err()
})

// copyOf returns template tp with each of its ids made unique by the suffix -r<n>.
func (tp template) copyOf(n int) []byte {
	out := tp.raw
	for _, id := range tp.ids {
		q, _ := json.Marshal(id)
		out = bytes.ReplaceAll(out, q, []byte(fmt.Sprintf(`%s-r%d"`, q[:len(q)-1], n)))
	}
	return out
}

// ev is one event of a suite and what must become of it.
type ev struct {
	rec     *kgo.Record // topic, key, value, headers; partition and offset once produced
	account string      // its ometria-account header, "" for none
	records []string    // the recordKeys of its records
	reason  string      // its dead letter's reason when it must become one
}

// corpus is a suite's events and their expected outcomes.
type corpus struct {
	events  []*ev
	want    map[string]json.RawMessage // record JSON by recordKey, as the mapper makes it
	dead    map[string]*ev             // the events that must be dead-lettered, by value
	reasons map[string]int             // the expected dead letters by reason
}

// injected are invalid events mixed into the realistic ones, %[1]d being a unique number.
var injected = []string{
	`{"type":"identify","userId":"bad-%[1]d","traits":{"listingId":"bad-%[1]d","firstName":"No Email"}}`,
	`{"type":"identify","userId":"bad-%[1]d","traits":{"listingId":"bad-%[1]d","email":`,
	`{"type":"track","event":"Order Completed","userId":"bad-%[1]d","timestamp":"2026-01-01T00:00:00Z","traits":{"email":"bad%[1]d@example.com"},"properties":{"order_id":"bad-%[1]d","total":10,"currency":"ZZZ"}}`,
	`{"type":"track","event":"Product Viewed","messageId":"bad-%[1]d","userId":"u%[1]d","timestamp":"yesterday","traits":{"email":"bad%[1]d@example.com"}}`,
	`[%[1]d]`,
	`{"type":"track","userId":"bad-%[1]d","messageId":"bad-%[1]d"}`,
}

// unknownAccount routes an event to no configured account.
const unknownAccount = "nobody"

// newCorpus makes n events for topic over the setup's accounts (by the ometria-account
// header, in turn): copies of the realistic templates with unique ids and, every
// invalidEvery-th event (0: none), an invalid one, in turn each of injected and one for
// an unknown account. It maps every event with the mapper to know what must become of it.
func newCorpus(t *testing.T, s *setup, n, invalidEvery int) *corpus {
	t.Helper()
	tps, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	accts := s.mapperAccounts(t)
	c := &corpus{want: map[string]json.RawMessage{}, dead: map[string]*ev{}, reasons: map[string]int{}}
	values := map[uint64]bool{}
	seed := maphash.MakeSeed()
	var m mapper.Mapper
	bad := 0
	for i := 0; len(c.events) < n; i++ {
		a := s.accounts[i%len(s.accounts)].name
		var value []byte
		if invalidEvery > 0 && i%invalidEvery == invalidEvery-1 {
			k := bad % (len(injected) + 1)
			bad++
			if k == len(injected) {
				a = unknownAccount
				value = tps[i%len(tps)].copyOf(i)
			} else {
				value = []byte(fmt.Sprintf(injected[k], i))
			}
		} else {
			value = tps[i%len(tps)].copyOf(i)
		}
		if h := maphash.Bytes(seed, value); values[h] {
			t.Fatalf("event %d repeats an earlier one: %s", i, value)
		} else {
			values[h] = true
		}
		e := &ev{account: a, rec: &kgo.Record{Topic: s.events(), Key: []byte(fmt.Sprintf("k%d", i)), Value: value,
			Headers: []kgo.RecordHeader{{Key: config.DefaultAccountHeader, Value: []byte(a)}}}}
		var acct *mapper.Account
		if a != unknownAccount {
			acct = accts[a]
		}
		if !c.expect(t, &m, e, acct) {
			continue // a record id seen before: leave the event out
		}
		c.events = append(c.events, e)
	}
	return c
}

// expect maps e for acct (nil: an unknown account) and records what must become of it.
// It returns false, recording nothing, when a record's id was already expected.
func (c *corpus) expect(t *testing.T, m *mapper.Mapper, e *ev, acct *mapper.Account) bool {
	t.Helper()
	outs := m.Map(e.rec.Value, acct)
	var keys []string
	var jsons []json.RawMessage
	reason := ""
	for _, o := range outs {
		switch o.Kind {
		case mapper.Mapped:
			k := recordKey(e.account, o.Record.Type, o.Record.ID)
			if _, dup := c.want[k]; dup {
				return false
			}
			keys, jsons = append(keys, k), append(jsons, bytes.Clone(o.Record.JSON))
		case mapper.DeadLetter:
			if reason != "" {
				t.Fatalf("two dead letters for one event (a batch envelope): %s", e.rec.Value)
			}
			reason = string(o.Err.Reason)
		}
	}
	for i, k := range keys {
		c.want[k] = jsons[i]
	}
	e.records, e.reason = keys, reason
	if reason != "" {
		c.dead[string(e.rec.Value)] = e
		c.reasons[reason]++
	}
	return true
}

// recs returns the Kafka records of events lo to hi.
func (c *corpus) recs(lo, hi int) []*kgo.Record {
	out := make([]*kgo.Record, 0, hi-lo)
	for _, e := range c.events[lo:hi] {
		out = append(out, e.rec)
	}
	return out
}

// producer produces the corpus in chunks of size, one every interval, in the background.
type producer struct {
	done     chan struct{}
	err      error
	produced int // events produced, once done
	started  time.Time
	finished time.Time
}

func (c *corpus) produceIn(t *testing.T, b *broker, chunk int, every time.Duration) *producer {
	p := &producer{done: make(chan struct{}), started: time.Now()}
	go func() {
		defer close(p.done)
		next := time.Now()
		for lo := 0; lo < len(c.events); lo += chunk {
			hi := min(lo+chunk, len(c.events))
			ctx, cancel := contextTimeout(5 * time.Minute)
			err := b.prod.ProduceSync(ctx, c.recs(lo, hi)...).FirstErr()
			cancel()
			if err != nil {
				p.err = fmt.Errorf("producing events %d to %d: %w", lo, hi, err)
				return
			}
			p.produced = hi
			next = next.Add(every)
			time.Sleep(time.Until(next))
		}
		p.finished = time.Now()
	}()
	return p
}

// wait waits for the producer to finish and fails the test on its error.
func (p *producer) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("the events were not all produced within %v", d)
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
}

// missingRecords lists (at most 10 of) the expected records s does not hold, and how many.
func (c *corpus) missingRecords(s *emuState) ([]string, int) {
	var out []string
	for k := range c.want {
		if _, ok := s.records[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	n := len(out)
	if n > 10 {
		out = out[:10]
	}
	return out, n
}

// checkRecords fails the test unless the emulator holds exactly the expected records,
// each as the mapper made it (compared as JSON values, on every core).
func (c *corpus) checkRecords(t *testing.T, s *emuState) {
	t.Helper()
	if missing, n := c.missingRecords(s); n > 0 {
		t.Errorf("%d of %d records not at the emulator, e.g. %v", n, len(c.want), missing)
	}
	var extra []string
	for k := range s.records {
		if _, ok := c.want[k]; !ok {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		t.Errorf("%d records at the emulator that no event makes, e.g. %v", len(extra), extra[:min(10, len(extra))])
	}
	keys := make([]string, 0, len(c.want))
	for k := range c.want {
		keys = append(keys, k)
	}
	var mu sync.Mutex
	var wrong []string
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(keys); i += workers {
				got, ok := s.records[keys[i]]
				if ok && !sameJSON(got, c.want[keys[i]]) {
					mu.Lock()
					wrong = append(wrong, fmt.Sprintf("%s: got %s, want %s", keys[i], got, c.want[keys[i]]))
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	if len(wrong) > 0 {
		sort.Strings(wrong)
		t.Errorf("%d records differ from the mapper's, e.g.:\n%s", len(wrong), strings.Join(wrong[:min(5, len(wrong))], "\n"))
	}
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// checkDeadLetters fails the test unless the dead letters dls are exactly the expected
// ones (every event that must be dead-lettered, with its reason, from the map stage), each
// at least once. It returns how many dead letters repeat one already seen.
func (c *corpus) checkDeadLetters(t *testing.T, dls []*kgo.Record) (dups int) {
	t.Helper()
	seen := map[string]int{}
	var unexpected []string
	for _, d := range dls {
		e := c.dead[string(d.Value)]
		reason, stage := header(d, "ometria-reason"), header(d, "ometria-stage")
		if e == nil || reason != e.reason || stage != "map" {
			unexpected = append(unexpected, fmt.Sprintf("stage %s reason %s (%s): %.200s", stage, reason, header(d, "ometria-message"), d.Value))
			continue
		}
		seen[string(d.Value)]++
	}
	if len(unexpected) > 0 {
		t.Errorf("%d unexpected dead letters, e.g.:\n%s", len(unexpected), strings.Join(unexpected[:min(10, len(unexpected))], "\n"))
	}
	var missing []string
	for v, e := range c.dead {
		switch n := seen[v]; {
		case n == 0:
			missing = append(missing, fmt.Sprintf("%s: %.200s", e.reason, v))
		case n > 1:
			dups += n - 1
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%d of %d events that must be dead-lettered are not, e.g.:\n%s", len(missing), len(c.dead), strings.Join(missing[:min(10, len(missing))], "\n"))
	}
	return dups
}
