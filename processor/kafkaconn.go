package processor

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// Connection is how to reach the Kafka cluster: a Dialer for consumers and a Transport
// for producers and the admin client, with the TLS and SASL of the configuration.
type Connection struct {
	Brokers   []string
	Dialer    *kafka.Dialer
	Transport *kafka.Transport
}

// Connect builds the Connection of k; password is the SASL password (empty without SASL).
func Connect(k config.Kafka, password string) (*Connection, error) {
	var tlsCfg *tls.Config
	if k.TLS.Enabled {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
		if k.TLS.CAFile != "" {
			pem, err := os.ReadFile(k.TLS.CAFile)
			if err != nil {
				return nil, fmt.Errorf("kafka.tls.ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("kafka.tls.ca_file %s: no PEM certificate in it", k.TLS.CAFile)
			}
			tlsCfg.RootCAs = pool
		}
		if k.TLS.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(k.TLS.CertFile, k.TLS.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("kafka.tls.cert_file/key_file: %w", err)
			}
			tlsCfg.Certificates = []tls.Certificate{cert}
		}
	}
	var mech sasl.Mechanism
	switch k.SASL.Mechanism {
	case "":
	case config.SASLPlain:
		mech = plain.Mechanism{Username: k.SASL.Username, Password: password}
	case config.SASLScramSHA256, config.SASLScramSHA512:
		algo := scram.SHA256
		if k.SASL.Mechanism == config.SASLScramSHA512 {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, k.SASL.Username, password)
		if err != nil {
			return nil, fmt.Errorf("kafka.sasl: %w", err)
		}
		mech = m
	default:
		return nil, errors.New("kafka.sasl.mechanism: unsupported " + k.SASL.Mechanism)
	}
	return &Connection{
		Brokers:   k.Brokers,
		Dialer:    &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true, TLS: tlsCfg, SASLMechanism: mech},
		Transport: &kafka.Transport{DialTimeout: 10 * time.Second, TLS: tlsCfg, SASL: mech},
	}, nil
}
