package main

import (
	"os"
	"testing"
	"time"
)

func TestProcCPU(t *testing.T) {
	// A real line of a process whose name holds a space and a parenthesis.
	stat := []byte("4242 (kafka (x) y) S 1 4242 4242 0 -1 4194560 16001 0 3 0 1234 567 0 0 20 0 12 0 98765 1711276032 31052 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0\n")
	got, err := procCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := (1234 + 567) * 10 * time.Millisecond; got != want {
		t.Errorf("procCPU = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "42 (x S 1", "42 (x) S 1 2 3", "42 (x) S 1 2 3 4 5 6 7 8 9 10 u 5 0"} {
		if _, err := procCPU([]byte(bad)); err == nil {
			t.Errorf("procCPU(%q): no error", bad)
		}
	}
}

func TestProcStatusKB(t *testing.T) {
	status := []byte("Name:\tkafka-ometria\nVmPeak:\t 1313148 kB\nVmHWM:\t   98304 kB\nVmRSS:\t   65536 kB\nThreads:\t12\n")
	if got, err := procStatusKB(status, "VmHWM"); err != nil || got != 98304 {
		t.Errorf("VmHWM = %d, %v; want 98304", got, err)
	}
	if got, err := procStatusKB(status, "VmRSS"); err != nil || got != 65536 {
		t.Errorf("VmRSS = %d, %v; want 65536", got, err)
	}
	if _, err := procStatusKB(status, "VmSwap"); err == nil {
		t.Error("VmSwap: no error for a missing line")
	}
	if _, err := procStatusKB(status, "Threads"); err == nil {
		t.Error("Threads: no error for a value without kB")
	}
}

func TestMachineCPU(t *testing.T) {
	stat := []byte("cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nintr 12345\n")
	busy, total, err := machineCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 161 * 10 * time.Millisecond; busy != want {
		t.Errorf("busy = %v, want %v", busy, want)
	}
	if want := 1181 * 10 * time.Millisecond; total != want {
		t.Errorf("total = %v, want %v", total, want)
	}
	if _, _, err := machineCPU([]byte("intr 1\n")); err == nil {
		t.Error("no cpu line: no error")
	}
}

// TestReadUsageSelf reads this test process's own /proc entries.
func TestReadUsageSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	u, err := readUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if u.PeakRSS < 1<<20 {
		t.Errorf("peak RSS %d bytes: implausibly small", u.PeakRSS)
	}
	if _, _, err := readMachine(); err != nil {
		t.Error(err)
	}
}
