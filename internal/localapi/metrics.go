package localapi

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/smartselfie/kiosk-agent/offline"
)

// SnapshotBackend is served by a Backend that keeps the metric snapshots of an offline
// branch (kioskctl metrics --since): GET /v1/metrics/snapshots?since=RFC3339.
type SnapshotBackend interface {
	MetricSnapshots(ctx context.Context, since time.Time) ([]offline.MetricSnapshot, error)
}

// snapshotRoute answers GET /v1/metrics/snapshots.
func snapshotRoute(sb SnapshotBackend) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		var since time.Time
		if v := r.URL.Query().Get("since"); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, badRequestf("since %q is not an RFC 3339 time", v)
			}
			since = t
		}
		return sb.MetricSnapshots(r.Context(), since)
	}
}

// MetricSnapshots returns the kiosk's metric snapshots taken at or after since.
func (c *Client) MetricSnapshots(ctx context.Context, since time.Time) ([]offline.MetricSnapshot, error) {
	var out []offline.MetricSnapshot
	q := url.Values{}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	err := c.do(ctx, http.MethodGet, "/v1/metrics/snapshots?"+q.Encode(), nil, &out)
	return out, err
}
