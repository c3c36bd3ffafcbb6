package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a process the harness started: its output goes to a log file, and each line
// is also handed to onLine.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

// startChild starts bin with args and env (added to the harness's environment), writing
// its standard output and error to logPath and handing each line to onLine.
func startChild(name, bin string, args, env []string, logPath string, onLine func(line []byte)) (*child, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	// The child dies with the harness, should the harness be killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	pr, pw, err := os.Pipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	pw.Close()
	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		defer logf.Close()
		br := bufio.NewReaderSize(pr, 1<<16)
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				logf.Write(line)
				if onLine != nil {
					onLine(line)
				}
			}
			if err != nil {
				pr.Close()
				return
			}
		}
	}()
	go func() {
		c.err = cmd.Wait()
		<-copied
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits up to grace for the exit, then kills.
func (c *child) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// kill sends SIGKILL and waits for the exit.
func (c *child) kill() {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Kill()
	<-c.done
}

// tail returns the last n lines of the child's log.
func (c *child) tail(n int) string {
	b, _ := os.ReadFile(c.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logLine is the part of a zap JSON log line the harness reads.
type logLine struct {
	TS       float64 `json:"ts"`
	Msg      string  `json:"msg"`
	Addr     string  `json:"addr"`    // the emulator's "listening"
	Address  string  `json:"address"` // kafka-ometria's "serving metrics and health"
	Method   string  `json:"method"`
	Path     string  `json:"path"`
	Status   int     `json:"status"`
	Accepted int     `json:"accepted"`
	Rejected int     `json:"rejected"`
	Duration float64 `json:"duration"` // seconds
}

func epoch(ts float64) time.Time {
	sec, frac := math.Modf(ts)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// emulator is a running ometria-emulator. It follows the emulator's log, one line per
// request, to count the records accepted as they are.
type emulator struct {
	*child
	url string // http://host:port

	mu           sync.Mutex
	addr         chan string
	accepted     int // records accepted, by the log
	rejected     int
	pushes       int
	lastAccepted time.Time
	handlerTime  time.Duration
}

func startEmulator(bin, configPath, logPath string) (*emulator, error) {
	e := &emulator{addr: make(chan string, 1)}
	c, err := startChild("ometria-emulator", bin, []string{"--config", configPath}, nil, logPath, e.onLine)
	if err != nil {
		return nil, err
	}
	e.child = c
	select {
	case a := <-e.addr:
		e.url = "http://" + a
		return e, nil
	case <-c.done:
		return nil, fmt.Errorf("ometria-emulator exited at start: %v\n%s", c.err, c.tail(20))
	case <-time.After(30 * time.Second):
		c.kill()
		return nil, fmt.Errorf("ometria-emulator did not say where it listens within 30s\n%s", c.tail(20))
	}
}

func (e *emulator) onLine(b []byte) {
	var l logLine
	if json.Unmarshal(b, &l) != nil {
		return
	}
	switch {
	case l.Msg == "listening" && l.Addr != "":
		select {
		case e.addr <- l.Addr:
		default:
		}
	case l.Msg == "request" && l.Path == "/v2/push" && l.Method == "POST":
		t := epoch(l.TS)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.pushes++
		e.handlerTime += time.Duration(l.Duration * float64(time.Second))
		if l.Status >= 200 && l.Status < 300 {
			e.accepted += l.Accepted
			e.rejected += l.Rejected
			if l.Accepted > 0 && t.After(e.lastAccepted) {
				e.lastAccepted = t
			}
		}
	}
}

// progress returns the records accepted and rejected so far and when the last was.
func (e *emulator) progress() (accepted, rejected int, last time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.accepted, e.rejected, e.lastAccepted
}

// emuRequest is one push in the emulator's history (GET /_emulator/requests).
type emuRequest struct {
	Time     time.Time `json:"time"`
	Type     string    `json:"type"`
	Status   int       `json:"status"`
	Accepted int       `json:"accepted"`
	Rejected int       `json:"rejected"`
}

// requests returns the push history of each account, fetched with a few at a time.
func (e *emulator) requests(ctx context.Context, accounts []string) (map[string][]emuRequest, error) {
	out := make(map[string][]emuRequest, len(accounts))
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, a := range accounts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var rs []emuRequest
			err := getJSON(ctx, e.url+"/_emulator/requests?account="+a, &rs)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			out[a] = rs
		}()
	}
	wg.Wait()
	return out, firstErr
}

// storedRecords returns the records the emulator holds, over all accounts.
func (e *emulator) storedRecords(ctx context.Context) (int, error) {
	var st struct {
		Accounts map[string]struct {
			Records int `json:"records"`
		} `json:"accounts"`
	}
	if err := getJSON(ctx, e.url+"/_emulator/stats", &st); err != nil {
		return 0, err
	}
	n := 0
	for _, a := range st.Accounts {
		n += a.Records
	}
	return n, nil
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// pipeline is a running `kafka-ometria run`.
type pipeline struct {
	*child
	addr chan string
	url  string // http://host:port of /metrics and /readyz
}

// startPipeline starts kafka-ometria run; profiles adds --pprof.
func startPipeline(ctx context.Context, bin, configPath, logPath string, accounts []string, profiles bool) (*pipeline, error) {
	env := make([]string, len(accounts))
	for i, a := range accounts {
		env[i] = keyEnv(a) + "=" + apiKey(a)
	}
	p := &pipeline{addr: make(chan string, 1)}
	args := []string{"run", "--config", configPath, "--listen", "127.0.0.1:0"}
	if profiles {
		args = append(args, "--pprof")
	}
	c, err := startChild("kafka-ometria", bin, args, env, logPath, func(b []byte) {
		if !strings.Contains(string(b), "serving metrics and health") {
			return
		}
		var l logLine
		if json.Unmarshal(b, &l) == nil && l.Address != "" {
			select {
			case p.addr <- l.Address:
			default:
			}
		}
	})
	if err != nil {
		return nil, err
	}
	p.child = c
	select {
	case a := <-p.addr:
		p.url = "http://" + a
	case <-c.done:
		return nil, fmt.Errorf("kafka-ometria exited at start: %v\n%s", c.err, c.tail(20))
	case <-time.After(60 * time.Second):
		c.kill()
		return nil, fmt.Errorf("kafka-ometria did not serve /metrics within 60s\n%s", c.tail(20))
	}
	return p, nil
}

// cpuProfile saves a CPU profile of the next d to path (go tool pprof reads it).
func (p *pipeline) cpuProfile(ctx context.Context, d time.Duration, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", p.url, int(d.Seconds())), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("CPU profile: %s: %s", resp.Status, b)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// waitReady waits until /readyz answers 200.
func (p *pipeline) waitReady(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/readyz", nil)
		resp, err := httpClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p.exited() {
			return fmt.Errorf("kafka-ometria exited: %v\n%s", p.err, p.tail(20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kafka-ometria not ready after %v\n%s", d, p.tail(20))
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errTimeout = errors.New("timed out")
