package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture/v4l2"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/internal/messages"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/internal/testkit/swtpmtest"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// me is the user running the tests: the data owner of the tests' folders.
func me(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// testOptions is a config whose data folder is a fresh 0700 folder of ours.
func testOptions(t *testing.T) Options {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(cfg.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg.LocalAPI.Socket = filepath.Join(t.TempDir(), "kiosk.sock")
	o := Options{Config: cfg, DataOwner: me(t)}
	o.defaults()
	return o
}

func want(t *testing.T, r Result, st Status, detail string) Result {
	t.Helper()
	if r.Status != st || !strings.Contains(r.Detail, detail) {
		t.Fatalf("%s: got %s %q (fix %q), want %s with %q", r.Name, r.Status, r.Detail, r.Fix, st, detail)
	}
	if (st == OK) != (r.Fix == "") {
		t.Fatalf("%s: status %s with fix %q: a fix is given exactly when not ok", r.Name, r.Status, r.Fix)
	}
	return r
}

func TestStatusJSONAndExitCode(t *testing.T) {
	rep := Report{}
	rep.add(ok("a", "fine"))
	if rep.Status.ExitCode() != 0 {
		t.Fatalf("all ok: exit %d", rep.Status.ExitCode())
	}
	rep.add(warn("b", "do x", "meh"))
	rep.add(ok("c", "fine"))
	if rep.Status != Warn || rep.Status.ExitCode() != 1 {
		t.Fatalf("worst warn: %s exit %d", rep.Status, rep.Status.ExitCode())
	}
	rep.add(fail("d", "do y", "bad"))
	rep.add(warn("e", "do z", "meh"))
	if rep.Status != Fail || rep.Status.ExitCode() != 2 {
		t.Fatalf("worst fail: %s exit %d", rep.Status, rep.Status.ExitCode())
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Status string `json:"status"`
		Checks []struct{ Name, Status, Detail, Fix string }
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Status != "fail" || len(back.Checks) != 5 || back.Checks[1].Status != "warn" || back.Checks[1].Fix != "do z" && back.Checks[1].Fix != "do x" {
		t.Fatalf("JSON: %s", b)
	}
	var s Status
	if err := s.UnmarshalText([]byte("warn")); err != nil || s != Warn {
		t.Fatalf("UnmarshalText warn: %v %v", s, err)
	}
	if err := s.UnmarshalText([]byte("bad")); err == nil {
		t.Fatal("UnmarshalText accepted bad")
	}
}

func TestDataDir(t *testing.T) {
	o := testOptions(t)
	want(t, checkDataDir(o), OK, "mode 0700, owner "+o.DataOwner)

	if err := os.Chmod(o.Config.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := checkDataDir(o)
	want(t, r, Fail, "mode 0755")
	if r.Fix != "chmod 700 "+o.Config.DataDir {
		t.Fatalf("fix %q", r.Fix)
	}
	os.Chmod(o.Config.DataDir, 0o700)

	missing := o
	missing.Config.DataDir = filepath.Join(t.TempDir(), "nope")
	want(t, checkDataDir(missing), Fail, "does not exist")

	other := o
	other.DataOwner = "no-such-user-here"
	want(t, checkDataDir(other), OK, "owner not checked")

	if os.Geteuid() != 0 {
		t.Skip("the owner cases need root (chown)")
	}
	f := filepath.Join(o.Config.DataDir, "queue.db")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(f, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	r = checkDataDir(o)
	want(t, r, Fail, f+" is owned by")
	if !strings.Contains(r.Fix, "chown -R "+o.DataOwner) {
		t.Fatalf("fix %q", r.Fix)
	}
	os.Chown(o.Config.DataDir, 65534, 65534)
	want(t, checkDataDir(o), Fail, o.Config.DataDir+" is owned by")
}

func TestKeys(t *testing.T) {
	o := testOptions(t)
	o.Config.Keys.Protector = "file"
	r := want(t, checkKeys(o), Warn, "not created yet")
	if !strings.Contains(r.Detail, "not protected against disk theft") || r.Code != CodeKeysPlain || r.FixCode != CodeKeysProtect {
		t.Fatalf("the plain file's warning: %+v", r)
	}

	// A queue without its device key: the jobs cannot be opened.
	db := filepath.Join(o.Config.DataDir, offline.DBFile)
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	want(t, checkKeys(o), Fail, "is missing but queue.db exists")
	os.Remove(db)

	// A real key, made by the queue.
	q, err := offline.Open(o.Config.DataDir, offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q.Close()
	want(t, checkKeys(o), Warn, "device.key 0600")
	o.Config.Keys.Protector, o.Config.Keys.RequireHardware = "auto", true
	r = want(t, checkKeys(o), Fail, "keys.require_hardware refuses the plain file")
	if r.Code != CodeKeysRefused {
		t.Fatalf("code %q", r.Code)
	}
	o.Config.Keys.Protector, o.Config.Keys.RequireHardware = "file", false

	key := filepath.Join(o.Config.DataDir, offline.DeviceKeyFile)
	os.Chmod(key, 0o640)
	r = checkKeys(o)
	want(t, r, Fail, "mode 0640")
	if r.Fix != "chmod 600 "+key {
		t.Fatalf("fix %q", r.Fix)
	}
	os.Chmod(key, 0o600)
	good, _ := os.ReadFile(key)
	os.WriteFile(key, []byte("kiosk-agent device key v1\nnot base64\n"), 0o600)
	want(t, checkKeys(o), Fail, "is damaged")
	os.WriteFile(key, good, 0o600)

	// A TPM: the plain key moves at the next start, doctor does not move it.
	tpm := swtpmtest.Start(t)
	o.Config.Keys.Protector, o.Config.Keys.TPMPath = "tpm2", tpm.Path
	r = want(t, checkKeys(o), OK, "it moves to tpm2 at the kiosk's next start")
	if _, err := os.Stat(key); err != nil || r.Code != CodeKeysMoving {
		t.Fatalf("doctor moved the key (%v) or code %q", err, r.Code)
	}
	q, err = parts.OpenQueue(o.Config, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	q.Close()
	r = want(t, checkKeys(o), OK, "device keys sealed by tpm2")
	if r.Code != CodeKeysSealed || messages.Text("fr", r.Code, r.Args...) == messages.Text("en", r.Code, r.Args...) {
		t.Fatalf("code %q args %v", r.Code, r.Args)
	}
	sealedPath := filepath.Join(o.Config.DataDir, offline.SealedKeysFile)
	os.Chmod(sealedPath, 0o640)
	if r := want(t, checkKeys(o), Fail, "mode 0640"); r.Fix != "chmod 600 "+sealedPath {
		t.Fatalf("fix %q", r.Fix)
	}
	os.Chmod(sealedPath, 0o600)
	// The folder on another machine.
	other := o
	other.Config.Keys.TPMPath = swtpmtest.Start(t).Path
	want(t, checkKeys(other), Fail, "another kiosk's TPM")
	other.Config.Keys.Protector = "file"
	want(t, checkKeys(other), Fail, "sealed with tpm2 but keys.protector is file")

	// The API key file.
	apiKey := filepath.Join(t.TempDir(), "api.key")
	os.WriteFile(apiKey, []byte("s3cret\n"), 0o644)
	o.Config.Compare.APIKeyFile, o.Config.Compare.PartnerID = apiKey, "0001"
	want(t, checkKeys(o), Fail, "mode 0644")
	os.Chmod(apiKey, 0o600)
	r = checkKeys(o)
	want(t, r, OK, "API key "+apiKey)
	if strings.Contains(r.Detail, "s3cret") {
		t.Fatal("the detail shows the key")
	}
	os.Remove(apiKey)
	want(t, checkKeys(o), Fail, "no such file")

	// A key from the environment this shell lacks.
	o.Config.Compare.APIKeyFile, o.Config.Compare.APIKeyEnv = "", "KIOSK_TEST_KEY"
	o.Getenv = func(string) string { return "" }
	want(t, checkKeys(o), Warn, "$KIOSK_TEST_KEY")
}

func TestDisk(t *testing.T) {
	o := testOptions(t)
	o.Config.Offline.MinFreeDiskMB = 100
	for _, c := range []struct {
		name string
		free uint64
		st   Status
		msg  string
	}{
		{"under the floor", 50 << 20, Fail, "50 MB free"},
		{"under twice the floor", 150 << 20, Warn, "150 MB free"},
		{"plenty", 10 << 30, OK, "10240 MB free"},
	} {
		t.Run(c.name, func(t *testing.T) {
			oo := o
			var asked string
			oo.freeBytes = func(dir string) (uint64, error) { asked = dir; return c.free, nil }
			want(t, checkDisk(oo), c.st, c.msg)
			if asked != o.Config.DataDir {
				t.Fatalf("asked for %q", asked)
			}
		})
	}
	oo := o
	oo.freeBytes = func(string) (uint64, error) { return 0, errors.New("boom") }
	want(t, checkDisk(oo), Fail, "boom")
	// The real file system, no floor.
	o.Config.Offline.MinFreeDiskMB = -1
	want(t, checkDisk(o), OK, "no floor")
}

// enqueue seals a small job into the data folder's queue at clk's time.
func enqueue(t *testing.T, dir string, clk clock.Clock, id string) {
	t.Helper()
	q, err := offline.Open(dir, offline.Options{Clock: clk, Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	j := &job.Job{ID: id, UserID: "u-" + id, ComparisonType: job.IDPhoto,
		Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
	for i := range 4 {
		j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + i)})
	}
	if _, err := q.Enqueue(j); err != nil {
		t.Fatal(err)
	}
}

func TestQueueFromFile(t *testing.T) {
	o := testOptions(t)
	want(t, checkQueue(context.Background(), o, nil), OK, "no queue yet")
	if _, err := os.Stat(filepath.Join(o.Config.DataDir, offline.DeviceKeyFile)); err == nil {
		t.Fatal("the check created a device key")
	}

	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	enqueue(t, o.Config.DataDir, clk, "k-1")
	o.Clock = clk
	o.Config.Offline.MaxOldestUnsent = config.Duration(14 * 24 * time.Hour)
	want(t, checkQueue(context.Background(), o, nil), OK, "1 unsent")

	clk.Advance(8 * 24 * time.Hour)
	want(t, checkQueue(context.Background(), o, nil), Warn, "past half")
	clk.Advance(7 * 24 * time.Hour)
	want(t, checkQueue(context.Background(), o, nil), Fail, "new enrollments are refused")
}

func TestJudgeQueue(t *testing.T) {
	o := testOptions(t)
	c := func(by map[offline.State]int) offline.Counts {
		return offline.Counts{ByState: by}
	}
	want(t, judgeQueue(o, queueFacts{counts: c(map[offline.State]int{offline.StateDone: 3})}), OK, "3 done")
	want(t, judgeQueue(o, queueFacts{counts: c(map[offline.State]int{offline.StateHeld: 1})}), Warn, "1 held")
	want(t, judgeQueue(o, queueFacts{counts: c(nil), alerts: []string{"db moved aside"}}), Warn, "db moved aside")
	want(t, judgeQueue(o, queueFacts{counts: c(nil), halt: &uploader.Halt{Code: "2205", Reason: "wrong key"}}), Fail, "halted (2205): wrong key")
	want(t, judgeQueue(o, queueFacts{counts: c(map[offline.State]int{offline.StateQuarantined: 2})}), Fail, "2 quarantined")
}

// fakeKiosk serves a real queue's jobs and a status through the real local API.
type fakeKiosk struct {
	localapi.QueueBackend
	status localapi.Status
}

func (f fakeKiosk) Status(context.Context) (localapi.Status, error) { return f.status, nil }
func (f fakeKiosk) SyncStatus(context.Context) (uploader.Status, error) {
	return f.status.Status, nil
}
func (f fakeKiosk) SyncNow(context.Context, localapi.SyncRequest) (uploader.Status, error) {
	return f.status.Status, nil
}

func TestKioskAndQueueThroughSocket(t *testing.T) {
	o := testOptions(t)
	r := func() Result { c, r := dialKiosk(context.Background(), o); _ = c; return r }
	want(t, r(), Fail, "no kiosk answers on "+o.Socket)

	enqueue(t, o.Config.DataDir, clock.Real{}, "k-1")
	q, err := offline.Open(o.Config.DataDir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	srv, err := localapi.Listen(localapi.Options{Path: o.Socket})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	k := fakeKiosk{QueueBackend: localapi.QueueBackend{Q: q}, status: localapi.Status{Version: "1.2.3", Started: started,
		Status: uploader.Status{Halt: &uploader.Halt{Code: "2205", Reason: "the key is wrong"}}}}
	go srv.Serve(ctx, k)

	c, res := dialKiosk(context.Background(), o)
	want(t, res, OK, "since 2026-11-30T01:00:00Z, version 1.2.3")
	defer c.Close()
	// The queue file is held by the "kiosk": the check must go through the socket.
	qr := checkQueue(context.Background(), o, c)
	want(t, qr, Fail, "halted (2205): the key is wrong")
	if !strings.Contains(qr.Detail, "1 unsent") || !strings.Contains(qr.Detail, "through the running kiosk") {
		t.Fatalf("queue through the kiosk: %q", qr.Detail)
	}
}

func TestCameras(t *testing.T) {
	o := testOptions(t)
	replay := t.TempDir()
	photo, _ := os.ReadFile("photo/face.jpg")
	os.WriteFile(filepath.Join(replay, "a.jpg"), photo, 0o644)
	o.Config.Capture.SelfieCamera.ReplayDir = replay
	want(t, checkCameras(context.Background(), o, false), OK, "selfie: replay of 1 images in "+replay+"; document: the selfie camera")

	docs := t.TempDir()
	os.WriteFile(filepath.Join(docs, "p.jpg"), photo, 0o644)
	o.Config.Capture.DocumentCamera.ReplayDir = docs
	want(t, checkCameras(context.Background(), o, false), OK, "document: replay of 1 images in "+docs)

	empty := t.TempDir()
	o.Config.Capture.DocumentCamera.ReplayDir = empty
	want(t, checkCameras(context.Background(), o, false), Fail, "document replays "+empty+", which holds no image")

	// While a kiosk runs: found among the listed cameras, not opened.
	devs := []v4l2.Camera{{Path: "/dev/video0", Name: "HD Pro Webcam C920", Bus: "usb-1"}, {Path: "/dev/video2", Name: "Doc Cam", Bus: "usb-2"}}
	for _, c := range []struct {
		cam   config.Camera
		found string
	}{
		{config.Camera{}, "/dev/video0"},
		{config.Camera{Name: "Doc"}, "/dev/video2"},
		{config.Camera{Bus: "usb-2"}, "/dev/video2"},
		{config.Camera{Path: "/dev/video2"}, "/dev/video2"},
		{config.Camera{Path: "/dev/video4"}, ""},
		{config.Camera{Name: "C922"}, ""},
	} {
		d, ok := findDevice(devs, c.cam)
		if ok != (c.found != "") || d.Path != c.found {
			t.Fatalf("findDevice(%+v) = %v %v, want %q", c.cam, d.Path, ok, c.found)
		}
	}

	// A device that is not there (no camera on a build machine, or not this path).
	o.Config.Capture.DocumentCamera.ReplayDir = ""
	o.Config.Capture.SelfieCamera = config.Camera{Path: "/dev/video-not-here"}
	r := checkCameras(context.Background(), o, false)
	if r.Status != Fail || r.Fix == "" {
		t.Fatalf("a missing camera: %+v", r)
	}
}

func TestModels(t *testing.T) {
	o := testOptions(t)
	o.Config.ONNXRuntimeLib = filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	r := checkModels(o)
	want(t, r, Fail, "loading the face analysis")
	if !strings.Contains(r.Fix, "onnxruntime_lib") {
		t.Fatalf("fix %q", r.Fix)
	}
	if testing.Short() || os.Getenv("ONNXRUNTIME_LIB") == "" {
		t.Skip("needs ONNXRUNTIME_LIB (make setup)")
	}
	o.Config.ONNXRuntimeLib = ""
	want(t, checkModels(o), OK, "one face found in the bundled photo")

	o.Config.ModelsDir = t.TempDir()
	r = checkModels(o)
	want(t, r, Fail, "loading the face analysis")
	if !strings.Contains(r.Fix, "models_dir") {
		t.Fatalf("fix %q", r.Fix)
	}
}

type noAnalyzer struct{}

func (noAnalyzer) Judge(context.Context, sandbox.Inputs) (sandbox.Verdict, error) {
	return sandbox.Verdict{}, errors.New("the check must not reach the analysis")
}

// startSandbox serves the real sandbox on loopback with partner 0001 and key k3y, on
// clk's time.
func startSandbox(t *testing.T, clk clock.Clock) *httptest.Server {
	t.Helper()
	sbx, err := sandbox.New(sandbox.Options{Partners: []sandbox.Partner{{ID: "0001", Key: []byte("k3y"), ProductActive: true}},
		DBPath: filepath.Join(t.TempDir(), "sandbox.db"), Analyzer: noAnalyzer{}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sbx.Handler())
	t.Cleanup(func() { srv.Close(); sbx.Close() })
	return srv
}

func apiOptions(t *testing.T, url, key string) Options {
	t.Helper()
	o := testOptions(t)
	kf := filepath.Join(t.TempDir(), "api.key")
	if err := os.WriteFile(kf, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o.Config.Compare.APIURL, o.Config.Compare.PartnerID, o.Config.Compare.APIKeyFile = url, "0001", kf
	return o
}

func TestAPIAgainstSandbox(t *testing.T) {
	srv := startSandbox(t, nil)

	api, clk := checkAPIAndClock(context.Background(), apiOptions(t, srv.URL, "k3y"))
	want(t, api, OK, "answered 2413 to a signed empty form: the key is accepted")
	want(t, api, OK, "http to this machine")
	want(t, clk, OK, "of the API server's clock")

	api, _ = checkAPIAndClock(context.Background(), apiOptions(t, srv.URL, "wrong"))
	want(t, api, Fail, "refused the signature (2205)")
	if !strings.Contains(api.Fix, "API key") {
		t.Fatalf("fix %q", api.Fix)
	}

	// The path belongs to the kiosk: a base URL with the endpoint in it gets a 404.
	api, _ = checkAPIAndClock(context.Background(), apiOptions(t, srv.URL+"/v2", "k3y"))
	want(t, api, Fail, "does not answer as the compare API")

	// Nothing listens.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	api, clk = checkAPIAndClock(context.Background(), apiOptions(t, dead, "k3y"))
	want(t, api, Fail, "cannot be reached")
	if clk.Name != CheckClock || !strings.Contains(clk.Detail, "not compared with the API") {
		t.Fatalf("clock without an answer: %+v", clk)
	}

	// Plain http to another host is refused before anything is sent.
	api, _ = checkAPIAndClock(context.Background(), apiOptions(t, "http://192.0.2.1", "k3y"))
	want(t, api, Fail, "plain http")

	// A key from a variable this shell lacks: not checked, said so.
	o := apiOptions(t, srv.URL, "k3y")
	o.Config.Compare.APIKeyFile, o.Config.Compare.APIKeyEnv = "", "KIOSK_TEST_KEY"
	o.Getenv = func(string) string { return "" }
	api, _ = checkAPIAndClock(context.Background(), o)
	want(t, api, Warn, "not checked")
	o.Getenv = func(k string) string {
		if k == "KIOSK_TEST_KEY" {
			return "k3y"
		}
		return ""
	}
	api, _ = checkAPIAndClock(context.Background(), o)
	want(t, api, OK, "the key is accepted")

	o = apiOptions(t, srv.URL, "k3y")
	o.Config.Compare.APIURL = ""
	api, _ = checkAPIAndClock(context.Background(), o)
	want(t, api, Fail, "no compare.api_url")
}

func TestClockAgainstSandbox(t *testing.T) {
	// The server's clock is 20 minutes ahead of ours: it refuses the signature, and
	// the clock check says why.
	srv := startSandbox(t, clock.NewFake(time.Now().Add(20*time.Minute)))
	api, clk := checkAPIAndClock(context.Background(), apiOptions(t, srv.URL, "k3y"))
	want(t, clk, Fail, "behind the API server's")
	want(t, api, Fail, "refused the signature (2205)")
	if !strings.Contains(api.Fix, "clock") {
		t.Fatalf("2205 with a wrong clock: fix %q", api.Fix)
	}

	// 5 minutes: accepted, but beyond sync.skew_tolerance (3 minutes).
	srv = startSandbox(t, clock.NewFake(time.Now().Add(-5*time.Minute)))
	api, clk = checkAPIAndClock(context.Background(), apiOptions(t, srv.URL, "k3y"))
	want(t, api, OK, "the key is accepted")
	want(t, clk, Warn, "ahead of the API server's")
}

func TestAPIBusy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"code":"2210","error":"busy","success":false}`))
	}))
	defer srv.Close()
	api, _ := checkAPIAndClock(context.Background(), apiOptions(t, srv.URL, "k3y"))
	want(t, api, Warn, "busy or failing (HTTP 503)")
}

func TestRunOrderAndWorst(t *testing.T) {
	srv := startSandbox(t, nil)
	o := apiOptions(t, srv.URL, "k3y")
	replay := t.TempDir()
	os.WriteFile(filepath.Join(replay, "a.jpg"), Photo, 0o644)
	o.Config.Capture.SelfieCamera.ReplayDir = replay
	o.Config.Offline.MinFreeDiskMB = -1
	o.Skip = []string{CheckModels}
	rep := Run(context.Background(), o)
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "config,kiosk,cameras,data_dir,keys,disk,queue,api,clock" {
		t.Fatalf("checks %s", got)
	}
	// No kiosk runs: that one fails, the rest pass.
	for _, c := range rep.Checks {
		if (c.Name == CheckKiosk) != (c.Status == Fail) {
			t.Fatalf("%+v", c)
		}
	}
	if rep.Status != Fail || rep.Status.ExitCode() != 2 {
		t.Fatalf("report %s", rep.Status)
	}
	o.ConfigErr, o.ConfigPath = errors.New("bad key"), "/etc/x.json"
	rep = Run(context.Background(), o)
	if c, _ := rep.Check(CheckConfig); c.Status != Fail || !strings.Contains(c.Detail, "/etc/x.json: bad key") {
		t.Fatalf("config: %+v", c)
	}
}
