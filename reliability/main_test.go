//go:build reliability

package reliability

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// bins are the binaries under test, built once by TestMain.
var bins struct{ pipeline, emulator string }

func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv("KAFKA_BROKERS") == "" {
		fmt.Fprintln(os.Stderr, "reliability: KAFKA_BROKERS is not set, so every suite skips: make test-reliability starts a real broker")
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "kafka-ometria-reliability")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "../cmd/kafka-ometria", "../cmd/ometria-emulator").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	bins.pipeline, bins.emulator = filepath.Join(dir, "kafka-ometria"), filepath.Join(dir, "ometria-emulator")
	code := m.Run()
	printFigures()
	os.RemoveAll(dir)
	os.Exit(code)
}

// figures are the measurements of the suites, printed together at the end of the run.
var figures struct {
	mu    sync.Mutex
	lines []string
}

// figure logs a measurement and keeps it for the summary printed after the suites.
func figure(t *testing.T, format string, args ...any) {
	t.Helper()
	s := fmt.Sprintf(format, args...)
	t.Log(s)
	name, _, _ := strings.Cut(t.Name(), "/")
	figures.mu.Lock()
	figures.lines = append(figures.lines, name+": "+s)
	figures.mu.Unlock()
}

func printFigures() {
	figures.mu.Lock()
	defer figures.mu.Unlock()
	if len(figures.lines) == 0 {
		return
	}
	fmt.Println("\n=== reliability figures")
	for _, l := range figures.lines {
		fmt.Println("  " + l)
	}
}

// needBroker skips a suite when no broker was given.
func needBroker(t *testing.T) {
	t.Helper()
	if os.Getenv("KAFKA_BROKERS") == "" {
		t.Skip("needs a real broker: set KAFKA_BROKERS (make test-reliability starts one)")
	}
}
