package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/smartselfie/kiosk-agent/inference"
)

func init() {
	register(&command{name: "compare", summary: "compare the faces of two image files (similarity, match, identical)", run: runCompare})
}

type compareResult struct {
	Similarity float64 `json:"similarity"`
	Threshold  float64 `json:"threshold"`
	Match      bool    `json:"match"`
	Identical  bool    `json:"identical"`
}

type compareError struct {
	Error string `json:"error"`
	Side  string `json:"side,omitempty"` // "A" or "B"
}

func runCompare(g *globals, args []string) int {
	fs := g.newFlagSet("compare", "[--json] IMAGE_A IMAGE_B")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(g.stderr, "kioskctl compare: give exactly two images")
		fs.Usage()
		return exitUsage
	}
	paths := [2]string{fs.Arg(0), fs.Arg(1)}
	a, err := inference.DecodeFile(paths[0])
	if err != nil {
		return g.errorf("compare: %v", err)
	}
	b, err := inference.DecodeFile(paths[1])
	if err != nil {
		return g.errorf("compare: %v", err)
	}
	e, err := inferenceEngine(g)
	if err != nil {
		return g.errorf("compare: %v", err)
	}
	defer e.Close()
	c, err := e.Compare(a, b)
	if err != nil {
		var se *inference.SideError
		if errors.Is(err, inference.ErrNoFace) && errors.As(err, &se) {
			side, path := "A", paths[0]
			if se.Side == "B" {
				side, path = "B", paths[1]
			}
			msg := "no face in " + path
			if *asJSON {
				out, _ := json.Marshal(compareError{Error: msg, Side: side})
				fmt.Fprintf(g.stdout, "%s\n", out)
			}
			return g.errorf("compare: %s", msg)
		}
		return g.errorf("compare: %v", err)
	}
	res := compareResult{
		Similarity: math.Round(c.Similarity*1e4) / 1e4,
		Threshold:  c.Threshold,
		Match:      c.Match,
		Identical:  c.Identical,
	}
	if *asJSON {
		out, err := json.Marshal(res)
		if err != nil {
			return g.errorf("compare: encoding JSON: %v", err)
		}
		fmt.Fprintf(g.stdout, "%s\n", out)
		return exitOK
	}
	verdict := "NO MATCH"
	if c.Match {
		verdict = "MATCH"
	}
	fmt.Fprintf(g.stdout, "%s vs %s: similarity %.3f (threshold %.2f): %s\n", paths[0], paths[1], c.Similarity, c.Threshold, verdict)
	if c.Identical {
		fmt.Fprintln(g.stdout, "  the two images are the same picture (identical): the API would refuse them (0941)")
	}
	return exitOK
}
