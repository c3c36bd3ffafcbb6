// Package reliability holds the reliability suites of kafka-ometria: crash (SIGKILL at
// random moments), chaos (failing pushes), a broker restart, poison events, secrets, and
// SIGTERM under load. They run the built kafka-ometria and ometria-emulator binaries as
// processes against a real Kafka broker (KAFKA_BROKERS), and are compiled only with the
// build tag reliability:
//
//	make test-reliability    # starts scripts/kafka-local --sasl on port 39592, runs them, stops it
//
// docs/reliability.md says what each suite proves and the figures they measured.
package reliability
