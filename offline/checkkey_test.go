package offline

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckDeviceKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, DeviceKeyFile)
	if err := CheckDeviceKey(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing key: %v, want fs.ErrNotExist", err)
	}
	q, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	q.Close()
	if err := CheckDeviceKey(path); err != nil {
		t.Fatalf("the key the queue made: %v", err)
	}
	good, _ := os.ReadFile(path)
	os.Chmod(path, 0o640)
	if err := CheckDeviceKey(path); !errors.Is(err, ErrDeviceKey) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("mode 0640: %v", err)
	}
	os.Chmod(path, 0o600)
	for name, content := range map[string]string{
		"not a key": "hello\n",
		"damaged":   "kiosk-agent device key v1\nAAAA\n",
	} {
		os.WriteFile(path, []byte(content), 0o600)
		err := CheckDeviceKey(path)
		if !errors.Is(err, ErrDeviceKey) {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(err.Error(), strings.TrimSpace(string(good[len(deviceKeyHeader):]))) {
			t.Fatalf("%s: the error holds the secret", name)
		}
	}
}
