package dlq

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// NewProgressBar returns a Progress drawn on w (a terminal) as a bar of total entries.
func NewProgressBar(w io.Writer, total int64, description string) Progress {
	return &bar{b: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("entries"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)}
}

type bar struct{ b *progressbar.ProgressBar }

func (b *bar) Add(n int) { _ = b.b.Add(n) }

// Finish ends the bar where it is: full after a whole replay, part way after an
// interruption or --limit.
func (b *bar) Finish() {
	if b.b.IsFinished() {
		return
	}
	if st := b.b.State(); st.CurrentNum >= st.Max {
		_ = b.b.Finish()
		return
	}
	_ = b.b.Exit()
}
