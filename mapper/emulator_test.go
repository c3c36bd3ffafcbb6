package mapper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/kafka-ometria/kafka-ometria/ometriatest"
)

// productChecker pushes product records to the Ometria emulator, strict about unknown
// fields, in process.
type productChecker struct {
	e      *ometriatest.Emulator
	pushes int
}

func newProductChecker() *productChecker {
	cfg := ometriatest.Config{RateLimit: math.Inf(1), BacklogLimit: math.MaxInt32, RejectUnknownFields: true}
	return &productChecker{e: ometriatest.New(cfg, ometriatest.Account{Name: "acme", Key: "k"})}
}

// refuses returns why the emulator refuses the product record, or "". A record with
// "@merge": true updates a product: it is pushed after a product with its id.
func (c *productChecker) refuses(rec Record) string {
	if c.pushes++; c.pushes%1000 == 0 {
		c.e.Reset() // the emulator keeps every record
	}
	var fields map[string]any
	if err := json.Unmarshal(rec.JSON, &fields); err != nil {
		return err.Error()
	}
	if fields["@merge"] == true {
		seed, _ := json.Marshal(map[string]any{"@type": TypeProduct, "id": rec.ID, "title": "a stored product"})
		if msg := c.push(seed); msg != "" {
			return "the stored product: " + msg
		}
	}
	return c.push(rec.JSON)
}

func (c *productChecker) push(record []byte) string {
	body := append(append([]byte("["), record...), ']')
	req := httptest.NewRequest(http.MethodPost, "/v2/push", bytes.NewReader(body))
	req.Header.Set("X-Ometria-Auth", "k")
	req.Header.Set("Content-Type", "application/json")
	rr := httptest.NewRecorder()
	c.e.ServeHTTP(rr, req)
	var resp struct{ Accepted, Rejected int }
	if err := json.Unmarshal(rr.Body.Bytes(), &resp); err != nil || rr.Code != http.StatusOK {
		return fmt.Sprintf("status %d: %s", rr.Code, rr.Body.Bytes())
	}
	if resp.Accepted == 1 {
		return ""
	}
	rej := c.e.Rejections("acme")
	if len(rej) == 0 {
		return fmt.Sprintf("accepted %d, rejected %d", resp.Accepted, resp.Rejected)
	}
	last := rej[len(rej)-1]
	return last.ErrorPath + ": " + last.ErrorMessage
}

// TestEmulatorAcceptsProducts: the emulator accepts every product the mapper makes from
// the product table tests, the golden inputs and the benchmark events, for accounts
// that derive products and map a feed of another shape.
func TestEmulatorAcceptsProducts(t *testing.T) {
	var inputs [][]byte
	for _, c := range productCases {
		inputs = append(inputs, []byte(c.in))
	}
	files, _ := filepath.Glob("testdata/golden/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
	}
	inputs = append(inputs, benchEvents(t)...)
	s := goldenSettings
	s.DeriveProductsInterval = 1 // every time
	acct, err := NewAccount(s)
	if err != nil {
		t.Fatal(err)
	}
	c := newProductChecker()
	var m Mapper
	n := 0
	for _, in := range inputs {
		for _, o := range m.Map(in, acct) {
			if o.Kind != Mapped || o.Record.Type != TypeProduct {
				continue
			}
			n++
			if msg := c.refuses(o.Record); msg != "" {
				t.Errorf("the emulator refuses %s: %s", o.Record.JSON, msg)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d products checked", n)
	}
}
