package ui_test

import (
	"testing"

	"fyne.io/fyne/v2"

	"github.com/smartselfie/kiosk-agent/ui"
)

func TestScaleFor(t *testing.T) {
	for _, tc := range []struct {
		w, h float32
		want float32
	}{
		{1024, 600, 1},
		{1920, 1080, 1.8},
		{1280, 800, 1.2},
		{1366, 768, 1.2},
		{800, 480, 1},   // smaller than the design: never under 1 (touch targets)
		{3840, 2160, 3}, // at most 3
		{1080, 1920, 1}, // portrait: the width decides
	} {
		if got := ui.ScaleFor(fyne.NewSize(tc.w, tc.h)); got != tc.want {
			t.Errorf("ScaleFor(%vx%v) = %v, want %v", tc.w, tc.h, got, tc.want)
		}
	}
}
