module github.com/kafka-ometria/kafka-ometria

go 1.26.8

require (
	github.com/bojanz/currency v1.4.2
	github.com/cenkalti/backoff/v4 v4.3.0
	github.com/nyaruka/phonenumbers v1.8.1
	github.com/spf13/cobra v1.10.2
	go.uber.org/zap v1.28.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/text v0.23.0
	golang.org/x/time v0.16.0
)

require (
	github.com/cockroachdb/apd/v3 v3.2.1 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
