// Package config owns the kiosk agent's config file: its one Config struct with a section
// per part, Default, Load, Parse and Validate. docs/config.md is the reference.
//
// The file is JSON (/etc/kiosk-agent/config.json when packaged). It is strict: an unknown
// key, a key in the wrong case and a key given twice in one object are errors that name the
// key's path. Validate checks every key against a stated range and names the key and what
// to give instead; Load runs it.
//
// Durations have one style: a string with units, "300ms", "30s", "5m", "2h", "90d" (see
// Duration). Old files keep loading: the old keys (keep_results_days, retry_base_seconds,
// frame_timeout_ms, a number of seconds for the compare timeouts, …) are rewritten to the
// new ones and listed in Config.Deprecated; a file that gives an old and a new name for
// the same setting is refused.
//
// The package is a leaf for the programs: it imports no part of the agent but the
// inference thresholds' own leaf (inference/gates) and internal/jsontree (the key-order
// and duplicate-key reader, which the sandbox's file uses too), so reading the config links neither
// bbolt, nor ONNX Runtime, nor go4vl. The parts never import it: each keeps its own
// Options, and internal/parts turns each section into its part's Options, once.
//
// Only the programs under cmd/ read flags and environment variables. Every program layers
// them the same way: flags over the file over the defaults (a flag that is not given on
// the command line does not change what the file says).
package config
