// Package enroll is the enrollment use-case, headless: camera (or an imported comparison
// image) → document → selfie → liveness → prechecks → encoded job → sealed into the
// offline queue. The kiosk app's wizard calls its steps one at a time (each may be
// retaken); kioskctl enroll --camera and Run take them in one go.
//
// An Enrollment holds the images the steps took:
//   - TakeDocument(ctx, src) takes the ID document with capture.Document;
//     ImportComparison instead takes a comparison image on file (its JPEG is sealed as
//     it is).
//   - TakeSelfie(ctx, src) and TakeLiveness(ctx, src) run capture.Selfie and
//     capture.LivenessSequence; the judge is precheck.EngineJudge (passive liveness on).
//   - Take(ctx, cams) runs the three in order over Cameras.
//   - Job(meta) encodes the images with capture.EncodeJob (the imported comparison image
//     kept as it is) into a copy of meta and validates it. Its capture origin
//     (job.CaptureOrigin) is meta's when set, else auto after TakeDocument and import
//     after ImportComparison.
//
// Check runs the one precheck policy (precheck.Run) on a job and records it: a failed
// check refuses the job (ErrRefused) unless forced, which the job records. CheckWith
// adds the document read (precheck.RunWith with the OCR reader: a DOCUMENT comparison
// image's zone, the expiry warning, the job's DocumentRecord), as the kiosk's wizard
// runs it; kioskctl enroll uses it. Seal is Check then Queue.Enqueue; Run is every step
// in order, then Seal.
//
// Each step's OnFrame (Options.OnFrame) passes every frame and its guidance to a live
// preview (capture.FrameFunc). The camera of a test or demo made from folders of
// photos is capture/replay.OpenScripted's, whose Apply sets the liveness options so that
// the liveness camera shows the next photo at each prompt.
package enroll
