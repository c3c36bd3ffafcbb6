//go:build reliability

package reliability

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-ometria/kafka-ometria/internal/itest"
)

// proc is a running binary; its stdout and stderr go to out.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *itest.Buffer
	done chan struct{}
	err  error
}

// start runs bin with args in the test's environment (without any OMETRIA_KEY_ variable)
// plus env. The process is killed at the end of the test if it still runs.
func start(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), out: &itest.Buffer{}, done: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OMETRIA_KEY_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	return p
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL (when it still runs) and waits for the process to exit.
func (p *proc) kill() {
	if !p.exited() {
		p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
}

// wait waits up to d for the process to exit and returns its exit code; -1 when it did
// not exit in time (it is then killed), -2 when it died of a signal.
func (p *proc) wait(d time.Duration) int {
	select {
	case <-p.done:
	case <-time.After(d):
		p.kill()
		return -1
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ee.ExitCode() < 0 {
			return -2
		}
		return ee.ExitCode()
	}
	if p.err != nil {
		return -2
	}
	return 0
}

// tail returns the last n lines of the process's output.
func (p *proc) tail(n int) string {
	lines := strings.Split(strings.TrimSpace(p.out.String()), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitLine waits up to d for an output line containing substr and returns it.
func (p *proc) waitLine(t *testing.T, d time.Duration, substr string) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, l := range strings.Split(p.out.String(), "\n") {
			if strings.Contains(l, substr) {
				return l
			}
		}
		if p.exited() {
			t.Fatalf("%s exited (%v) before logging %q:\n%s", p.name, p.err, substr, p.tail(30))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s logged no %q within %v:\n%s", p.name, substr, d, p.tail(30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventually polls cond every 100 ms until it holds, or fails the test after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
