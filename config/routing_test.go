package config

import "testing"

func TestResolveAccount(t *testing.T) {
	c := mustParse(t, `
kafka: {brokers: ["k:9092"]}
topics: {events: [shop.events, app.events]}
routing:
  header: x-account
  topics: {shop.events: shop}
  default_account: main
accounts:
  shop: {api_key_env: K1}
  main: {api_key_env: K2}
  other: {api_key_env: K3}
`)
	headers := func(h map[string]string) func(string) (string, bool) {
		return func(name string) (string, bool) { v, ok := h[name]; return v, ok }
	}
	tests := []struct {
		name    string
		header  func(string) (string, bool)
		topic   string
		want    string
		wantOK  bool
		noRoute bool // the config has no default account
	}{
		{"header wins over topic", headers(map[string]string{"x-account": "other"}), "shop.events", "other", true, false},
		{"header is trimmed", headers(map[string]string{"x-account": " other\n"}), "shop.events", "other", true, false},
		{"unknown header account is not rerouted", headers(map[string]string{"x-account": "ghost"}), "shop.events", "ghost", false, false},
		{"blank header falls through", headers(map[string]string{"x-account": " "}), "shop.events", "shop", true, false},
		{"other header names are ignored", headers(map[string]string{"ometria-account": "other"}), "shop.events", "shop", true, false},
		{"nil headers", nil, "shop.events", "shop", true, false},
		{"topic route", headers(nil), "shop.events", "shop", true, false},
		{"default account", headers(nil), "app.events", "main", true, false},
		{"no rule", nil, "app.events", "", false, true},
		{"header without default", headers(map[string]string{"x-account": "main"}), "app.events", "main", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *c
			if tt.noRoute {
				cfg.Routing.DefaultAccount = ""
			}
			got, ok := cfg.ResolveAccount(tt.header, tt.topic)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ResolveAccount = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestUnresolvedSaysWhy(t *testing.T) {
	c := mustParse(t, `
kafka: {brokers: ["k:9092"]}
topics: {events: [shop.events]}
accounts:
  shop: {api_key_env: K1}
`)
	if got, want := c.Unresolved("ghost", "shop.events"), `the ometria-account header names "ghost", which is not a configured account`; got != want {
		t.Errorf("Unresolved(ghost) = %q, want %q", got, want)
	}
	if got, want := c.Unresolved("", "shop.events"), `no ometria-account header, no routing.topics entry for topic "shop.events" and no routing.default_account`; got != want {
		t.Errorf("Unresolved() = %q, want %q", got, want)
	}
}
