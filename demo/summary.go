package demo

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/mapper"
	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// summarize prints what the run did, read back from the emulator and from Kafka.
func summarize(ctx context.Context, out io.Writer, emu *ometriatest.Server, mon *monitor, accounts []demoAccount, took time.Duration) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(out, "\nDone in %.1f s.\n\nRecords at Ometria (the emulator), by account and type:\n", took.Seconds())
	types := mapper.Types()
	fmt.Fprint(tw, "account\t")
	for _, t := range types {
		fmt.Fprintf(tw, "%s\t", t)
	}
	fmt.Fprint(tw, "requests\tmost in one second\trate limit\t\n")
	for _, a := range accounts {
		n := map[string]int{}
		for _, r := range emu.Records(a.name) {
			n[r.Type]++
		}
		fmt.Fprintf(tw, "%s\t", a.name)
		for _, t := range types {
			fmt.Fprintf(tw, "%d\t", n[t])
		}
		fmt.Fprintf(tw, "%d\t%d\t%g/s\t\n", emu.RequestCount(a.name), emu.MaxRequestsPerSecond(a.name), a.rate)
	}
	tw.Flush()

	reasons, err := deadLetters(ctx, mon.brokers)
	if err != nil {
		return fmt.Errorf("reading the dead letters: %w", err)
	}
	fmt.Fprintln(out, "\nDead letters on ometria.dlq, by reason:")
	for _, k := range slices.Sorted(maps.Keys(reasons)) {
		fmt.Fprintf(tw, "  %s\t%d\t\n", k, reasons[k])
	}
	tw.Flush()

	fmt.Fprintln(out, "\nOffsets committed (consumer group, topic: committed / end):")
	for _, st := range config.AllStages() {
		c, e, err := mon.stage(ctx, st)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d / %d\t\n", st.GroupID(mon.groupPrefix), mon.topicOf(st), c, e)
	}
	return tw.Flush()
}

// deadLetters counts the messages of ometria.dlq by their reason header.
func deadLetters(ctx context.Context, brokers []string) (map[string]int, error) {
	c := &kafka.Client{Addr: kafka.TCP(brokers...)}
	parts, err := (&monitor{brokers: brokers}).partitions(ctx, c, "ometria.dlq")
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, p := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: "ometria.dlq", Partition: p, MaxWait: 100 * time.Millisecond})
		end, err := lastOffset(ctx, c, p)
		if err != nil {
			r.Close()
			return nil, err
		}
		for off := int64(0); off < end; off++ {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				return nil, err
			}
			reason := "(none)"
			for _, h := range m.Headers {
				if h.Key == "ometria-reason" {
					reason = string(h.Value)
				}
			}
			out[reason]++
			off = m.Offset
		}
		r.Close()
	}
	return out, nil
}

func lastOffset(ctx context.Context, c *kafka.Client, p int) (int64, error) {
	lo, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{"ometria.dlq": {kafka.LastOffsetOf(p)}}})
	if err != nil {
		return 0, err
	}
	for _, po := range lo.Topics["ometria.dlq"] {
		return po.LastOffset, nil
	}
	return 0, nil
}
