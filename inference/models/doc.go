// Package models holds the vendored ONNX models (built into the binary with go:embed),
// their licences (LICENSE.*) and their provenance and I/O contracts (PROVENANCE.md).
//
// Its one job: hand the engine the bytes of each model, checked against the sha256
// committed here, either from the built-in copies or from a folder (models_dir), so a
// damaged or swapped model file is a clear error at start-up instead of wrong answers.
//
// Caveat: the weights were trained on research data sets with their own terms; see
// PROVENANCE.md before a commercial deployment.
package models
