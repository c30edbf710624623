// Command drainbench is the uploader's benchmark helper (scripts/bench.d/uploader.sh):
//
//	drainbench fill --data-dir DIR --jobs 500 --job-bytes 307200
//	    seals jobs of real photos padded to the size into the offline queue in DIR;
//	drainbench bare --api-url URL --partner-id P --api-key-file F --jobs 500 --job-bytes 307200 [--in-flight 2]
//	    posts the same bodies, prebuilt, with a bare net/http loop, and prints jobs/s;
//	drainbench serve --key-file F --data-dir DIR [--analyzer engine|none]
//	    runs the sandbox on a free loopback port (printing its URL) in its own process, with
//	    the real face analysis or none (to measure the transport alone);
//	drainbench measure --out mem.json -- COMMAND ARGS...
//	    runs a command (its stdout to ours), sampling its memory every 20 ms: peak VmRSS,
//	    and the peaks of its anonymous and file-backed parts (RssAnon, RssFile);
//	drainbench report --sync sync.json --bare bare.json --mem mem.json
//	    prints the figures.
//
// The drain itself is `kioskctl sync`, timed by the script.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/jobimages"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: drainbench fill|bare [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fill":
		err = fill(os.Args[2:])
	case "bare":
		err = bare(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	case "measure":
		err = measure(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "drainbench:", err)
		os.Exit(1)
	}
}

func images(jobBytes int) (jobimages.Set, error) {
	s, err := jobimages.Make(640, 320, 8)
	if err != nil {
		return s, err
	}
	return s.PadTo(jobBytes)
}

const callbackURL = "http://127.0.0.1:9/kiosk-callback" // discard port: callbacks fail fast

func fill(args []string) error {
	fs := flag.NewFlagSet("fill", flag.ExitOnError)
	dir := fs.String("data-dir", "", "kiosk data dir")
	jobs := fs.Int("jobs", 500, "jobs to seal")
	jobBytes := fs.Int("job-bytes", 300<<10, "image bytes per job")
	prefix := fs.String("prefix", "bench", "job id prefix")
	fs.Parse(args)
	s, err := images(*jobBytes)
	if err != nil {
		return err
	}
	q, err := offline.Open(*dir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1, MaxJobs: -1, MaxDiskMB: -1}})
	if err != nil {
		return err
	}
	defer q.Close()
	start := time.Now()
	for i := 0; i < *jobs; i++ {
		j := &job.Job{ID: fmt.Sprintf("%s-%05d", *prefix, i), UserID: fmt.Sprintf("user-%05d", i),
			ComparisonType: job.IDPhoto, CaptureOrigin: job.OriginImport, CallbackURL: callbackURL, AllowNewEnroll: true,
			Selfie: s.Selfie, Liveness: s.Liveness, Comparison: s.Comparison}
		if _, err := q.Enqueue(j); err != nil {
			return err
		}
	}
	fmt.Printf("sealed %d jobs of %d bytes in %s\n", *jobs, s.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

func bare(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ExitOnError)
	apiURL := fs.String("api-url", "", "compare API base URL")
	partner := fs.String("partner-id", "", "partner id")
	keyFile := fs.String("api-key-file", "", "API key file")
	jobs := fs.Int("jobs", 500, "requests to post")
	jobBytes := fs.Int("job-bytes", 300<<10, "image bytes per job")
	inFlight := fs.Int("in-flight", 2, "requests at a time")
	prefix := fs.String("prefix", "bare", "job id prefix")
	fs.Parse(args)
	key, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	keyStr := strings.TrimSpace(string(key))
	s, err := images(*jobBytes)
	if err != nil {
		return err
	}
	type prebuilt struct {
		body        []byte
		contentType string
	}
	bodies := make([]prebuilt, *jobs)
	for i := range bodies {
		b, ct, err := multipartBody(s, fmt.Sprintf("%s-%05d", *prefix, i), fmt.Sprintf("user-%05d", i))
		if err != nil {
			return err
		}
		bodies[i] = prebuilt{b, ct}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *inFlight}}
	url := strings.TrimRight(*apiURL, "/") + "/v2/smart-selfie-compare"
	var (
		mu     sync.Mutex
		next   int
		failed int
		wg     sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < *inFlight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(bodies) {
					return
				}
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(bodies[i].body))
				req.Header.Set("Content-Type", bodies[i].contentType)
				ts := compare.FormatTimestamp(time.Now())
				req.Header.Set("SmileID-Partner-ID", *partner)
				req.Header.Set("SmileID-Timestamp", ts)
				req.Header.Set("SmileID-Request-Signature", compare.ComputeSignature([]byte(keyStr), ts, *partner))
				resp, err := client.Do(req)
				ok := err == nil && resp.StatusCode == 200
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if !ok {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	out := map[string]any{"jobs": *jobs, "failed": failed, "elapsed_seconds": el.Seconds(), "jobs_per_second": float64(*jobs-failed) / el.Seconds()}
	return json.NewEncoder(os.Stdout).Encode(out)
}

func multipartBody(s jobimages.Set, jobID, userID string) ([]byte, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	field := func(k, v string) { w.WriteField(k, v) }
	file := func(name string, data []byte) error {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, name, name+".jpg"))
		h.Set("Content-Type", "image/jpeg")
		p, err := w.CreatePart(h)
		if err != nil {
			return err
		}
		_, err = p.Write(data)
		return err
	}
	field("user_id", userID)
	field("job_id", jobID)
	field("comparison_image_type", "ID_PHOTO")
	pp, _ := json.Marshal(map[string]string{"job_id": jobID, "user_id": userID, "job_type": compare.DefaultJobType})
	field("partner_params", string(pp))
	field("allow_new_enroll", "true")
	field("callback_url", callbackURL)
	if err := file("selfie_image", s.Selfie); err != nil {
		return nil, "", err
	}
	if err := file("comparison_image", s.Comparison); err != nil {
		return nil, "", err
	}
	for _, l := range s.Liveness {
		if err := file("liveness_images", l); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// passAll is an Analyzer that judges nothing: every job matches. It isolates the cost of
// moving the bytes from the cost of the face analysis.
type passAll struct{}

func (passAll) Judge(context.Context, sandbox.Inputs) (sandbox.Verdict, error) {
	return sandbox.Verdict{SelfieProvided: true, ComparisonFace: true, SelfieLive: true, LivenessPassed: true, Match: true, Similarity: 0.9}, nil
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	keyFile := fs.String("key-file", "", "API key file of partner 0001")
	dir := fs.String("data-dir", "", "sandbox state folder")
	analyzer := fs.String("analyzer", "engine", "engine (real face analysis) or none")
	fs.Parse(args)
	key, err := sandbox.ReadKeyFile(*keyFile)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	var a sandbox.Analyzer = passAll{}
	if *analyzer == "engine" {
		e, err := inference.Open(inference.Options{RuntimeLib: os.Getenv("ONNXRUNTIME_LIB"), Workers: 2,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			return err
		}
		defer e.Close()
		a = sandbox.NewEngineAnalyzer(e, sandbox.EngineOptions{})
	}
	sbx, err := sandbox.New(sandbox.Options{
		Partners: []sandbox.Partner{{ID: "0001", Key: key, ProductActive: true, ProductionEnabled: true}},
		DBPath:   filepath.Join(*dir, "sandbox.db"), Analyzer: a, Workers: 2, CallbackAttempts: 1,
	})
	if err != nil {
		return err
	}
	defer sbx.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return sbx.Serve(ctx, ln, 5*time.Second)
}

func report(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	syncFile := fs.String("sync", "", "kioskctl sync --json output")
	bareFile := fs.String("bare", "", "drainbench bare output")
	memFile := fs.String("mem", "", "drainbench measure output for kioskctl sync")
	label := fs.String("label", "", "what the sandbox did")
	fs.Parse(args)
	var sy struct {
		Outcome        string  `json:"outcome"`
		ElapsedSeconds float64 `json:"elapsed_seconds"`
		JobsPerSecond  float64 `json:"jobs_per_second"`
		Report         struct {
			Attempts  int `json:"attempts"`
			Delivered int `json:"delivered"`
		} `json:"report"`
	}
	var ba struct {
		Jobs          int     `json:"jobs"`
		Failed        int     `json:"failed"`
		JobsPerSecond float64 `json:"jobs_per_second"`
	}
	var mem memPeaks
	for f, v := range map[string]any{*syncFile: &sy, *bareFile: &ba, *memFile: &mem} {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	ratio := 0.0
	if ba.JobsPerSecond > 0 {
		ratio = sy.JobsPerSecond / ba.JobsPerSecond
	}
	fmt.Printf("uploader drain (%s): %d jobs delivered in %d attempts, %.1f s, %.2f jobs/s (%s)\n", *label, sy.Report.Delivered, sy.Report.Attempts, sy.ElapsedSeconds, sy.JobsPerSecond, sy.Outcome)
	fmt.Printf("bare net/http loop (%s): %d posts, %d failed, %.2f jobs/s\n", *label, ba.Jobs, ba.Failed, ba.JobsPerSecond)
	fmt.Printf("ratio uploader/bare: %.2fx (goal >= 0.8x)\n", ratio)
	fmt.Printf("peak RSS of kioskctl sync: %.1f MB (goal <= 150 MB); peak anonymous %.1f MB, peak file-backed %.1f MB (the queue file mapped by bbolt)\n",
		float64(mem.MaxRSSKB)/1024, float64(mem.PeakAnonKB)/1024, float64(mem.PeakFileKB)/1024)
	return nil
}

// memPeaks is what measure prints.
type memPeaks struct {
	MaxRSSKB   int64 `json:"max_rss_kb"`   // getrusage of the child (covers every moment)
	PeakRSSKB  int64 `json:"peak_rss_kb"`  // the highest VmRSS sampled
	PeakAnonKB int64 `json:"peak_anon_kb"` // the highest RssAnon sampled
	PeakFileKB int64 `json:"peak_file_kb"` // the highest RssFile sampled
	Samples    int   `json:"samples"`
}

func measure(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ExitOnError)
	out := fs.String("out", "", "where to write the memory figures (JSON)")
	fs.Parse(args)
	if fs.NArg() == 0 {
		return fmt.Errorf("measure: give a command after --")
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	var m memPeaks
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var werr error
loop:
	for {
		select {
		case werr = <-done:
			break loop
		case <-tick.C:
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
			if err != nil {
				continue
			}
			m.Samples++
			for _, line := range strings.Split(string(b), "\n") {
				var kb int64
				for name, dst := range map[string]*int64{"VmRSS:": &m.PeakRSSKB, "RssAnon:": &m.PeakAnonKB, "RssFile:": &m.PeakFileKB} {
					if strings.HasPrefix(line, name) {
						fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, name)), "%d", &kb)
						if kb > *dst {
							*dst = kb
						}
					}
				}
			}
		}
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.MaxRSSKB = ru.Maxrss
	}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	return werr
}
