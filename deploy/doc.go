// Package deploy holds kafka-ometria's deployment files: the docker compose stack's
// configuration (compose/), the Kubernetes manifests (kubernetes/) and the Grafana
// dashboard (grafana/). It has no code; its tests check these files against the code:
// the binaries, flags and ports they name, the configurations they mount, and the metric
// names the dashboard queries.
package deploy
