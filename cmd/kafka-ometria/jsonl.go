package main

import (
	"bufio"
	"bytes"
	"io"
)

// readLine reads the next line into buf (reused) and returns it without its "\n" or "\r\n".
// A line longer than max bytes is read to its end and discarded: line is then nil and size
// its length. At the end of the input it returns io.EOF; a last line without "\n" is a line.
func readLine(rd *bufio.Reader, buf []byte, max int) (line []byte, size int, err error) {
	buf = buf[:0]
	tooLong := false
	var chunk []byte
	for {
		chunk, err = rd.ReadSlice('\n')
		size += len(chunk)
		if !tooLong {
			if len(buf)+len(chunk) > max+2 { // +2: room for "\r\n"
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err != bufio.ErrBufferFull {
			break
		}
	}
	switch {
	case err == io.EOF && size == 0:
		return nil, 0, io.EOF
	case err != nil && err != io.EOF:
		return nil, size, err
	}
	if !tooLong {
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if len(buf) <= max {
			if buf == nil {
				buf = []byte{}
			}
			return buf, len(buf), nil
		}
		return nil, len(buf), nil
	}
	if bytes.HasSuffix(chunk, []byte("\r\n")) {
		size -= 2
	} else if bytes.HasSuffix(chunk, []byte("\n")) {
		size--
	}
	return nil, size, nil
}
