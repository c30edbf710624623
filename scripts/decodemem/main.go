// Command decodemem prints the memory figures of image decoding (internal/imagelimit,
// inference.DecodeImage): for each decompression bomb of issue 13 and for the largest
// accepted file of each costly kind, the file's size, what DecodeImage did, how long it
// took, the growth of the process's peak RSS (C memory included: libjpeg-turbo's
// buffers) and the Go heap allocated. Each file is decoded in a fresh child process.
//
//	go run ./scripts/decodemem          (from the repository root; needs cgo and libturbojpeg)
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
)

type result struct {
	Outcome  string  `json:"outcome"`
	Ms       float64 `json:"ms"`
	PeakMiB  float64 `json:"peak_rss_growth_mib"`
	AllocMiB float64 `json:"go_alloc_mib"`
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "one" {
		if err := one(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "decodemem:", err)
			os.Exit(1)
		}
		return
	}
	if err := all(); err != nil {
		fmt.Fprintln(os.Stderr, "decodemem:", err)
		os.Exit(1)
	}
}

type bomb struct {
	name string
	data func() ([]byte, error)
}

func jpegOf(j imagebomb.JPEG) func() ([]byte, error) {
	return func() ([]byte, error) { return j.Bytes(), nil }
}

func all() error {
	cases := []bomb{
		{"issue 13: 10000x10000 progressive CMYK JPEG", jpegOf(imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.CMYK, Progressive: true})},
		{"issue 13: 10000x10000 progressive 4:2:0 JPEG", jpegOf(imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.YCbCr420, Progressive: true})},
		{"issue 13: 10000x10000 16-bit RGBA PNG (header only)", imagebomb.PNG{Width: 10000, Height: 10000, Depth: 16, ColorType: 6, HeaderOnly: true}.Bytes},
		{"3000x3000 progressive CMYK JPEG (over the memory bound)", jpegOf(imagebomb.JPEG{Width: 3000, Height: 3000, Sampling: imagebomb.CMYK, Progressive: true})},
		{"7200x5000 baseline 4:2:0 JPEG (36 MP)", jpegOf(imagebomb.JPEG{Width: 7200, Height: 5000, Sampling: imagebomb.YCbCr420})},
		{"7200x5000 progressive 4:2:0 JPEG (36 MP)", jpegOf(imagebomb.JPEG{Width: 7200, Height: 5000, Sampling: imagebomb.YCbCr420, Progressive: true})},
		{"4800x4000 progressive 4:4:4 JPEG", jpegOf(imagebomb.JPEG{Width: 4800, Height: 4000, Sampling: imagebomb.YCbCr444, Progressive: true})},
		{"4000x3000 CMYK JPEG", jpegOf(imagebomb.JPEG{Width: 4000, Height: 3000, Sampling: imagebomb.CMYK})},
		{"2600x2000 progressive CMYK JPEG", jpegOf(imagebomb.JPEG{Width: 2600, Height: 2000, Sampling: imagebomb.CMYK, Progressive: true})},
		{"4000x3000 16-bit RGBA PNG", imagebomb.PNG{Width: 4000, Height: 3000, Depth: 16, ColorType: 6}.Bytes},
		{"4700x3500 8-bit RGBA PNG", imagebomb.PNG{Width: 4700, Height: 3500, Depth: 8, ColorType: 6}.Bytes},
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "decodemem")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("limits: %d MP, decode %d MiB, file %d MiB; %s/%s, %d cores\n",
		inference.MaxDecodePixels/1_000_000, inference.MaxDecodeBytes>>20, inference.MaxFileBytes>>20, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("%-58s %9s %9s %10s %9s  %s\n", "file", "KiB", "ms", "peak RSS+", "Go alloc", "outcome")
	for i, c := range cases {
		data, err := c.data()
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		path := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
		out, err := exec.Command(self, "one", path).Output()
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Printf("%-58s %9d %9.0f %7.0f MiB %5.0f MiB  %s\n", c.name, len(data)>>10, r.Ms, r.PeakMiB, r.AllocMiB, r.Outcome)
		os.Remove(path)
	}
	return nil
}

// one decodes a file and prints a result: the peak RSS is reset after the file is read.
func one(path string) error {
	data, err := inference.ReadImageFile(path)
	if err != nil {
		return err
	}
	runtime.GC()
	base, err := status("VmRSS")
	if err != nil {
		return err
	}
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("resetting the peak RSS: %w", err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	img, err := inference.DecodeImage(data)
	ms := float64(time.Since(start).Microseconds()) / 1000
	runtime.ReadMemStats(&after)
	peak, perr := status("VmHWM")
	if perr != nil {
		return perr
	}
	r := result{Ms: ms, PeakMiB: float64(peak-base) / 1024, AllocMiB: float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)}
	var tl *imagelimit.TooLargeError
	switch {
	case errors.As(err, &tl):
		r.Outcome = "refused: " + tl.Unit
		if tl.Unit == imagelimit.UnitMemory {
			r.Outcome += fmt.Sprintf(" (estimate %d MiB)", tl.Need>>20)
		}
	case err != nil:
		r.Outcome = "error: " + err.Error()
	default:
		r.Outcome = fmt.Sprintf("decoded to %dx%d", img.Bounds().Dx(), img.Bounds().Dy())
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}

// status returns a /proc/self/status field in KiB.
func status(field string) (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}
