// Package scripts holds kafka-ometria's shell scripts (kafka-local: a real Apache Kafka
// broker without Docker). It has no Go code; its tests check the scripts' functions.
package scripts
