package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
)

// TestComposeSpec loads docker-compose.yml with compose-go, the loader of docker compose
// itself: the file must satisfy the Compose Specification's schema (what `docker compose
// config` checks), and every file it mounts from the repository must exist.
func TestComposeSpec(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"}, cli.WithWorkingDirectory(".."), cli.WithName("kafka-ometria"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load as docker compose would: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != "bind" {
				continue
			}
			if rel, err := filepath.Rel(root, v.Source); err != nil || !filepath.IsLocal(rel) {
				t.Errorf("service %s mounts %s, outside the repository", name, v.Source)
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("service %s mounts %s: %v", name, v.Source, err)
			}
		}
		if s.Build != nil {
			df := filepath.Join(s.Build.Context, s.Build.Dockerfile)
			if _, err := os.Stat(df); err != nil {
				t.Errorf("service %s builds from %s: %v", name, df, err)
			}
		}
	}
	if len(p.Services) < 6 {
		t.Errorf("%d services, want kafka, kafka-init, the emulator, kafka-ometria, the producer, prometheus and grafana", len(p.Services))
	}
}
