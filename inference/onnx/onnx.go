package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// LibraryName is the file name of the ONNX Runtime shared library.
const LibraryName = "libonnxruntime.so.1"

// PackagedPath is where the .deb package installs the library.
const PackagedPath = "/usr/lib/kiosk-agent/" + LibraryName

// EnvVar names the environment variable that may point at the library.
const EnvVar = "ONNXRUNTIME_LIB"

var (
	// ErrLibraryNotFound means no ONNX Runtime library was found at any of the places
	// searched; the message says how to get it.
	ErrLibraryNotFound = errors.New("ONNX Runtime library not found: run `make setup` (or scripts/fetch-ort.sh) " +
		"and set ONNXRUNTIME_LIB or --onnxruntime-lib to .cache/ort/<arch>/" + LibraryName +
		", or install the kiosk-agent package (" + PackagedPath + ")")
	// ErrNotInitialized means a session was created before Init succeeded.
	ErrNotInitialized = errors.New("ONNX Runtime is not initialised (call onnx.Init first)")
	// ErrClosed means the session was closed.
	ErrClosed = errors.New("onnx session is closed")
)

// FindLibrary returns the path of libonnxruntime.so.1: flagPath if not empty, else
// $ONNXRUNTIME_LIB, else the file beside the running executable, else PackagedPath.
// A path that is given (flag or environment) but missing is an error naming it.
func FindLibrary(flagPath string) (string, error) {
	return findLibrary(flagPath, os.Getenv(EnvVar), executableDir())
}

func executableDir() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	return filepath.Dir(exe)
}

func findLibrary(flagPath, envPath, exeDir string) (string, error) {
	check := func(p, from string) (string, error) {
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("finding ONNX Runtime: %s names %s: %w; %w", from, p, err, ErrLibraryNotFound)
		}
		if st.IsDir() {
			p = filepath.Join(p, LibraryName)
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("finding ONNX Runtime: %s names a folder without %s: %w", from, LibraryName, ErrLibraryNotFound)
			}
		}
		return p, nil
	}
	if flagPath != "" {
		return check(flagPath, "--onnxruntime-lib")
	}
	if envPath != "" {
		return check(envPath, "$"+EnvVar)
	}
	var tried []string
	if exeDir != "" {
		p := filepath.Join(exeDir, LibraryName)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	if _, err := os.Stat(PackagedPath); err == nil {
		return PackagedPath, nil
	}
	tried = append(tried, PackagedPath)
	return "", fmt.Errorf("finding ONNX Runtime (no flag, no $%s; tried %v): %w", EnvVar, tried, ErrLibraryNotFound)
}

var (
	initMu   sync.Mutex
	initPath string
)

// Init loads the library at libPath and creates the process's one runtime environment.
// It is idempotent and safe to call from several goroutines; a second call with a
// different path fails, since a process can load only one runtime.
func Init(libPath string) error {
	initMu.Lock()
	defer initMu.Unlock()
	if ort.IsInitialized() {
		if initPath != "" && libPath != "" && filepath.Clean(libPath) != filepath.Clean(initPath) {
			return fmt.Errorf("initialising ONNX Runtime from %s: already initialised from %s", libPath, initPath)
		}
		return nil
	}
	if libPath == "" {
		return fmt.Errorf("initialising ONNX Runtime: %w", ErrLibraryNotFound)
	}
	if _, err := os.Stat(libPath); err != nil {
		return fmt.Errorf("initialising ONNX Runtime: %w; %w", err, ErrLibraryNotFound)
	}
	ort.SetSharedLibraryPath(libPath)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("initialising ONNX Runtime from %s (is it the 1.24 library for this CPU?): %w", libPath, err)
	}
	_ = ort.DisableTelemetry()
	initPath = libPath
	return nil
}

// Initialized reports whether Init has succeeded.
func Initialized() bool {
	initMu.Lock()
	defer initMu.Unlock()
	return ort.IsInitialized()
}

// Version returns the runtime's version string ("" before Init).
func Version() string {
	if !Initialized() {
		return ""
	}
	return ort.GetVersion()
}

// SessionOptions tunes a session. The zero value is usable: one instance, one thread.
type SessionOptions struct {
	// Pool is how many runs may proceed at once (each instance owns its tensors); 0 → 1.
	Pool int
	// IntraOpThreads is the runtime's thread count inside one run; 0 → 1.
	IntraOpThreads int
	// Spin lets the runtime's worker threads busy-wait between operators (a little
	// faster, but burns CPU that other work on a 2-core kiosk needs). Default off.
	Spin bool
}

func (o SessionOptions) pool() int {
	if o.Pool <= 0 {
		return 1
	}
	return o.Pool
}

func newOrtOptions(o SessionOptions) (*ort.SessionOptions, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	threads := o.IntraOpThreads
	if threads <= 0 {
		threads = 1
	}
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		so.Destroy()
		return nil, err
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		so.Destroy()
		return nil, err
	}
	if !o.Spin {
		if err := so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
			so.Destroy()
			return nil, err
		}
	}
	return so, nil
}

// TensorSpec names one float32 input or output of a model and its fixed shape.
type TensorSpec struct {
	Name  string
	Shape []int64
}

// Slot is one runtime session with its own tensors. In and Out are the tensors' data,
// in the order of the specs given to NewSession; fill In, call Run, read Out.
type Slot struct {
	In, Out [][]float32
	sess    *ort.AdvancedSession
	tensors []*ort.Tensor[float32]
}

// Run runs the model on In, writing Out.
func (sl *Slot) Run() error { return sl.sess.Run() }

func (sl *Slot) destroy() {
	if sl.sess != nil {
		sl.sess.Destroy()
	}
	for _, t := range sl.tensors {
		t.Destroy()
	}
}

// Session is a pool of runtime sessions of one fixed-shape model.
type Session struct {
	name  string
	slots chan *Slot
	all   []*Slot
	done  chan struct{}
	once  sync.Once
}

// NewSession creates o.Pool runtime sessions of the model, each with pre-allocated
// tensors of the given shapes. name is used in errors.
func NewSession(name string, model []byte, inputs, outputs []TensorSpec, o SessionOptions) (*Session, error) {
	if !Initialized() {
		return nil, fmt.Errorf("creating session %s: %w", name, ErrNotInitialized)
	}
	so, err := newOrtOptions(o)
	if err != nil {
		return nil, fmt.Errorf("creating session %s: options: %w", name, err)
	}
	defer so.Destroy()
	s := &Session{name: name, slots: make(chan *Slot, o.pool()), done: make(chan struct{})}
	inNames, outNames := specNames(inputs), specNames(outputs)
	for i := 0; i < o.pool(); i++ {
		sl := &Slot{}
		var inV, outV []ort.Value
		for _, g := range []struct {
			kind   string
			specs  []TensorSpec
			data   *[][]float32
			values *[]ort.Value
		}{{"input", inputs, &sl.In, &inV}, {"output", outputs, &sl.Out, &outV}} {
			for _, sp := range g.specs {
				t, err := ort.NewEmptyTensor[float32](ort.NewShape(sp.Shape...))
				if err != nil {
					sl.destroy()
					s.destroyAll()
					return nil, fmt.Errorf("creating session %s: %s %s: %w", name, g.kind, sp.Name, err)
				}
				sl.tensors = append(sl.tensors, t)
				*g.data = append(*g.data, t.GetData())
				*g.values = append(*g.values, t)
			}
		}
		sess, err := ort.NewAdvancedSessionWithONNXData(model, inNames, outNames, inV, outV, so)
		if err != nil {
			sl.destroy()
			s.destroyAll()
			return nil, fmt.Errorf("creating session %s (damaged model?): %w", name, err)
		}
		sl.sess = sess
		s.all = append(s.all, sl)
		s.slots <- sl
	}
	return s, nil
}

func specNames(specs []TensorSpec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}

// Do takes a free slot (waiting if all are busy), calls fn with it, and gives it back.
// The slot's slices must not be kept after fn returns.
func (s *Session) Do(fn func(sl *Slot) error) error {
	var sl *Slot
	select {
	case <-s.done:
		return fmt.Errorf("running %s: %w", s.name, ErrClosed)
	case sl = <-s.slots:
	}
	defer func() { s.slots <- sl }()
	select {
	case <-s.done:
		return fmt.Errorf("running %s: %w", s.name, ErrClosed)
	default:
	}
	return fn(sl)
}

// Close waits for runs in progress and frees every runtime session and tensor.
func (s *Session) Close() error {
	s.once.Do(func() {
		close(s.done)
		for range s.all {
			<-s.slots
		}
		s.destroyAll()
	})
	return nil
}

func (s *Session) destroyAll() {
	for _, sl := range s.all {
		sl.destroy()
	}
	s.all = nil
}

// DynamicSession runs a model whose input shape changes from call to call (one float32
// input). Its Run is safe for concurrent use.
type DynamicSession struct {
	name     string
	outNames []string
	mu       sync.RWMutex
	sess     *ort.DynamicAdvancedSession
}

// NewDynamicSession creates a session for a model with one float32 input.
func NewDynamicSession(name string, model []byte, input string, outputs []string, o SessionOptions) (*DynamicSession, error) {
	if !Initialized() {
		return nil, fmt.Errorf("creating session %s: %w", name, ErrNotInitialized)
	}
	so, err := newOrtOptions(o)
	if err != nil {
		return nil, fmt.Errorf("creating session %s: options: %w", name, err)
	}
	defer so.Destroy()
	sess, err := ort.NewDynamicAdvancedSessionWithONNXData(model, []string{input}, outputs, so)
	if err != nil {
		return nil, fmt.Errorf("creating session %s (damaged model?): %w", name, err)
	}
	return &DynamicSession{name: name, outNames: outputs, sess: sess}, nil
}

// Output is one output tensor of a dynamic run: a copy of its data and its shape.
type Output struct {
	Data  []float32
	Shape []int64
}

// Run runs the model on data (of the given shape) and returns copies of the outputs.
func (d *DynamicSession) Run(shape []int64, data []float32) ([]Output, error) {
	var res []Output
	err := d.RunFunc(shape, data, func(outs []Output) error {
		res = make([]Output, len(outs))
		for i, o := range outs {
			res[i] = Output{Data: append([]float32(nil), o.Data...), Shape: o.Shape}
		}
		return nil
	})
	return res, err
}

// RunFunc runs the model on data (of the given shape) and hands the outputs to use
// without copying them: their Data is the runtime's memory, valid only until use
// returns (a large output read once, such as a recognizer's scores over a big
// dictionary, is not copied). use's error is RunFunc's.
func (d *DynamicSession) RunFunc(shape []int64, data []float32, use func([]Output) error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.sess == nil {
		return fmt.Errorf("running %s: %w", d.name, ErrClosed)
	}
	in, err := ort.NewTensor(ort.NewShape(shape...), data)
	if err != nil {
		return fmt.Errorf("running %s: input tensor %v: %w", d.name, shape, err)
	}
	defer in.Destroy()
	outs := make([]ort.Value, len(d.outNames))
	if err := d.sess.Run([]ort.Value{in}, outs); err != nil {
		return fmt.Errorf("running %s on %v: %w", d.name, shape, err)
	}
	defer func() {
		for _, v := range outs {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	res := make([]Output, len(outs))
	for i, v := range outs {
		t, ok := v.(*ort.Tensor[float32])
		if !ok {
			return fmt.Errorf("running %s: output %s is not a float32 tensor", d.name, d.outNames[i])
		}
		res[i] = Output{Data: t.GetData(), Shape: append([]int64(nil), t.GetShape()...)}
	}
	return use(res)
}

// Close frees the session, waiting for runs in progress.
func (d *DynamicSession) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sess != nil {
		d.sess.Destroy()
		d.sess = nil
	}
	return nil
}
