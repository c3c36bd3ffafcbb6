package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc: 100 on every Linux
// architecture Go supports (the kernel's ABI fixes it, whatever CONFIG_HZ is).
const clockTicks = 100

// procCPU parses /proc/PID/stat and returns the process's user plus system CPU time
// (utime and stime, fields 14 and 15). The command name (field 2) is in parentheses and
// may itself hold spaces and parentheses: the fields are counted after its last ')'.
func procCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no ')' in %q", truncate(stat))
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields after the command, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %v", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// procStatusKB returns the value in kB of a line "Name:   123 kB" of /proc/PID/status,
// such as VmHWM (peak resident set) or VmRSS.
func procStatusKB(status []byte, name string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("/proc status: %s: %q is not N kB", name, v)
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("/proc status: no %s line", name)
}

// machineCPU parses /proc/stat and returns the machine's busy and total CPU time over all
// cores since boot: total is the sum of the "cpu" line's first eight fields (user nice
// system idle iowait irq softirq steal), busy the same less idle and iowait. Guest time is
// already counted in user and nice.
func machineCPU(stat []byte) (busy, total time.Duration, err error) {
	sc := bufio.NewScanner(bytes.NewReader(stat))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 9 {
			return 0, 0, fmt.Errorf("/proc/stat: cpu line has %d fields, want at least 9", len(f))
		}
		var b, t int64
		for i, s := range f[1:9] {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("/proc/stat: %v", err)
			}
			t += n
			if i != 3 && i != 4 { // idle, iowait
				b += n
			}
		}
		tick := time.Second / clockTicks
		return time.Duration(b) * tick, time.Duration(t) * tick, nil
	}
	return 0, 0, fmt.Errorf("/proc/stat: no cpu line")
}

// usage is what /proc tells of one process at one moment.
type usage struct {
	CPU     time.Duration // user + system
	PeakRSS int64         // VmHWM, bytes
}

// readUsage reads the CPU time and peak RSS of process pid.
func readUsage(pid int) (usage, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return usage{}, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return usage{}, err
	}
	cpu, err := procCPU(stat)
	if err != nil {
		return usage{}, err
	}
	hwm, err := procStatusKB(status, "VmHWM")
	if err != nil {
		return usage{}, err
	}
	return usage{CPU: cpu, PeakRSS: hwm << 10}, nil
}

// readMachine reads the machine's busy and total CPU time.
func readMachine() (busy, total time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	return machineCPU(b)
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
