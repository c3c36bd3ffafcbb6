package deploy_test

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCompose(t *testing.T) {
	c := loadCompose(t)
	emu, ok := c.Services[binEmulator]
	if !ok {
		t.Fatalf("docker-compose.yml: no %s service (services: %v)", binEmulator, slices.Sorted(maps.Keys(c.Services)))
	}
	app, ok := c.Services[binConnector]
	if !ok {
		t.Fatalf("docker-compose.yml: no %s service", binConnector)
	}
	for name, s := range map[string]composeService{binEmulator: emu, binConnector: app} {
		if s.Build == nil {
			t.Errorf("service %s is not built from the Dockerfile", name)
		}
	}

	// The emulator: its binary, its real flags, listening on 8080 on every interface.
	if !slices.Equal(emu.Entrypoint, []string{binEmulator}) {
		t.Errorf("service %s: entrypoint %v, want [%s]", binEmulator, emu.Entrypoint, binEmulator)
	}
	checkFlags(t, "service "+binEmulator, emu.Command, flagNames(t, "../cmd/ometria-emulator/options.go", "../cmd/ometria-emulator/main.go"))
	if addr, _ := flagValue(emu.Command, "addr"); addr != "0.0.0.0:"+portEmulator {
		t.Errorf("service %s: --addr %q, want 0.0.0.0:%s", binEmulator, addr, portEmulator)
	}

	// kafka-ometria: the default entrypoint (the Dockerfile's), run with the mounted config.
	if len(app.Entrypoint) != 0 && !slices.Equal(app.Entrypoint, []string{binConnector}) {
		t.Errorf("service %s: entrypoint %v", binConnector, app.Entrypoint)
	}
	if len(app.Command) == 0 || app.Command[0] != "run" {
		t.Fatalf("service %s: command %v, want run ...", binConnector, app.Command)
	}
	checkFlags(t, "service "+binConnector, app.Command[1:], flagNames(t, "../cmd/kafka-ometria/run.go"))
	if l, _ := flagValue(app.Command, "listen"); l != ":"+portMetrics {
		t.Errorf("service %s: --listen %q, want :%s", binConnector, l, portMetrics)
	}
	cfgFlag, _ := flagValue(app.Command, "config")
	var mounted string
	for _, v := range app.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == cfgFlag {
			mounted = parts[0]
		}
	}
	if filepath.Clean(mounted) != filepath.Join("deploy", composeConfig) {
		t.Fatalf("service %s: --config %s is not mounted from ./deploy/%s (volumes %v)", binConnector, cfgFlag, composeConfig, app.Volumes)
	}
	cfg := parseConfig(t, composeConfig, readFile(t, composeConfig))
	checkKeyEnvs(t, "service "+binConnector, slices.Sorted(maps.Keys(app.Environment)), cfg)
	for v, account := range apiKeyEnvs(cfg) {
		if app.Environment[v] != "demo-key-"+account {
			t.Errorf("service %s: %s=%q, want the emulator's key demo-key-%s", binConnector, v, app.Environment[v], account)
		}
		if !slices.Contains(emu.Command, account+"=demo-key-"+account+":4") {
			t.Errorf("service %s has no --account %s=demo-key-%s:4", binEmulator, account, account)
		}
	}

	// http to the emulator is allowed only on loopback: kafka-ometria shares its namespace.
	if app.NetworkMode != "service:"+binEmulator {
		t.Errorf("service %s: network_mode %q, want service:%s (the emulator on 127.0.0.1)", binConnector, app.NetworkMode, binEmulator)
	}
	if !strings.HasPrefix(cfg.Ometria.BaseURL, "http://127.0.0.1:"+portEmulator+"/") {
		t.Errorf("%s: base_url %s, want the emulator at http://127.0.0.1:%s/v2", composeConfig, cfg.Ometria.BaseURL, portEmulator)
	}
	for _, p := range []string{portEmulator, portMetrics} {
		if !slices.Contains(emu.Ports, p+":"+p) {
			t.Errorf("service %s does not publish %s (ports %v)", binEmulator, p, emu.Ports)
		}
	}
	if !slices.Equal(cfg.Kafka.Brokers, []string{"kafka:9092"}) {
		t.Errorf("%s: brokers %v, want [kafka:9092]", composeConfig, cfg.Kafka.Brokers)
	}

	// The topic-creation service creates every topic the config names.
	var init string
	for name, s := range c.Services {
		if slices.ContainsFunc(s.Command, func(a string) bool { return strings.Contains(a, "kafka-topics.sh") }) {
			init = name
			topics := cfg.Topics.Events
			topics = append(topics, cfg.Topics.Records, cfg.Topics.Retry, cfg.Topics.DeadLetter)
			script := strings.Join(s.Command, " ")
			for _, topic := range topics {
				if !strings.Contains(script, topic) {
					t.Errorf("service %s does not create topic %s", name, topic)
				}
			}
		}
	}
	if init == "" {
		t.Error("docker-compose.yml: no service runs kafka-topics.sh")
	} else if app.DependsOn[init].Condition != "service_completed_successfully" {
		t.Errorf("service %s does not wait for %s to complete", binConnector, init)
	}
	for _, s := range []string{"kafka", "prometheus", "grafana", "producer"} {
		if _, ok := c.Services[s]; !ok {
			t.Errorf("docker-compose.yml: no %s service", s)
		}
	}
	for _, f := range []string{"compose/prometheus.yml", "grafana/provisioning/datasources/prometheus.yml", "grafana/provisioning/dashboards/kafka-ometria.yml"} {
		var v map[string]any
		decodeYAML(t, f, &v)
	}
	if !strings.Contains(string(readFile(t, "compose/prometheus.yml")), binConnector+":"+portMetrics) {
		t.Errorf("compose/prometheus.yml does not scrape %s:%s", binConnector, portMetrics)
	}
}
