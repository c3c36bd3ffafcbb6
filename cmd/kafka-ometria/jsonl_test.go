package main

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	type got struct {
		line string // "<nil>" for a discarded line
		size int
	}
	tests := []struct {
		name  string
		input string
		max   int
		want  []got
	}{
		{"empty input", "", 10, nil},
		{"lines", "a\nbc\n", 10, []got{{"a", 1}, {"bc", 2}}},
		{"no final newline", "a\nbc", 10, []got{{"a", 1}, {"bc", 2}}},
		{"crlf", "a\r\n\r\nb\r\n", 10, []got{{"a", 1}, {"", 0}, {"b", 1}}},
		{"blank lines", "\n\n", 10, []got{{"", 0}, {"", 0}}},
		{"exactly max", "12345\n123456\n", 5, []got{{"12345", 5}, {"<nil>", 6}}},
		{"exactly max with crlf", "12345\r\n123456\r\nx", 5, []got{{"12345", 5}, {"<nil>", 6}, {"x", 1}}},
		{"longer than the reader's buffer", strings.Repeat("a", 100) + "\n" + strings.Repeat("b", 40) + "\nc", 50,
			[]got{{"<nil>", 100}, {strings.Repeat("b", 40), 40}, {"c", 1}}},
		{"long last line", strings.Repeat("a", 100), 50, []got{{"<nil>", 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := bufio.NewReaderSize(strings.NewReader(tt.input), 16)
			var buf []byte
			var lines []got
			for {
				line, size, err := readLine(rd, buf, tt.max)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if line == nil {
					lines = append(lines, got{"<nil>", size})
				} else {
					lines = append(lines, got{string(line), size})
					buf = line[:0]
				}
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("got %v, want %v", lines, tt.want)
			}
			for i := range lines {
				if lines[i] != tt.want[i] {
					t.Errorf("line %d: got %v, want %v", i+1, lines[i], tt.want[i])
				}
			}
		})
	}
}
