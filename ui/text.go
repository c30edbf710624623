package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// This file turns the plain values into the operator's words. Every key is a literal
// (every code of internal/messages a literal or a literal prefix) so that the
// translation test finds it.

// ResultText is the API's result code in plain words (internal/messages' "result."
// sentences; "result.other" names a code without one).
func ResultText(code string) string {
	if hasMsg("result." + code) {
		return Msg("result." + code)
	}
	return Msg("result.other", "Code", code)
}

// ErrorText is the API's error code in plain words, with what happens next
// (internal/messages' "error." sentences; 2201 and 2210 are "error.busy",
// "error.other" names a code without one).
func ErrorText(code string) string {
	switch code {
	case "":
		return ""
	case "2201", "2210":
		return Msg("error.busy")
	}
	if hasMsg("error." + code) {
		return Msg("error." + code)
	}
	return Msg("error.other", "Code", code)
}

// StateText is a job state in plain words.
func StateText(s JobState) string {
	switch s {
	case JobQueued:
		return T("state.queued")
	case JobSending:
		return T("state.sending")
	case JobDone:
		return T("state.done")
	case JobFailed:
		return T("state.failed")
	case JobHeld:
		return T("state.held")
	case JobNeedsOperator:
		return T("state.needs-operator")
	case JobQuarantined:
		return T("state.quarantined")
	}
	return s.String()
}

// JobOutcome is the result (or why there is none yet) of a job in plain words.
func JobOutcome(j Job, now time.Time) string {
	switch j.State {
	case JobDone:
		return ResultText(j.ResultCode)
	case JobFailed, JobHeld, JobNeedsOperator:
		if j.ErrorCode != "" {
			return ErrorText(j.ErrorCode)
		}
		if j.State == JobHeld {
			return T("outcome.held")
		}
		return T("outcome.failed")
	case JobQuarantined:
		return T("outcome.quarantined")
	case JobSending:
		return T("outcome.sending")
	case JobQueued:
		if j.NextAttempt.After(now) {
			return Tf("outcome.retry-at", map[string]any{"Time": j.NextAttempt.Local().Format("15:04")})
		}
		return T("outcome.waiting")
	}
	return ""
}

// CameraName is a camera's role in words.
func CameraName(r CameraRole) string {
	if r == CameraDocument {
		return T("camera.document")
	}
	return T("camera.selfie")
}

// AlertText is an alert's title and its sentence (what is wrong and what to do).
// A sync halt in English shows the sync engine's own sentence; in other languages
// the sentence of its cause (internal/messages' "alert.halt." sentences, as
// uploader.Halt.Cause: the code 2205, 2214 or 2220, "config" without a code, "other").
func AlertText(a Alert) (title, body string) {
	switch a.Kind {
	case AlertSyncHalted:
		title = Msg("alert.halt.title")
		h := a.Halt
		if h == nil {
			return title, Msg("alert.halt.other")
		}
		if Language() == English && h.Reason != "" {
			return title, h.Reason
		}
		switch h.Code {
		case "2205", "2214", "2220":
			body = Msg("alert.halt." + h.Code)
		case "":
			body = Msg("alert.halt.config")
		default:
			body = Msg("alert.halt.other")
		}
		if h.Skew != 0 {
			skew := DurationText(h.Skew.Abs())
			if h.Skew > 0 { // the server's clock is ahead: the kiosk's is behind
				body += " " + Msg("alert.halt.skew-behind", "Skew", skew)
			} else {
				body += " " + Msg("alert.halt.skew-ahead", "Skew", skew)
			}
		}
		return title, body
	case AlertQueueNearlyFull:
		return T("alert.queue.title"), T("alert.queue.body")
	case AlertDiskLow:
		return T("alert.disk.title"), T("alert.disk.body")
	case AlertCameraMissing:
		return Tf("alert.camera.title", map[string]any{"Camera": CameraName(a.Camera)}), T("alert.camera.body")
	case AlertClockUnsynced:
		if a.Clock.Code == clock.ClockDrift {
			return T("alert.clock-drift.title"), Tf("alert.clock-drift.body", map[string]any{"Skew": DurationText(a.Clock.Skew)})
		}
		return T("alert.clock.title"), Tf("alert.clock.body", map[string]any{"Skew": DurationText(a.Clock.Skew)})
	}
	return "", ""
}

// PartName is a status part's name.
func PartName(p Part) string {
	switch p {
	case PartCameras:
		return T("part.cameras")
	case PartModels:
		return T("part.models")
	case PartSync:
		return T("part.sync")
	case PartQueue:
		return T("part.queue")
	case PartClock:
		return T("part.clock")
	case PartDisk:
		return T("part.disk")
	}
	return ""
}

// LevelText is a level in words.
func LevelText(l Level) string {
	switch l {
	case LevelOK:
		return T("level.ok")
	case LevelWarn:
		return T("level.warn")
	case LevelFail:
		return T("level.fail")
	case LevelPending:
		return T("level.pending")
	}
	return ""
}

// PartDetail is the detail line of part p.
func PartDetail(st Status, p Part, now time.Time) string {
	switch p {
	case PartCameras:
		if len(st.Cameras) == 0 {
			return T("detail.cameras.none")
		}
		s := ""
		for i, c := range st.Cameras {
			if i > 0 {
				s += " · "
			}
			if c.Present && c.Replay {
				s += Tf("detail.camera.replay", map[string]any{"Camera": CameraName(c.Role)})
			} else if c.Present {
				s += Tf("detail.camera.ok", map[string]any{"Camera": CameraName(c.Role), "Mode": c.Mode})
			} else {
				s += Tf("detail.camera.missing", map[string]any{"Camera": CameraName(c.Role), "Device": c.Device})
			}
		}
		return s
	case PartModels:
		switch PartLevel(st, p) {
		case LevelOK:
			return T("detail.models.ok")
		case LevelPending:
			return T("detail.models.loading")
		}
		return T("detail.models.failed")
	case PartSync:
		on := T("status.offline")
		if st.Online {
			on = T("status.online")
		}
		if st.Halt != nil {
			on = T("detail.sync.halted")
		}
		return on + " · " + LastSyncText(st.LastSync, now)
	case PartQueue:
		if st.QueueLimit > 0 {
			return Tf("detail.queue.limit", map[string]any{"N": st.Waiting, "Limit": st.QueueLimit})
		}
		return Tf("status.waiting", map[string]any{"N": st.Waiting})
	case PartClock:
		v := st.Clock.ClockVerdict()
		var s string
		switch v.Code {
		case clock.ClockWithin:
			s = T("detail.clock.within")
		case clock.ClockDrift:
			s = Tf("detail.clock.drift", map[string]any{"Skew": DurationText(v.Skew)})
		case clock.ClockOff:
			s = Tf("detail.clock.off", map[string]any{"Skew": DurationText(v.Skew)})
		case clock.ClockNTP:
			s = T("detail.clock.synced")
		default:
			s = T("detail.clock.unsynced")
		}
		return s + " · " + now.Local().Format("2006-01-02 15:04")
	case PartDisk:
		return Tf("detail.disk", map[string]any{"Free": BytesText(st.Disk.Free), "Total": BytesText(st.Disk.Total)})
	}
	return ""
}

// LastSyncText says when the last job reached the server.
func LastSyncText(t, now time.Time) string {
	if t.IsZero() {
		return T("status.never-synced")
	}
	lt := t.Local()
	if y1, m1, d1 := lt.Date(); true {
		y2, m2, d2 := now.Local().Date()
		if y1 == y2 && m1 == m2 && d1 == d2 {
			return Tf("status.synced-at", map[string]any{"Time": lt.Format("15:04")})
		}
	}
	return Tf("status.synced-at", map[string]any{"Time": lt.Format("2006-01-02 15:04")})
}

// DurationText is d in minutes and seconds (or hours and minutes).
func DurationText(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case h > 0:
		return Tf("time.hm", map[string]any{"H": h, "M": m})
	case m > 0 && s == 0:
		return Tf("time.m", map[string]any{"M": m})
	case m > 0:
		return Tf("time.ms", map[string]any{"M": m, "S": s})
	}
	return Tf("time.s", map[string]any{"S": s})
}

// BytesText is a size in the units an operator reads (decimal, one decimal place,
// with the language's decimal separator).
func BytesText(b uint64) string {
	const gb, mb = 1e9, 1e6
	if b >= gb {
		return Tf("size.gb", map[string]any{"N": NumberText(float64(b)/gb, 1)})
	}
	return Tf("size.mb", map[string]any{"N": strconv.FormatFloat(float64(b)/mb, 'f', 0, 64)})
}

// ThresholdName is a threshold's name in words.
func ThresholdName(k ThresholdKind) string {
	switch k {
	case ThresholdMatch:
		return T("threshold.match")
	case ThresholdLiveness:
		return T("threshold.liveness")
	case ThresholdSharpness:
		return T("threshold.sharpness")
	case ThresholdFaceSize:
		return T("threshold.face-size")
	}
	return ""
}

// NumberText is v with prec decimals (-1: as few as needed) and the language's
// decimal separator.
func NumberText(v float64, prec int) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', prec, 64), ".", T("number.decimal"), 1)
}

// cameraInfo is a camera's name, where its pictures come from and its mode, one a
// line, as the settings show it.
func cameraInfo(c Camera) string {
	switch {
	case c.SharesSelfie:
		return CameraName(c.Role) + "\n" + T("camera.shares-selfie")
	case c.Replay:
		return CameraName(c.Role) + "\n" + T("camera.replayed")
	}
	return CameraName(c.Role) + "\n" + c.Device + "\n" + c.Mode
}
