// Package layers holds the dependency test of the agent: the import rules that
// docs/ARCHITECTURE.md states (imports point down the data flow; ui never links the
// parts it shows; each outside library in as few packages as possible; no program links
// the test kits), checked over `go list -deps -json ./...` by `go test` (so by `make
// test`). A rule is a table row in layers_test.go: change the rule and the document
// together. The package holds no code.
package layers
