package dlq

import (
	"bufio"
	"context"
	"io"
)

// Export writes the entries of t that f selects to w as JSONL (see Line), partition by
// partition in offset order, and returns how many it wrote and read.
func Export(ctx context.Context, t *Topic, f *Filter, w io.Writer) (written, read int, err error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	read, err = Scan(ctx, t, f, func(e *Entry) error {
		line, err := EncodeLine(e, false)
		if err != nil {
			return err
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
		written++
		return nil
	})
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return written, read, err
}
