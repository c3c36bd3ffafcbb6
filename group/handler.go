package group

import (
	"context"

	"github.com/segmentio/kafka-go"
)

// Ack reports the outcome of one message, once. nil: the message is finished (its outputs
// are acknowledged, or it is dead-lettered) and its offset may be committed. Non-nil: the
// message is not finished and is given back: its offset is never committed by this
// generation, its partition stops handing out messages (the generation then ends and
// rebalances), and the message is read again by the partition's next owner.
//
// Either way the message's slot of Config.PartitionUnfinished and Config.Room is freed
// at once. Calls after the first, and calls after the generation abandoned the message, are
// ignored. Ack is safe to call from any goroutine and never blocks.
type Ack func(err error)

// Handler takes one message. It must make sure ack is called exactly once, now or later
// from any goroutine: every path, failures and cancellations included. Messages of one
// partition come in offset order, one at a time; acks may come out of order.
//
// ctx is done when the generation stops fetching (a rebalance, a shutdown): the Handler
// must then return promptly, and work it started has Config.DrainTimeout to ack. After
// that the generation abandons what is left (see Abandoned): it frees the slots itself
// and ignores late acks, since the partition may already belong to another member.
type Handler func(ctx context.Context, m kafka.Message, ack Ack)

type abandonKey struct{}

// Abandoned returns, from a Handler's ctx, a context that is done once the message's
// generation has drained (or the drain timed out): a stage that hands a message's work to
// something asynchronous (a sink, a producer's retries) gives it this context, so that
// work left over is dropped, and acked with an error, rather than done while another
// member owns the partition. The Handler's ctx itself is done earlier, when the
// generation stops fetching, so that waits end quickly. Outside a Handler it returns a
// context that is never done.
func Abandoned(ctx context.Context) context.Context {
	if a, ok := ctx.Value(abandonKey{}).(context.Context); ok {
		return a
	}
	return context.Background()
}

// WithAbandoned returns ctx carrying abandon as the context Abandoned returns: what Run
// gives its Handlers, for calling a Handler outside Run (tests).
func WithAbandoned(ctx, abandon context.Context) context.Context {
	return context.WithValue(ctx, abandonKey{}, abandon)
}

// Room bounds the messages handed out and not finished over every group that shares it
// (a process-wide memory bound): a partition waits for room before it hands out its next
// message. A nil *Room bounds nothing.
type Room struct {
	slots chan struct{}
}

// NewRoom returns room for n unfinished messages.
func NewRoom(n int) *Room { return &Room{slots: make(chan struct{}, n)} }

// Held returns the slots held now: messages handed out, not acked, not abandoned.
func (r *Room) Held() int {
	if r == nil {
		return 0
	}
	return len(r.slots)
}

// take waits for a slot until ctx is done; it reports whether it got one.
func (r *Room) take(ctx context.Context) bool {
	if r == nil {
		return true
	}
	select {
	case r.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// give frees n slots.
func (r *Room) give(n int) {
	if r == nil {
		return
	}
	for range n {
		<-r.slots
	}
}
