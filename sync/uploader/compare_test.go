package uploader

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

type fakeSubmitter struct {
	got *compare.Request
	res *compare.Result
	err error
}

func (f *fakeSubmitter) Submit(_ context.Context, r *compare.Request) (*compare.Result, error) {
	f.got = r
	if r.Progress != nil {
		r.Progress(10, 10)
	}
	return f.res, f.err
}

func TestCompareSender(t *testing.T) {
	date := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	oj := &job.Job{ID: "j1", UserID: "u1", ComparisonType: job.Portrait, AllowNewEnroll: true,
		PartnerParams: map[string]string{"branch": "7"}, Selfie: []byte{1}, Comparison: []byte{2}, Liveness: [][]byte{{3}, {4}, {5}, {6}}}
	tests := []struct {
		name      string
		res       *compare.Result
		err       error
		callback  string
		wantClass Class // for errors
		wantErr   bool
		check     func(t *testing.T, r Result, se *SendError)
	}{
		{name: "match", res: &compare.Result{Code: "0840", Text: "Face Match", Status: "approved", SmileJobID: "sj", ServerDate: date,
			Actions: compare.Actions{LivenessCheck: "Passed", SelfieCheck: "Failed"}}, callback: "https://cb.example/x",
			check: func(t *testing.T, r Result, _ *SendError) {
				if r.Code != "0840" || r.SmileJobID != "sj" || r.Actions["Liveness_Check"] != "Passed" || r.Actions["Selfie_Check"] != "Failed" || !r.ServerTime.Equal(date) {
					t.Fatalf("result = %+v", r)
				}
				if _, ok := r.Actions["Selfie_Provided"]; ok {
					t.Fatal("an empty check value was stored")
				}
			}},
		{name: "halt keeps date", err: &compare.Error{Class: compare.ClassHalt, Code: "2205", Message: "unauthorized", HTTPStatus: 401, ServerDate: date},
			callback: "https://cb", wantErr: true, wantClass: ClassHalt,
			check: func(t *testing.T, _ Result, se *SendError) {
				if se.Code != "2205" || !se.ServerDate.Equal(date) || se.Network {
					t.Fatalf("%+v", se)
				}
			}},
		{name: "429 retry-after", err: &compare.Error{Class: compare.ClassRetry, HTTPStatus: 429, RetryAfter: 7 * time.Second, Message: "slow down"},
			callback: "https://cb", wantErr: true, wantClass: ClassRetry,
			check: func(t *testing.T, _ Result, se *SendError) {
				if se.RetryAfter != 7*time.Second || se.Code != "429" || se.Network {
					t.Fatalf("%+v", se)
				}
			}},
		{name: "network", err: &compare.Error{Class: compare.ClassRetry, Message: "sending", Err: errors.New("connection reset by peer")},
			callback: "https://cb", wantErr: true, wantClass: ClassRetry,
			check: func(t *testing.T, _ Result, se *SendError) {
				if !se.Network {
					t.Fatalf("%+v", se)
				}
			}},
		{name: "operator", err: &compare.Error{Class: compare.ClassOperator, Code: "2209", HTTPStatus: 400}, callback: "https://cb", wantErr: true, wantClass: ClassOperator},
		{name: "reconcile", err: &compare.Error{Class: compare.ClassReconcile, Code: "2215", HTTPStatus: 400}, callback: "https://cb", wantErr: true, wantClass: ClassReconcile},
		{name: "permanent", err: &compare.Error{Class: compare.ClassPermanent, Code: "2204", HTTPStatus: 400}, callback: "https://cb", wantErr: true, wantClass: ClassPermanent},
		{name: "plain error is a network retry", err: errors.New("boom"), callback: "https://cb", wantErr: true, wantClass: ClassRetry},
		{name: "no callback anywhere halts", wantErr: true, wantClass: ClassHalt,
			check: func(t *testing.T, _ Result, se *SendError) {
				if !errors.Is(se, ErrNoCallbackURL) {
					t.Fatalf("%+v", se)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSubmitter{res: tt.res, err: tt.err}
			var progressed bool
			r, err := CompareSender{Client: f, CallbackURL: tt.callback}.Send(context.Background(), Job{ID: "j1", Job: oj}, func(int64, int64) { progressed = true })
			var se *SendError
			if tt.wantErr {
				if !errors.As(err, &se) || se.Class != tt.wantClass {
					t.Fatalf("err = %v, want class %v", err, tt.wantClass)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.callback != "" {
				g := f.got.Job
				if g.ID != "j1" || g.UserID != "u1" || g.ComparisonType != job.Portrait || !g.AllowNewEnroll || g.PartnerParams["branch"] != "7" ||
					len(g.Liveness) != 4 || g.CallbackURL != tt.callback || !progressed {
					t.Fatalf("request = %+v", g)
				}
			}
			if tt.check != nil {
				tt.check(t, r, se)
			}
			if oj.CallbackURL != "" {
				t.Fatal("the sender changed the claimed job")
			}
		})
	}
}

// A job without images (not opened) is refused for good, never sent.
func TestCompareSenderNeedsAnOpenedJob(t *testing.T) {
	f := &fakeSubmitter{}
	_, err := CompareSender{Client: f, CallbackURL: "https://cb"}.Send(context.Background(), Job{ID: "j1"}, func(int64, int64) {})
	var se *SendError
	if !errors.As(err, &se) || se.Class != ClassPermanent || f.got != nil {
		t.Fatalf("err = %v, request %+v", err, f.got)
	}
}
