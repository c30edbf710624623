package compare

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"net/url"
	"strings"
)

// Comparison image types of the contract.
const (
	TypeIDPhoto  = "ID_PHOTO" // from an ID authority; may carry watermarks or stamps
	TypePortrait = "PORTRAIT" // a selfie or an agent-taken photo
	TypeDocument = "DOCUMENT" // a photo of an ID document
)

// DefaultJobType is sent as partner_params.job_type when Request.JobType is empty.
const DefaultJobType = "smart_selfie_compare"

// Limits on the liveness images of one request.
const (
	MinLiveness = 4
	MaxLiveness = 8
)

// Request is one job to send. Images are JPEG bytes; the client never changes them.
type Request struct {
	UserID         string
	JobID          string
	JobType        string // partner_params.job_type; DefaultJobType when empty
	Selfie         []byte
	Liveness       [][]byte // 4 to 8 images, each sent as its own liveness_images part
	Comparison     []byte
	ComparisonType string // TypeIDPhoto, TypePortrait or TypeDocument
	AllowNewEnroll bool
	CallbackURL    string
	// PartnerParams are extra keys echoed back by the server; they must not use the
	// names job_id, user_id or job_type.
	PartnerParams map[string]string

	// Progress, when set, is called as the body is sent with the bytes sent so far and
	// the body's total size. It is called from the sending goroutine; keep it quick.
	Progress func(sent, total int64)
}

// IsComparisonType reports whether t is a comparison image type of the contract.
func IsComparisonType(t string) bool {
	switch t {
	case TypeIDPhoto, TypePortrait, TypeDocument:
		return true
	}
	return false
}

// IsJPEG reports whether b starts like a JPEG file (SOI marker then a marker).
func IsJPEG(b []byte) bool { return len(b) >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF }

// Validate reports every problem of r at once; each wraps ErrInvalidRequest.
func (r *Request) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...))
	}
	if strings.TrimSpace(r.UserID) == "" {
		bad("user_id is empty: give the customer's user id")
	}
	if strings.TrimSpace(r.JobID) == "" {
		bad("job_id is empty: give a job id unique for this partner")
	}
	checkImage := func(name string, b []byte) {
		switch {
		case len(b) == 0:
			bad("%s is missing", name)
		case !IsJPEG(b):
			bad("%s is not a JPEG image: convert it to JPEG first", name)
		}
	}
	checkImage("selfie_image", r.Selfie)
	checkImage("comparison_image", r.Comparison)
	if n := len(r.Liveness); n < MinLiveness || n > MaxLiveness {
		bad("liveness_images: %d given, %d to %d are required", n, MinLiveness, MaxLiveness)
	}
	for i, b := range r.Liveness {
		checkImage(fmt.Sprintf("liveness image %d", i+1), b)
	}
	if !IsComparisonType(r.ComparisonType) {
		bad("comparison_image_type %q is not one of ID_PHOTO, PORTRAIT, DOCUMENT", r.ComparisonType)
	}
	if r.CallbackURL == "" {
		bad("callback_url is empty: the contract requires one")
	} else if u, err := url.Parse(r.CallbackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("callback_url %q is not an http(s) URL", r.CallbackURL)
	}
	for k := range r.PartnerParams {
		switch k {
		case "job_id", "user_id", "job_type":
			bad("partner_params key %q is reserved: use the Request field instead", k)
		}
	}
	return errors.Join(errs...)
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
	jobType := r.JobType
	if jobType == "" {
		jobType = DefaultJobType
	}
	pp := make(map[string]string, len(r.PartnerParams)+3)
	for k, v := range r.PartnerParams {
		pp[k] = v
	}
	pp["job_id"], pp["user_id"], pp["job_type"] = r.JobID, r.UserID, jobType
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
	field("user_id", r.UserID)
	field("job_id", r.JobID)
	field("partner_params", string(ppJSON))
	field("comparison_image_type", r.ComparisonType)
	field("allow_new_enroll", fmt.Sprint(r.AllowNewEnroll))
	field("callback_url", r.CallbackURL)
	file("selfie_image", "selfie.jpg", r.Selfie)
	file("comparison_image", "comparison.jpg", r.Comparison)
	for i, l := range r.Liveness {
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
