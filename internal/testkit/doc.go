// Package testkit gathers the equipment of the tests and benchmarks, in one place so that
// no program links it by mistake: testimages (the vendored photos and their manifest),
// jobimages (job images made from them), imagebomb (decompression bombs), enrolltest (the
// replay cameras of the enrollment tests), swtpmtest (a software TPM, Debian's swtpm, for the
// key protector's tests), metricstest (Debian's promtool and a real Prometheus server on
// loopback, and the check that no metric label names a customer, a job or an operator),
// localapitest (a local API client run as another user, a connection flood), hosttest (a
// listener on this machine's non-loopback address, a production API for the training
// guard's tests). The shared
// face engine of the tests is beside
// the engine, in inference/inferencetest (like net/http/httptest). This package holds no
// code.
package testkit
