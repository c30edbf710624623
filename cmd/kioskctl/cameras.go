package main

import (
	"encoding/json"
	"fmt"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"io"
	"strings"

	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/smartselfie/kiosk-agent/capture/v4l2"
)

func init() {
	register(&command{name: "cameras", summary: "list the V4L2 cameras: path, name, bus, formats, sizes, frame rates", run: runCameras})
}

func runCameras(g *globals, args []string) int {
	fs := g.newFlagSet("cameras", "[--json]")
	asJSON := fs.Bool("json", false, "print the cameras as JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	cfg, err := g.config()
	if err != nil {
		return g.errorf("cameras: %v", err)
	}
	cams, err := v4l2.List()
	if err != nil {
		return g.errorf("cameras: %v", err)
	}
	if cams == nil {
		cams = []v4l2.Camera{}
	}
	if *asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cams); err != nil {
			return g.errorf("cameras: %v", err)
		}
		return exitOK
	}
	if len(cams) == 0 {
		fmt.Fprintln(g.stdout, "no cameras found (no /dev/video* capture device): plug one in")
	}
	for _, c := range cams {
		if c.Name == "" {
			fmt.Fprintf(g.stdout, "%s  (cannot be opened: busy, or no permission: add the user to group \"video\")\n", c.Path)
			continue
		}
		fmt.Fprintf(g.stdout, "%s  %q  driver %s  bus %s\n", c.Path, c.Name, c.Driver, c.Bus)
		for _, f := range c.Formats {
			sizes := make([]string, 0, len(f.Sizes))
			for _, s := range f.Sizes {
				sz := fmt.Sprintf("%dx%d", s.Width, s.Height)
				if s.Stepwise {
					sz = "up to " + sz
				}
				if len(s.FPS) > 0 {
					sz += fmt.Sprintf("@%g", s.FPS[0])
				}
				sizes = append(sizes, sz)
			}
			fmt.Fprintf(g.stdout, "  %-4s %-24s %s\n", f.FourCC, f.Description, strings.Join(sizes, " "))
		}
	}
	printRoles(g.stdout, cams, parts.CameraConfig(cfg))
	return exitOK
}

// printRoles says which listed camera the config's selfie and document cameras are.
func printRoles(w io.Writer, cams []v4l2.Camera, c camera.Config) {
	role := func(what, key string, s camera.Settings) {
		cam, err := v4l2.Pick(cams, s)
		switch {
		case err == nil:
			fmt.Fprintf(w, "%s (%s: %s): %s %q\n", what, key, s.Describe(), cam.Path, cam.Name)
		case cam.Path != "":
			fmt.Fprintf(w, "%s (%s: %s): %s cannot be opened: it is busy, or add the user to group \"video\"\n", what, key, s.Describe(), cam.Path)
		default:
			fmt.Fprintf(w, "%s (%s: %s): not found: plug it in, or fix %s in the config\n", what, key, s.Describe(), key)
		}
	}
	fmt.Fprintln(w)
	role("selfie camera", "capture.selfie_camera", c.SelfieCamera)
	if d, ok := c.Document(); ok {
		role("document camera", "capture.document_camera", d)
	} else {
		fmt.Fprintln(w, "document camera: the selfie camera (capture.document_camera is not set)")
	}
}
