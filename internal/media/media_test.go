package media

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
)

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte{0xFF, 0xD8}, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A stick full of photos: the listing stops at its cap (it used to walk on, on the UI
// goroutine), and says it stopped.
func TestScanStopsAtItsCap(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 300; i++ {
		touch(t, filepath.Join(root, fmt.Sprintf("id-%03d.jpg", i)))
	}
	files, err := Scan(context.Background(), []string{root}, Options{})
	if !errors.Is(err, ErrCapped) || len(files) != DefaultMax {
		t.Fatalf("%d files, %v; want %d and ErrCapped", len(files), err, DefaultMax)
	}
	// Entries of every kind count: a folder of 10 000 other files stops the walk too.
	junk := t.TempDir()
	for i := 0; i < 50; i++ {
		touch(t, filepath.Join(junk, fmt.Sprintf("note-%02d.txt", i)))
	}
	touch(t, filepath.Join(junk, "zz.jpg"))
	files, err = Scan(context.Background(), []string{junk}, Options{MaxEntries: 20})
	if !errors.Is(err, ErrCapped) || len(files) != 0 {
		t.Fatalf("%d files, %v; want none and ErrCapped", len(files), err)
	}
}

// The operator left the screen: the walk ends.
func TestScanCancelled(t *testing.T) {
	root := t.TempDir()
	touch(t, filepath.Join(root, "a.jpg"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if files, err := Scan(ctx, []string{root}, Options{}); !errors.Is(err, context.Canceled) || len(files) != 0 {
		t.Fatalf("cancelled scan: %v, %v", files, err)
	}
}

// Only regular image files, two levels down, no hidden ones; FIFOs and links left out.
func TestScanKeepsRegularImages(t *testing.T) {
	root := t.TempDir()
	touch(t, filepath.Join(root, "passport.JPG"))
	touch(t, filepath.Join(root, "id", "card.png"))
	touch(t, filepath.Join(root, "id", "2026", "deep.jpg"))
	touch(t, filepath.Join(root, "id", "2026", "12", "too-deep.jpg"))
	touch(t, filepath.Join(root, ".Trash", "old.jpg"))
	touch(t, filepath.Join(root, "notes.txt"))
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "link.jpg")); err != nil {
		t.Fatal(err)
	}
	files, err := Scan(context.Background(), []string{root, filepath.Join(root, "missing")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		rel, _ := filepath.Rel(root, f.Path)
		got = append(got, rel)
	}
	want := []string{"id/2026/deep.jpg", "id/card.png", "passport.JPG"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("listed %v, want %v", got, want)
	}
	if files[1].Name != "card.png" || files[1].Dir != "id" {
		t.Fatalf("file %+v", files[1])
	}
}

// Removable media are decided by the block device: a vfat /boot/efi on the internal
// NVMe disk is not a stick (every vfat mount used to be); an ext4 USB stick and a vfat
// one are, and so is a disk whose removable flag is 1. A fake /sys and mount table, laid
// out as the kernel lays them.
func TestRemovableMountsByDevice(t *testing.T) {
	sys := t.TempDir()
	dev := func(majmin, path, removable string) {
		full := filepath.Join(sys, "devices", path)
		if err := os.MkdirAll(full, 0o755); err != nil {
			t.Fatal(err)
		}
		if removable != "" {
			if err := os.WriteFile(filepath.Join(filepath.Dir(full), "removable"), []byte(removable+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		os.MkdirAll(filepath.Join(sys, "dev", "block"), 0o755)
		if err := os.Symlink(filepath.Join("..", "..", "devices", path), filepath.Join(sys, "dev", "block", majmin)); err != nil {
			t.Fatal(err)
		}
	}
	dev("259:1", "pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0n1/nvme0n1p1", "0")
	dev("259:2", "pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0n1/nvme0n1p2", "0")
	dev("8:1", "pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host0/target0:0:0/0:0:0:0/block/sda/sda1", "1")
	dev("8:17", "pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/host1/target1:0:0/1:0:0:0/block/sdb/sdb1", "0")
	dev("179:1", "platform/fe340000.mmc/mmc_host/mmc1/mmc1:aaaa/block/mmcblk1/mmcblk1p1", "1")
	mi := filepath.Join(t.TempDir(), "mountinfo")
	table := `26 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
27 26 259:1 / /boot/efi rw,relatime shared:2 - vfat /dev/nvme0n1p1 rw,fmask=0077
28 26 0:25 / /run rw,nosuid shared:3 - tmpfs tmpfs rw
40 26 8:1 / /media/kiosk/ID\040STICK rw,nosuid shared:40 - vfat /dev/sda1 rw
41 26 8:17 / /media/kiosk/backup rw,nosuid shared:41 - ext4 /dev/sdb1 rw
42 26 179:1 / /media/kiosk/SD rw,nosuid shared:42 - exfat /dev/mmcblk1p1 rw
43 26 259:1 / /mnt/efi-copy rw,relatime shared:43 - vfat /dev/nvme0n1p1 rw
`
	if err := os.WriteFile(mi, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	got := System{MountInfo: mi, Sys: sys}.RemovableMounts()
	want := []string{"/media/kiosk/ID STICK", "/media/kiosk/backup", "/media/kiosk/SD"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("removable mounts %q, want %q", got, want)
	}
	// This machine: its root file system is never a stick.
	for _, p := range (System{}).RemovableMounts() {
		if p == "/" || p == "/boot/efi" {
			t.Fatalf("this machine's %s counted as removable", p)
		}
	}
}
