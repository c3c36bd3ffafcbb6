// Package testevents loads the project's 2,000 benchmark events
// (mapper/testdata/events-2k.jsonl.gz: 40% identify, 40% custom events, 20% orders with
// 1-5 products, about 1.8 KB each, a few invalid) for the tests and benchmarks of any
// package.
package testevents

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// File is the events' file, relative to the module's root.
const File = "mapper/testdata/events-2k.jsonl.gz"

// Load returns the events, one JSON value each, in the file's order. It finds the file
// from the test's working directory (its package's directory) up to the module's root.
func Load(tb testing.TB) [][]byte {
	tb.Helper()
	path, err := find()
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			lines = append(lines, bytes.Clone(l))
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}

// find returns the path of File: the working directory's go.mod, or its parents'.
func find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, File), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testevents: no go.mod in the working directory or above it")
		}
		dir = parent
	}
}
