// Package docs holds kafka-ometria's documentation: the Markdown pages of this folder,
// which README.md at the repository's root introduces. It has no code of its own.
//
// Its tests keep the documentation true:
//
//   - every relative link and image of the repository's Markdown files (README.md,
//     docs/, deploy/README.md, ...) resolves to a file or folder inside the repository,
//     and a #anchor to a heading of the Markdown file it names, by GitHub's rules, so that
//     the links work on GitHub and in a clone alike; a link that leaves the repository
//     (../elsewhere) or starts at the file system's root fails;
//   - every Markdown file a Go comment or string names (docs/mapping.md) is a file of the
//     repository;
//   - the reference pages name every dead-letter reason, skip and warning of package
//     mapper (mapping.md), every Kafka header, reason and metric of package processor
//     (operations.md), and every configuration key and environment override of package
//     config (configuration.md).
//
// Run them with go test ./docs/.
package docs
