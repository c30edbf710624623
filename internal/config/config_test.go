package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/jsontree"
)

func load(t *testing.T, body string) (Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(p)
}

func TestLoad(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "overrides", body: `{"data_dir":"/tmp/x","log_level":"debug"}`, check: func(t *testing.T, c Config) {
			if c.DataDir != "/tmp/x" || c.LogLevel != "debug" {
				t.Fatalf("got %+v", c)
			}
		}},
		{name: "keeps defaults", body: `{"sync":{"in_flight":1}}`, check: func(t *testing.T, c Config) {
			d := Default()
			if c.DataDir != d.DataDir || c.Sync.RetryBase != d.Sync.RetryBase || c.Offline != d.Offline || c.Sync.InFlight != 1 {
				t.Fatalf("got %+v", c)
			}
		}},
		{name: "cameras", body: `{"capture":{"selfie_camera":{"name":"C920","width":1280,"height":720,"frame_timeout":"2s"},"document_camera":{"path":"/dev/v4l/by-id/usb-doc-video-index0"}}}`, check: func(t *testing.T, c Config) {
			s, d := c.Capture.SelfieCamera, c.Capture.DocumentCamera
			if s.Name != "C920" || s.Width != 1280 || s.FrameTimeout.D() != 2*time.Second || !d.Chosen() || d.Path != "/dev/v4l/by-id/usb-doc-video-index0" {
				t.Fatalf("capture = %+v", c.Capture)
			}
		}},
		{name: "durations", body: `{"offline":{"keep_results":"1d12h","purge_images_after":"30m"},"sync":{"retry_base":"1.5s"}}`, check: func(t *testing.T, c Config) {
			if c.Offline.KeepResults.D() != 36*time.Hour || c.Offline.PurgeImagesAfter.D() != 30*time.Minute || c.Sync.RetryBase.D() != 1500*time.Millisecond {
				t.Fatalf("got %+v %+v", c.Offline, c.Sync)
			}
		}},
		{name: "bad camera", body: `{"capture":{"selfie_camera":{"formats":["H264"]}}}`, wantErr: "capture.selfie_camera.formats"},
		{name: "unknown camera key", body: `{"capture":{"selfie_camera":{"device":"/dev/video0"}}}`, wantErr: "unknown key capture.selfie_camera.device"},
		{name: "unknown key", body: `{"data_dri":"/x"}`, wantErr: "unknown key data_dri"},
		{name: "key in the wrong case", body: `{"Data_Dir":"/x"}`, wantErr: "unknown key Data_Dir"},
		{name: "bad level", body: `{"log_level":"loud"}`, wantErr: "log_level"},
		{name: "empty data dir", body: `{"data_dir":" "}`, wantErr: "data_dir is empty"},
		{name: "not json", body: `data_dir=/x`, wantErr: "invalid character"},
		{name: "not an object", body: `["data_dir"]`, wantErr: "one JSON object"},
		{name: "trailing data", body: `{} {}`, wantErr: "more after"},
		{name: "section not an object", body: `{"sync":3}`, wantErr: "sync must be an object"},
		{name: "duration without unit", body: `{"sync":{"retry_base":2}}`, wantErr: "sync.retry_base must be a string with a unit"},
		{name: "malformed duration", body: `{"offline":{"keep_results":"90 days"}}`, wantErr: "offline.keep_results: duration"},
		{name: "wrong type", body: `{"sync":{"in_flight":"two"}}`, wantErr: "sync.in_flight"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.body)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tc.check(t, c)
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("Load of a missing file returned nil error")
	}
}

func TestDuplicateKeys(t *testing.T) {
	cases := []struct{ name, body, key string }{
		{"top level", `{"data_dir":"/a","data_dir":"/b"}`, "data_dir"},
		{"in a section", `{"offline":{"keep_results":"90d","max_jobs":5,"keep_results":"1d"}}`, "offline.keep_results"},
		{"nested", `{"capture":{"selfie_camera":{"fps":30,"fps":15}}}`, "capture.selfie_camera.fps"},
		{"section twice", `{"sync":{"in_flight":1},"sync":{"in_flight":2}}`, "sync"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.body)
			if err == nil || !strings.Contains(err.Error(), "key "+tc.key+" is given twice") {
				t.Fatalf("err = %v, want key %s named as given twice", err, tc.key)
			}
		})
	}
	// The same key in two different objects is not a duplicate.
	if _, err := load(t, `{"capture":{"selfie_camera":{"fps":30},"document_camera":{"name":"doc","fps":30}}}`); err != nil {
		t.Fatalf("same key in two objects refused: %v", err)
	}
}

func TestOldKeys(t *testing.T) {
	old := `{"capture":{"selfie_camera":{"frame_timeout_ms":1500},"document_camera":{"name":"doc","frame_timeout_ms":2000}},
	"offline":{"max_oldest_unsent_days":7,"purge_images_after_minutes":30,"keep_results_days":60,"failed_images_max_days":-1},
	"sync":{"retry_base_seconds":3,"retry_max_seconds":120,"max_retry_after_seconds":600,"poll_seconds":0,"skew_tolerance_seconds":60},
	"compare":{"connect_timeout":5,"header_timeout":"2m","stall_timeout":12.5}}`
	c, err := load(t, old)
	if err != nil {
		t.Fatalf("an old config file no longer loads: %v", err)
	}
	want := Default()
	want.Capture.SelfieCamera.FrameTimeout = Duration(1500 * time.Millisecond)
	want.Capture.DocumentCamera = Camera{Name: "doc", FrameTimeout: Duration(2 * time.Second)}
	want.Offline.MaxOldestUnsent = Duration(7 * Day)
	want.Offline.PurgeImagesAfter = Duration(30 * time.Minute)
	want.Offline.KeepResults = Duration(60 * Day)
	want.Offline.KeepFailedImages = Duration(-Day)
	want.Sync.RetryBase, want.Sync.RetryMax = Duration(3*time.Second), Duration(2*time.Minute)
	want.Sync.MaxRetryAfter, want.Sync.SkewTolerance = Duration(10*time.Minute), Duration(time.Minute)
	want.Compare.ConnectTimeout, want.Compare.HeaderTimeout = Duration(5*time.Second), Duration(2*time.Minute)
	want.Compare.StallTimeout = Duration(12500 * time.Millisecond)
	got := c
	got.Deprecated = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("old keys read as\n%+v\nwant\n%+v", got, want)
	}
	// poll_seconds: 0 meant the default, and keeps it.
	if c.Sync.PollInterval != Default().Sync.PollInterval {
		t.Fatalf("poll_seconds 0 gave %s", c.Sync.PollInterval)
	}
	notes := strings.Join(c.Deprecated, "\n")
	for _, k := range []string{"capture.selfie_camera.frame_timeout_ms", "offline.keep_results_days", "sync.retry_base_seconds", "compare.connect_timeout"} {
		if !strings.Contains(notes, k) {
			t.Errorf("no deprecation note for %s in %q", k, notes)
		}
	}
	if strings.Contains(notes, "header_timeout") {
		t.Errorf("header_timeout was already in the new style, noted anyway: %q", notes)
	}

	bad := []struct{ name, body, want string }{
		{"old and new", `{"offline":{"keep_results_days":30,"keep_results":"30d"}}`, "offline.keep_results_days (the old name) and offline.keep_results are both given"},
		{"old and new camera", `{"capture":{"selfie_camera":{"frame_timeout":"1s","frame_timeout_ms":1000}}}`, "capture.selfie_camera.frame_timeout_ms (the old name)"},
		{"old key, not a number", `{"sync":{"poll_seconds":"60"}}`, "sync.poll_seconds must be a number of seconds"},
		{"old key, absurd days", `{"offline":{"keep_results_days":200000}}`, "offline.keep_results more than 106751d is out of range"},
		{"old key, absurd unsent days", `{"offline":{"max_oldest_unsent_days":200000}}`, "offline.max_oldest_unsent"},
		{"old key, exponent", `{"offline":{"keep_results_days":2e5}}`, "offline.keep_results more than 106751d is out of range"},
		{"old key, beyond float64", `{"sync":{"poll_seconds":1e999}}`, "sync.poll_interval"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// badValues holds, for every key of the config file, a value out of its range (as a JSON
// fragment of its section) and the words the error must hold. TestValidateEveryKey checks
// that the table covers every key of Config.
var badValues = []struct {
	key, body, want string
}{
	{"data_dir", `{"data_dir":""}`, "data_dir is empty"},
	{"kiosk_id", `{"kiosk_id":""}`, "kiosk_id"},
	{"kiosk_id", `{"kiosk_id":"` + strings.Repeat("k", 65) + `"}`, "kiosk_id"},
	{"log_level", `{"log_level":"trace"}`, "log_level"},
	{"models_dir", `{"models_dir":" "}`, "models_dir is blank"},
	{"onnxruntime_lib", `{"onnxruntime_lib":" "}`, "onnxruntime_lib is blank"},

	{"capture.document_card_gates", `{"capture":{"document_card_gates":"yes"}}`, "document_card_gates"},
	{"ui.customer_id_from", `{"ui":{"customer_id_from":"passport"}}`, `ui.customer_id_from "passport" is not known: give "mrz_document_number"`},
	{"capture.document_manual_after", `{"capture":{"document_manual_after":"-5s"}}`, "capture.document_manual_after -5s is out of range: give 0s to 10m"},
	{"capture.document_manual_after", `{"capture":{"document_manual_after":"11m"}}`, "capture.document_manual_after 11m is out of range: give 0s to 10m"},
	{"capture.document_manual_after", `{"capture":{"document_manual_after":"soon"}}`, `duration "soon": write a number and a unit`},
	{"capture.document_manual_after", `{"capture":{"document_manual_after":20}}`, "capture.document_manual_after must be a string with a unit"},
	{"capture.selfie_camera.path", `{"capture":{"selfie_camera":{"path":"video0"}}}`, "capture.selfie_camera.path"},
	{"capture.selfie_camera.name", `{"capture":{"selfie_camera":{"name":" "}}}`, "capture.selfie_camera.name is blank"},
	{"capture.selfie_camera.bus", `{"capture":{"selfie_camera":{"bus":" "}}}`, "capture.selfie_camera.bus is blank"},
	{"capture.selfie_camera.width", `{"capture":{"selfie_camera":{"width":640}}}`, "give both"},
	{"capture.selfie_camera.width", `{"capture":{"selfie_camera":{"width":10000,"height":720}}}`, "larger than any camera"},
	{"capture.selfie_camera.height", `{"capture":{"selfie_camera":{"width":640,"height":-1}}}`, "capture.selfie_camera: width 640 and height -1"},
	{"capture.selfie_camera.height", `{"capture":{"selfie_camera":{"width":160,"height":20}}}`, "too small"},
	{"capture.selfie_camera.fps", `{"capture":{"selfie_camera":{"fps":1000}}}`, "capture.selfie_camera.fps 1000 is out of range"},
	{"capture.selfie_camera.formats", `{"capture":{"selfie_camera":{"formats":["H264"]}}}`, `"H264" is not one of`},
	{"capture.selfie_camera.frame_timeout", `{"capture":{"selfie_camera":{"frame_timeout":"5ms"}}}`, "capture.selfie_camera.frame_timeout 5ms is out of range"},
	{"capture.document_camera.path", `{"capture":{"document_camera":{"path":"doc"}}}`, "capture.document_camera.path"},
	{"capture.document_camera.name", `{"capture":{"selfie_camera":{"name":"C920"},"document_camera":{"name":"C920"}}}`, "same camera"},
	{"capture.document_camera.bus", `{"capture":{"document_camera":{"bus":"\t"}}}`, "capture.document_camera.bus is blank"},
	{"capture.document_camera.width", `{"capture":{"document_camera":{"name":"d","width":9000,"height":9000}}}`, "capture.document_camera: 9000x9000"},
	{"capture.document_camera.height", `{"capture":{"document_camera":{"name":"d","height":720}}}`, "capture.document_camera: width 0 and height 720"},
	{"capture.document_camera.fps", `{"capture":{"document_camera":{"fps":-1}}}`, "capture.document_camera.fps -1"},
	{"capture.document_camera.formats", `{"capture":{"document_camera":{"formats":["mjpg"]}}}`, `"mjpg" is not one of`},
	{"capture.document_camera.frame_timeout", `{"capture":{"document_camera":{"frame_timeout":"2h"}}}`, "capture.document_camera.frame_timeout 2h is out of range"},

	{"inference.detect_score", `{"inference":{"detect_score":1.5}}`, "inference.detect_score"},
	{"inference.min_face_area", `{"inference":{"min_face_area":-0.1}}`, "inference.min_face_area"},
	{"inference.max_face_area", `{"inference":{"min_face_area":0.5,"max_face_area":0.4}}`, "must be below max_face_area"},
	{"inference.max_off_centre", `{"inference":{"max_off_centre":2}}`, "inference.max_off_centre"},
	{"inference.min_inter_eye_px", `{"inference":{"min_inter_eye_px":1e9}}`, "inference.min_inter_eye_px"},
	{"inference.max_yaw", `{"inference":{"max_yaw":91}}`, "inference.max_yaw"},
	{"inference.max_pitch", `{"inference":{"max_pitch":-1}}`, "inference.max_pitch"},
	{"inference.max_roll", `{"inference":{"max_roll":180}}`, "inference.max_roll"},
	{"inference.min_luminance", `{"inference":{"min_luminance":300}}`, "inference.min_luminance"},
	{"inference.max_luminance", `{"inference":{"min_luminance":200,"max_luminance":100}}`, "must be below max_luminance"},
	{"inference.max_saturated", `{"inference":{"max_saturated":1.1}}`, "inference.max_saturated"},
	{"inference.min_sharpness", `{"inference":{"min_sharpness":-3}}`, "inference.min_sharpness"},
	{"inference.liveness", `{"inference":{"liveness":2}}`, "inference.liveness"},
	{"inference.match", `{"inference":{"match":-2}}`, "inference.match"},
	{"inference.turn_yaw", `{"inference":{"turn_yaw":100}}`, "inference.turn_yaw"},
	{"inference.turn_pitch", `{"inference":{"turn_pitch":-5}}`, "inference.turn_pitch"},
	{"inference.still_max_side", `{"inference":{"still_max_side":100000}}`, "inference.still_max_side"},

	{"offline.max_jobs", `{"offline":{"max_jobs":2000000000}}`, "offline.max_jobs 2000000000 is out of range"},
	{"offline.max_jobs", `{"offline":{"max_jobs":-5}}`, "or -1 for no limit"},
	{"offline.max_disk_mb", `{"offline":{"max_disk_mb":-2}}`, "offline.max_disk_mb -2"},
	{"offline.min_free_disk_mb", `{"offline":{"min_free_disk_mb":99999999999}}`, "offline.min_free_disk_mb"},
	{"offline.max_oldest_unsent", `{"offline":{"max_oldest_unsent":"200000d"}}`, "offline.max_oldest_unsent more than 106751d is out of range"},
	{"offline.max_oldest_unsent", `{"offline":{"max_oldest_unsent":"0s"}}`, "offline.max_oldest_unsent 0s is out of range"},
	{"offline.purge_images_after", `{"offline":{"purge_images_after":"-1m"}}`, "offline.purge_images_after -1m is out of range"},
	{"offline.keep_results", `{"offline":{"keep_results":"200000d"}}`, "offline.keep_results more than 106751d is out of range: give 1d to 3650d"},
	{"offline.keep_results", `{"offline":{"keep_results":"1h"}}`, "offline.keep_results 1h is out of range"},
	{"offline.keep_failed_images", `{"offline":{"keep_failed_images":"5000d"}}`, "offline.keep_failed_images 5000d is out of range"},

	{"sync.in_flight", `{"sync":{"in_flight":3}}`, "sync.in_flight 3 is out of range"},
	{"sync.retry_base", `{"sync":{"retry_base":"1ms"}}`, "sync.retry_base 1ms is out of range"},
	{"sync.retry_max", `{"sync":{"retry_base":"10s","retry_max":"5s"}}`, "sync.retry_max 5s is below sync.retry_base 10s"},
	{"sync.retry_max", `{"sync":{"retry_max":"30d"}}`, "sync.retry_max 30d is out of range"},
	{"sync.max_retry_after", `{"sync":{"max_retry_after":"0s"}}`, "sync.max_retry_after 0s is out of range"},
	{"sync.poll_interval", `{"sync":{"poll_interval":"2d"}}`, "sync.poll_interval 2d is out of range"},
	{"sync.skew_tolerance", `{"sync":{"skew_tolerance":"1h"}}`, "sync.skew_tolerance 1h is out of range"},
	{"sync.callback_url", `{"sync":{"callback_url":"ftp://x/cb"}}`, "sync.callback_url"},
	{"sync.callback_url", `{"sync":{"callback_url":"https://user:pw@x/cb"}}`, "no user name or password"},

	{"compare.api_url", `{"compare":{"api_url":"api.example.com"}}`, "compare.api_url"},
	{"compare.api_url", `{"compare":{"api_url":"https:///v1"}}`, "has no host"},
	{"compare.partner_id", `{"compare":{"partner_id":"00 01"}}`, "compare.partner_id"},
	{"compare.api_key_file", `{"compare":{"api_key_file":" "}}`, "compare.api_key_file is blank"},
	{"compare.api_key_file", `{"compare":{"api_key_file":"/k","api_key_env":"K"}}`, "more than one way to sign"},
	{"compare.api_key_env", `{"compare":{"api_key_env":"1-KEY"}}`, "compare.api_key_env"},
	{"compare.signer_url", `{"compare":{"signer_url":"signer:9000"}}`, "compare.signer_url"},
	{"compare.signer_token_file", `{"compare":{"signer_token_file":"/t"}}`, "compare.signer_token_file is set without compare.signer_url"},
	{"compare.ca_file", `{"compare":{"ca_file":" "}}`, "compare.ca_file is blank"},
	{"compare.connect_timeout", `{"compare":{"connect_timeout":"1h"}}`, "compare.connect_timeout 1h is out of range"},
	{"compare.header_timeout", `{"compare":{"header_timeout":"0s"}}`, "compare.header_timeout 0s is out of range"},
	{"compare.stall_timeout", `{"compare":{"stall_timeout":"100ms"}}`, "compare.stall_timeout 100ms is out of range"},
	{"compare.attempt_timeout", `{"compare":{"attempt_timeout":"30s"}}`, "compare.attempt_timeout 30s is out of range"},
	{"compare.allow_insecure_http", `{"compare":{"api_url":"http://api.example.com"}}`, "plain http://"},
	{"compare.allow_insecure_http", `{"compare":{"signer_url":"http://10.0.0.9:9000/sign"}}`, "compare.signer_url"},
	{"compare.allow_insecure_http", `{"compare":{"allow_insecure_http":"yes"}}`, "allow_insecure_http"},

	{"capture.selfie_camera.replay_dir", `{"capture":{"selfie_camera":{"replay_dir":" "}}}`, "capture.selfie_camera.replay_dir is blank"},
	{"capture.selfie_camera.replay_dir", `{"capture":{"selfie_camera":{"replay_dir":"/demo","path":"/dev/video0"}}}`, "leave out path, name and bus"},
	{"capture.document_camera.replay_dir", `{"capture":{"document_camera":{"replay_dir":"/d","name":"Doc"}}}`, "capture.document_camera: replay_dir"},
	{"training", `{"training":true,"compare":{"api_url":"https://api.example.com"}}`, "a training kiosk sends only to a local compare-sandbox"},
	{"training", `{"training":true,"compare":{"api_url":"http://localhost.example.com:8080"}}`, "not on this machine"},
	{"sync.callback_url", `{"training":true,"sync":{"callback_url":"https://partner.example.com/cb?token=s3cr3t"}}`, "https://partner.example.com\" is not on this machine"},
	{"sync.callback_url", `{"compare":{"api_url":"http://127.0.0.1:8080"},"sync":{"callback_url":"http://localhost:9/cb"}}`, "a training kiosk"},
	{"local_api.socket", `{"local_api":{"socket":"kiosk.sock"}}`, "local_api.socket \"kiosk.sock\" is not an absolute path"},
	{"local_api.socket", `{"local_api":{"socket":""}}`, "local_api.socket is empty"},
	{"local_api.socket", `{"local_api":{"socket":"/` + strings.Repeat("s", 120) + `"}}`, "at most 107"},
	{"local_api.group", `{"local_api":{"group":" "}}`, "local_api.group"},
	{"local_api.admin_group", `{"local_api":{"admin_group":"kiosk admin"}}`, "local_api.admin_group"},
	{"metrics.listen", `{"metrics":{"listen":"9464"}}`, "metrics.listen \"9464\" is not host:port"},
	{"metrics.listen", `{"metrics":{"listen":"127.0.0.1:99999"}}`, "is not host:port"},
	{"metrics.listen", `{"metrics":{"listen":":9464"}}`, "has no host"},
	{"metrics.textfile_dir", `{"metrics":{"textfile_dir":"textfiles"}}`, "metrics.textfile_dir \"textfiles\" is not a clean absolute path"},
	{"metrics.interval", `{"metrics":{"interval":"1s"}}`, "metrics.interval 1s is out of range"},
	{"metrics.snapshot_interval", `{"metrics":{"snapshot_interval":"2d"}}`, "metrics.snapshot_interval 2d is out of range"},
	{"metrics.snapshots", `{"metrics":{"snapshots":-2}}`, "metrics.snapshots -2 is out of range"},
	{"metrics.snapshots", `{"metrics":{"snapshots":100001}}`, "metrics.snapshots 100001 is out of range"},
	{"ui.idle_lock", `{"ui":{"idle_lock":"10s"}}`, "ui.idle_lock 10s is out of range"},
	{"ui.idle_lock", `{"ui":{"idle_lock_minutes":0.1}}`, "ui.idle_lock 6s is out of range"},
	{"ui.result_wait", `{"ui":{"result_wait":"1h"}}`, "ui.result_wait 1h is out of range"},
	{"ui.language", `{"ui":{"language":"de"}}`, "ui.language \"de\" is not one of en, fr"},
	{"ui.import_dirs", `{"ui":{"import_dirs":["media"]}}`, "ui.import_dirs: \"media\" is not a clean absolute path"},
	{"ui.import_dirs", `{"ui":{"import_dirs":["/media/../etc"]}}`, "ui.import_dirs: \"/media/../etc\" is not a clean"},
	{"keys.protector", `{"keys":{"protector":"tpm"}}`, "keys.protector \"tpm\" is not one of auto, tpm2, systemd-creds, file"},
	{"keys.tpm_path", `{"keys":{"tpm_path":"/etc/passwd"}}`, "keys.tpm_path \"/etc/passwd\": give the TPM device"},
	{"keys.tpm_path", `{"keys":{"tpm_path":"unix:swtpm.sock"}}`, "unix:/ABSOLUTE/PATH"},
	{"keys.tpm_path", `{"keys":{"tpm_path":"/dev/../etc/shadow"}}`, "keys.tpm_path"},
	{"keys.require_hardware", `{"keys":{"protector":"file","require_hardware":true}}`, "keys.require_hardware is true but keys.protector is \"file\""},
	{"keys.tpm_bind_pcr7", `{"keys":{"protector":"systemd-creds","tpm_bind_pcr7":true}}`, "PCR 7 binding is the TPM's"},
}

func TestTrainingMode(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want bool
	}{
		{"default", `{}`, false},
		{"production URL", `{"compare":{"api_url":"https://api.example.com"}}`, false},
		{"training key, no URL", `{"training":true}`, true},
		{"training key, sandbox", `{"training":true,"compare":{"api_url":"http://127.0.0.1:8080"}}`, true},
		{"loopback URL alone", `{"compare":{"api_url":"http://127.0.0.1:8080"}}`, true},
		{"localhost", `{"compare":{"api_url":"http://LOCALHOST:8080"}}`, true},
		{"IPv6 loopback", `{"compare":{"api_url":"http://[::1]:8080"}}`, true},
		{"other 127 address", `{"compare":{"api_url":"http://127.3.2.1:8080"}}`, true},
		{"private address is not loopback", `{"compare":{"api_url":"https://10.0.0.5:8443"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.TrainingMode(); got != tc.want {
				t.Fatalf("TrainingMode = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUIOldNames(t *testing.T) {
	c, err := load(t, `{"ui":{"idle_lock_minutes":7,"result_wait_seconds":30}}`)
	if err != nil {
		t.Fatal(err)
	}
	if c.UI.IdleLock.D() != 7*time.Minute || c.UI.ResultWait.D() != 30*time.Second || len(c.Deprecated) != 2 {
		t.Fatalf("ui = %+v, deprecated %v", c.UI, c.Deprecated)
	}
}

// keys lists the dotted path of every leaf key of a struct type, from its json tags.
func keys(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := t.Field(i).Type
		if ft.Kind() == reflect.Struct && ft != durationType {
			out = append(out, keys(ft, jsontree.Join(prefix, name))...)
		} else {
			out = append(out, jsontree.Join(prefix, name))
		}
	}
	return out
}

func TestValidateEveryKey(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range badValues {
		covered[tc.key] = true
		t.Run(tc.key, func(t *testing.T) {
			_, err := load(t, tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s: err = %v, want %q", tc.body, err, tc.want)
			}
		})
	}
	var missing []string
	for _, k := range keys(reflect.TypeOf(Config{}), "") {
		if !covered[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("keys without an out-of-range case in badValues: %v", missing)
	}
	if err := Default().Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
}

func TestValidateReportsAll(t *testing.T) {
	_, err := load(t, `{"log_level":"x","sync":{"in_flight":9},"offline":{"keep_results":"0s"},"compare":{"stall_timeout":"0s"}}`)
	for _, k := range []string{"log_level", "sync.in_flight", "offline.keep_results", "compare.stall_timeout"} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("error %v does not name %s", err, k)
		}
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"0": 0, "0s": 0, "300ms": 300 * time.Millisecond, "30s": 30 * time.Second, "5m": 5 * time.Minute,
		"2h": 2 * time.Hour, "90d": 90 * Day, "1d12h": 36 * time.Hour, "1.5s": 1500 * time.Millisecond, "-1d": -Day,
		" 7d ": 7 * Day,
	}
	for in, want := range good {
		got, err := ParseDuration(in)
		if err != nil || got.D() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "90", "90 d", "d", "1.2.3s", "5y", "1d-2h", "30S", "1e3s"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
	if d, _ := ParseDuration("200000d"); d.D() <= 0 {
		t.Errorf("200000d overflowed to %v", d.D())
	}
	for d, want := range map[Duration]string{Duration(90 * Day): "90d", Duration(36 * time.Hour): "36h", Duration(1500 * time.Millisecond): "1500ms", 0: "0s", Duration(-Day): "-1d"} {
		if d.String() != want {
			t.Errorf("String(%d) = %s, want %s", int64(d), d, want)
		}
		if back, err := ParseDuration(d.String()); err != nil || back != d {
			t.Errorf("%s does not read back: %v %v", d, back, err)
		}
	}
}

// A config file writable by its group or others is refused, with the chmod that fixes it.
func TestLoadRefusesWritableFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o640, true}, {0o644, true}, {0o444, true}, {0o620, false}, {0o602, false}, {0o666, false}, {0o777, false}} {
		if err := os.Chmod(p, tc.mode); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		var me *ModeError
		if tc.ok != (err == nil) || (!tc.ok && (!errors.As(err, &me) || !errors.Is(err, ErrWritableFile) || !strings.Contains(err.Error(), "run: chmod go-w "+p))) {
			t.Errorf("mode %04o: %v", tc.mode, err)
		}
	}
}
