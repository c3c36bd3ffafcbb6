package processor

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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
			pool, err := certPool("kafka.tls.ca_file", k.TLS.CAFile)
			if err != nil {
				return nil, err
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

// connectHint says which settings to look at when err is a refusal of the connection's
// credentials (empty otherwise): the broker's and Go's messages do not name them.
func connectHint(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.Is(err, kafka.SASLAuthenticationFailed):
		return " (check kafka.sasl.username, kafka.sasl.mechanism and the password of kafka.sasl.password_env or password_file)"
	case errors.Is(err, kafka.UnsupportedSASLMechanism):
		return " (the broker does not offer kafka.sasl.mechanism on this listener)"
	case errors.Is(err, kafka.IllegalSASLState):
		return " (this listener does not take SASL: leave kafka.sasl out, or set kafka.brokers to the SASL listener)"
	case errors.As(err, &unknownCA):
		return " (set kafka.tls.ca_file to the CA that signed the broker's certificate)"
	case errors.As(err, &hostname):
		return " (the broker's certificate does not name the address in kafka.brokers)"
	// Over TCP, a TLS alert from the peer is an unexported type: only its text tells.
	case strings.Contains(err.Error(), "tls: bad certificate"), strings.Contains(err.Error(), "tls: certificate required"):
		return " (the broker refused the client certificate: check kafka.tls.cert_file and kafka.tls.key_file)"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return " (the broker closed the connection: check that kafka.tls and kafka.sasl match what this listener expects)"
	}
	return ""
}

// certPool reads the PEM certificates of path, the file the setting key names, into a
// pool of roots; an error names key.
func certPool(key, path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate in it", key, path)
	}
	return pool, nil
}
