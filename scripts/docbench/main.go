// Command docbench prints the document benchmarks of `make bench` over the labelled set
// testdata/docset (draw it first: go run ./scripts/docset), on the real parts:
//
//	docbench mrz    the zone read on each 1280x720 still as the capture keeps it (card.Find,
//	                then card.Flatten at most 1280 wide; the raw frame when no card is
//	                found) by inference/ocr's ReadMRZ: per format (TD1 on the ID-1 cards,
//	                TD3 on the passport page) field accuracy as the OCR read it and after
//	                internal/mrz's check-digit repair, zones whose digits all hold, and any
//	                of those that is wrong; per still case; the CPU per read
//	docbench match  the effect of flattening on matching: for each ID-1 still and each
//	                other photo of the card's customer (testdata/photos/manifest.csv), the
//	                sandbox's similarity (sync/sandbox.EngineAnalyzer.Judge, the compare
//	                API's code path) with the raw frame as the DOCUMENT comparison image
//	                and with the flattened card, both JPEG quality 85 as a job carries them
//
// Usage: go run ./scripts/docbench [-dir testdata/docset] [-photos testdata/photos] mrz|match
// It measures, never asserts; it prints no image and no document number.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// flatWidth is the wizard's cap on the flattened card (capture.DocumentOptions.FlatMaxWidth's default).
const flatWidth = 1280

func main() {
	dir := flag.String("dir", filepath.Join("testdata", "docset"), "the labelled set's folder")
	photos := flag.String("photos", filepath.Join("testdata", "photos"), "the photos (selfies of the match bench)")
	flag.Parse()
	if flag.NArg() != 1 || (flag.Arg(0) != "mrz" && flag.Arg(0) != "match") {
		fmt.Fprintln(os.Stderr, "usage: docbench [-dir DIR] [-photos DIR] mrz|match")
		os.Exit(2)
	}
	var err error
	if flag.Arg(0) == "mrz" {
		err = benchMRZ(os.Stdout, *dir)
	} else {
		err = benchMatch(os.Stdout, *dir, *photos)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "docbench:", err)
		os.Exit(1)
	}
}

func stills(dir string) ([]cardtest.Frame, error) {
	fh, err := os.Open(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		return nil, fmt.Errorf("%w (draw the set: go run ./scripts/docset)", err)
	}
	defer fh.Close()
	frames, err := cardtest.ReadManifest(fh)
	if err != nil {
		return nil, err
	}
	var out []cardtest.Frame
	for _, f := range frames {
		if f.Kind == cardtest.KindStill {
			out = append(out, f)
		}
	}
	return out, nil
}

func loadFrame(dir string, f cardtest.Frame) (*image.RGBA, error) {
	fh, err := os.Open(filepath.Join(dir, f.File))
	if err != nil {
		return nil, fmt.Errorf("%w (draw the set: go run ./scripts/docset)", err)
	}
	defer fh.Close()
	img, err := jpeg.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.File, err)
	}
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out, nil
}

// stillCase names a still by its index in the specimen's nine (cardtest.DocSet).
var stillCase = []string{"good", "turned 6-10°", "blur 1 pass", "blur 2 passes", "dim ×0.45-0.6", "glare on the zone",
	"glare on the portrait", "at an angle 6-10 %", "farther (card 560-680 px)"}

func caseOf(f cardtest.Frame) int {
	i := strings.LastIndex(f.File, "_s")
	if i < 0 {
		return -1
	}
	var n int
	fmt.Sscanf(f.File[i+2:], "%d", &n)
	return n
}

// flattened is the still as the capture keeps it: the card found and flattened, or nil.
func flattened(img *image.RGBA) (*image.RGBA, card.Finding) {
	fd := card.Find(img)
	if !fd.Found {
		return nil, fd
	}
	return card.Flatten(img, fd, flatWidth), fd
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ") + fmt.Sprintf(" (%d CPUs)", runtime.NumCPU())
}

// field is a field of a zone scored by the MRZ bench: line, [lo, hi).
type field struct {
	name         string
	line, lo, hi int
}

var td1Fields = []field{
	{"document code", 0, 0, 2}, {"issuing state", 0, 2, 5}, {"document number", 0, 5, 14}, {"optional data", 0, 15, 30},
	{"birth date", 1, 0, 6}, {"sex", 1, 7, 8}, {"expiry date", 1, 8, 14}, {"nationality", 1, 15, 18}, {"names", 2, 0, 30},
}

var td3Fields = []field{
	{"document code", 0, 0, 2}, {"issuing state", 0, 2, 5}, {"names", 0, 5, 44}, {"document number", 1, 0, 9},
	{"nationality", 1, 10, 13}, {"birth date", 1, 13, 19}, {"sex", 1, 20, 21}, {"expiry date", 1, 21, 27},
	{"personal number", 1, 28, 42},
}

// td3Zone is the passport specimen's zone: ICAO 9303's TD3 example.
var td3Zone = []string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

// checkedFields are the fields under a check digit (directly or through the composite).
var checkedFields = []string{"document number", "birth date", "expiry date", "personal number", "optional data"}

// score counts the fields of lines equal to the truth's; it returns the wrong ones.
func score(fields []field, truth, lines []string, hits []int) (wrong []string) {
	if len(lines) != len(truth) {
		for _, f := range fields {
			wrong = append(wrong, f.name)
		}
		return wrong
	}
	for i, f := range fields {
		if len(lines[f.line]) >= f.hi && lines[f.line][f.lo:f.hi] == truth[f.line][f.lo:f.hi] {
			hits[i]++
		} else {
			wrong = append(wrong, f.name)
		}
	}
	return wrong
}

type formatTally struct {
	name          string
	fields        []field
	n, found      int
	valid, vWrong int
	raw, fixed    []int
	perCase       map[int]*[3]int // case → frames, zone found, all digits hold and right
	right         [3]int          // the same over the stills whose card was found right
}

func benchMRZ(w io.Writer, dir string) error {
	frames, err := stills(dir)
	if err != nil {
		return err
	}
	r, err := ocr.Open(ocr.Options{})
	if err != nil {
		return fmt.Errorf("opening the OCR (scripts/fetch-ocr.sh, KIOSK_OCR_MODELS, ONNXRUNTIME_LIB): %w", err)
	}
	defer r.Close()
	tallies := map[string]*formatTally{
		"TD1": {name: "TD1 (ID-1 cards)", fields: td1Fields, raw: make([]int, len(td1Fields)), fixed: make([]int, len(td1Fields)), perCase: map[int]*[3]int{}},
		"TD3": {name: "TD3 (passport page)", fields: td3Fields, raw: make([]int, len(td3Fields)), fixed: make([]int, len(td3Fields)), perCase: map[int]*[3]int{}},
	}
	var cpu []time.Duration
	var flatN int
	fmt.Fprintf(w, "MRZ read on the %d stills of testdata/docset (1280x720; card found and flattened ≤ %d px wide, else the raw frame); load average before: %s\n",
		len(frames), flatWidth, loadavg())
	for _, f := range frames {
		img, err := loadFrame(dir, f)
		if err != nil {
			return err
		}
		format, truth := "TD3", td3Zone
		if f.Specimen != cardtest.SpecimenTD3 {
			c, ok := cardtest.CustomerOf(cardtest.SpecimenIdentity(f.Specimen))
			if !ok {
				return fmt.Errorf("%s: no customer for %s", f.File, f.Specimen)
			}
			format = "TD1"
			if truth, err = c.Holder.Zone(); err != nil {
				return err
			}
		}
		t := tallies[format]
		var src image.Image = img
		flat, fd := flattened(img)
		if flat != nil {
			src = flat
			flatN++
		}
		right := f.FoundRight(fd)
		if right {
			t.right[0]++
		}
		start := cpuTime()
		res, err := r.ReadMRZ(src)
		cpu = append(cpu, cpuTime()-start)
		t.n++
		pc := t.perCase[caseOf(f)]
		if pc == nil {
			pc = &[3]int{}
			t.perCase[caseOf(f)] = pc
		}
		pc[0]++
		if err != nil {
			continue
		}
		t.found++
		pc[1]++
		if right {
			t.right[1]++
		}
		n := len(truth[0])
		text := make([]string, len(res.Lines))
		for i, l := range res.Lines {
			text[i] = ocr.FitLength(l.Text, n)
		}
		score(t.fields, truth, text, t.raw)
		wrong := score(t.fields, truth, res.Doc.Lines, t.fixed)
		if res.Doc.Valid() {
			t.valid++
			bad := false
			for _, x := range wrong {
				if slices.Contains(checkedFields, x) {
					bad = true
				}
			}
			if bad {
				t.vWrong++
			} else {
				pc[2]++
				if right {
					t.right[2]++
				}
			}
		}
	}
	for _, k := range []string{"TD1", "TD3"} {
		t := tallies[k]
		fmt.Fprintf(w, "\n%s: %d stills; zones found %d; all check digits hold %d; of those with a checked field wrong %d\n", t.name, t.n, t.found, t.valid, t.vWrong)
		fmt.Fprintf(w, "  %-18s %9s %9s\n", "field accuracy", "OCR raw", "repaired")
		var sr, sf int
		for i, f := range t.fields {
			fmt.Fprintf(w, "  %-18s %8.1f%% %8.1f%%\n", f.name, pct(t.raw[i], t.n), pct(t.fixed[i], t.n))
			sr += t.raw[i]
			sf += t.fixed[i]
		}
		fmt.Fprintf(w, "  %-18s %8.1f%% %8.1f%%\n", "all fields", pct(sr, t.n*len(t.fields)), pct(sf, t.n*len(t.fields)))
		fmt.Fprintf(w, "  per still: zone found / digits hold and right, of frames:")
		for c, name := range stillCase {
			if pc := t.perCase[c]; pc != nil {
				fmt.Fprintf(w, " %s %d/%d of %d;", name, pc[1], pc[2], pc[0])
			}
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  stills whose card was found right (corners within 2 %% of the diagonal): %d; zone found %d; digits hold and right %d\n", t.right[0], t.right[1], t.right[2])
	}
	slices.Sort(cpu)
	fmt.Fprintf(w, "\ncards found and flattened %d of %d; ReadMRZ CPU per still p50 %v p95 %v; load average after: %s\n", flatN, len(frames),
		cpu[len(cpu)/2].Round(time.Millisecond), cpu[min(len(cpu)-1, len(cpu)*95/100)].Round(time.Millisecond), loadavg())
	return nil
}

func pct(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return 100 * float64(a) / float64(b)
}

// selfies are the photos of an identity but the one on its card, from the photos'
// manifest (live photos of one face).
func selfies(photos string) (map[string][]string, error) {
	fh, err := os.Open(filepath.Join(photos, "manifest.csv"))
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, row := range rows[1:] {
		if len(row) < 4 || row[2] != "1" || row[3] != "live" {
			continue
		}
		c, ok := cardtest.CustomerOf(row[1])
		if !ok || c.Portrait == row[0] {
			continue
		}
		out[row[1]] = append(out[row[1]], row[0])
	}
	return out, nil
}

func jpegBytes(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes(), err
}

func benchMatch(w io.Writer, dir, photos string) error {
	frames, err := stills(dir)
	if err != nil {
		return err
	}
	others, err := selfies(photos)
	if err != nil {
		return err
	}
	e, err := inference.Open(inference.Options{Workers: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return fmt.Errorf("opening the face engine (make setup; ONNXRUNTIME_LIB): %w", err)
	}
	defer e.Close()
	a := sandbox.NewEngineAnalyzer(e, sandbox.EngineOptions{})
	ctx := context.Background()
	selfieBytes := map[string][]byte{}
	type sums struct {
		n, flatN, rightN              int
		raw, flat                     float64 // sums of similarity where both have a face
		both                          int
		rawMatch, flatMatch           int
		rawNoFace, flatNoFace         int
		rawSims, flatSims, delta      []float64
		rightBoth                     int     // pairs of a card found right with a face on both
		rightRaw, rightFlat           float64 // their similarity sums
		rightMatchRaw, rightMatchFlat int
	}
	all := &sums{}
	perCase := map[int]*sums{}
	fmt.Fprintf(w, "similarity of the customer's other photo (selfie) with the ID-1 still as sent (JPEG q85): the raw 1280x720 frame vs the card flattened (≤ %d px); sync/sandbox's Judge; threshold %.2f; load average before: %s\n",
		flatWidth, e.Thresholds().Match, loadavg())
	fmt.Fprintf(w, "  %-28s %-22s %7s %7s\n", "still", "selfie", "raw", "flat")
	for _, f := range frames {
		if f.Specimen == cardtest.SpecimenTD3 {
			continue // the specimen's person has no other photo
		}
		id := cardtest.SpecimenIdentity(f.Specimen)
		img, err := loadFrame(dir, f)
		if err != nil {
			return err
		}
		rawJPEG, err := jpegBytes(img)
		if err != nil {
			return err
		}
		var flatJPEG []byte
		flat, fd := flattened(img)
		right := f.FoundRight(fd)
		if flat != nil {
			if flatJPEG, err = jpegBytes(flat); err != nil {
				return err
			}
		}
		for _, sf := range others[id] {
			if selfieBytes[sf] == nil {
				if selfieBytes[sf], err = os.ReadFile(filepath.Join(photos, sf)); err != nil {
					return err
				}
			}
			judge := func(comp []byte) (sandbox.Verdict, error) {
				return a.Judge(ctx, sandbox.Inputs{Selfie: selfieBytes[sf], Comparison: comp, ComparisonType: job.Document})
			}
			rv, err := judge(rawJPEG)
			if err != nil {
				return fmt.Errorf("%s vs %s: %w", f.File, sf, err)
			}
			var fv sandbox.Verdict
			if flatJPEG != nil {
				if fv, err = judge(flatJPEG); err != nil {
					return fmt.Errorf("%s flattened vs %s: %w", f.File, sf, err)
				}
			}
			pc := perCase[caseOf(f)]
			if pc == nil {
				pc = &sums{}
				perCase[caseOf(f)] = pc
			}
			flatCol := "no card"
			if flatJPEG != nil {
				flatCol = sim(fv)
				if !right {
					flatCol += " (wrong quad)"
				}
			}
			fmt.Fprintf(w, "  %-28s %-22s %7s %s\n", f.File, sf, sim(rv), flatCol)
			for _, s := range []*sums{all, pc} {
				s.n++
				if rv.ComparisonFace {
					s.rawSims = append(s.rawSims, rv.Similarity)
					if rv.Match {
						s.rawMatch++
					}
				} else {
					s.rawNoFace++
				}
				if flatJPEG == nil {
					continue
				}
				s.flatN++
				if fv.ComparisonFace {
					s.flatSims = append(s.flatSims, fv.Similarity)
					if fv.Match {
						s.flatMatch++
					}
				} else {
					s.flatNoFace++
				}
				if right {
					s.rightN++
				}
				if right && rv.ComparisonFace && fv.ComparisonFace {
					s.rightBoth++
					s.rightRaw += rv.Similarity
					s.rightFlat += fv.Similarity
					if rv.Match {
						s.rightMatchRaw++
					}
					if fv.Match {
						s.rightMatchFlat++
					}
				}
				if rv.ComparisonFace && fv.ComparisonFace {
					s.both++
					s.raw += rv.Similarity
					s.flat += fv.Similarity
					s.delta = append(s.delta, fv.Similarity-rv.Similarity)
				}
			}
		}
	}
	line := func(name string, s *sums) {
		slices.Sort(s.delta)
		med := math.NaN()
		if len(s.delta) > 0 {
			med = s.delta[len(s.delta)/2]
		}
		fmt.Fprintf(w, "  %-26s pairs %2d | raw: face %2d, match %2d, mean %.4f | flattened: card %2d (right %2d), face %2d, match %2d, mean %.4f | both faces: %2d, mean %.4f → %.4f, median %+.4f | card right, both faces: %2d, mean %.4f → %.4f, matches %d → %d\n",
			name, s.n, s.n-s.rawNoFace, s.rawMatch, mean(s.rawSims), s.flatN, s.rightN, s.flatN-s.flatNoFace, s.flatMatch, mean(s.flatSims),
			s.both, s.raw/float64(max(s.both, 1)), s.flat/float64(max(s.both, 1)), med,
			s.rightBoth, s.rightRaw/float64(max(s.rightBoth, 1)), s.rightFlat/float64(max(s.rightBoth, 1)), s.rightMatchRaw, s.rightMatchFlat)
	}
	fmt.Fprintln(w, "\nsummary (similarity: mean over the pairs whose image has a face)")
	for c, name := range stillCase {
		if s := perCase[c]; s != nil {
			line(name, s)
		}
	}
	line("all stills", all)
	fmt.Fprintf(w, "load average after: %s\n", loadavg())
	return nil
}

func sim(v sandbox.Verdict) string {
	if !v.ComparisonFace {
		return "no face"
	}
	return fmt.Sprintf("%.4f", v.Similarity)
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
