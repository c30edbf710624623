package models

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// File names of the models (the same in the embedded copy and in a models folder).
const (
	YuNet320Name       = "yunet_n_320_320.onnx"
	YuNetDynamicName   = "yunet_n_dynamic.onnx"
	MiniFASNetV2Name   = "2.7_80x80_MiniFASNetV2.onnx"
	MiniFASNetV1SEName = "4_0_0_80x80_MiniFASNetV1SE.onnx"
	MobileFaceNetName  = "MobileFaceNet.onnx"
)

// SHA256 holds the expected digest of each model file (from PROVENANCE.md).
var SHA256 = map[string]string{
	YuNet320Name:       "81dbde155e982455488235acb8ec2dec5d647edf7cf7080d33e4abb69b93a0d2",
	YuNetDynamicName:   "104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12",
	MiniFASNetV2Name:   "4433e871ef03f6c4c13de1757e63dcd69db14b6d7d9cff2319cb274c0f6dbecb",
	MiniFASNetV1SEName: "a8e67ffbaf39fa74c3b2ed673b530fcfb2f47379d0f26a52b71c2fc6473ec20f",
	MobileFaceNetName:  "b7120c095d60094f28a4a54ba6a8bf51b297a6273fb40ef6350dfec1f63d9507",
}

var (
	// ErrMissing means a model file is not in the models folder.
	ErrMissing = errors.New("model file missing")
	// ErrDamaged means a model file's sha256 differs from the one committed here.
	ErrDamaged = errors.New("model file damaged (sha256 mismatch)")
)

//go:embed *.onnx
var embedded embed.FS

// Set is the bytes of every model the engine needs.
type Set struct {
	YuNet320       []byte // face detector, fixed 320x320 input (live frames)
	YuNetDynamic   []byte // face detector, dynamic input (stills)
	MiniFASNetV2   []byte // passive liveness, crop scale 2.7
	MiniFASNetV1SE []byte // passive liveness, crop scale 4.0
	MobileFaceNet  []byte // 128-d face embedding
}

// Load reads and checks every model, from dir, or from the built-in copies when dir is "".
func Load(dir string) (Set, error) {
	var fsys fs.FS = embedded
	where := "built-in models"
	if dir != "" {
		fsys = os.DirFS(dir)
		where = "models folder " + dir
	}
	var s Set
	var missing []string
	var errs []error
	for _, m := range []struct {
		name string
		dst  *[]byte
	}{
		{YuNet320Name, &s.YuNet320},
		{YuNetDynamicName, &s.YuNetDynamic},
		{MiniFASNetV2Name, &s.MiniFASNetV2},
		{MiniFASNetV1SEName, &s.MiniFASNetV1SE},
		{MobileFaceNetName, &s.MobileFaceNet},
	} {
		b, err := fs.ReadFile(fsys, m.name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing = append(missing, m.name)
			} else {
				errs = append(errs, fmt.Errorf("loading %s: %w", where, err))
			}
			continue
		}
		if err := Verify(m.name, b); err != nil {
			errs = append(errs, fmt.Errorf("loading %s: %w", where, err))
			continue
		}
		*m.dst = b
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("loading %s: %w: %s (copy them from inference/models, or leave models_dir empty for the built-in copies)",
			where, ErrMissing, strings.Join(missing, ", ")))
	}
	if len(errs) > 0 {
		return Set{}, oneLine(errs)
	}
	return s, nil
}

// oneLine joins errors on one line ("; "), keeping errors.Is for each.
type oneLine []error

func (e oneLine) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e oneLine) Unwrap() []error { return e }

// Verify checks b against the committed sha256 of the model file name.
func Verify(name string, b []byte) error {
	want, ok := SHA256[name]
	if !ok {
		return fmt.Errorf("verifying %s: not a model this agent knows", name)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("%s: %w: got %s…, want %s… (restore the file from the release or inference/models)",
			name, ErrDamaged, got[:12], want[:12])
	}
	return nil
}
