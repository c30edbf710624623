// Package doctor runs the kiosk's health checks: what `kioskctl doctor [--json]` prints
// and the app's status screen can show. Each check gives ok, warn or fail, what it found,
// and, when not ok, the fix in one sentence; the report's status is the worst of them
// (Status.ExitCode: 0, 1, 2).
//
// The checks, in the order Run runs them:
//
//   - config: the config file loaded and validated (Options.ConfigErr).
//   - kiosk: the running kiosk answers its status on its socket (internal/localapi;
//     local_api.socket). When it runs, the cameras check does not open the cameras (the
//     kiosk holds them) and the queue check asks the kiosk (it holds queue.db).
//   - cameras: the selfie camera and the document camera, as the "capture" section
//     chooses them, are found and give a frame (which device plays which role is in the
//     detail); a camera with replay_dir counts when its folder holds images.
//   - models: ONNX Runtime and the models load (internal/parts.OpenEngine) and find the
//     one face of a bundled photo (Photo, built into the binary).
//   - data_dir: a folder, mode 0700, owned by Options.DataOwner (kiosk-agent), and so is
//     every entry in it (a command run as root may have created queue.db).
//   - keys: what protects the device keys (keys.protector, offline/protector):
//     device.sealed readable by its owner only, owned by the data owner, sealed by the
//     configured protector and unsealed by this machine (offline.CheckSealedKeys; keys
//     sealed elsewhere fail); or the plain device.key (mode, owner, offline.CheckDeviceKey),
//     which warns "not protected against disk theft" (fails with keys.require_hardware),
//     or says it moves to the protector at the next start; doctor never moves a key. A
//     missing key is fine until queue.db exists. The API key file (or the remote signer's
//     token file) likewise, and readable as a key. The codes doctor.keys.* say it on the
//     status screen.
//   - disk: the free space of the data folder's file system against
//     offline.min_free_disk_mb (fail under it: the queue refuses new jobs; warn under
//     twice it, as the app's status bar does).
//   - queue: quarantined jobs or a sending halt fail; the oldest unsent job fails at
//     offline.max_oldest_unsent (new jobs are refused) and warns at half of it; the
//     queue's alerts, held, needs-operator and failed jobs warn.
//   - api: one signed request that the server can judge without enrolling anyone
//     (compare.Client.CheckAuth: a POST whose multipart form holds no field). The
//     contract checks the signature before the form, so 2413 or 2204 proves that the
//     API is reachable over an allowed transport (https, or http to this machine) and
//     that the partner id, key and account are accepted, while a request without
//     job_id, user_id or images cannot create a job or enroll a user. 2205 fails (key or
//     clock), 2214 and 2220 fail (the account), a 5xx warns, an answer without a
//     contract code fails (api_url is not the API's base URL), no answer fails.
//   - clock: the answer's Date header against the local clock when the request left:
//     fail beyond the API's 15-minute window, warn beyond sync.skew_tolerance. Without an
//     answer, the kernel's NTP flag (adjtimex) decides between ok and warn.
//
// Each Result carries, besides its English Detail and Fix (kioskctl doctor's output, its
// JSON unchanged), the stable codes of its finding and its fix (Code, FixCode, Args;
// not in the JSON): the keys of their sentences in internal/messages, in English and
// French, for the kiosk's status screen. The config's and the disk's findings and fixes,
// the queue's judgements, the API's missing URL, no answer, refusal and acceptance, and
// the clock's comparison with the API have codes of their own (Code* constants: the
// disk's and the valid config's English is the Detail word for word, the others' a
// shorter sentence; every coded fix's English is the Fix word for word); every other
// finding has its check's generic one,
// GenericCode(name, status) ("doctor.queue.warn"), and its fix GenericFixCode (run
// kioskctl doctor for the details).
//
// The kiosk app runs Run in its own process for its status screen (cmd/kiosk/checks.go):
// with its config and its own socket, so the kiosk check answers, the queue is read
// through the socket and the cameras are only found, never opened.
//
// Run only reads, with exceptions that a kiosk's own start (or kioskctl status) would
// make too: opening an existing queue.db when no kiosk runs may requeue jobs left in
// sending, or move an unreadable file aside and start a new one (offline.Open; run as
// root, that new file is root's, which the data_dir check of the next run reports with
// its chown); and the API check sends one request. It never creates the data folder,
// queue.db or a key.
package doctor
