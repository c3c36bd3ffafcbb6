// Package deploy holds kafka-ometria's deployment files: the docker compose stack's
// configuration (compose/), the Kubernetes manifests (kubernetes/), the Grafana
// dashboard (grafana/) and example Prometheus alert rules (prometheus/). It has no code;
// its tests check these files against the code: the binaries, flags and ports they name,
// the configurations they mount, and the metrics (names and types) the dashboard and the
// alerts query.
package deploy
