package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// broker is a Kafka the scenarios run on.
type broker struct {
	kind  string // "real" or "kfake"
	addrs []string
	pid   int // the broker's process, for its CPU time; 0: unknown
	stop  func()
}

// startRealBroker uses KAFKA_BROKERS when set (its process is then unknown, unless
// BENCH_KAFKA_PID names it), else starts one with scripts/kafka-local on port, trying the
// next ports when one is taken.
func startRealBroker(repo string, port int) (*broker, error) {
	if b := os.Getenv("KAFKA_BROKERS"); b != "" {
		pid, _ := strconv.Atoi(os.Getenv("BENCH_KAFKA_PID"))
		logf("using the broker at KAFKA_BROKERS=%s", b)
		return &broker{kind: "real", addrs: strings.Split(b, ","), pid: pid, stop: func() {}}, nil
	}
	script := filepath.Join(repo, "scripts", "kafka-local")
	var lastErr error
	for try := range 3 {
		p := port + 10*try
		env := append(os.Environ(), fmt.Sprintf("KAFKA_PORT=%d", p))
		stop := func() {
			cmd := exec.Command(script, "stop")
			cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				logf("scripts/kafka-local stop: %v", err)
			}
		}
		logf("starting a Kafka broker with scripts/kafka-local on port %d", p)
		cmd := exec.Command(script, "start")
		cmd.Env, cmd.Stderr = env, os.Stderr
		out, err := cmd.Output()
		if err != nil {
			lastErr = fmt.Errorf("scripts/kafka-local start (port %d): %w", p, err)
			stop()
			continue
		}
		b := &broker{kind: "real", stop: stop}
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "KAFKA_BROKERS="); ok {
				b.addrs = strings.Split(v, ",")
			}
		}
		if len(b.addrs) == 0 {
			stop()
			return nil, fmt.Errorf("scripts/kafka-local start printed no KAFKA_BROKERS: %q", out)
		}
		state := os.Getenv("KAFKA_LOCAL_STATE")
		if state == "" {
			state = filepath.Join(os.TempDir(), fmt.Sprintf("kafka-ometria-%d", p))
		}
		if s, err := os.ReadFile(filepath.Join(state, "kafka.pid")); err == nil {
			b.pid, _ = strconv.Atoi(strings.TrimSpace(string(s)))
		}
		return b, nil
	}
	return nil, lastErr
}

// startKfake runs the in-process Kafka (kfake) in a child process of the harness (this
// binary with -serve-kfake), so that its CPU time is counted apart from the harness's.
func startKfake(logPath string) (*broker, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-serve-kfake")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(done) }()
	stop := func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "KFAKE_BROKERS=")
	if err != nil || !ok {
		stop()
		return nil, fmt.Errorf("kfake child: %q, %v", line, err)
	}
	return &broker{kind: "kfake", addrs: strings.Split(v, ","), pid: cmd.Process.Pid, stop: stop}, nil
}

// serveKfake is the child's side: one kfake broker until standard input closes.
func serveKfake() int {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfake:", err)
		return 1
	}
	defer c.Close()
	fmt.Printf("KFAKE_BROKERS=%s\n", strings.Join(c.ListenAddrs(), ","))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { io.Copy(io.Discard, os.Stdin); stop() }()
	<-ctx.Done()
	return 0
}
