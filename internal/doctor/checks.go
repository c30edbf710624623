package doctor

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/capture/v4l2"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/onnx"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/offline/protector"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// Photo is the bundled photo the models check analyses: one face (deepface's test
// image img12.jpg, MIT licence, photo/LICENSE.deepface).
//
//go:embed photo/face.jpg
var Photo []byte

// SessionUnit is the systemd unit that runs the kiosk (packaging/).
const SessionUnit = "kiosk-agent-session.service"

// dialKiosk connects to the running kiosk and asks its status.
func dialKiosk(ctx context.Context, o Options) (*localapi.Client, Result) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := localapi.Dial(ctx, o.Socket)
	switch {
	case errors.Is(err, localapi.ErrNoKiosk):
		return nil, fail(CheckKiosk, "start it: systemctl start "+SessionUnit+" (journalctl -u "+SessionUnit+" says why it stopped)",
			"no kiosk answers on %s", o.Socket)
	case errors.Is(err, localapi.ErrForbidden):
		return nil, fail(CheckKiosk, "run kioskctl doctor as root, or join the socket's group: usermod -aG "+groupOf(o.Config)+" USER",
			"%v", err)
	case err != nil:
		return nil, fail(CheckKiosk, "check that "+o.Socket+" is the socket of local_api.socket, and restart the kiosk", "%v", err)
	}
	st, err := c.Status(ctx)
	if err != nil {
		c.Close()
		if errors.Is(err, localapi.ErrForbidden) {
			return nil, fail(CheckKiosk, "run kioskctl doctor as root, or join the socket's group: usermod -aG "+groupOf(o.Config)+" USER",
				"the kiosk on %s refused: %v", o.Socket, err)
		}
		return nil, fail(CheckKiosk, "restart the kiosk: systemctl restart "+SessionUnit, "the kiosk on %s did not answer its status: %v", o.Socket, err)
	}
	detail := fmt.Sprintf("running, answers on %s", o.Socket)
	if !st.Started.IsZero() {
		detail += fmt.Sprintf(" (since %s", st.Started.UTC().Format(time.RFC3339))
		if st.Version != "" {
			detail += ", version " + st.Version
		}
		detail += ")"
	}
	return c, ok(CheckKiosk, "%s", detail)
}

func groupOf(c config.Config) string {
	if c.LocalAPI.Group != "" {
		return c.LocalAPI.Group
	}
	return "kiosk"
}

// checkCameras finds the selfie and the document camera as the config chooses them
// and reads a frame from each (a replay folder counts as a camera). While a kiosk runs
// it holds them, so they are only found, not opened.
func checkCameras(ctx context.Context, o Options, kioskRuns bool) Result {
	sc, dc := o.Config.Capture.SelfieCamera, o.Config.Capture.DocumentCamera
	settings := parts.CameraConfig(o.Config)
	var devices []v4l2.Camera
	if !sc.Replay() || (dc.Chosen() && !dc.Replay()) {
		var err error
		if devices, err = v4l2.List(); err != nil {
			return fail(CheckCameras, "check the cameras' USB cables and kioskctl cameras", "listing the cameras: %v", err)
		}
		if len(devices) == 0 {
			return fail(CheckCameras, "plug the cameras in (kioskctl cameras lists what the kiosk sees)",
				"no camera found (no /dev/video* capture device)")
		}
	}
	var parts []string
	var selfiePath string
	role := func(key, name string, c config.Camera, s v4l2.Options) *Result {
		if c.Replay() {
			files, err := replay.Files([]string{c.ReplayDir})
			if err != nil || len(files) == 0 {
				r := fail(CheckCameras, "put .jpg or .png images in "+c.ReplayDir+", or remove "+key+".replay_dir to use a camera",
					"%s replays %s, which holds no image (%v)", name, c.ReplayDir, err)
				return &r
			}
			parts = append(parts, fmt.Sprintf("%s: replay of %d images in %s", name, len(files), c.ReplayDir))
			return nil
		}
		if kioskRuns {
			d, found := findDevice(devices, c)
			if !found && unreadable(devices) {
				r := warn(CheckCameras, "run kioskctl doctor as root to read every camera's name",
					"%s (%s): not among the cameras this user can read", name, describeCamera(c))
				return &r
			}
			if !found {
				r := fail(CheckCameras, "plug the camera in, or correct "+key+" (kioskctl cameras lists the cameras)",
					"%s (%s): no such camera among %d found", name, describeCamera(c), len(devices))
				return &r
			}
			parts = append(parts, fmt.Sprintf("%s: %s %q (held by the running kiosk, not opened)", name, d.Path, d.Name))
			return nil
		}
		s.Clock, s.Logger = o.Clock, o.Logger
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		src, err := v4l2.Open(octx, s)
		if err != nil {
			r := fail(CheckCameras, cameraFix(err, key), "%s (%s): %v", name, describeCamera(c), err)
			return &r
		}
		defer src.Close()
		f, err := src.Next(octx)
		if err != nil {
			r := fail(CheckCameras, "unplug and replug the camera, then check kioskctl cameras; replace it if it still gives no picture",
				"%s (%s) opened but gave no frame: %v", name, src.Negotiated().Camera.Path, err)
			return &r
		}
		n := src.Negotiated()
		if name == "document" && selfiePath != "" && n.Camera.Path == selfiePath {
			r := fail(CheckCameras, "make capture.document_camera name another camera (kioskctl cameras lists them), or leave it out to scan with the selfie camera",
				"the selfie and the document camera settings both find %s", n.Camera.Path)
			return &r
		}
		if name == "selfie" {
			selfiePath = n.Camera.Path
		}
		parts = append(parts, fmt.Sprintf("%s: %s %q, %s %dx%d", name, n.Camera.Path, n.Camera.Name, fourCC(f), f.Width, f.Height))
		return nil
	}
	if r := role("capture.selfie_camera", "selfie", sc, v4l2.FromSettings(settings.SelfieCamera, false)); r != nil {
		return *r
	}
	if dc.Replay() || dc.Chosen() {
		if r := role("capture.document_camera", "document", dc, v4l2.FromSettings(settings.DocumentCamera, true)); r != nil {
			return *r
		}
	} else {
		parts = append(parts, "document: the selfie camera (capture.document_camera is not set)")
	}
	return ok(CheckCameras, "%s", strings.Join(parts, "; "))
}

// findDevice is the listed camera that c chooses, as capture/v4l2 resolves it: by path
// (a by-id link counts), else the first whose name and bus contain c's.
func findDevice(devices []v4l2.Camera, c config.Camera) (v4l2.Camera, bool) {
	for _, d := range devices {
		switch {
		case c.Path != "":
			if camera.SameDevice(c.Path, d.Path) {
				return d, true
			}
		case strings.Contains(d.Name, c.Name) && strings.Contains(d.Bus, c.Bus):
			return d, true
		}
	}
	return v4l2.Camera{}, false
}

// unreadable reports a listed camera whose name could not be read (no permission).
func unreadable(devices []v4l2.Camera) bool {
	for _, d := range devices {
		if d.Name == "" {
			return true
		}
	}
	return false
}

func fourCC(f capture.Frame) string { return f.Format.String() }

func describeCamera(c config.Camera) string {
	switch {
	case c.Path != "":
		return c.Path
	case c.Name != "" || c.Bus != "":
		return strings.TrimSpace(fmt.Sprintf("name %q bus %q", c.Name, c.Bus))
	}
	return "the first camera"
}

func cameraFix(err error, key string) string {
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EACCES):
		return "give the kiosk user the cameras: the package's udev rule does (udevadm trigger), or usermod -aG video " + DefaultDataOwner
	case errors.Is(err, syscall.EBUSY):
		return "stop the program that holds the camera (fuser /dev/video*), e.g. a kiosk started by hand"
	case errors.Is(err, capture.ErrNoCamera):
		return "plug the camera in, or correct " + key + " (kioskctl cameras lists the cameras)"
	}
	return "check " + key + " against kioskctl cameras, and the camera's USB cable"
}

// checkModels loads ONNX Runtime and the models and analyses the bundled photo.
func checkModels(o Options) Result {
	start := o.Clock.Now()
	eng, err := parts.OpenEngine(o.Config, o.Getenv, o.Logger)
	if err != nil {
		fix := "reinstall kiosk-agent (it ships /usr/lib/kiosk-agent/libonnxruntime.so.1), or set onnxruntime_lib to the 1.24 library"
		if o.Config.ModelsDir != "" && !errors.Is(err, onnx.ErrLibraryNotFound) {
			fix = "remove models_dir from the config to use the built-in models, or put every model file in " + o.Config.ModelsDir
		}
		return fail(CheckModels, fix, "loading the face analysis: %v", err)
	}
	defer eng.Close()
	img, err := inference.DecodeImage(Photo)
	if err != nil {
		return fail(CheckModels, "reinstall kiosk-agent: the binary is damaged", "decoding the bundled photo: %v", err)
	}
	a, err := eng.Analyze(img, inference.AnalyzeOptions{Still: true})
	if err != nil {
		return fail(CheckModels, "reinstall kiosk-agent; if it persists, the CPU may lack what ONNX Runtime needs", "analysing the bundled photo: %v", err)
	}
	models := "built-in models"
	if o.Config.ModelsDir != "" {
		models = "models from " + o.Config.ModelsDir
	}
	if len(a.Faces) != 1 {
		return fail(CheckModels, "remove models_dir and any inference thresholds you changed, or reinstall kiosk-agent",
			"ONNX Runtime %s with %s found %d faces in the bundled photo, which shows one", onnx.Version(), models, len(a.Faces))
	}
	return ok(CheckModels, "ONNX Runtime %s with %s: one face found in the bundled photo (%s)",
		onnx.Version(), models, o.Clock.Now().Sub(start).Round(time.Millisecond))
}

// owner is the user that must own the data and the keys; known is false when no such
// user exists here.
func owner(o Options) (uid int, known bool) {
	u, err := user.Lookup(o.DataOwner)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(u.Uid)
	return n, err == nil
}

func uidOf(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return strconv.Itoa(uid)
}

// checkDataDir checks the data folder: a folder, mode 0700, owned by the data owner,
// and so is each file in it.
func checkDataDir(o Options) Result {
	dir := o.Config.DataDir
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(CheckDataDir, fmt.Sprintf("reinstall kiosk-agent, or: install -d -m 0700 -o %s -g %s %s", o.DataOwner, o.DataOwner, dir),
			"%s does not exist", dir)
	case err != nil:
		return fail(CheckDataDir, "run kioskctl doctor as root", "%v", err)
	case !fi.IsDir():
		return fail(CheckDataDir, "move the file away and reinstall kiosk-agent, or set data_dir to a folder", "%s is not a folder", dir)
	}
	if p := fi.Mode().Perm(); p&0o077 != 0 {
		return fail(CheckDataDir, "chmod 700 "+dir, "%s has mode %04o: others may read the queue", dir, p)
	}
	uid, known := owner(o)
	if !known {
		return ok(CheckDataDir, "%s: mode 0700, owner %s (user %s does not exist here: owner not checked)", dir, userName(uidOf(fi)), o.DataOwner)
	}
	if got := uidOf(fi); got != uid {
		return fail(CheckDataDir, fmt.Sprintf("chown -R %s:%s %s", o.DataOwner, o.DataOwner, dir),
			"%s is owned by %s, not %s: the kiosk cannot use it", dir, userName(got), o.DataOwner)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return warn(CheckDataDir, "run kioskctl doctor as root to check the files inside", "%s: mode 0700, owner %s; its files not checked: %v", dir, o.DataOwner, err)
	}
	for _, e := range entries {
		efi, err := e.Info()
		if err != nil {
			continue
		}
		if got := uidOf(efi); got != uid {
			p := filepath.Join(dir, e.Name())
			return fail(CheckDataDir, fmt.Sprintf("chown -R %s:%s %s (a command run as another user created it)", o.DataOwner, o.DataOwner, p),
				"%s is owned by %s, not %s: the kiosk cannot use it", p, userName(got), o.DataOwner)
		}
	}
	return ok(CheckDataDir, "%s: mode 0700, owner %s, %d entries owned by it", dir, o.DataOwner, len(entries))
}

// checkKeyFile checks a secret file the kiosk reads: present, readable by its owner
// only, owned by the data owner (the kiosk runs as that user).
func checkKeyFile(o Options, key, path string) *Result {
	fi, err := os.Stat(path)
	if err != nil {
		r := fail(CheckKeys, "put the file there (mode 0600, owner "+o.DataOwner+"), or correct "+key, "%s %s: %v", key, path, err)
		return &r
	}
	if p := fi.Mode().Perm(); p&0o077 != 0 {
		r := fail(CheckKeys, "chmod 600 "+path, "%s %s has mode %04o: others may read it", key, path, p)
		return &r
	}
	if uid, known := owner(o); known && uidOf(fi) != uid {
		r := fail(CheckKeys, fmt.Sprintf("chown %s %s (the kiosk runs as %s)", o.DataOwner, path, o.DataOwner),
			"%s %s is owned by %s: the kiosk cannot read it", key, path, userName(uidOf(fi)))
		return &r
	}
	return nil
}

// checkKeys checks the device keys (deviceKeys) and the API key (or the remote
// signer's token).
func checkKeys(o Options) Result {
	var found []string
	dev, done := deviceKeys(o)
	if done != nil {
		return *done
	}
	found = append(found, dev.detail)
	c := o.Config.Compare
	switch {
	case c.SignerURL != "":
		if c.SignerTokenFile != "" {
			if r := checkKeyFile(o, "compare.signer_token_file", c.SignerTokenFile); r != nil {
				return *r
			}
			found = append(found, "signer token "+c.SignerTokenFile)
		}
		found = append(found, "remote signer (no API key on the kiosk)")
	case c.APIKeyEnv != "":
		if o.Getenv(c.APIKeyEnv) == "" {
			return warn(CheckKeys, "check that the kiosk's service sets $"+c.APIKeyEnv+" (systemctl show "+SessionUnit+" -p Environment)",
				"%s; the API key comes from $%s, which this shell does not have", strings.Join(found, "; "), c.APIKeyEnv)
		}
		found = append(found, "API key from $"+c.APIKeyEnv)
	case c.APIKeyFile != "":
		if r := checkKeyFile(o, "compare.api_key_file", c.APIKeyFile); r != nil {
			return *r
		}
		if _, err := compare.LoadKeySigner(c.PartnerID, c.APIKeyFile); err != nil {
			return fail(CheckKeys, "put the API key of this environment in "+c.APIKeyFile+" (one line)", "%v", err)
		}
		found = append(found, "API key "+c.APIKeyFile+" 0600 "+o.DataOwner)
	default:
		found = append(found, "no API key configured (see the api check)")
	}
	if dev.warn {
		return warn(CheckKeys, dev.fix, "%s", strings.Join(found, "; ")).coded(dev.code, dev.fixCode, dev.args...)
	}
	return ok(CheckKeys, "%s", strings.Join(found, "; ")).coded(dev.code, "", dev.args...)
}

// deviceKeyFacts is what deviceKeys found when all is well enough to go on to the
// API key: a detail for the listing, and, when the keys are the plain file, a
// warning with its fix.
type deviceKeyFacts struct {
	detail        string
	warn          bool
	fix           string
	code, fixCode string
	args          []any
}

// deviceKeys checks what protects the device keys (keys.protector, offline/protector):
// device.sealed (0600, the data owner's, unsealed by this machine's TPM or
// credential) or the plain device.key (WARN: not protected against disk theft; FAIL
// with keys.require_hardware). It never moves the keys.
func deviceKeys(o Options) (deviceKeyFacts, *Result) {
	dir := o.Config.DataDir
	plain := filepath.Join(dir, offline.DeviceKeyFile)
	sealedPath := filepath.Join(dir, offline.SealedKeysFile)
	_, dbErr := os.Stat(filepath.Join(dir, offline.DBFile))
	if _, err := os.Stat(sealedPath); err == nil {
		if r := checkKeyFile(o, "the sealed device keys", sealedPath); r != nil {
			return deviceKeyFacts{}, r
		}
	}
	sealed, err := offline.ReadSealedProtector(dir)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			r := warn(CheckKeys, "run kioskctl doctor as root", "%s cannot be checked: %v", sealedPath, err)
			return deviceKeyFacts{}, &r
		}
		r := fail(CheckKeys, "restore "+offline.SealedKeysFile+" from this kiosk's backup (the queued jobs cannot be opened without it)", "%v", err)
		return deviceKeyFacts{}, &r
	}
	kind, why := protector.Resolve(parts.ProtectorOptions(o.Config, sealed))
	_, plainErr := os.Stat(plain)
	switch {
	case errors.Is(plainErr, fs.ErrPermission):
		r := warn(CheckKeys, "run kioskctl doctor as root", "%s cannot be checked: %v", plain, plainErr)
		return deviceKeyFacts{}, &r
	case plainErr != nil && !errors.Is(plainErr, fs.ErrNotExist):
		r := fail(CheckKeys, "run kioskctl doctor as root", "%v", plainErr)
		return deviceKeyFacts{}, &r
	}
	plainExists := plainErr == nil

	if sealed != "" {
		if r := checkKeyFile(o, "the sealed device keys", sealedPath); r != nil {
			return deviceKeyFacts{}, r
		}
		if kind != sealed {
			r := fail(CheckKeys, fmt.Sprintf("set keys.protector to %q (or \"auto\") in the config", sealed),
				"the device keys are sealed with %s but keys.protector is %s (%s): the kiosk will not open its queue", sealed, kind, why)
			return deviceKeyFacts{}, &r
		}
		st, err := offline.ReadKeyStatus(dir)
		if err != nil {
			r := fail(CheckKeys, "restore "+offline.SealedKeysFile+" from this kiosk's backup", "%v", err)
			return deviceKeyFacts{}, &r
		}
		p, err := parts.KeyProtector(o.Config, false)
		if err != nil {
			r := fail(CheckKeys, "make the key protector available: the TPM (group tss, "+o.Config.Keys.TPMPath+") or the credential (kioskctl keys install-credential)", "%v", err)
			return deviceKeyFacts{}, &r
		}
		err = offline.CheckSealedKeys(dir, p)
		if c, ok := p.(interface{ Close() error }); ok {
			c.Close()
		}
		if errors.Is(err, protector.ErrWrongMachine) || errors.Is(err, protector.ErrPolicy) {
			r := fail(CheckKeys, "open this data folder on the kiosk that sealed it; here its jobs cannot be opened (docs/operations.md, \"A replaced mainboard\")", "%v", err)
			return deviceKeyFacts{}, &r
		}
		if err != nil {
			r := fail(CheckKeys, "call support with this message; never delete "+offline.SealedKeysFile, "%v", err)
			return deviceKeyFacts{}, &r
		}
		f := deviceKeyFacts{detail: fmt.Sprintf("device keys sealed by %s (fingerprint %s, %s 0600 %s)", sealed, st.Fingerprint, offline.SealedKeysFile, o.DataOwner),
			code: CodeKeysSealed, args: []any{"Protector", sealed}}
		if plainExists {
			f.detail += "; " + offline.DeviceKeyFile + " is still there: a move to the protector has not finished"
			f.warn, f.fix = true, "start the kiosk to finish the move (systemctl restart "+SessionUnit+"); it removes "+offline.DeviceKeyFile
			f.code, f.fixCode, f.args = CodeKeysUnfinished, CodeKeysFinish, nil
		}
		return f, nil
	}

	if !plainExists {
		if dbErr == nil {
			r := fail(CheckKeys, "restore "+offline.DeviceKeyFile+" (or "+offline.SealedKeysFile+") from this kiosk's backup (the queued jobs cannot be opened without it)",
				"%s is missing but %s exists", plain, offline.DBFile)
			return deviceKeyFacts{}, &r
		}
		if kind == protector.KindFile {
			return plainWarning(o, offline.DeviceKeyFile+" not created yet (the kiosk creates it at its first start)", why)
		}
		return deviceKeyFacts{detail: fmt.Sprintf("device keys not created yet (the kiosk seals them with %s at its first start: %s)", kind, why),
			code: CodeKeysSealed, args: []any{"Protector", kind}}, nil
	}
	if r := checkKeyFile(o, "the device key", plain); r != nil {
		return deviceKeyFacts{}, r
	}
	if err := offline.CheckDeviceKey(plain); err != nil {
		r := fail(CheckKeys, "restore "+offline.DeviceKeyFile+" from this kiosk's backup", "%v", err)
		return deviceKeyFacts{}, &r
	}
	if kind != protector.KindFile {
		return deviceKeyFacts{detail: fmt.Sprintf("%s 0600 %s; it moves to %s at the kiosk's next start (%s)", offline.DeviceKeyFile, o.DataOwner, kind, why),
			code: CodeKeysMoving, args: []any{"Protector", kind}}, nil
	}
	return plainWarning(o, offline.DeviceKeyFile+" 0600 "+o.DataOwner, why)
}

// plainWarning is the verdict on keys kept in the plain file: WARN, or FAIL when
// keys.require_hardware refuses it.
func plainWarning(o Options, detail, why string) (deviceKeyFacts, *Result) {
	fix := "set keys.protector to tpm2 (the TPM: group tss, /dev/tpmrm0) or install a credential (kioskctl keys install-credential), then restart the kiosk"
	if o.Config.Keys.RequireHardware {
		r := fail(CheckKeys, fix, "%s, and keys.require_hardware refuses the plain file (%s): the kiosk will not start", detail, why).coded(CodeKeysRefused, CodeKeysProtect)
		return deviceKeyFacts{}, &r
	}
	return deviceKeyFacts{detail: detail + ": the device keys are in a plain file, not protected against disk theft (" + why + ")",
		warn: true, fix: fix, code: CodeKeysPlain, fixCode: CodeKeysProtect}, nil
}

// checkDisk compares the free space of the data folder's file system with the floor
// under which the queue refuses new jobs (offline.min_free_disk_mb).
func checkDisk(o Options) Result {
	dir := o.Config.DataDir
	for dir != "/" {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		dir = filepath.Dir(dir)
	}
	free, err := o.freeBytes(dir)
	if err != nil {
		return fail(CheckDisk, "check that "+dir+" is mounted", "reading the free space of %s: %v", dir, err)
	}
	floorMB := o.Config.Offline.MinFreeDiskMB
	if floorMB == 0 {
		floorMB = offline.DefaultSettings().MinFreeDiskMB
	}
	freeMB := free >> 20
	if floorMB < 0 {
		return ok(CheckDisk, "%d MB free on %s's file system (no floor: offline.min_free_disk_mb is -1)", freeMB, dir).
			coded(CodeDiskNoFloor, "", "Free", freeMB, "Dir", dir)
	}
	floor := uint64(floorMB) << 20
	args := []any{"Free", freeMB, "Dir", dir, "Floor", floorMB}
	switch {
	case free < floor:
		return fail(CheckDisk, "free space on "+dir+"'s file system (old logs, journalctl --vacuum-size=100M); kioskctl queue purge deletes the images of sent jobs",
			"%d MB free on %s's file system, under the floor of %d MB: new enrollments are refused", freeMB, dir, floorMB).
			coded(CodeDiskUnderFloor, CodeDiskFreeSpace, args...)
	case free < 2*floor:
		return warn(CheckDisk, "free space on "+dir+"'s file system before new enrollments are refused",
			"%d MB free on %s's file system, less than twice the floor of %d MB", freeMB, dir, floorMB).
			coded(CodeDiskLow, CodeDiskFreeSoon, args...)
	}
	return ok(CheckDisk, "%d MB free on %s's file system (floor %d MB)", freeMB, dir, floorMB).coded(CodeDiskOK, "", args...)
}

// queueFacts is what the queue check judges, from the kiosk or the file.
type queueFacts struct {
	counts offline.Counts
	halt   *uploader.Halt
	alerts []string
	via    string
}

// checkQueue judges the queue's health: quarantined jobs, a sending halt, the oldest
// unsent job against offline.max_oldest_unsent, held and failed jobs, the queue's alerts.
// Through the running kiosk when one runs (it holds queue.db), else from the file.
func checkQueue(ctx context.Context, o Options, kiosk kioskView) Result {
	var f queueFacts
	if kiosk != nil {
		jl, err := kiosk.Jobs(ctx, offline.ListOptions{States: []offline.State{offline.StateQuarantined}})
		if err != nil {
			return fail(CheckQueue, "restart the kiosk: systemctl restart "+SessionUnit, "the kiosk did not list its queue: %v", err)
		}
		st, err := kiosk.Status(ctx)
		if err != nil {
			return fail(CheckQueue, "restart the kiosk: systemctl restart "+SessionUnit, "the kiosk did not answer its status: %v", err)
		}
		f = queueFacts{counts: jl.Counts, halt: st.Halt, via: "through the running kiosk"}
		for _, a := range st.Alerts {
			f.alerts = append(f.alerts, a.Message)
		}
	} else {
		db := filepath.Join(o.Config.DataDir, offline.DBFile)
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return ok(CheckQueue, "no queue yet (%s is created at the kiosk's first start)", db)
		} else if err != nil {
			return warn(CheckQueue, "run kioskctl doctor as root", "%s cannot be read: %v", db, err)
		}
		qopts := parts.QueueOptions(o.Config)
		qopts.LockTimeout, qopts.Clock, qopts.Logger = time.Second, o.Clock, o.Logger
		var q *offline.Queue
		var err error
		qopts.Protector, err = parts.KeyProtector(o.Config, false)
		if err == nil {
			q, err = offline.Open(o.Config.DataDir, qopts)
		}
		switch {
		case errors.Is(err, offline.ErrLocked):
			return warn(CheckQueue, "run it again when the other program (a kioskctl command?) is done", "%v", err)
		case errors.Is(err, offline.ErrWrongDeviceKey), errors.Is(err, offline.ErrDeviceKey):
			return fail(CheckQueue, "restore "+offline.DeviceKeyFile+" from this kiosk's backup", "%v", err)
		case errors.Is(err, fs.ErrPermission):
			return warn(CheckQueue, "run kioskctl doctor as root", "%v", err)
		case err != nil:
			return fail(CheckQueue, "call support with this message; never delete queue.db", "%v", err)
		}
		defer q.Close()
		f = queueFacts{counts: q.Counts(), via: "from " + db}
		for _, a := range q.Alerts() {
			f.alerts = append(f.alerts, a.Message)
		}
		up := uploader.New(uploader.OfflineQueue{Q: q}, nil, uploader.Options{State: uploader.FileState{Path: filepath.Join(o.Config.DataDir, uploader.StateFile)}})
		if st, err := up.Status(ctx); err == nil {
			f.halt = st.Halt
		}
	}
	return judgeQueue(o, f)
}

func judgeQueue(o Options, f queueFacts) Result {
	by := func(s offline.State) int { return f.counts.ByState[s] }
	summary := fmt.Sprintf("%d unsent (%d held), %d needs operator, %d failed, %d quarantined, %d done",
		f.counts.Unsent, by(offline.StateHeld), by(offline.StateNeedsOperator), by(offline.StateFailed), by(offline.StateQuarantined), by(offline.StateDone))
	age := time.Duration(0)
	if !f.counts.OldestUnsent.IsZero() {
		age = o.Clock.Now().Sub(f.counts.OldestUnsent)
		summary += fmt.Sprintf(", oldest unsent %s old", roundAge(age))
	}
	summary += " (" + f.via + ")"
	maxAge := o.Config.Offline.MaxOldestUnsent.D()
	if maxAge == 0 {
		maxAge = time.Duration(offline.DefaultSettings().MaxOldestUnsentDays) * 24 * time.Hour
	}
	switch {
	case by(offline.StateQuarantined) > 0:
		return fail(CheckQueue, "list them (kioskctl queue list --state quarantined) and call support; never delete queue.db",
			"%s: quarantined jobs failed their integrity check and are never sent", summary).
			coded(CodeQueueQuarantined, CodeQueueCallSupport, "N", by(offline.StateQuarantined))
	case f.halt != nil:
		return fail(CheckQueue, "fix what the halt says, then kioskctl sync --retry-halted",
			"%s; sending is halted (%s): %s", summary, f.halt.Code, f.halt.Reason).
			coded(CodeQueueHalted, CodeQueueRetryHalted, "Code", f.halt.Code)
	case maxAge > 0 && age >= maxAge:
		return fail(CheckQueue, "connect the kiosk to the API (see the api check) so the queue drains",
			"%s: older than offline.max_oldest_unsent (%s), so new enrollments are refused", summary, roundAge(maxAge)).
			coded(CodeQueueTooOld, CodeQueueConnect, "Age", roundAge(age), "Max", roundAge(maxAge))
	case len(f.alerts) > 0:
		return warn(CheckQueue, "do what the alert says", "%s; alert: %s", summary, f.alerts[0])
	case maxAge > 0 && age >= maxAge/2:
		return warn(CheckQueue, "connect the kiosk to the API soon (see the api check)",
			"%s: past half of offline.max_oldest_unsent (%s)", summary, roundAge(maxAge)).
			coded(CodeQueueAging, CodeQueueConnectSoon, "Age", roundAge(age), "Max", roundAge(maxAge))
	case by(offline.StateHeld) > 0 || by(offline.StateNeedsOperator) > 0 || by(offline.StateFailed) > 0:
		return warn(CheckQueue, "look at them with kioskctl queue list, and retry or purge each (kioskctl queue retry|purge ID)", "%s", summary).
			coded(CodeQueueToLookAt, CodeQueueLookAt, "Held", by(offline.StateHeld), "NeedsOperator", by(offline.StateNeedsOperator), "Failed", by(offline.StateFailed))
	}
	return ok(CheckQueue, "%s", summary).coded(CodeQueueHealthy, "", "Unsent", f.counts.Unsent)
}

func roundAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return d.Round(time.Hour).String()
	}
	return d.Round(time.Second).String()
}

// checkAPIAndClock sends one signed request the server can judge without enrolling
// anyone (compare.Client.CheckAuth) and compares the answer's Date with the local clock.
func checkAPIAndClock(ctx context.Context, o Options) (api, clk Result) {
	c := o.Config.Compare
	cfgFile := o.ConfigPath
	if cfgFile == "" {
		cfgFile = config.DefaultPath
	}
	kernelClock := func(why string) Result {
		return clockResult(clock.Judge(clock.Reading{NTPSynced: clock.Synced()}), 0, why)
	}
	if c.APIURL == "" {
		return fail(CheckAPI, "set compare.api_url, compare.partner_id and compare.api_key_file in "+cfgFile,
			"no compare.api_url: jobs are kept on this kiosk and never sent").coded(CodeAPINoURL, CodeAPISetURL, "File", cfgFile), kernelClock("no api_url")
	}
	if c.SignerURL == "" && c.APIKeyEnv != "" && o.Getenv(c.APIKeyEnv) == "" {
		return warn(CheckAPI, "run kioskctl doctor with $"+c.APIKeyEnv+" set as the kiosk's service sets it, to check the key",
			"not checked: the API key comes from $%s, which this shell does not have", c.APIKeyEnv), kernelClock("not asked")
	}
	opts, err := parts.CompareOptions(o.Config, o.Getenv)
	if err != nil {
		return fail(CheckAPI, "correct the compare section of "+cfgFile+" (see the keys check)", "setting up the signer: %v", err), kernelClock("no signer")
	}
	opts.Clock, opts.Logger, opts.Transport = o.Clock, o.Logger, o.transport
	if opts.ConnectTimeout <= 0 || opts.ConnectTimeout > 10*time.Second {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.HeaderTimeout <= 0 || opts.HeaderTimeout > 20*time.Second {
		opts.HeaderTimeout = 20 * time.Second
	}
	client, err := compare.New(opts)
	if err != nil {
		return fail(CheckAPI, "use an https:// api_url (http:// only for this machine's sandbox)", "%v", err), kernelClock("api_url refused")
	}
	u, _ := url.Parse(c.APIURL)
	host := u.Scheme + "://" + u.Host
	transport := "https"
	insecure := false
	switch {
	case u.Scheme == "http" && config.LoopbackURL(c.APIURL):
		transport = "http to this machine (a local sandbox)"
	case u.Scheme == "http":
		transport, insecure = "plain http (allow_insecure_http: signatures and photos cross the network in clear)", true
	}
	chk, err := client.CheckAuth(ctx)
	if err != nil {
		var e *compare.Error
		if errors.As(err, &e) && e.Class == compare.ClassHalt {
			return fail(CheckAPI, "check api_url, ca_file and the remote signer's settings", "%s: %v", host, err), kernelClock("no answer")
		}
		return fail(CheckAPI, "check the network, DNS and the firewall toward "+host+" (kioskctl status says online/offline)",
			"%s cannot be reached: %v", host, err).coded(CodeAPIUnreachable, CodeAPICheckNetwork, "Host", host), kernelClock("no answer")
	}
	clk = judgeClock(o, chk)
	switch {
	case chk.Accepted && insecure:
		api = warn(CheckAPI, "use https://: turn allow_insecure_http off",
			"%s over %s answered %s to a signed empty form: the key is accepted", host, transport, chk.Code)
	case chk.Accepted:
		api = ok(CheckAPI, "%s over %s answered %s to a signed empty form: the key is accepted (nobody enrolled)", host, transport, chk.Code).
			coded(CodeAPIAccepted, "", "Host", host)
	case chk.Code == compare.CodeUnauthorized:
		fix, fixCode := "put the API key of this environment in the key file and check compare.partner_id", CodeAPIPutKey
		if clk.Status == Fail {
			fix, fixCode = "set the clock (see the clock check); the signature's time is outside the API's window", CodeAPISetClock
		}
		api = fail(CheckAPI, fix, "%s refused the signature (2205): %v", host, chk.Err).coded(CodeAPIRefused, fixCode, "Host", host)
	case chk.Code == compare.CodeNotActivated || chk.Code == compare.CodeNoProduction:
		api = fail(CheckAPI, "ask SmartSelfie to enable the product (or production) for partner "+c.PartnerID,
			"%s accepted the key but refused the account (%s): %v", host, chk.Code, chk.Err)
	case chk.HTTPStatus >= 500 || chk.Code == compare.CodeSystemError || chk.Code == compare.CodeSystemBusy:
		api = warn(CheckAPI, "run kioskctl doctor again later; the kiosk retries by itself",
			"%s is reachable but busy or failing (HTTP %d): %v", host, chk.HTTPStatus, chk.Err)
	default:
		api = fail(CheckAPI, "set compare.api_url to the API's base URL only (the kiosk adds "+compare.Path+")",
			"%s does not answer as the compare API: %v", host, chk.Err)
	}
	return api, clk
}

// judgeClock compares the API's Date with the local clock at sending, through the one
// judgement the kiosk's screens share (clock.Judge).
func judgeClock(o Options, chk compare.AuthCheck) Result {
	r := clock.Reading{NTPSynced: clock.Synced(), Tolerance: o.Config.Sync.SkewTolerance.D()}
	if !chk.ServerDate.IsZero() {
		r.Skew, r.Measured = chk.ServerDate.Sub(chk.Sent.Truncate(time.Second)), true
	}
	return clockResult(clock.Judge(r), r.Tolerance, "the API's answer had no Date header")
}

// clockResult is a clock verdict as the clock check's result; why says why the clock
// was not compared with the API's (when it was not).
func clockResult(v clock.Verdict, tol time.Duration, why string) Result {
	if tol <= 0 {
		tol = clock.DefaultSkewTolerance
	}
	how := "ahead of"
	if v.Behind {
		how = "behind"
	}
	skew := v.Skew.String()
	switch v.Code {
	case clock.ClockOff:
		return fail(CheckClock, "set the clock (timedatectl set-ntp true, or date -s) and keep NTP on",
			"this clock is %s %s the API server's (its Date header): the API refuses signatures beyond 15 minutes", skew, how).
			coded(CodeClockOff, CodeClockSet, "Skew", skew)
	case clock.ClockDrift:
		return warn(CheckClock, "turn NTP on (timedatectl set-ntp true) before the gap reaches 15 minutes",
			"this clock is %s %s the API server's (its Date header), more than sync.skew_tolerance (%s)", skew, how, tol).
			coded(CodeClockDrift, CodeClockSet, "Skew", skew)
	case clock.ClockWithin:
		return ok(CheckClock, "within %s of the API server's clock (its Date header; 1 s resolution)", skew).
			coded(CodeClockWithin, "", "Skew", skew)
	case clock.ClockNTP:
		return ok(CheckClock, "the kernel says NTP keeps the clock synchronised (not compared with the API: %s)", why).
			coded(CodeClockNTP, "")
	}
	return warn(CheckClock, "turn NTP on: timedatectl set-ntp true (the API refuses signatures from a clock 15 minutes off)",
		"the clock is not synchronised by NTP, and was not compared with the API: %s", why).
		coded(CodeClockUnsynced, CodeClockSet)
}
