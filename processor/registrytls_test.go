package processor

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/config"
	"github.com/kafka-ometria/kafka-ometria/decode"
)

// A registry behind a private CA: schema_registry.ca_file makes it trusted; without it
// the registry does not answer (the message would wait), and a file without a
// certificate is an error naming the key.
func TestSchemaRegistryCAFile(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		if req.URL.Path != "/schemas/ids/1" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error_code":40403,"message":"Schema not found"}`))
			return
		}
		_, _ = w.Write([]byte(`{"schema":` + quoteJSON(avroIdentifySchema) + `}`))
	}))
	defer ts.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("no certificate here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgWith := func(caFile string) *config.Config {
		t.Helper()
		extra := ""
		if caFile != "" {
			extra = fmt.Sprintf(", ca_file: %q", caFile)
		}
		cfg, err := config.Parse([]byte(fmt.Sprintf(`
kafka: {brokers: ["127.0.0.1:9092"]}
topics: {events: [rudder.avro], formats: {rudder.avro: avro}}
schema_registry: {url: %q%s}
accounts:
  acme: {api_key_env: K}
`, ts.URL, extra)))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	msg := avroMessage(t, goodTraits)

	d, err := newDecoder(cfgWith(ca), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.Decode(context.Background(), decode.Avro, msg, nil)
	if err != nil || !strings.Contains(string(out), `"ada@example.com"`) {
		t.Fatalf("with ca_file: %s, %v", out, err)
	}

	d, err = newDecoder(cfgWith(""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var u *decode.UnavailableError
	if _, err := d.Decode(context.Background(), decode.Avro, msg, nil); !errors.As(err, &u) {
		t.Fatalf("without ca_file: %v, want the registry unavailable (its certificate is not trusted)", err)
	}

	if _, err := newDecoder(cfgWith(notPEM), Options{}); err == nil || !strings.Contains(err.Error(), "schema_registry.ca_file") {
		t.Fatalf("a ca_file without a certificate: %v, want an error naming schema_registry.ca_file", err)
	}
}
