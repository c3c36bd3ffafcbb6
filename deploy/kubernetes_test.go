package deploy_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Kubernetes objects, as much of them as the tests read.
type kubeObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		MaxUnavailable any `yaml:"maxUnavailable"`
		Ports          []struct {
			Port       int `yaml:"port"`
			TargetPort any `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot bool `yaml:"runAsNonRoot"`
		RunAsUser    int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []struct {
		Image   string   `yaml:"image"`
		Command []string `yaml:"command"`
		Args    []string `yaml:"args"`
		Ports   []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name      string `yaml:"name"`
			ValueFrom struct {
				SecretKeyRef struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		LivenessProbe  probe `yaml:"livenessProbe"`
		ReadinessProbe probe `yaml:"readinessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

func loadKube(t *testing.T, file string, kind string) kubeObject {
	t.Helper()
	var o kubeObject
	decodeYAML(t, filepath.Join(kubeDir, file), &o)
	if o.Kind != kind || o.APIVersion == "" || o.Metadata.Name == "" {
		t.Fatalf("%s: kind %q apiVersion %q name %q, want a named %s", file, o.Kind, o.APIVersion, o.Metadata.Name, kind)
	}
	return o
}

func TestKubernetes(t *testing.T) {
	// Every manifest parses; the kustomization lists the existing files.
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	decodeYAML(t, filepath.Join(kubeDir, "kustomization.yaml"), &kust)
	for _, r := range kust.Resources {
		if _, err := os.Stat(filepath.Join(kubeDir, r)); err != nil {
			t.Errorf("kustomization.yaml: %v", err)
		}
	}
	cm := loadKube(t, "configmap.yaml", "ConfigMap")
	dep := loadKube(t, "deployment.yaml", "Deployment")
	secret := loadKube(t, "secret.example.yaml", "Secret")
	svc := loadKube(t, "service.yaml", "Service")
	pdb := loadKube(t, "pdb.yaml", "PodDisruptionBudget")
	for _, want := range []string{"configmap.yaml", "deployment.yaml", "service.yaml", "pdb.yaml"} {
		if !slices.Contains(kust.Resources, want) {
			t.Errorf("kustomization.yaml does not list %s", want)
		}
	}

	cfgYAML, ok := cm.Data[filepath.Base(configPath)]
	if !ok {
		t.Fatalf("configmap.yaml: no data key %s", filepath.Base(configPath))
	}
	cfg := parseConfig(t, "configmap.yaml's config.yaml", []byte(cfgYAML))

	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("deployment.yaml: %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if len(c.Command) > 0 && c.Command[0] != binConnector {
		t.Errorf("deployment.yaml: command %v, want %s", c.Command, binConnector)
	}
	if len(c.Args) == 0 || c.Args[0] != "run" {
		t.Fatalf("deployment.yaml: args %v, want run ...", c.Args)
	}
	checkFlags(t, "deployment.yaml", c.Args[1:], flagNames(t, "../cmd/kafka-ometria/run.go"))
	if l, _ := flagValue(c.Args, "listen"); l != ":"+portMetrics {
		t.Errorf("deployment.yaml: --listen %q, want :%s", l, portMetrics)
	}
	if f, _ := flagValue(c.Args, "config"); f != configPath {
		t.Errorf("deployment.yaml: --config %q, want %s", f, configPath)
	}

	// Probes on the metrics port, /healthz and /readyz.
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	portOf := func(p any) string {
		if s, ok := p.(string); ok {
			if n, ok := ports[s]; ok {
				return strconv.Itoa(n)
			}
			return s
		}
		return strconv.Itoa(p.(int))
	}
	if got := portOf(c.LivenessProbe.HTTPGet.Port); c.LivenessProbe.HTTPGet.Path != "/healthz" || got != portMetrics {
		t.Errorf("deployment.yaml: liveness %s on %s, want /healthz on %s", c.LivenessProbe.HTTPGet.Path, got, portMetrics)
	}
	if got := portOf(c.ReadinessProbe.HTTPGet.Port); c.ReadinessProbe.HTTPGet.Path != "/readyz" || got != portMetrics {
		t.Errorf("deployment.yaml: readiness %s on %s, want /readyz on %s", c.ReadinessProbe.HTTPGet.Path, got, portMetrics)
	}
	if len(c.Resources.Requests) == 0 || len(c.Resources.Limits) == 0 {
		t.Error("deployment.yaml: no resource requests or limits")
	}

	// Non-root, read-only root, and a grace period longer than the drain (20 s) plus 5 s.
	if !pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser == 0 {
		t.Error("deployment.yaml: want runAsNonRoot with a non-zero runAsUser")
	}
	if !c.SecurityContext.ReadOnlyRootFilesystem || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
		t.Error("deployment.yaml: want readOnlyRootFilesystem and allowPrivilegeEscalation: false")
	}
	drain := 20
	if d, ok := flagValue(c.Args, "drain-timeout"); ok {
		s, err := strconv.Atoi(strings.TrimSuffix(d, "s"))
		if err != nil {
			t.Fatalf("deployment.yaml: --drain-timeout %q: want whole seconds", d)
		}
		drain = s
	}
	// kafka-ometria refuses a drain longer than 2/3 of the session timeout.
	if limit := cfg.Kafka.SessionTimeout * 2 / 3; time.Duration(drain)*time.Second > limit {
		t.Errorf("deployment.yaml: --drain-timeout %d s is above 2/3 of the ConfigMap's kafka.session_timeout (%v)", drain, cfg.Kafka.SessionTimeout)
	}
	if pod.TerminationGracePeriodSeconds < drain+5 {
		t.Errorf("deployment.yaml: terminationGracePeriodSeconds %d < drain %d s + 5 s", pod.TerminationGracePeriodSeconds, drain)
	}

	// The config comes from the ConfigMap, mounted where --config points.
	var cfgVolume string
	for _, v := range pod.Volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == cm.Metadata.Name {
			cfgVolume = v.Name
		}
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.Name == cfgVolume && m.MountPath == configDir
	}
	if cfgVolume == "" || !mounted {
		t.Errorf("deployment.yaml: ConfigMap %s is not mounted at %s", cm.Metadata.Name, configDir)
	}

	// API keys: every account's variable, from the Secret, whose example has the keys.
	var envs []string
	for _, e := range c.Env {
		ref := e.ValueFrom.SecretKeyRef
		if strings.HasPrefix(e.Name, "OMETRIA_KEY") {
			if ref.Name != secret.Metadata.Name || ref.Key == "" {
				t.Errorf("deployment.yaml: %s is not from Secret %s", e.Name, secret.Metadata.Name)
			}
			if _, ok := secret.StringData[ref.Key]; !ok {
				if _, ok := secret.Data[ref.Key]; !ok {
					t.Errorf("secret.example.yaml has no key %s (for %s)", ref.Key, e.Name)
				}
			}
		}
		envs = append(envs, e.Name)
	}
	checkKeyEnvs(t, "deployment.yaml", envs, cfg)

	// The metrics Service and the PodDisruptionBudget.
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 9090 || portOf(svc.Spec.Ports[0].TargetPort) != portMetrics {
		t.Errorf("service.yaml: ports %+v, want 9090 -> %s", svc.Spec.Ports, portMetrics)
	}
	a := svc.Metadata.Annotations
	if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != portMetrics || a["prometheus.io/path"] != "/metrics" {
		t.Errorf("service.yaml: prometheus.io annotations %v", a)
	}
	if pdb.Spec.MaxUnavailable != 1 {
		t.Errorf("pdb.yaml: maxUnavailable %v, want 1", pdb.Spec.MaxUnavailable)
	}
}
