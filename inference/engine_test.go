package inference

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/smartselfie/kiosk-agent/inference/models"
	"github.com/smartselfie/kiosk-agent/inference/onnx"
)

func TestThresholds(t *testing.T) {
	d := DefaultThresholds()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if (Thresholds{}).WithDefaults() != d {
		t.Error("zero thresholds do not take the defaults")
	}
	part := Thresholds{MaxYaw: 10}.WithDefaults()
	if part.MaxYaw != 10 || part.MaxPitch != d.MaxPitch {
		t.Errorf("partial thresholds: %+v", part)
	}
	cases := []struct {
		name string
		t    Thresholds
		want string
	}{
		{"liveness above 1", Thresholds{Liveness: 1.5}, "liveness"},
		{"negative match below -1", Thresholds{Match: -2}, "match"},
		{"face area bounds swapped", Thresholds{MinFaceArea: 0.4, MaxFaceArea: 0.2}, "min_face_area"},
		{"yaw beyond 90", Thresholds{MaxYaw: 120}, "max_yaw"},
		{"luminance beyond 255", Thresholds{MinLuminance: 300}, "min_luminance"},
		{"still side too small", Thresholds{StillMaxSide: 10}, "still_max_side"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.t.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate = %v, want an error about %s", err, c.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	testEngine(t) // the runtime is initialised once per process
	dir := t.TempDir()
	for _, name := range []string{models.YuNet320Name, models.YuNetDynamicName, models.MiniFASNetV2Name, models.MiniFASNetV1SEName, models.MobileFaceNetName} {
		b, err := os.ReadFile(filepath.Join("models", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == models.MobileFaceNetName {
			b[len(b)/2] ^= 0xFF // damaged
		}
		if name != models.MiniFASNetV2Name { // missing
			os.WriteFile(filepath.Join(dir, name), b, 0o600)
		}
	}
	cases := []struct {
		name string
		opts Options
		want error
		text string
	}{
		{"missing runtime library", Options{RuntimeLib: filepath.Join(dir, "nope.so")}, onnx.ErrLibraryNotFound, "make setup"},
		{"missing model file", Options{ModelsDir: dir}, models.ErrMissing, models.MiniFASNetV2Name},
		{"damaged model file", Options{ModelsDir: dir}, models.ErrDamaged, models.MobileFaceNetName},
		{"empty models folder", Options{ModelsDir: t.TempDir()}, models.ErrMissing, models.YuNet320Name},
		{"bad thresholds", Options{Thresholds: Thresholds{Liveness: 7}}, nil, "liveness"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := Open(c.opts)
			if err == nil {
				e.Close()
				t.Fatal("Open succeeded")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Errorf("error %q does not mention %q", err, c.text)
			}
		})
	}
}

// Concurrent analyses give the same results as sequential ones.
func TestConcurrentAnalyze(t *testing.T) {
	e := testEngine(t)
	names := []string{"obama_1.jpg", "biden_2.jpg", "two_people.jpg", "dfB_img12.jpg", "live_minivision_T1.jpg", "noface_coffee.png"}
	want := map[string]*Analysis{}
	for _, n := range names {
		a, err := e.Analyze(photo(t, n), AnalyzeOptions{Liveness: true})
		if err != nil {
			t.Fatal(err)
		}
		want[n] = a
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(names))
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range names {
				n := names[(i+g)%len(names)]
				a, err := e.Analyze(photo(t, n), AnalyzeOptions{Liveness: true})
				if err != nil {
					errs <- err
					return
				}
				w := want[n]
				if len(a.Faces) != len(w.Faces) {
					errs <- errors.New(n + ": face count differs under concurrency")
					return
				}
				for k := range a.Faces {
					if a.Faces[k].Box != w.Faces[k].Box || *a.Faces[k].Liveness != *w.Faces[k].Liveness {
						errs <- errors.New(n + ": results differ under concurrency")
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestClosedEngine(t *testing.T) {
	testEngine(t)
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	img := photo(t, "obama_1.jpg")
	if _, err := e.Analyze(img, AnalyzeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := e.Analyze(img, AnalyzeOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Analyze after Close: %v, want ErrClosed", err)
	}
	if _, err := e.Compare(img, img); !errors.Is(err, ErrClosed) {
		t.Errorf("Compare after Close: %v, want ErrClosed", err)
	}
	if _, err := e.Analyze(nil, AnalyzeOptions{}); !errors.Is(err, ErrBadImage) {
		t.Errorf("Analyze(nil): %v, want ErrBadImage", err)
	}
}
