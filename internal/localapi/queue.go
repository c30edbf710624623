package localapi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/redact"
	"github.com/smartselfie/kiosk-agent/offline"
)

// JobDetail is one job as `kioskctl queue show --json` prints it: the entry, and
// what the sealed job holds (the user id truncated, the callback URL's token and
// password masked, image sizes, never the images).
type JobDetail struct {
	Entry     offline.Entry `json:"entry"`
	Integrity string        `json:"integrity"` // ok, quarantined, images purged, not checked (being sent)
	Sealed    *SealedView   `json:"sealed,omitempty"`
}

// SealedView is the part of a sealed job that is safe to show.
type SealedView struct {
	UserID         string             `json:"user_id_truncated"`
	ComparisonType job.ComparisonType `json:"comparison_type"`
	AllowNewEnroll bool               `json:"allow_new_enroll"`
	CallbackURL    string             `json:"callback_url,omitempty"`
	KioskID        string             `json:"kiosk_id,omitempty"`
	OperatorID     string             `json:"operator_id,omitempty"`
	Training       bool               `json:"training,omitempty"`
	PartnerParams  []string           `json:"partner_param_keys,omitempty"`
	Prechecks      job.Prechecks      `json:"prechecks"`
	Images         map[string]float64 `json:"image_kb"`
}

// TruncateID keeps the first 3 characters of a customer id.
func TruncateID(s string) string {
	r := []rune(s)
	if len(r) <= 3 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + "…"
}

func kb(b []byte) float64 { return float64(len(b)) / 1024 }

// DescribeJob reads one job of q for display. A job being sent is not opened (its
// integrity is not checked); one that fails its check is quarantined by the read.
func DescribeJob(q *offline.Queue, id string) (JobDetail, error) {
	e, err := q.Get(id)
	if err != nil {
		return JobDetail{}, err
	}
	out := JobDetail{Entry: e, Integrity: "ok"}
	if e.State == offline.StateSending { // never read a job under the uploader's hands
		out.Integrity = "not checked (being sent)"
		return out, nil
	}
	j, err := q.Load(id)
	switch {
	case errors.Is(err, offline.ErrImagesPurged):
		out.Integrity = "images purged"
	case errors.Is(err, offline.ErrQuarantined):
		out.Integrity = "quarantined"
		out.Entry, _ = q.Get(id)
	case err != nil:
		return JobDetail{}, err
	default:
		v := &SealedView{UserID: TruncateID(j.UserID), ComparisonType: j.ComparisonType, AllowNewEnroll: j.AllowNewEnroll,
			CallbackURL: redact.URL(j.CallbackURL), KioskID: j.KioskID, OperatorID: j.OperatorID, Training: j.Training, Prechecks: j.Prechecks,
			Images: map[string]float64{"selfie": kb(j.Selfie), "comparison": kb(j.Comparison)}}
		for i, f := range j.Liveness {
			v.Images[fmt.Sprintf("liveness[%d]", i)] = kb(f)
		}
		for k := range j.PartnerParams {
			v.PartnerParams = append(v.PartnerParams, k)
		}
		sort.Strings(v.PartnerParams)
		out.Sealed = v
	}
	return out, nil
}

// QueueBackend serves the queue's part of Backend (Jobs, Job, Audit, Retry, Purge,
// Sweep) from an open queue. The app embeds it in its Backend; kioskctl uses it on
// the file when no kiosk runs, so both print the same thing.
type QueueBackend struct {
	Q *offline.Queue
}

func (b QueueBackend) Jobs(_ context.Context, o offline.ListOptions) (JobList, error) {
	es, err := b.Q.List(o)
	if err != nil {
		return JobList{}, err
	}
	if es == nil {
		es = []offline.Entry{}
	}
	return JobList{Jobs: es, Counts: b.Q.Counts()}, nil
}

func (b QueueBackend) Job(_ context.Context, id string) (JobDetail, error) {
	return DescribeJob(b.Q, id)
}

func (b QueueBackend) Audit(_ context.Context, a AuditQuery) ([]offline.AuditEvent, error) {
	f := offline.AuditFilter{Since: a.Since, JobID: a.JobID, Kind: a.Kind, Limit: a.Limit}
	if a.UserID != "" {
		f.UserHash = b.Q.HashUserID(a.UserID)
	}
	evs, err := b.Q.Audit(f)
	if evs == nil && err == nil {
		evs = []offline.AuditEvent{}
	}
	return evs, err
}

// Retry, Purge and Sweep record the Actor of ctx (WithActor) as who decided, and
// refuse without one, or with one that is not an admin.
func (b QueueBackend) Retry(ctx context.Context, id string, r RetryRequest) (offline.Entry, error) {
	by, err := actorOf(ctx, "sending a job again")
	if err != nil {
		return offline.Entry{}, err
	}
	if r.AllowNewEnroll {
		// A job the service refused as already enrolled (2209) is enrolled again under
		// a new job id: the same id would be answered "already received" (2215).
		if e, err := b.Q.Get(id); err == nil && e.State == offline.StateNeedsOperator {
			return b.Q.EnrollAgain(id, offline.EnrollAgainOptions{NewID: job.NewID(time.Now()), Supervisor: by})
		}
	}
	return b.Q.Retry(id, offline.RetryOptions{Operator: by, AllowNewEnroll: r.AllowNewEnroll})
}

func (b QueueBackend) Purge(ctx context.Context, id string, r PurgeRequest) (offline.Entry, error) {
	by, err := actorOf(ctx, "deleting a job's images")
	if err != nil {
		return offline.Entry{}, err
	}
	return b.Q.Purge(id, offline.PurgeOptions{Operator: by, Force: r.Force})
}

func (b QueueBackend) Sweep(ctx context.Context) (offline.SweepReport, error) {
	if _, err := actorOf(ctx, "applying retention now"); err != nil {
		return offline.SweepReport{}, err
	}
	return b.Q.Sweep()
}
