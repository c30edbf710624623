// Package metrics is the kiosk's Prometheus metrics (github.com/prometheus/client_golang),
// for a fleet that already runs Prometheus and node_exporter: one Set per running kiosk,
// with a registry of its own (never the global default registry, so nothing another
// library registers leaks in).
//
// # Where the numbers come from
//
//   - State, read at scrape time through Options.State: internal/app fills it from
//     App.Status, the struct the status screen and kioskctl doctor read, so the
//     dashboards and the kiosk show the same numbers (the queue by state, the oldest
//     unsent job, disk, connectivity, the halt, the last success, the cameras).
//   - The parts' events, through hooks they already have or small ones that do not
//     import this package: ObserveSync (uploader.Options.OnEvent), Prechecks (the
//     wizard's review), WizardMoved → EnrollmentStarted/Step/Abandoned (ui.WizardObserver),
//     EnrollmentSealed and ComparisonCaptured (App.Seal: the job's capture origin), FrameJudged (internal/enroll.Observer), CameraFrames
//     (the app's metered camera sources), SignIn (App.SignIn), LocalAPIRequest
//     (internal/localapi.Options.Observe).
//   - Build: version, architecture, Go and ONNX Runtime versions, the models' sha256,
//     and the kiosk's id, which labels kiosk_agent_build_info only.
//
// Names follow Prometheus's conventions: the kiosk_agent_ prefix, base units (seconds,
// bytes), _total counters, _seconds histograms; docs/operations.md lists every metric.
// No label names a customer, a job or an operator: label values come from short fixed
// lists (states, steps, reasons, roles, results, capture origins) or a server code of 3
// or 4 digits, and anything else becomes "other" ("unknown" for a capture origin) (TestNoIDsInLabels, and cmd/kiosk's Prometheus test
// checks every series a real server scraped).
//
// # Where they go
//
// Handler/Serve: GET /metrics (metrics.listen), with the Go and process metrics.
// RunTextfile: every metrics.interval, TextfileName in node_exporter's textfile folder,
// written to a temporary file in that folder and renamed (the collector never reads half
// a file), without the Go and process metrics (node_exporter has its own), removed when
// the kiosk stops. Text: the exposition kept in offline's snapshot ring while the kiosk
// cannot reach the API; ParseSnapshot, WriteOpenMetrics (with timestamps, for
// `promtool tsdb create-blocks-from openmetrics`) and Snapshot.JSON print them
// (kioskctl metrics).
//
// internal/testkit/metricstest is the test equipment: promtool, a real Prometheus server on loopback,
// and the label check.
package metrics
