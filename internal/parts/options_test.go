package parts

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// TestDefaultsAreTheParts: the defaults the config writes out are the parts' own.
func TestDefaultsAreTheParts(t *testing.T) {
	c := config.Default()
	if got := QueueOptions(c).Settings; got != offline.DefaultSettings() {
		t.Errorf("offline defaults %+v, the queue's are %+v", got, offline.DefaultSettings())
	}
	if c.Compare.ConnectTimeout.D() != compare.DefaultConnectTimeout || c.Compare.HeaderTimeout.D() != compare.DefaultHeaderTimeout ||
		c.Compare.StallTimeout.D() != compare.DefaultStallTimeout {
		t.Errorf("compare timeouts %+v differ from the client's defaults", c.Compare)
	}
	if Thresholds(c) != c.Inference.WithDefaults() {
		t.Error("thresholds changed on the way")
	}
}

func TestConversions(t *testing.T) {
	c := config.Default()
	c.KioskID = "kiosk-7"
	c.Offline.KeepResults = config.Duration(36 * time.Hour)   // a part of a day counts as a day
	c.Offline.KeepFailedImages = config.Duration(-config.Day) // off
	c.Offline.PurgeImagesAfter = config.Duration(90 * time.Minute)
	c.Capture.DocumentCamera = config.Camera{Path: "/dev/video2", FrameTimeout: config.Duration(1500 * time.Millisecond)}
	c.Sync.RetryBase = config.Duration(7 * time.Second)
	o := QueueOptions(c)
	if o.KioskID != "kiosk-7" || o.KeepResultsDays != 2 || o.FailedImagesMaxDays != -1 || o.PurgeImagesAfterMinutes != 90 || o.MaxOldestUnsentDays != 14 {
		t.Errorf("offline %+v", o)
	}
	cams := CameraConfig(c)
	if d, ok := cams.Document(); !ok || d.Path != "/dev/video2" || d.FrameTimeout != 1500*time.Millisecond || cams.SelfieCamera.FrameTimeout != 3*time.Second {
		t.Errorf("cameras %+v", cams)
	}
	if u := UploaderOptions(c); u.RetryBase != 7*time.Second || u.InFlight != 2 || u.PollInterval != 5*time.Minute {
		t.Errorf("uploader %+v", u)
	}

	key := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(key, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Compare.APIURL, c.Compare.PartnerID, c.Compare.APIKeyFile = "http://127.0.0.1:8080", "0001", key
	co, err := CompareOptions(c, nil)
	if err != nil || co.BaseURL != "http://127.0.0.1:8080" || co.Signer == nil || co.StallTimeout != 30*time.Second {
		t.Fatalf("compare %+v, %v", co, err)
	}
	c.Compare.PartnerID = ""
	if _, err := CompareOptions(c, nil); err == nil {
		t.Fatal("no partner id, but a signer was built")
	}
}
