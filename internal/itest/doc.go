// Package itest holds support code for the project's tests only: the integration tests
// (integration_test), the reliability suites (reliability, build tag reliability) and
// the tests of cmd/kafka-ometria. No production code imports it.
package itest
