package onnx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testLib is the runtime library the tests use (make setup fetches it).
func testLib(t *testing.T) string {
	t.Helper()
	p, err := FindLibrary("")
	if err != nil {
		t.Fatalf("run `make setup` and set %s: %v", EnvVar, err)
	}
	return p
}

func TestFindLibraryOrder(t *testing.T) {
	dir := t.TempDir()
	touch := func(p string) string {
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o600)
		return p
	}
	flagLib := touch(filepath.Join(dir, "flag", LibraryName))
	envLib := touch(filepath.Join(dir, "env", LibraryName))
	exeDir := filepath.Join(dir, "bin")
	exeLib := touch(filepath.Join(exeDir, LibraryName))
	cases := []struct {
		name                 string
		flag, env, exe, want string
		err                  bool
	}{
		{"flag first", flagLib, envLib, exeDir, flagLib, false},
		{"then the environment", "", envLib, exeDir, envLib, false},
		{"then beside the binary", "", "", exeDir, exeLib, false},
		{"a folder as flag", filepath.Dir(flagLib), "", "", flagLib, false},
		{"missing flag path is an error", filepath.Join(dir, "nope.so"), envLib, exeDir, "", true},
		{"missing env path is an error", "", filepath.Join(dir, "nope.so"), exeDir, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := findLibrary(c.flag, c.env, c.exe)
			if c.err {
				if !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(err.Error(), "nope.so") || !strings.Contains(err.Error(), "make setup") {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("findLibrary = %q, %v; want %q", got, err, c.want)
			}
		})
	}
	if _, err := os.Stat(PackagedPath); err != nil {
		_, err := findLibrary("", "", filepath.Join(dir, "empty"))
		if !errors.Is(err, ErrLibraryNotFound) || !strings.Contains(err.Error(), PackagedPath) {
			t.Errorf("nothing anywhere: %v", err)
		}
	}
}

// identity.onnx would need a model file; the tests use the vendored MiniFASNet (80x80
// → 3 logits) through a relative path, as this package must not import models.
func miniFAS(t *testing.T) []byte {
	b, err := os.ReadFile(filepath.Join("..", "models", "2.7_80x80_MiniFASNetV2.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInitIdempotentAndSessions(t *testing.T) {
	lib := testLib(t)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Init(lib); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if !Initialized() || Version() == "" {
		t.Fatal("not initialised")
	}
	if err := Init(filepath.Join(t.TempDir(), LibraryName)); err == nil {
		t.Error("Init with another path succeeded")
	}

	s, err := NewSession("fas", miniFAS(t), []TensorSpec{{"input", []int64{1, 3, 80, 80}}}, []TensorSpec{{"output", []int64{1, 3}}}, SessionOptions{Pool: 2})
	if err != nil {
		t.Fatal(err)
	}
	// The same input gives the same output from every slot, concurrently.
	run := func(v float32) ([]float32, error) {
		var out []float32
		err := s.Do(func(sl *Slot) error {
			for i := range sl.In[0] {
				sl.In[0][i] = v
			}
			if err := sl.Run(); err != nil {
				return err
			}
			out = append(out, sl.Out[0]...)
			return nil
		})
		return out, err
	}
	ref, err := run(100)
	if err != nil || len(ref) != 3 {
		t.Fatalf("run: %v %v", ref, err)
	}
	other, _ := run(0)
	if other[0] == ref[0] && other[1] == ref[1] {
		t.Error("different inputs gave the same logits")
	}
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 5; k++ {
				got, err := run(100)
				if err != nil || got[0] != ref[0] || got[1] != ref[1] || got[2] != ref[2] {
					t.Errorf("concurrent run: %v %v, want %v", got, err, ref)
					return
				}
			}
		}()
	}
	wg.Wait()
	s.Close()
	s.Close()
	if _, err := run(1); !errors.Is(err, ErrClosed) {
		t.Errorf("run after Close: %v", err)
	}

	d, err := NewDynamicSession("fas-dyn", miniFAS(t), "input", []string{"output"}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := make([]float32, 3*80*80)
	for i := range in {
		in[i] = 100
	}
	outs, err := d.Run([]int64{1, 3, 80, 80}, in)
	if err != nil || len(outs) != 1 || len(outs[0].Data) != 3 || outs[0].Data[0] != ref[0] {
		t.Errorf("dynamic run: %+v %v, want %v", outs, err, ref)
	}
	if _, err := d.Run([]int64{1, 3, 81, 80}, make([]float32, 3*81*80)); err == nil {
		t.Error("wrong input shape accepted")
	}
	// RunFunc hands over the same outputs uncopied, and returns the callback's error
	called := false
	err = d.RunFunc([]int64{1, 3, 80, 80}, in, func(o []Output) error {
		called = true
		if len(o) != 1 || len(o[0].Data) != 3 || o[0].Data[0] != ref[0] || len(o[0].Shape) != 2 || o[0].Shape[1] != 3 {
			t.Errorf("RunFunc outputs %+v, want %v", o, ref)
		}
		return nil
	})
	if err != nil || !called {
		t.Errorf("RunFunc: %v (callback called %v)", err, called)
	}
	stop := errors.New("stop")
	if err := d.RunFunc([]int64{1, 3, 80, 80}, in, func([]Output) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("RunFunc's callback error: %v", err)
	}
	d.Close()
	if err := d.RunFunc([]int64{1, 3, 80, 80}, in, func([]Output) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("RunFunc after Close: %v", err)
	}
	if _, err := d.Run([]int64{1, 3, 80, 80}, in); !errors.Is(err, ErrClosed) {
		t.Errorf("dynamic run after Close: %v", err)
	}

	if _, err := NewSession("bad", []byte("not a model"), []TensorSpec{{"input", []int64{1}}}, []TensorSpec{{"output", []int64{1}}}, SessionOptions{}); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("damaged model: %v", err)
	}
}
