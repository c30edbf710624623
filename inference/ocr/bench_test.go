package ocr

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/smartselfie/kiosk-agent/inference"
)

// The specimen's zone: ICAO 9303's TD3 example, the truth of the labelled set.
var specimenZone = [2]string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

// td3Fields are the fields of a TD3 zone scored by the report: line, start, end.
var td3Fields = []struct {
	name         string
	line, lo, hi int
}{
	{"document code", 0, 0, 2},
	{"issuing state", 0, 2, 5},
	{"names", 0, 5, 44},
	{"document number", 1, 0, 9},
	{"nationality", 1, 10, 13},
	{"birth date", 1, 13, 19},
	{"sex", 1, 20, 21},
	{"expiry date", 1, 21, 27},
	{"personal number", 1, 28, 42},
}

// variant is one degraded capture of the specimen, made deterministically.
type variant struct {
	name string
	img  image.Image
}

// degradedSet builds the labelled set from the specimen: the passport page scaled to
// what a 1280x720 camera (page 1000 px wide) and a 640x480 one (page 560 and 440 px
// wide) give, each plain, blurred, JPEG-compressed, noisy, in low light and with a
// glare spot on the zone. The random noise is seeded: the set is the same every run.
func degradedSet(t testing.TB, src image.Image) []variant {
	var out []variant
	rng := rand.New(rand.NewPCG(22, 9303))
	for _, w := range []int{1000, 560, 440} {
		base := scaleTo(src, w)
		add := func(name string, img image.Image) {
			out = append(out, variant{fmt.Sprintf("%4d px %s", w, name), img})
		}
		add("plain", base)
		add("blur σ1", blur(base, 1))
		add("blur σ2", blur(base, 2))
		add("JPEG q30", jpegAt(t, base, 30))
		add("JPEG q12", jpegAt(t, base, 12))
		add("noise σ12", noise(base, 12, 1, rng))
		add("low light ×0.3 + noise σ6", noise(base, 6, 0.3, rng))
		add("glare spot on the zone", glare(base))
	}
	return out
}

func scaleTo(src image.Image, w int) *image.RGBA {
	b := src.Bounds()
	h := b.Dy() * w / b.Dx()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return dst
}

// blur is a separable Gaussian of the given sigma.
func blur(src *image.RGBA, sigma float64) *image.RGBA {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	b := src.Bounds()
	pass := func(in *image.RGBA, dx, dy int) *image.RGBA {
		out := image.NewRGBA(b)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				var c [3]float64
				for i, kv := range k {
					sx := min(max(x+(i-r)*dx, b.Min.X), b.Max.X-1)
					sy := min(max(y+(i-r)*dy, b.Min.Y), b.Max.Y-1)
					o := in.PixOffset(sx, sy)
					for j := 0; j < 3; j++ {
						c[j] += kv * float64(in.Pix[o+j])
					}
				}
				o := out.PixOffset(x, y)
				for j := 0; j < 3; j++ {
					out.Pix[o+j] = uint8(c[j] + 0.5)
				}
				out.Pix[o+3] = 255
			}
		}
		return out
	}
	return pass(pass(src, 1, 0), 0, 1)
}

func jpegAt(t testing.TB, src image.Image, q int) image.Image {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	img, err := inference.DecodeImage(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// noise scales the light by gain and adds Gaussian noise of the given sigma.
func noise(src *image.RGBA, sigma, gain float64, rng *rand.Rand) *image.RGBA {
	out := image.NewRGBA(src.Bounds())
	for i := 0; i < len(src.Pix); i += 4 {
		for j := 0; j < 3; j++ {
			v := float64(src.Pix[i+j])*gain + rng.NormFloat64()*sigma
			out.Pix[i+j] = uint8(math.Min(math.Max(v, 0), 255) + 0.5)
		}
		out.Pix[i+3] = 255
	}
	return out
}

// glare whitens a soft disc over the left half of the zone (the bottom 20 % of the
// page), as a ceiling light's reflection does: saturated in its middle, fading out.
func glare(src *image.RGBA) *image.RGBA {
	out := image.NewRGBA(src.Bounds())
	copy(out.Pix, src.Pix)
	b := src.Bounds()
	cx, cy := float64(b.Dx())*0.3, float64(b.Dy())*0.88
	rad := float64(b.Dx()) * 0.08
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy) / rad
			if d >= 1.6 {
				continue
			}
			a := 1.0
			if d > 0.6 {
				a = 1 - (d - 0.6)
			}
			o := out.PixOffset(x, y)
			for j := 0; j < 3; j++ {
				out.Pix[o+j] = uint8(float64(out.Pix[o+j])*(1-a) + 255*a + 0.5)
			}
		}
	}
	return out
}

// score counts the fields of a reading that equal the truth.
// It returns the names of the wrong ones.
func score(lines []string, hits []int) (wrong []string) {
	if len(lines) != 2 || len(lines[0]) != 44 || len(lines[1]) != 44 {
		return []string{"all"}
	}
	for i, f := range td3Fields {
		if lines[f.line][f.lo:f.hi] == specimenZone[f.line][f.lo:f.hi] {
			hits[i]++
		} else {
			wrong = append(wrong, f.name)
		}
	}
	return wrong
}

// checked reports whether a wrong field is one the check digits cover (line 2's number,
// dates and personal number, and through the composite their digits): a zone whose
// digits all hold with such a field wrong is a false reading.
func checked(wrong []string) bool {
	for _, w := range wrong {
		switch w {
		case "document number", "birth date", "expiry date", "personal number":
			return true
		}
	}
	return false
}

// cpuTime is the process's user + system time (the runtime's threads included): the
// work a call costs, whatever the machine's load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestMRZBenchReport prints the MRZ figures of `make bench` (scripts/bench.d/mrz.sh sets
// MRZ_BENCH=N timing iterations); skipped otherwise. It measures, not asserts: field
// accuracy over the degraded set as the OCR read it (each line fitted to 44 characters)
// and after mrz.Parse's check-digit repair, the zones whose check digits all hold, and
// any such zone that is wrong; then ReadMRZ's time on the captured still.
func TestMRZBenchReport(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MRZ_BENCH"))
	if n <= 0 {
		t.Skip("set MRZ_BENCH=iterations to print the MRZ benchmark report")
	}
	r := testReader(t)
	src, err := inference.DecodeFile(photo(t, "id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	set := degradedSet(t, src)
	raw := make([]int, len(td3Fields))
	fixed := make([]int, len(td3Fields))
	var found, valid, validWrong int
	fmt.Printf("load average before: %s\n", loadavg())
	fmt.Printf("%-38s %-6s %-6s %s\n", "variant", "zone", "valid", "fields right raw → repaired (wrong after repair)")
	for _, v := range set {
		res, err := r.ReadMRZ(v.img)
		rawHits := make([]int, len(td3Fields))
		fixHits := make([]int, len(td3Fields))
		zone, ok := "no", "-"
		var wrong []string
		if err == nil {
			found++
			zone = "yes"
			text := make([]string, len(res.Lines))
			for i, l := range res.Lines {
				text[i] = FitLength(l.Text, 44)
			}
			score(text, rawHits)
			wrong = score(res.Doc.Lines, fixHits)
			ok = "no"
			if res.Doc.Valid() {
				valid++
				ok = "yes"
				if checked(wrong) {
					validWrong++
					ok = "WRONG"
				}
			}
		}
		for i := range raw {
			raw[i] += rawHits[i]
			fixed[i] += fixHits[i]
		}
		fmt.Printf("%-38s %-6s %-6s %d → %d of %d %s\n", v.name, zone, ok, sum(rawHits), sum(fixHits), len(td3Fields), strings.Join(wrong, ", "))
	}
	fmt.Printf("\nzones found %d of %d; all check digits hold %d; of those with a check-digited field wrong %d\n", found, len(set), valid, validWrong)
	fmt.Printf("%-18s %12s %12s\n", "field accuracy", "OCR raw", "repaired")
	for i, f := range td3Fields {
		fmt.Printf("%-18s %11.1f%% %11.1f%%\n", f.name, 100*float64(raw[i])/float64(len(set)), 100*float64(fixed[i])/float64(len(set)))
	}
	fmt.Printf("%-18s %11.1f%% %11.1f%%\n", "all fields", 100*float64(sum(raw))/float64(len(set)*len(td3Fields)),
		100*float64(sum(fixed))/float64(len(set)*len(td3Fields)))

	// Time of ReadMRZ on the captured still: the specimen as it is (1334x880) and the
	// page as a 1280x720 camera gives it.
	for _, v := range []variant{{"specimen 1334x880", src}, {"1280x720 camera (page 1000 px)", set[0].img}} {
		var d, c []time.Duration
		for i := 0; i < n+2; i++ {
			s, cs := time.Now(), cpuTime()
			if _, err := r.ReadMRZ(v.img); err != nil {
				t.Fatalf("%s: %v", v.name, err)
			}
			if i >= 2 { // warm-up done
				d = append(d, time.Since(s))
				c = append(c, cpuTime()-cs)
			}
		}
		slices.Sort(d)
		slices.Sort(c)
		fmt.Printf("ReadMRZ %-32s wall p50 %v p95 %v, CPU p50 %v (n=%d)\n", v.name, d[len(d)/2].Round(time.Millisecond),
			d[min(len(d)-1, len(d)*95/100)].Round(time.Millisecond), c[len(c)/2].Round(time.Millisecond), len(d))
	}
	fmt.Printf("load average after: %s\n", loadavg())
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ") + fmt.Sprintf(" (%d CPUs)", runtime.NumCPU())
}

func sum(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}
