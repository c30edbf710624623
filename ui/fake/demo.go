package fake

import (
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/ui"
)

// The demo operators' PINs (fake data, for screenshots and tests only).
const (
	OperatorPIN   = "246810"
	SupervisorPIN = "135790"
)

// DemoOperators are three operators, the last a supervisor.
func DemoOperators(c clock.Clock) *Operators {
	return NewOperators(c,
		Op{Operator: ui.Operator{ID: "op-1", Name: "Amina Diallo", Role: ui.RoleOperator}, PIN: OperatorPIN},
		Op{Operator: ui.Operator{ID: "op-2", Name: "Jean-Baptiste Kouassi", Role: ui.RoleOperator}, PIN: "112233"},
		Op{Operator: ui.Operator{ID: "sup-1", Name: "Fatou Ndiaye", Role: ui.RoleSupervisor}, PIN: SupervisorPIN},
	)
}

// DemoStatus is a healthy kiosk at now; with alerts it has every problem at once.
func DemoStatus(now time.Time, alerts, training bool) ui.Status {
	st := ui.Status{
		Training:   training,
		Online:     true,
		LastSync:   now.Add(-7 * time.Minute),
		Waiting:    3,
		QueueLimit: 500,
		Cameras: []ui.Camera{
			{Role: ui.CameraSelfie, Device: "/dev/video0", Present: true, Mode: "1280x720 MJPG 30 fps"},
			{Role: ui.CameraDocument, Device: "/dev/video2", Present: true, Mode: "1920x1080 MJPG 15 fps"},
		},
		Models: []ui.Model{{Name: "det_10g.onnx", Loaded: true}, {Name: "w600k_r50.onnx", Loaded: true}, {Name: "liveness.onnx", Loaded: true}},
		Clock:  ui.ClockState{Synced: true},
		Disk:   ui.Disk{Free: 41_200_000_000, Total: 64_000_000_000, Low: 2_000_000_000},
	}
	if alerts {
		st.Online = false
		st.Waiting = 463
		st.Halt = &ui.Halt{
			Code: "2205", At: now.Add(-20 * time.Minute), Skew: 17*time.Minute + 12*time.Second,
			Reason: "The compare API refused the kiosk's credentials (2205 unauthorized). Sending is stopped: " +
				"check the partner id and the API key (and that the key is for this environment, sandbox or production), " +
				"then change the configuration. No job is lost. The kiosk's clock is 17m12s behind the server's: set the clock (enable NTP).",
		}
		st.Cameras[1].Present = false
		st.Clock.Synced = false
		st.Disk.Free = 1_300_000_000
	}
	return st
}

// DemoJobs are jobs in every state, the newest sending (made-up customer ids).
func DemoJobs(now time.Time, training bool) []ui.Job {
	return []ui.Job{
		{ID: "j-7", CustomerID: "CI-2041-778-310", Created: now.Add(-1 * time.Minute), Updated: now.Add(-10 * time.Second), Attempts: 1, State: ui.JobSending, Progress: 0.62, Training: training},
		{ID: "j-6", CustomerID: "CI-1987-104-552", Created: now.Add(-9 * time.Minute), Updated: now.Add(-2 * time.Minute), Attempts: 2, State: ui.JobQueued, NextAttempt: now.Add(4 * time.Minute), Training: training},
		{ID: "j-5", CustomerID: "CI-1975-660-021", Created: now.Add(-18 * time.Minute), Updated: now.Add(-17 * time.Minute), Attempts: 1, State: ui.JobNeedsOperator, ErrorCode: "2209", Training: training},
		{ID: "j-4", CustomerID: "CI-2002-381-907", Created: now.Add(-31 * time.Minute), Updated: now.Add(-30 * time.Minute), Attempts: 1, State: ui.JobFailed, ErrorCode: "2413", Training: training},
		{ID: "j-3", CustomerID: "CI-1990-225-148", Created: now.Add(-46 * time.Minute), Updated: now.Add(-40 * time.Minute), Attempts: 1, State: ui.JobHeld, ErrorCode: "2205", Training: training},
		{ID: "j-2", CustomerMasked: "•••••••••••-716", ImagesPurged: true, Created: now.Add(-63 * time.Minute), Updated: now.Add(-61 * time.Minute), Attempts: 1, State: ui.JobDone, ResultCode: "0841", Training: training},
		{ID: "j-1", ImagesPurged: true, Created: now.Add(-80 * time.Minute), Updated: now.Add(-79 * time.Minute), Attempts: 1, State: ui.JobDone, ResultCode: "0840", Training: training},
	}
}

// DemoSettings are plausible settings.
func DemoSettings(st ui.Status, lang string) ui.Settings {
	return ui.Settings{
		APIURL:     "https://testapi.smileidentity.com/v1",
		PartnerID:  "2468",
		KeyPresent: true,
		Cameras:    st.Cameras,
		Thresholds: []ui.Threshold{
			{Kind: ui.ThresholdMatch, Value: 0.42},
			{Kind: ui.ThresholdLiveness, Value: 0.6},
			{Kind: ui.ThresholdSharpness, Value: 80},
			{Kind: ui.ThresholdFaceSize, Value: 0.2},
		},
		Language: lang,
		IdleLock: 5 * time.Minute,
	}
}

// DemoAbout is plausible about data.
func DemoAbout() ui.About {
	return ui.About{Version: "0.11.0 (a1b2c3d)", KioskID: "kiosk-abidjan-plateau-02", KeyFingerprint: "SHA256:q3Vw9N1lC0m4pT7yZx2R8kHs5bJd6uE1oF0aG4nM2c", KeyProtector: "tpm2"}
}

// Demo is a whole set of dependencies with demo data on clock c.
func Demo(c clock.Clock, lang string, alerts, training bool) ui.Deps {
	now := c.Now()
	st := DemoStatus(now, alerts, training)
	ops := DemoOperators(c)
	return ui.Deps{
		Operators:     ops,
		OperatorAdmin: ops,
		Status:        NewStatus(st),
		Queue:         NewQueue(DemoJobs(now, training)...),
		Settings:      NewSettings(DemoSettings(st, lang)),
		Preview:       Preview{},
		About:         DemoAbout(),
		Clock:         c,
	}
}
