//go:build reliability

package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/mapper"
)

// poison is one hostile event and what must become of it: a dead letter with reason
// (cut to fit the dead-letter topic when cutOf names the reason it would have had), or,
// when reason is "", its records pushed.
type poison struct {
	name   string
	value  []byte // nil: a Kafka null value (a tombstone)
	header string // the ometria-account header; "" the suite's first account
	reason string
	cutOf  string
	note   string // what docs/reliability.md says of it
	// decodable: the pushed record must decode with encoding/json (no number out of
	// float64's range, which Go, JavaScript and most JSON decoders cannot hold).
	decodable bool
	// bug, when set, names a known bug: the case does not end as the table says yet, and
	// its check skips with this message instead of failing.
	bug string
}

// The header that names a poison case on its message; dead letters keep the headers.
const caseHeader = "rel-case"

func nested(open, close string, depth int, inner string) string {
	return strings.Repeat(open, depth) + inner + strings.Repeat(close, depth)
}

// manyKeys is a JSON object of n distinct keys (four base-36 characters each).
func manyKeys(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%04s":0`, strconv.FormatInt(int64(i), 36))
	}
	b.WriteByte('}')
	return b.String()
}

func identify(id, extra string) string {
	return fmt.Sprintf(`{"type":"identify","userId":"u-%[1]s","traits":{"listingId":"%[1]s","email":"%[1]s@example.com"%[2]s}}`, id, extra)
}

func poisons() []poison {
	big := func(n int, head, tail string) []byte {
		v := bytes.Repeat([]byte("x"), n)
		copy(v, head)
		copy(v[n-len(tail):], tail)
		return v
	}
	return []poison{
		{name: "10 MB of invalid JSON", value: big(10<<20, "{", ""), reason: "message_too_large", cutOf: "invalid_json"},
		{name: "a 10 MB identify (its record over 60 KB)", value: big(10<<20, `{"type":"identify","userId":"u1","traits":{"listingId":"big","email":"big@example.com","note":"`, `"}}`),
			reason: "message_too_large", cutOf: "record_too_large"},
		{name: "invalid UTF-8", value: []byte(identify("utf8", `,"name":"Ada `+"\xff\xfe"+`"`)), reason: "invalid_json"},
		{name: "100,000-deep arrays", value: []byte(nested("[", "]", 100_000, "")), reason: "invalid_json"},
		{name: "100,000-deep objects in traits", value: []byte(identify("deep", `,"x":`+nested(`{"x":`, "}", 100_000, "1"))), reason: "invalid_json"},
		{name: "1e400 as an order's total", value: []byte(`{"type":"track","event":"Order Completed","userId":"u-e400","timestamp":"2026-01-01T00:00:00Z","traits":{"email":"e400@example.com"},"properties":{"order_id":"o-e400","total":1e400,"currency":"GBP"}}`),
			reason: "invalid_grand_total"},
		{name: "1e400 in a custom event's properties", value: []byte(`{"type":"track","event":"Viewed","messageId":"m-e400","userId":"u-e400","timestamp":"2026-01-01T00:00:00Z","traits":{"email":"e400@example.com"},"properties":{"x":1e400}}`),
			decodable: true, note: "pushed without the number, left out with the warning number_out_of_range"},
		{name: "an empty value", value: []byte{}, reason: "invalid_json"},
		{name: "a null value (tombstone)", value: nil, reason: "invalid_json"},
		{name: "JSON null", value: []byte("null"), reason: "not_an_object"},
		{name: "an empty array", value: []byte("[]"), reason: "not_an_object"},
		{name: "a JSON string", value: []byte(`"identify"`), reason: "not_an_object"},
		{name: "a JSON number", value: []byte(`42`), reason: "not_an_object"},
		{name: "a byte order mark", value: []byte("\xef\xbb\xbf" + identify("bom", "")), reason: "invalid_json"},
		{name: "a NUL byte", value: []byte{0}, reason: "invalid_json"},
		{name: "a NUL byte in a string", value: []byte(identify("nul", `,"name":"Ada`+"\x00"+`"`)), reason: "invalid_json"},
		{name: "an escaped NUL (\\u0000) in a string", value: []byte(identify("escnul", `,"nick":"a\u0000b"`)), note: "valid JSON: pushed, the escape kept"},
		{name: "a NUL byte after the event", value: append([]byte(identify("trail", "")), 0), reason: "invalid_json"},
		{name: "100,000 keys in traits", value: []byte(identify("keys", `,"extra":`+manyKeys(100_000))), reason: "record_too_large"},
		{name: "100,000 keys at the top level", value: []byte(strings.Replace(identify("topkeys", ""), `{"type"`, `{"extra":`+manyKeys(100_000)+`,"type"`, 1)),
			note: "members the mapping does not read are skipped: pushed"},
		{name: "duplicate keys: type", value: []byte(`{"type":"identify","type":"track","userId":"u-dup","traits":{"listingId":"dup","email":"dup@example.com"}}`),
			reason: "duplicate_key", note: "a key the mapping reads twice makes the event ambiguous"},
		{name: "duplicate keys: listingId", value: []byte(`{"type":"identify","userId":"u-dup2","traits":{"listingId":"dupA","listingId":"dupB","email":"dup2@example.com"}}`),
			reason: "duplicate_key", note: "a key the mapping reads twice makes the event ambiguous"},
		{name: "an unknown account", value: []byte(identify("stranger", "")), header: "no-such-account", reason: "unknown_account"},
	}
}

// TestPoison produces hostile events among normal traffic (6,000 realistic events over 4
// accounts, every partition of the events topic getting both): each must end as a dead
// letter with its reason (or, where the table says, pushed), the normal traffic must keep
// flowing (every record at the emulator, the offsets committed at the end), and no
// partition may stall (the oldest unfinished message, scraped every half second, stays
// young and /readyz stays ready).
func TestPoison(t *testing.T) {
	b := newBroker(t)
	seed := seedFor(t)
	const accounts, rate, events = 4, 5, 6000
	s := newSetup(t, "poison", accounts, rate)
	emu := startEmulator(t, s.accounts, seed)
	s.ometriaURL = emu.url()
	// The events topic takes 20 MB messages; kafka-ometria creates the others with the
	// broker's default (1 MB), so the 10 MB dead letters are cut to fit.
	b.createTopics(t, s.partitions, 20<<20, s.events())
	c := newCorpus(t, s, events, 0)
	path := s.write(t)
	cases := poisons()
	accts := s.mapperAccounts(t)
	var m mapper.Mapper
	want := map[string]string{}   // the records of the cases pushed: recordKey -> case
	made := map[string][]string{} // the records the mapper makes of each case, by case
	var precs []*kgo.Record
	for i, p := range cases {
		a := p.header
		if a == "" {
			a = s.accounts[0].name
		}
		precs = append(precs, &kgo.Record{Topic: s.events(), Key: []byte(fmt.Sprintf("poison-%d", i)), Value: p.value,
			Headers: []kgo.RecordHeader{{Key: config.DefaultAccountHeader, Value: []byte(a)}, {Key: caseHeader, Value: []byte(p.name)}}})
		for _, o := range m.Map(p.value, accts[a]) {
			if o.Kind == mapper.Mapped {
				k := recordKey(a, o.Record.Type, o.Record.ID)
				made[p.name] = append(made[p.name], k)
				if p.reason == "" {
					want[k] = p.name
				}
			}
		}
	}

	in := startPipeline(t, "kafka-ometria", path, s.keyEnv())
	var mu sync.Mutex
	var oldest float64
	var notReady []string
	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	go func() { // the stall signals, every half second
		defer close(watched)
		for {
			select {
			case <-stopWatch:
				return
			case <-time.After(500 * time.Millisecond):
			}
			code, body, err := in.get("/metrics")
			if err == nil && code == http.StatusOK {
				o := maxOf(samples(body), "kafka_ometria_oldest_unfinished_seconds")
				mu.Lock()
				oldest = max(oldest, o)
				mu.Unlock()
			}
			if code, body, err := in.get("/readyz"); err == nil && code != http.StatusOK && !strings.Contains(body, "starting") {
				mu.Lock()
				notReady = append(notReady, fmt.Sprintf("%d %s", code, strings.TrimSpace(body)))
				mu.Unlock()
			}
		}
	}()

	t0 := time.Now()
	// The normal traffic in 24 chunks, every half second; the poison after the fourth.
	const chunk = events / 24
	for lo := 0; lo < len(c.events); lo += chunk {
		b.produce(t, time.Minute, c.recs(lo, min(lo+chunk, len(c.events)))...)
		if lo == 3*chunk {
			b.produce(t, 2*time.Minute, precs...)
		}
		time.Sleep(500 * time.Millisecond)
	}
	produced := time.Now()
	itest.Eventually(t, 3*time.Minute, "every record at the emulator and the offsets committed at the end", func() bool {
		if in.Exited() {
			t.Fatalf("kafka-ometria exited: %v\n%s", in.Err(), in.Tail(30))
		}
		return emu.stored(t) >= len(c.want)+len(want) && b.atEnd(t, s.group("map"), s.events()) && b.atEnd(t, s.group("push"), s.records())
	})
	through := time.Since(produced)
	close(stopWatch)
	<-watched
	in.signal(t, syscall.SIGTERM)
	if code := in.wait(40 * time.Second); code != 0 {
		t.Errorf("after SIGTERM: exit code %d\n%s", code, in.Tail(30))
	}

	end := emu.state(t, s.accounts)
	pushed := map[string]map[string]json.RawMessage{} // the records of each case at the emulator
	for name, keys := range made {
		for _, k := range keys {
			if r, ok := end.records[k]; ok {
				if pushed[name] == nil {
					pushed[name] = map[string]json.RawMessage{}
				}
				pushed[name][k] = r
				delete(end.records, k)
			}
		}
	}
	c.checkRecords(t, end)
	var normal []*kgo.Record
	dls := map[string][]*kgo.Record{}
	for _, d := range b.readAll(t, s.dlq()) {
		if name := header(d, caseHeader); name != "" {
			dls[name] = append(dls[name], d)
		} else {
			normal = append(normal, d)
		}
	}
	c.checkDeadLetters(t, normal)
	var asTable, dead, known int
	for _, p := range cases {
		t.Run(slug(p.name), func(t *testing.T) {
			for _, d := range dls[p.name] {
				t.Logf("dead letter %s: %s", header(d, "ometria-reason"), header(d, "ometria-message"))
			}
			for k, r := range pushed[p.name] {
				t.Logf("pushed %s: %.200s", k, r)
			}
			wrong := p.check(dls[p.name], pushed[p.name], made[p.name])
			switch {
			case len(wrong) == 0:
				asTable++
				if p.reason != "" {
					dead++
				}
			case p.bug != "":
				known++
			}
			switch {
			case len(wrong) > 0 && p.bug != "":
				t.Skipf("%s\nseen: %s", p.bug, strings.Join(wrong, "; "))
			case len(wrong) > 0:
				t.Error(strings.Join(wrong, "\n"))
			case p.bug != "":
				t.Logf("ends as the table says: the bug it names is fixed? %s", p.bug)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if oldest > 20 {
		t.Errorf("a partition's oldest unfinished message reached %.1f s: something stalled", oldest)
	}
	if len(notReady) > 0 {
		t.Errorf("/readyz failed %d times, e.g. %s", len(notReady), notReady[0])
	}
	figure(t, "%d hostile events among %d normal ones (%d records) over %d accounts: %d end as the table says (%d dead letters with their reason, %d pushed), %d do not (a known bug, skipped); everything through %.1f s after the last event was produced (%.0f s in all); the oldest unfinished message of any partition at most %.1f s old; /readyz never failed",
		len(cases), len(c.events), len(c.want), accounts, asTable, dead, asTable-dead, known, through.Seconds(), time.Since(t0).Seconds(), oldest)
}

// check returns what is wrong with the outcome of p: its dead letters dls, its records
// at the emulator (by key) and the keys of the records the mapper makes of it.
func (p poison) check(dls []*kgo.Record, pushed map[string]json.RawMessage, made []string) []string {
	var wrong []string
	if p.reason == "" {
		if len(dls) > 0 {
			wrong = append(wrong, fmt.Sprintf("dead-lettered %s (%s), the table says pushed", header(dls[0], "ometria-reason"), header(dls[0], "ometria-message")))
		}
		for _, k := range made {
			r, ok := pushed[k]
			switch {
			case !ok:
				wrong = append(wrong, fmt.Sprintf("its record %s is not at the emulator", k))
			case p.decodable && json.Unmarshal(r, new(any)) != nil:
				wrong = append(wrong, fmt.Sprintf("pushed as %s, which encoding/json cannot decode", r))
			}
		}
		return wrong
	}
	for k, r := range pushed {
		wrong = append(wrong, fmt.Sprintf("its record %s was pushed: %.300s", k, r))
	}
	if len(dls) != 1 {
		return append(wrong, fmt.Sprintf("%d dead letters, want 1 (%s)", len(dls), p.reason))
	}
	d := dls[0]
	reason, stage := header(d, "ometria-reason"), header(d, "ometria-stage")
	if reason != p.reason || stage != "map" {
		wrong = append(wrong, fmt.Sprintf("a dead letter of stage %s with reason %s (%s), want map, %s", stage, reason, header(d, "ometria-message"), p.reason))
	}
	if d.Value == nil {
		wrong = append(wrong, "a null dead letter (a delete marker on a compacted topic)")
	}
	if p.cutOf != "" {
		if header(d, "ometria-truncated") != "true" || header(d, "ometria-original-reason") != p.cutOf ||
			header(d, "ometria-original-size") != strconv.Itoa(len(p.value)) || !bytes.HasPrefix(p.value, d.Value) {
			wrong = append(wrong, fmt.Sprintf("a cut dead letter of %d bytes with truncated %q, original reason %q, size %q; want a prefix, %s, %d",
				len(d.Value), header(d, "ometria-truncated"), header(d, "ometria-original-reason"), header(d, "ometria-original-size"), p.cutOf, len(p.value)))
		}
	} else if !bytes.Equal(d.Value, p.value) {
		wrong = append(wrong, fmt.Sprintf("the dead letter's %d bytes are not the event's %d", len(d.Value), len(p.value)))
	}
	return wrong
}
