package integration_test

import (
	"fmt"
	"os"
)

// init says, once per test process, which Kafka the tests run on (shown with -v or when
// the package fails; binary_test.go already defines TestMain).
func init() {
	if b := os.Getenv("KAFKA_BROKERS"); b != "" {
		fmt.Fprintf(os.Stderr, "integration_test: using the broker at KAFKA_BROKERS=%s\n", b)
	} else {
		fmt.Fprintln(os.Stderr, "integration_test: using the in-process Kafka (kfake); set KAFKA_BROKERS for a real one")
	}
}
