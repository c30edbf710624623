package replay

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture"
)

// procStatusMB reads a field of /proc/self/status (VmRSS, VmHWM) in MB.
func procStatusMB(b *testing.B, field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// BenchmarkReplayFolderMemory: the reported attack, a replay_dir of 40 photos of
// about 16 MB (noise, 12 megapixels), which once took the kiosk's RSS to 2.26 GB and
// rising (every image decoded up front, at full size). It reports the process's RSS
// before Open, its peak (VmHWM) over Open and a loop through the folder, and the RSS
// after. Run: go test -run '^$' -bench ReplayFolderMemory -benchtime 1x ./capture/replay
func BenchmarkReplayFolderMemory(b *testing.B) {
	dir := b.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	data, err := capture.Encode(img, 0, 100)
	if err != nil {
		b.Fatal(err)
	}
	img = nil
	for i := 0; i < 40; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.jpg", i)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("40 photos of %.1f MB", float64(len(data))/(1<<20))
	data = nil
	runtime.GC()
	before := procStatusMB(b, "VmRSS")
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		src, err := Open([]string{dir}, Options{FPS: -1})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 40; i++ {
			if _, err := src.Next(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		src.Close()
	}
	b.StopTimer()
	runtime.GC()
	b.ReportMetric(before, "MB-RSS-before")
	b.ReportMetric(procStatusMB(b, "VmHWM"), "MB-RSS-peak")
	b.ReportMetric(procStatusMB(b, "VmRSS"), "MB-RSS-after")
}
