// Package kioskui shows internal/app through ui's interfaces: the adapters between the
// kiosk's screens (package ui) and its app (internal/app), and Run, which opens the
// Fyne window cmd/kiosk shows. ui declares small interfaces (Operators, StatusSource,
// Queue, SettingsStore, Previewer, Enrollment, Checker, OperatorAdmin) and plain
// values; these adapters implement them over the app, so neither package imports the
// other's world (internal/app stays free of Fyne, ui of bbolt and the compare client).
// They copy values between ui's types and the app's and translate errors; no use-case
// lives here (the enrollment service is internal/app's Enrollments).
//
//   - ui.go: Run, the screen map of the click test (KIOSK_UI_MAP), and the operators,
//     status, queue and settings adapters;
//   - operators.go: the settings' operators page, enrolling a 2209 job again;
//   - checks.go: the status screen's checks (internal/doctor, in-process);
//   - enroll.go: the wizard's ui.Enrollment over app.Enrollments: a document frame's
//     card (corners as fractions of the frame) and its problems into ui.Guidance, Take
//     it now (Enrollments.TakeNow), the review's DocumentRead (the number in full, for
//     that screen only), the comparison image's origin into app.Draft.
//
// Its tests run the real app (bbolt queue, replay cameras, ONNX Runtime, the compare
// sandbox on loopback) under the screens of Fyne's test package.
package kioskui
