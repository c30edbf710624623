// Package parts builds each part of the kiosk from a validated config (internal/config):
// the one way to open the offline queue, the inference engine, the compare sender with
// its prober and halt fingerprint, and the uploader. kioskctl and the kiosk app
// (internal/app) call it, so a part is built the same way by every program.
//
// It turns each config section into its part's Options (CameraConfig, Thresholds,
// QueueOptions, UploaderOptions, SignerConfig, CompareOptions: what the config decides),
// and adds what a program supplies at run time (clock, logger, environment, files in the
// data folder). It sits above the parts, which never import it; unlike internal/config it
// links them (bbolt through offline, go4vl through capture/v4l2).
//
// Builders:
//   - OpenQueue: the offline queue in the data folder, with the caller's clock and logger.
//   - EngineOptions / OpenEngine: the models folder, the ONNX Runtime library (the config's
//     onnxruntime_lib, then $ONNXRUNTIME_LIB through getenv, then onnx.FindLibrary's
//     search beside the binary and the packaged path) and the inference thresholds.
//   - NewSync: the compare client as an uploader.Sender, a prober that asks the API
//     whether it answers (compare.Client.Ping), the client's clock skew, and the ConfigID
//     (a fingerprint of the API URL, the partner id and the key or signer; never the key).
//   - OpenCameras: the cameras of the "capture" section (capture/v4l2).
//   - NewUploader: UploaderOptions plus the Sync, the state file in the data folder and
//     the caller's clock, logger and event handler.
package parts
