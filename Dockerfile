# syntax=docker/dockerfile:1
#
# kafka-ometria and ometria-emulator, static binaries on distroless (no shell, non-root).
#
#   docker build -t kafka-ometria .
#   docker run --rm -v $PWD/config.yaml:/etc/kafka-ometria/config.yaml:ro \
#     -e OMETRIA_KEY_ACME=... -p 9090:9090 kafka-ometria
#   docker run --rm --entrypoint ometria-emulator -p 8080:8080 kafka-ometria \
#     --addr 0.0.0.0:8080 --account acme=demo-key-acme:4

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w" -o /out/kafka-ometria ./cmd/kafka-ometria && \
    go build -trimpath -ldflags "-s -w" -o /out/ometria-emulator ./cmd/ometria-emulator

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="kafka-ometria" \
      org.opencontainers.image.description="Kafka to Ometria connector and Ometria Push API emulator"
COPY --from=build /out/kafka-ometria /out/ometria-emulator /usr/local/bin/
# distroless's nonroot is uid/gid 65532; the Kubernetes manifests set runAsUser: 65532 so
# that runAsNonRoot can verify it.
# hadolint ignore=DL3066
USER nonroot:nonroot
# 9090: /metrics, /healthz, /readyz of `kafka-ometria run --listen :9090`; 8080: the emulator.
EXPOSE 9090 8080
ENTRYPOINT ["kafka-ometria"]
CMD ["run", "--config", "/etc/kafka-ometria/config.yaml"]
