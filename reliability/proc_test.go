//go:build reliability

package reliability

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
)

// proc is a running binary, named name in failure messages; its stdout and stderr go to
// Out.
type proc struct {
	*itest.Proc
	name string
}

// start runs bin with args in the test's environment (without any OMETRIA_KEY_ variable)
// plus env. The process is killed at the end of the test if it still runs.
func start(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	return &proc{Proc: itest.Start(t, bin, env, args...), name: name}
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
}

// wait waits up to d for the process to exit and returns its exit code; -1 when it did
// not exit in time (it is then killed), -2 when it died of a signal.
func (p *proc) wait(d time.Duration) int {
	code, inTime := p.Wait(d)
	if inTime && code < 0 {
		return -2
	}
	return code
}

// waitLine waits up to d for an output line containing substr and returns it.
func (p *proc) waitLine(t *testing.T, d time.Duration, substr string) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, l := range strings.Split(p.Out.String(), "\n") {
			if strings.Contains(l, substr) {
				return l
			}
		}
		if p.Exited() {
			t.Fatalf("%s exited (%v) before logging %q:\n%s", p.name, p.Err(), substr, p.Tail(30))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s logged no %q within %v:\n%s", p.name, substr, d, p.Tail(30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
