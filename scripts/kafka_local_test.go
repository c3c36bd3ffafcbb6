package scripts_test

import (
	"encoding/base64"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// kafkaLocal runs bash with scripts/kafka-local sourced (which defines its functions
// and starts nothing), then script.
func kafkaLocal(t *testing.T, script string) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skipf("needs bash to source scripts/kafka-local: %v", err)
	}
	out, err := exec.Command(bash, "-c", "source ./kafka-local\n"+script).Output()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return string(out)
}

// TestNewClusterID checks the ids kafka-local formats its broker with. One id in 64
// used to start with '-', which kafka-storage took for an option: the format failed
// and with it the whole CI run. 640 draws would meet such an id with a probability of
// 1 - (63/64)^640, 99.996%.
func TestNewClusterID(t *testing.T) {
	const draws = 640
	ids := strings.Fields(kafkaLocal(t, fmt.Sprintf("for ((i = 0; i < %d; i++)); do new_cluster_id; done", draws)))
	if len(ids) != draws {
		t.Fatalf("got %d ids, want %d", len(ids), draws)
	}
	seen := make(map[string]bool, draws)
	for _, id := range ids {
		if strings.HasPrefix(id, "-") {
			t.Errorf("cluster id %q starts with '-': kafka-storage takes it for an option", id)
		}
		if b, err := base64.RawURLEncoding.DecodeString(id); err != nil || len(b) != 16 {
			t.Errorf("cluster id %q is not 16 bytes in unpadded base64url (%d bytes, %v)", id, len(b), err)
		}
		if seen[id] {
			t.Errorf("cluster id %q drawn twice", id)
		}
		seen[id] = true
	}
}
