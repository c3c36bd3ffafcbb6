package deploy_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// TestKubernetesStrict decodes each manifest into the Kubernetes API's own Go types,
// refusing unknown fields: a misspelt or misplaced key (what kubectl apply would reject
// or silently drop) fails here.
func TestKubernetesStrict(t *testing.T) {
	for file, obj := range map[string]any{
		"deployment.yaml":     &appsv1.Deployment{},
		"configmap.yaml":      &corev1.ConfigMap{},
		"service.yaml":        &corev1.Service{},
		"pdb.yaml":            &policyv1.PodDisruptionBudget{},
		"secret.example.yaml": &corev1.Secret{},
	} {
		b, err := os.ReadFile(filepath.Join("kubernetes", file))
		if err != nil {
			t.Fatal(err)
		}
		if docs := bytes.Count(b, []byte("\n---")); docs > 0 {
			t.Fatalf("%s: %d documents; the test expects one object per file", file, docs+1)
		}
		if err := yaml.UnmarshalStrict(b, obj); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}
