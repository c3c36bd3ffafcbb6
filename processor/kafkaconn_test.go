package processor

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
)

// TestConnectHint: the errors of refused credentials get a hint naming the settings.
func TestConnectHint(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string // "" for no hint
	}{
		{fmt.Errorf("kafka.(*Client).Metadata: %w", kafka.SASLAuthenticationFailed), "kafka.sasl.username"},
		{fmt.Errorf("x: %w", kafka.UnsupportedSASLMechanism), "kafka.sasl.mechanism"},
		{fmt.Errorf("x: %w", kafka.IllegalSASLState), "leave kafka.sasl out"},
		{fmt.Errorf("tls: failed to verify certificate: %w", x509.UnknownAuthorityError{}), "kafka.tls.ca_file"},
		{fmt.Errorf("x: %w", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "10.0.0.1"}), "kafka.brokers"},
		{errors.New("remote error: tls: bad certificate"), "kafka.tls.cert_file"},
		{errors.New("remote error: tls: certificate required"), "kafka.tls.cert_file"},
		{fmt.Errorf("x: %w", io.ErrUnexpectedEOF), "kafka.tls and kafka.sasl"},
		{fmt.Errorf("x: %w", io.EOF), "kafka.tls and kafka.sasl"},
		{errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), ""},
		{fmt.Errorf("x: %w", kafka.UnknownTopicOrPartition), ""},
	} {
		got := connectHint(c.err)
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("connectHint(%v) = %q, want it to mention %q", c.err, got, c.want)
		}
	}
}
