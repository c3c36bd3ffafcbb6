package integration_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/internal/itest"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// TestThreeProcessesOneAddedOneKilled runs kafka-ometria binaries in one group while
// events keep arriving for six accounts (routed by header, so that their records spread
// over the records topic's partitions): two at first, a third mid-run, then one of the
// first two killed with SIGKILL. Every record must arrive (the killed process's
// partitions move after kafka.session_timeout, set to 10 s here) and no account may
// exceed its rate.
func TestThreeProcessesOneAddedOneKilled(t *testing.T) {
	bin := binary(t) // skips under -short: this test takes about a minute
	const rate = 10
	accounts := []string{"acme", "beta", "gamma", "delta", "epsilon", "zeta"}
	e := newEnv(t, rate)
	for _, a := range accounts[2:] {
		e.emu.AddAccount(ometriatest.Account{Name: a, Key: "key-" + a, RateLimit: rate})
	}
	yaml := fmt.Sprintf(`
kafka: {brokers: [%q], group_id: %s, create_topics: true, topic_partitions: 4, session_timeout: 10s}
topics: {events: [%s], records: %s, retry: %s, dead_letter: %s}
routing: {default_account: acme}
ometria: {base_url: %q}
retry: {initial_delay: 200ms, max_delay: 1s, max_attempts: 5}
accounts:
`, e.brokers[0], e.prefix, e.cfg.Topics.Events[0], e.cfg.Topics.Records, e.cfg.Topics.Retry, e.cfg.Topics.DeadLetter, e.emu.URL())
	var keyEnv []string
	for _, a := range accounts {
		v := "OMETRIA_KEY_" + strings.ToUpper(a)
		yaml += fmt.Sprintf("  %s: {api_key_env: %s, rate_limit: %d, phone_region: GB}\n", a, v, rate)
		keyEnv = append(keyEnv, v+"=key-"+a)
	}
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kafka-ometria.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}

	const rounds, perRound = 20, 300
	values, bad := sampleEvents(rounds * perRound)
	account := func(i int) string { return accounts[i%len(accounts)] }
	byAccount := map[string][]string{}
	for i, v := range values {
		byAccount[account(i)] = append(byAccount[account(i)], v)
	}
	want := map[string]map[string]json.RawMessage{}
	total := 0
	for _, a := range accounts {
		want[a] = expectedFor(t, cfg.Accounts[a].Settings(a), byAccount[a])
		total += len(want[a])
	}
	at := func() int {
		n := 0
		for _, a := range accounts {
			k, _ := e.atAccount(a, want[a])
			n += k
		}
		return n
	}
	args := []string{"run", "--config", path, "--listen", "127.0.0.1:0"}
	procs := []*proc{start(t, bin, keyEnv, args...), start(t, bin, keyEnv, args...)}
	alive := func() {
		for i, p := range procs {
			select {
			case <-p.Done():
				if i != 0 { // the first is the one killed
					t.Fatalf("process %d exited: %v\n%s", i+1, p.Err(), p.tail())
				}
			default:
			}
		}
	}

	// Events arrive over about 20 s, in 20 rounds; the third process starts at a quarter of them, the
	// first is killed at 60%.
	t0 := time.Now()
	var killedAt time.Duration
	for r := 0; r < rounds; r++ {
		lo := r * perRound
		e.produceMsgs(t, routed(values[lo:lo+perRound], func(i int) string { return account(lo + i) }))
		switch r {
		case rounds / 4:
			t.Logf("%v: %d of %d records at the emulator: starting a third process", time.Since(t0).Round(time.Millisecond), at(), total)
			procs = append(procs, start(t, bin, keyEnv, args...))
		case rounds * 6 / 10:
			t.Logf("%v: %d of %d records at the emulator: SIGKILL to the first process", time.Since(t0).Round(time.Millisecond), at(), total)
			if err := procs[0].Cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killedAt = time.Since(t0)
		}
		alive() // each round takes about a second: kafka-go's writer lingers 1 s
	}
	t.Logf("%v: all %d events produced; %d of %d records at the emulator", time.Since(t0).Round(time.Millisecond), len(values), at(), total)

	for _, a := range accounts {
		alive()
		e.waitAll(t, 120*time.Second, a, want[a])
	}
	t.Logf("%v: every record at the emulator (%v after the kill)", time.Since(t0).Round(time.Millisecond), (time.Since(t0) - killedAt).Round(time.Millisecond))
	itest.Eventually(t, 60*time.Second, "offsets committed at the end of the events and records topics", func() bool {
		return e.committedAtEnd(t, e.mapGroup(), e.cfg.Topics.Events[0]) && e.committedAtEnd(t, e.pushGroup(), e.cfg.Topics.Records)
	})
	for i, p := range procs[1:] {
		if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := p.wait(30 * time.Second); code != 0 {
			t.Errorf("process %d, after SIGTERM: exit code %d (-1: still running after 30s)\n%s", i+2, code, p.tail())
		}
	}
	e.checkDeadLetters(t, values, bad, true)

	var over []string
	for _, a := range accounts {
		reqs := e.emu.Requests(a)
		statuses := map[int]int{}
		for _, r := range reqs {
			statuses[r.Status]++
		}
		most := e.emu.MaxRequestsPerSecond(a)
		t.Logf("%s: %d records, %d pushes (by status %v), at most %d within a second", a, len(want[a]), len(reqs), statuses, most)
		if most > rate {
			over = append(over, fmt.Sprintf("%s: %d pushes within one second; its rate is %d/s (pushes by status %v)", a, most, rate, statuses))
		}
	}
	if len(over) > 0 {
		t.Fatalf("an account exceeded its rate:\n%s", strings.Join(over, "\n"))
	}
}
