package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/parts"
)

func init() {
	register(&command{name: "analyze", summary: "detect faces, pose, quality and liveness in image files", run: runAnalyze})
}

// inferenceEngine opens the face-analysis engine from the merged config; the ONNX
// Runtime library comes from --onnxruntime-lib / onnxruntime_lib, then $ONNXRUNTIME_LIB,
// then beside the binary, then the packaged path.
func inferenceEngine(g *globals) (*inference.Engine, error) {
	c, err := g.config()
	if err != nil {
		return nil, err
	}
	return parts.OpenEngine(c, g.getenv, g.logger(c))
}

// analyzeFace and analyzeResult are the JSON shape of `kioskctl analyze --json`.
type analyzeFace struct {
	Box       [4]float64          `json:"box"`
	Score     float64             `json:"score"`
	Landmarks [5][2]float64       `json:"landmarks"`
	Pose      inference.Pose      `json:"pose"`
	Liveness  *inference.Liveness `json:"liveness,omitempty"`
}

type analyzeQuality struct {
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
}

type analyzeResult struct {
	Image   string         `json:"image"`
	Width   int            `json:"width"`
	Height  int            `json:"height"`
	Faces   []analyzeFace  `json:"faces"`
	Quality analyzeQuality `json:"quality"`
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func toAnalyzeResult(name string, a *inference.Analysis) analyzeResult {
	res := analyzeResult{Image: name, Width: a.Width, Height: a.Height, Faces: []analyzeFace{},
		Quality: analyzeQuality{OK: a.Quality.OK, Problems: []string{}}}
	for _, f := range a.Faces {
		af := analyzeFace{
			Box:   [4]float64{round2(f.Box.X1), round2(f.Box.Y1), round2(f.Box.X2), round2(f.Box.Y2)},
			Score: math.Round(f.Score*1e4) / 1e4,
			Pose:  inference.Pose{Yaw: round2(f.Pose.Yaw), Pitch: round2(f.Pose.Pitch), Roll: round2(f.Pose.Roll)},
		}
		for i, p := range f.Landmarks {
			af.Landmarks[i] = [2]float64{round2(p.X), round2(p.Y)}
		}
		if f.Liveness != nil {
			af.Liveness = &inference.Liveness{Score: math.Round(f.Liveness.Score*1e4) / 1e4, Live: f.Liveness.Live}
		}
		res.Faces = append(res.Faces, af)
	}
	for _, p := range a.Quality.Problems {
		res.Quality.Problems = append(res.Quality.Problems, p.Code)
	}
	return res
}

func runAnalyze(g *globals, args []string) int {
	fs := g.newFlagSet("analyze", "[--json] [--frame] [--liveness=false] IMAGE...")
	asJSON := fs.Bool("json", false, "print one JSON object per image (one per line)")
	frame := fs.Bool("frame", false, "treat the images as live camera frames (fixed 320x320 detector) instead of stills")
	liveness := fs.Bool("liveness", true, "judge passive liveness of every face")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	e, err := inferenceEngine(g)
	if err != nil {
		return g.errorf("analyze: %v", err)
	}
	defer e.Close()
	status := exitOK
	for _, path := range fs.Args() {
		img, err := inference.DecodeFile(path)
		if err != nil {
			status = g.errorf("analyze: %v", err)
			continue
		}
		a, err := e.Analyze(img, inference.AnalyzeOptions{Still: !*frame, Liveness: *liveness})
		if err != nil {
			status = g.errorf("analyze: %s: %v", path, err)
			continue
		}
		if *asJSON {
			b, err := json.Marshal(toAnalyzeResult(path, a))
			if err != nil {
				return g.errorf("analyze: %s: encoding JSON: %v", path, err)
			}
			fmt.Fprintf(g.stdout, "%s\n", b)
			continue
		}
		printAnalysis(g.stdout, path, a)
	}
	return status
}

func printAnalysis(w io.Writer, path string, a *inference.Analysis) {
	verdict := "OK"
	if !a.Quality.OK {
		verdict = "NOT OK"
	}
	fmt.Fprintf(w, "%s: %dx%d, %d face(s), quality %s\n", path, a.Width, a.Height, len(a.Faces), verdict)
	for i, f := range a.Faces {
		var live string
		if f.Liveness != nil {
			word := "live"
			if !f.Liveness.Live {
				word = "NOT live"
			}
			live = fmt.Sprintf(", %s (%.2f)", word, f.Liveness.Score)
		}
		fmt.Fprintf(w, "  face %d: box [%.0f %.0f %.0f %.0f] score %.2f, yaw %.0f° pitch %.0f° roll %.0f°%s\n",
			i+1, f.Box.X1, f.Box.Y1, f.Box.X2, f.Box.Y2, f.Score, f.Pose.Yaw, f.Pose.Pitch, f.Pose.Roll, live)
	}
	for _, p := range a.Quality.Problems {
		fmt.Fprintf(w, "  - %s: %s\n", p.Code, strings.TrimSpace(p.Message))
	}
}
