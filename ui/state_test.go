package ui

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func TestIdleLock(t *testing.T) {
	tests := []struct {
		name      string
		after     time.Duration
		touch     time.Duration // since t0
		now       time.Duration
		expired   bool
		remaining time.Duration
	}{
		{"just touched", 5 * time.Minute, 0, 0, false, 5 * time.Minute},
		{"one second short", 5 * time.Minute, 0, 5*time.Minute - time.Second, false, time.Second},
		{"exactly the time", 5 * time.Minute, 0, 5 * time.Minute, true, 0},
		{"a later touch postpones", 5 * time.Minute, 4 * time.Minute, 6 * time.Minute, false, 3 * time.Minute},
		{"long after", 5 * time.Minute, 0, time.Hour, true, 0},
		{"disabled", 0, 0, time.Hour, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := IdleLock{After: tc.after}
			l.Touch(t0.Add(tc.touch))
			now := t0.Add(tc.now)
			if got := l.Expired(now); got != tc.expired {
				t.Errorf("Expired = %v, want %v", got, tc.expired)
			}
			if got := l.Remaining(now); got != tc.remaining {
				t.Errorf("Remaining = %v, want %v", got, tc.remaining)
			}
		})
	}
}

func TestPINEntry(t *testing.T) {
	tests := []struct {
		name  string
		keys  string // digits; '<' is Back, 'c' Clear
		want  string
		shown string
	}{
		{"digits", "123456", "123456", "●●●●●●"},
		{"back", "1234<5", "1235", "●●●●"},
		{"back on empty", "<<1", "1", "●"},
		{"clear", "123c9", "9", "●"},
		{"letters ignored", "1a2", "12", "●●"},
		{"at most MaxPIN", "1234567890123456", "123456789012", "●●●●●●●●●●●●"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p PINEntry
			for _, r := range tc.keys {
				switch r {
				case '<':
					p.Back()
				case 'c':
					p.Clear()
				default:
					p.Add(r)
				}
			}
			if got := p.Masked(); got != tc.shown {
				t.Errorf("Masked = %q, want %q", got, tc.shown)
			}
			if got := p.Take(); got != tc.want {
				t.Errorf("Take = %q, want %q", got, tc.want)
			}
			if p.Len() != 0 {
				t.Error("Take did not clear the entry")
			}
		})
	}
}

func healthy() Status {
	return Status{
		Online: true, Waiting: 2, QueueLimit: 100,
		Cameras: []Camera{{Role: CameraSelfie, Present: true}, {Role: CameraDocument, Present: true}},
		Models:  []Model{{Name: "a", Loaded: true}},
		Clock:   ClockState{Synced: true},
		Disk:    Disk{Free: 10e9, Total: 20e9, Low: 1e9},
	}
}

func TestAlerts(t *testing.T) {
	halt := &Halt{Code: "2205", Skew: 20 * time.Minute}
	tests := []struct {
		name   string
		change func(*Status)
		want   []AlertKind
	}{
		{"healthy", func(*Status) {}, nil},
		{"offline alone is no alert", func(s *Status) { s.Online = false }, nil},
		{"halted", func(s *Status) { s.Halt = &Halt{Code: "2214"} }, []AlertKind{AlertSyncHalted}},
		{"queue at 89%", func(s *Status) { s.Waiting = 89 }, nil},
		{"queue at 90%", func(s *Status) { s.Waiting = 90 }, []AlertKind{AlertQueueNearlyFull}},
		{"no limit, no queue alert", func(s *Status) { s.Waiting, s.QueueLimit = 1e6, 0 }, nil},
		{"disk low", func(s *Status) { s.Disk.Free = 1e9 - 1 }, []AlertKind{AlertDiskLow}},
		{"disk at the limit", func(s *Status) { s.Disk.Free = 1e9 }, nil},
		{"document camera missing", func(s *Status) { s.Cameras[1].Present = false }, []AlertKind{AlertCameraMissing}},
		{"clock unsynced and not measured: no guess", func(s *Status) { s.Clock.Synced = false }, nil},
		{"clock measured right without NTP", func(s *Status) { s.Clock.Synced, s.Clock.Skew = false, 2*time.Second }, nil},
		{"clock measured off although NTP", func(s *Status) { s.Clock.Skew = 20 * time.Minute }, []AlertKind{AlertClockUnsynced}},
		{"clock drifting", func(s *Status) { s.Clock.Skew = -5 * time.Minute }, []AlertKind{AlertClockUnsynced}},
		{"skew halt says the clock itself", func(s *Status) { s.Clock.Synced = false; s.Halt = halt }, []AlertKind{AlertSyncHalted}},
		{"all, most urgent first", func(s *Status) {
			s.Halt = &Halt{Code: "2205"}
			s.Waiting = 100
			s.Disk.Free = 0
			s.Cameras[0].Present = false
		}, []AlertKind{AlertSyncHalted, AlertCameraMissing, AlertQueueNearlyFull, AlertDiskLow}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := healthy()
			tc.change(&st)
			var got []AlertKind
			for _, a := range Alerts(st) {
				got = append(got, a.Kind)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Alerts = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPartLevel(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Status)
		part   Part
		want   Level
	}{
		{"cameras ok", func(*Status) {}, PartCameras, LevelOK},
		{"a camera missing", func(s *Status) { s.Cameras[0].Present = false }, PartCameras, LevelFail},
		{"no camera", func(s *Status) { s.Cameras = nil }, PartCameras, LevelFail},
		{"model not loaded", func(s *Status) { s.Models[0].Loaded = false }, PartModels, LevelFail},
		{"models loading at start", func(s *Status) { s.Models[0].Loaded, s.Models[0].Loading = false, true }, PartModels, LevelPending},
		{"clock measured right without NTP", func(s *Status) { s.Clock.Synced, s.Clock.Skew = false, time.Second }, PartClock, LevelOK},
		{"clock measured 20 min off", func(s *Status) { s.Clock.Skew = 20 * time.Minute }, PartClock, LevelFail},
		{"offline", func(s *Status) { s.Online = false }, PartSync, LevelWarn},
		{"halted", func(s *Status) { s.Halt = &Halt{} }, PartSync, LevelFail},
		{"queue nearly full", func(s *Status) { s.Waiting = 95 }, PartQueue, LevelWarn},
		{"queue full", func(s *Status) { s.Waiting = 100 }, PartQueue, LevelFail},
		{"clock unsynced", func(s *Status) { s.Clock.Synced = false }, PartClock, LevelWarn},
		{"clock skew halt", func(s *Status) { s.Halt = &Halt{Skew: time.Hour} }, PartClock, LevelFail},
		{"disk low", func(s *Status) { s.Disk.Free = 0 }, PartDisk, LevelFail},
		{"disk ok", func(*Status) {}, PartDisk, LevelOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := healthy()
			tc.change(&st)
			if got := PartLevel(st, tc.part); got != tc.want {
				t.Errorf("PartLevel = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestActionsFor(t *testing.T) {
	tests := []struct {
		state      JobState
		role       Role
		retry, pur bool
	}{
		{JobQueued, RoleSupervisor, false, false},
		{JobSending, RoleSupervisor, false, false},
		{JobFailed, RoleOperator, true, false},
		{JobFailed, RoleSupervisor, true, true},
		{JobHeld, RoleOperator, true, false},
		{JobHeld, RoleSupervisor, true, false},
		{JobNeedsOperator, RoleOperator, true, false},
		{JobNeedsOperator, RoleSupervisor, true, true},
		{JobQuarantined, RoleOperator, false, false},
		{JobQuarantined, RoleSupervisor, false, true},
		{JobDone, RoleOperator, false, false},
		{JobDone, RoleSupervisor, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.state.String()+"/"+tc.role.String(), func(t *testing.T) {
			a := ActionsFor(Job{State: tc.state}, tc.role)
			if a.Retry != tc.retry || a.Purge != tc.pur || a.Progress != (tc.state == JobSending) {
				t.Errorf("ActionsFor = %+v, want retry %v purge %v", a, tc.retry, tc.pur)
			}
		})
	}
}

func TestLockLeft(t *testing.T) {
	e := &LockedError{Until: t0.Add(5 * time.Minute)}
	tests := []struct {
		now  time.Duration
		want time.Duration
	}{
		{0, 5 * time.Minute},
		{time.Millisecond, 5 * time.Minute}, // rounded up: never "0 s" while locked
		{5*time.Minute - 1, time.Second},
		{5 * time.Minute, 0},
		{time.Hour, 0},
	}
	for _, tc := range tests {
		if got := LockLeft(e, t0.Add(tc.now)); got != tc.want {
			t.Errorf("LockLeft at +%v = %v, want %v", tc.now, got, tc.want)
		}
	}
}

func TestJobStateNames(t *testing.T) {
	for _, s := range JobStates {
		got, err := ParseJobState(s.String())
		if err != nil || got != s {
			t.Errorf("ParseJobState(%q) = %v, %v", s.String(), got, err)
		}
	}
	// The names are the queue's (internal/codes; kioskctl and the local API show them).
	want := []string{"queued", "sending", "held", "needs-operator", "failed", "quarantined", "done"}
	for i, s := range JobStates {
		if s.String() != want[i] {
			t.Errorf("state %d is %q, want %q", i, s, want[i])
		}
	}
	if _, err := ParseJobState("lost"); err == nil {
		t.Error("ParseJobState(lost) did not fail")
	}
}

func TestDurationText(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 s"},
		{59 * time.Second, "59 s"},
		{5 * time.Minute, "5 min"},
		{90*time.Minute + 10*time.Second, "1 h 30 min"},
	}
	for _, tc := range tests {
		if got := DurationText(tc.d); got != tc.want {
			t.Errorf("DurationText(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// A done job whose photos were deleted: no Purge, and its customer id as the kiosk keeps
// it (masked), never a claim that it is unreadable.
func TestPurgedJobCustomerAndActions(t *testing.T) {
	j := Job{ID: "j", State: JobDone, ImagesPurged: true, CustomerMasked: "•••••0042"}
	if a := ActionsFor(j, RoleSupervisor); a.Purge {
		t.Fatal("Purge offered for a job whose photos are deleted")
	}
	if a := ActionsFor(Job{ID: "j", State: JobDone}, RoleSupervisor); !a.Purge {
		t.Fatal("no Purge for a done job that still holds its photos")
	}
	for _, lang := range Languages {
		SetLanguage(lang)
		if got := CustomerText(j); !strings.Contains(got, "•••••0042") || got == "•••••0042" {
			t.Errorf("%s: masked customer shown as %q, want the masked id and why", lang, got)
		}
		j2 := j
		j2.CustomerMasked = ""
		if got := CustomerText(j2); got != T("job.customer-gone") {
			t.Errorf("%s: purged job without a masked id shows %q", lang, got)
		}
		j3 := Job{ID: "j", State: JobFailed}
		if got := CustomerText(j3); got != T("job.customer-unread") {
			t.Errorf("%s: unread customer shows %q", lang, got)
		}
		j3.CustomerID = "CUST-0042"
		if got := CustomerText(j3); got != "CUST-0042" {
			t.Errorf("%s: customer shows %q, want it in full", lang, got)
		}
	}
	SetLanguage("en")
}
