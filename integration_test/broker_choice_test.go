package integration_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tckafka "github.com/testcontainers/testcontainers-go/modules/kafka"
)

// containerImage is the image of the Kafka that testcontainers starts: the one its Kafka
// module supports (Confluent's packaging of Apache Kafka, KRaft mode).
const containerImage = "confluentinc/confluent-local:7.5.0"

// chooseBroker picks the Kafka the tests run on, says which, and returns what ends it:
//
//  1. KAFKA_BROKERS, when set (make test-kafka sets it to scripts/kafka-local's broker);
//  2. else a container started with testcontainers-go, when a Docker engine answers (not
//     with -short, nor with KAFKA_OMETRIA_NO_DOCKER=1); KAFKA_BROKERS is then set to it;
//  3. else the in-process Kafka (kfake), one cluster per test.
//
// Tests that need a real broker look at KAFKA_BROKERS and say why they skip without one.
func chooseBroker() (stop func()) {
	if b := os.Getenv("KAFKA_BROKERS"); b != "" {
		fmt.Fprintf(os.Stderr, "integration_test: using the broker at KAFKA_BROKERS=%s\n", b)
		return func() {}
	}
	if !flag.Parsed() {
		flag.Parse()
	}
	why := ""
	switch {
	case testing.Short():
		why = "-short"
	case os.Getenv("KAFKA_OMETRIA_NO_DOCKER") != "":
		why = "KAFKA_OMETRIA_NO_DOCKER is set"
	default:
		addr, stop, err := startContainer()
		if err == nil {
			os.Setenv("KAFKA_BROKERS", addr)
			fmt.Fprintf(os.Stderr, "integration_test: using a %s container (testcontainers-go) at %s\n", containerImage, addr)
			return stop
		}
		why = err.Error()
	}
	fmt.Fprintf(os.Stderr, "integration_test: using the in-process Kafka (kfake): no container (%s); set KAFKA_BROKERS for a real broker (make test-kafka)\n", why)
	return func() {}
}

// startContainer starts a Kafka container when a Docker engine answers.
func startContainer() (addr string, stop func(), err error) {
	if err := dockerAnswers(); err != nil {
		return "", nil, fmt.Errorf("no Docker engine: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := tckafka.Run(ctx, containerImage, tckafka.WithClusterID("kafka-ometria-it"))
	if err != nil {
		if c != nil {
			testcontainers.TerminateContainer(c)
		}
		return "", nil, fmt.Errorf("starting %s: %w", containerImage, err)
	}
	brokers, err := c.Brokers(ctx)
	if err != nil {
		testcontainers.TerminateContainer(c)
		return "", nil, fmt.Errorf("the address of %s: %w", containerImage, err)
	}
	return strings.Join(brokers, ","), func() { testcontainers.TerminateContainer(c) }, nil
}

// dockerAnswers asks testcontainers for its Docker provider and pings it; testcontainers
// panics when it finds no Docker host at all, which counts as no answer.
func dockerAnswers() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	p, err := testcontainers.ProviderDocker.GetProvider()
	if err != nil {
		return err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.Health(ctx)
}
