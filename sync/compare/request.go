package compare

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/textproto"
	"strings"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// DefaultJobType is sent as partner_params.job_type when Request.JobType is empty.
const DefaultJobType = "smart_selfie_compare"

// Request is one job to send. The client never changes the job or its images.
type Request struct {
	// Job is what is sent; its CallbackURL is required (job.Job.ValidateSend).
	Job *job.Job
	// JobType is partner_params.job_type; DefaultJobType when empty.
	JobType string

	// Progress, when set, is called as the body is sent with the bytes sent so far and
	// the body's total size. It is called from the sending goroutine; keep it quick.
	Progress func(sent, total int64)
}

// Validate reports every problem of r at once (job.Job.ValidateSend's *job.Error); the
// error matches ErrInvalidRequest and job.ErrInvalid.
func (r *Request) Validate() error {
	if r.Job == nil {
		return fmt.Errorf("%w: no job", ErrInvalidRequest)
	}
	if err := r.Job.ValidateSend(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return nil
}

// body is a multipart body held as segments: part headers and the caller's image slices,
// never copied. It can be read any number of times (for retries) and its size is known.
type body struct {
	contentType string
	segments    [][]byte
	size        int64
}

func (b *body) reader() io.Reader {
	rs := make([]io.Reader, len(b.segments))
	for i, s := range b.segments {
		rs[i] = bytes.NewReader(s)
	}
	return io.MultiReader(rs...)
}

func randomBoundary() string {
	var buf [24]byte
	if _, err := rand.Read(buf[:]); err != nil {
		panic("compare: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return "kiosk-" + hex.EncodeToString(buf[:])
}

// buildBody lays out r as multipart/form-data. r must be valid.
func buildBody(r *Request, boundary string) (*body, error) {
	j := r.Job
	jobType := r.JobType
	if jobType == "" {
		jobType = DefaultJobType
	}
	pp := make(map[string]string, len(j.PartnerParams)+3)
	for k, v := range j.PartnerParams {
		pp[k] = v
	}
	pp[job.ParamJobID], pp[job.ParamUserID], pp[job.ParamJobType] = j.ID, j.UserID, jobType
	ppJSON, err := json.Marshal(pp)
	if err != nil {
		return nil, fmt.Errorf("encoding partner_params: %w", err)
	}
	b := &body{contentType: "multipart/form-data; boundary=" + boundary}
	first := true
	add := func(s []byte) {
		b.segments = append(b.segments, s)
		b.size += int64(len(s))
	}
	header := func(h textproto.MIMEHeader) {
		var sb strings.Builder
		if !first {
			sb.WriteString("\r\n")
		}
		first = false
		sb.WriteString("--" + boundary + "\r\n")
		for _, k := range []string{"Content-Disposition", "Content-Type"} {
			if v := h.Get(k); v != "" {
				sb.WriteString(k + ": " + v + "\r\n")
			}
		}
		sb.WriteString("\r\n")
		add([]byte(sb.String()))
	}
	field := func(name, value string) {
		header(textproto.MIMEHeader{"Content-Disposition": {fmt.Sprintf(`form-data; name="%s"`, name)}})
		add([]byte(value))
	}
	file := func(name, filename string, data []byte) {
		header(textproto.MIMEHeader{
			"Content-Disposition": {fmt.Sprintf(`form-data; name="%s"; filename="%s"`, name, filename)},
			"Content-Type":        {"image/jpeg"},
		})
		add(data)
	}
	field("user_id", j.UserID)
	field("job_id", j.ID)
	field("partner_params", string(ppJSON))
	field("comparison_image_type", string(j.ComparisonType))
	field("allow_new_enroll", fmt.Sprint(j.AllowNewEnroll))
	field("callback_url", j.CallbackURL)
	file("selfie_image", "selfie.jpg", j.Selfie)
	file("comparison_image", "comparison.jpg", j.Comparison)
	for i, l := range j.Liveness {
		file("liveness_images", fmt.Sprintf("liveness_%d.jpg", i+1), l)
	}
	add([]byte("\r\n--" + boundary + "--\r\n"))
	return b, nil
}

// progressReader counts bytes read and reports them.
type progressReader struct {
	r     io.Reader
	sent  int64
	total int64
	fn    func(sent, total int64)
	tick  func() // called on every read that moved data (stall watchdog)
	eof   func() // called once the reader is exhausted
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.sent += int64(n)
		if p.tick != nil {
			p.tick()
		}
		if p.fn != nil {
			p.fn(p.sent, p.total)
		}
	}
	if err == io.EOF && p.eof != nil {
		p.eof()
	}
	return n, err
}
