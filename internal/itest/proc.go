package itest

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Proc is a program started by Start. Its standard output and standard error both go
// to Out.
type Proc struct {
	Cmd *exec.Cmd
	Out *Buffer

	done chan struct{}
	err  error
}

// Start runs bin with args in the test's environment, without any OMETRIA_KEY_ variable
// (so that the test alone decides which API keys the program sees), plus env. It fails
// the test when the program cannot start, and kills the program at the end of the test
// if it still runs.
func Start(t testing.TB, bin string, env []string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Cmd: exec.Command(bin, args...), Out: &Buffer{}, done: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OMETRIA_KEY_") {
			p.Cmd.Env = append(p.Cmd.Env, kv)
		}
	}
	p.Cmd.Env = append(p.Cmd.Env, env...)
	p.Cmd.Stdout, p.Cmd.Stderr = p.Out, p.Out
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(p.Kill)
	return p
}

// Done is closed when the program has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is what waiting for the program returned (nil: it exited with code 0). It is
// meaningful only once Done is closed.
func (p *Proc) Err() error { return p.err }

// Exited reports whether the program has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL (when the program still runs) and waits for it to exit.
func (p *Proc) Kill() {
	if !p.Exited() {
		p.Cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// Wait waits up to d for the program to exit. When it exits in time, inTime is true and
// code is its exit code: -1 when a signal killed it (as os.ProcessState.ExitCode), -2
// when waiting for it failed otherwise. When it does not, Wait kills it and returns -1,
// false.
func (p *Proc) Wait(d time.Duration) (code int, inTime bool) {
	select {
	case <-p.done:
	case <-time.After(d):
		p.Kill()
		return -1, false
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode(), true
	}
	if p.err != nil {
		return -2, true
	}
	return 0, true
}

// Tail returns the last n lines of the program's output, for a failure message.
func (p *Proc) Tail(n int) string {
	lines := strings.Split(strings.TrimSpace(p.Out.String()), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
