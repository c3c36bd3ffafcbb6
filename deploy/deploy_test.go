package deploy_test

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kafka-ometria/kafka-ometria/config"
)

// Paths, relative to this package's directory (the test's working directory).
const (
	root          = ".."
	composeFile   = "../docker-compose.yml"
	dockerfile    = "../Dockerfile"
	composeConfig = "compose/config.yaml"
	kubeDir       = "kubernetes"
	dashboardFile = "grafana/kafka-ometria.json"
	metricsSource = "../processor/metrics.go"

	binConnector = "kafka-ometria"
	binEmulator  = "ometria-emulator"
	portMetrics  = "9090" // kafka-ometria run --listen
	portEmulator = "8080"
	configDir    = "/etc/kafka-ometria"
	configPath   = configDir + "/config.yaml"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decodeYAML decodes a single-document YAML file into v.
func decodeYAML(t *testing.T, path string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// stringList decodes a compose command or entrypoint: a list, or a string split on spaces.
type stringList []string

func (s *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = strings.Fields(n.Value)
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Entrypoint  stringList        `yaml:"entrypoint"`
	Command     stringList        `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	NetworkMode string            `yaml:"network_mode"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

type compose struct {
	Services map[string]composeService `yaml:"services"`
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	var c compose
	decodeYAML(t, composeFile, &c)
	if len(c.Services) == 0 {
		t.Fatalf("%s: no services", composeFile)
	}
	return c
}

// binaries lists the commands under cmd/.
func binaries(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	var bins []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(root, "cmd", e.Name(), "main.go")); err == nil {
				bins = append(bins, e.Name())
			}
		}
	}
	return bins
}

// flagNames returns the flag names a command's source declares ("addr" for --addr): the
// string literals that are the first argument of a flag-defining call.
func flagNames(t *testing.T, files ...string) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`(?:Var|String|Bool|Int|Float64|Duration|Strings|StringSlice|Func)(?:P)?\((?:&?[\w.]+, )?"([a-z][a-z0-9-]*)"`)
	names := map[string]bool{}
	for _, f := range files {
		for _, m := range re.FindAllStringSubmatch(string(readFile(t, f)), -1) {
			names[m[1]] = true
		}
	}
	return names
}

// checkFlags reports every --flag of args that the command does not declare.
func checkFlags(t *testing.T, what string, args []string, declared map[string]bool) {
	t.Helper()
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ = strings.Cut(name, "=")
			if !declared[name] {
				t.Errorf("%s: flag --%s is not declared by the command (declared: %v)", what, name, slices.Sorted(maps.Keys(declared)))
			}
		}
	}
}

// flagValue returns the value of --name in args ("--name v" or "--name=v").
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// parseConfig validates a kafka-ometria configuration with the project's own parser.
func parseConfig(t *testing.T, what string, data []byte) *config.Config {
	t.Helper()
	cfg, err := config.Parse(data)
	if err != nil {
		t.Fatalf("%s does not pass config.Parse:\n%v", what, err)
	}
	return cfg
}

// apiKeyEnvs returns the api_key_env variables of the config's accounts.
func apiKeyEnvs(cfg *config.Config) map[string]string {
	envs := map[string]string{}
	for name, a := range cfg.Accounts {
		if a.APIKeyEnv != "" {
			envs[a.APIKeyEnv] = name
		}
	}
	return envs
}

// checkKeyEnvs checks that the API-key variables set are exactly the config's api_key_env.
func checkKeyEnvs(t *testing.T, what string, set []string, cfg *config.Config) {
	t.Helper()
	want := apiKeyEnvs(cfg)
	for _, v := range set {
		if _, ok := want[v]; !ok && strings.HasPrefix(v, "OMETRIA_KEY") {
			t.Errorf("%s sets %s, which is not the api_key_env of any account (want one of %v)", what, v, slices.Sorted(maps.Keys(want)))
		}
	}
	for v, account := range want {
		if !slices.Contains(set, v) {
			t.Errorf("%s does not set %s, the API key of account %s", what, v, account)
		}
	}
}

func TestBinariesExist(t *testing.T) {
	bins := binaries(t)
	for _, b := range []string{binConnector, binEmulator} {
		if !slices.Contains(bins, b) {
			t.Errorf("cmd/%s/main.go does not exist (commands: %v)", b, bins)
		}
	}
}

func TestDockerfile(t *testing.T) {
	src := string(readFile(t, dockerfile))
	for _, b := range binaries(t) {
		if !regexp.MustCompile(`go build [^\n]*\./cmd/` + regexp.QuoteMeta(b) + `\b`).MatchString(src) {
			t.Errorf("Dockerfile does not build ./cmd/%s", b)
		}
		if !strings.Contains(src, "/"+b) || !strings.Contains(src, "/usr/local/bin") {
			t.Errorf("Dockerfile does not copy %s to /usr/local/bin", b)
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags "-s -w"`,
		`ENTRYPOINT ["` + binConnector + `"]`, `CMD ["run", "--config", "` + configPath + `"]`} {
		if !strings.Contains(src, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	var user string
	var from []string
	var exposed []string
	for _, line := range strings.Split(src, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			from = append(from, f[1])
			user = "" // USER is per stage
		case "USER":
			user = f[1]
		case "EXPOSE":
			exposed = append(exposed, f[1:]...)
		}
	}
	if len(from) < 2 || !strings.HasPrefix(from[0], "golang:1.26") {
		t.Errorf("Dockerfile: want a golang:1.26 build stage and a final stage, got FROM %v", from)
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("Dockerfile: the final stage runs as %q, want a non-root USER", user)
	}
	for _, p := range []string{portMetrics, portEmulator} {
		if !slices.Contains(exposed, p) {
			t.Errorf("Dockerfile does not EXPOSE %s (EXPOSE %v)", p, exposed)
		}
	}
	if _, err := os.Stat(filepath.Join(root, ".dockerignore")); err != nil {
		t.Error(err)
	}
}
