//go:build reliability

package reliability

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// killSnap is the state right after a process stopped (SIGKILL or SIGTERM): what the
// emulator held, what the stages had committed and how far the records and dead-letter
// topics went.
type killSnap struct {
	n                 int
	label             string // "kill 3"
	at                time.Time
	moment            string        // when in the process's life the kill came
	recovered         time.Duration // after the restart before it, how long until records flowed again (0: they did not before the kill)
	resumed           string        // when the map and push groups committed again after the restart before it
	emu               *emuState
	mapCommitted      map[int]int64 // the map group on the events topic
	pushCommitted     map[int]int64 // the push group on the records topic
	recordsEnd        map[int]int64
	dlqEnd            map[int]int64
	pushedUncommitted int // records at the emulator above the push group's commit: pushed again after the restart
	remapped          int // records of events above the map group's commit already produced: produced (and pushed) again
	remappedDLQ       int // the same for dead letters
	oneInterval       int // records accepted in the kafka.commit_interval before the kill
}

func (s *setup) snapshot(t *testing.T, b *broker, emu *emulator) *killSnap {
	t.Helper()
	return &killSnap{
		emu:           emu.state(t, s.accounts),
		mapCommitted:  b.committed(t, s.group("map"), s.events()),
		pushCommitted: b.committed(t, s.group("push"), s.records()),
		recordsEnd:    b.ends(t, s.records()),
		dlqEnd:        b.ends(t, s.dlq()),
	}
}

// copyOf is one message of the records or dead-letter topic: where it is and which
// event it came from.
type copyOf struct {
	key       string // recordKey, or the dead letter's value
	partition int
	offset    int64
	srcPart   int
	srcOffset int64
	fromDLQ   bool
}

func copies(rs []*kgo.Record, dlq bool) []copyOf {
	out := make([]copyOf, 0, len(rs))
	for _, r := range rs {
		c := copyOf{partition: int(r.Partition), offset: r.Offset, fromDLQ: dlq}
		sp, _ := strconv.Atoi(header(r, "ometria-source-partition"))
		so, _ := strconv.ParseInt(header(r, "ometria-source-offset"), 10, 64)
		c.srcPart, c.srcOffset = sp, so
		if dlq {
			c.key = string(r.Value)
		} else {
			c.key = recordKey(string(r.Key), header(r, "ometria-record-type"), header(r, "ometria-record-id"))
		}
		out = append(out, c)
	}
	return out
}

// below reports whether offset o of partition p lies below the committed offset (none
// committed: -1, nothing below).
func below(committed map[int]int64, p int, o int64) bool { return o < committed[p] }

// checkSnapshots fails the test when, at any snapshot, a stage had committed past work
// that was not done: a record below the push group's commit that the emulator did not
// hold, an event below the map group's commit whose records or dead letter were not
// written. recs and dls are the records and dead-letter topics at the end. It sets each
// snapshot's pushedUncommitted, remapped and remappedDLQ: the work done and not committed,
// which a restart does again.
func (c *corpus) checkSnapshots(t *testing.T, snaps []*killSnap, recs, dls []copyOf) {
	t.Helper()
	type src struct {
		p int
		o int64
	}
	bySource := map[src]*ev{}
	for _, e := range c.events {
		bySource[src{int(e.rec.Partition), e.rec.Offset}] = e
	}
	var lost []string
	for _, sn := range snaps {
		remapped, remappedDLQ := map[string]bool{}, map[string]bool{}
		written := map[string]bool{} // records and dead letters on their topics at the kill
		for _, cp := range append(recs, dls...) {
			end := sn.recordsEnd
			if cp.fromDLQ {
				end = sn.dlqEnd
			}
			if cp.offset >= end[cp.partition] {
				continue
			}
			written[cp.key] = true
			if !below(sn.mapCommitted, cp.srcPart, cp.srcOffset) {
				if cp.fromDLQ {
					remappedDLQ[cp.key] = true
				} else {
					remapped[cp.key] = true
				}
			}
			if cp.fromDLQ {
				continue
			}
			_, pushed := sn.emu.records[cp.key]
			if below(sn.pushCommitted, cp.partition, cp.offset) {
				if !pushed {
					lost = append(lost, fmt.Sprintf("%s: the push group had committed records partition %d past offset %d (%s), not at the emulator", sn.label, cp.partition, cp.offset, cp.key))
				}
			} else if pushed {
				sn.pushedUncommitted++
			}
		}
		sn.remapped, sn.remappedDLQ = len(remapped), len(remappedDLQ)
		for p, committed := range sn.mapCommitted {
			for o := int64(0); o < committed; o++ {
				e := bySource[src{p, o}]
				if e == nil {
					continue // not one of ours (there is none) or produced twice
				}
				for _, k := range e.records {
					if !written[k] {
						lost = append(lost, fmt.Sprintf("%s: the map group had committed events partition %d past offset %d, whose record %s was not written", sn.label, p, o, k))
					}
				}
				if e.reason != "" && !written[string(e.rec.Value)] {
					lost = append(lost, fmt.Sprintf("%s: the map group had committed events partition %d past offset %d, whose dead letter (%s) was not written", sn.label, p, o, e.reason))
				}
			}
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d committed offsets past work that was not done, e.g.:\n%s", len(lost), strings.Join(lost[:min(10, len(lost))], "\n"))
	}

}
