package ui_test

import (
	"testing"

	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// TestAboutNamesTheKeyProtector: the about screen says, in the operator's language, what
// keeps the device keys, and warns when it is the plain file.
func TestAboutNamesTheKeyProtector(t *testing.T) {
	for _, c := range []struct {
		lang, protector, want string
	}{
		{"en", ui.ProtectorTPM2, "this kiosk's TPM 2.0"},
		{"fr", ui.ProtectorTPM2, "le TPM 2.0 de ce poste"},
		{"en", ui.ProtectorSystemdCreds, "a systemd credential of this kiosk"},
		{"fr", ui.ProtectorFile, "un fichier en clair : aucune protection si le disque est volé"},
		{"en", ui.ProtectorFile, "a plain file: not protected against disk theft"},
	} {
		t.Run(c.lang+"/"+c.protector, func(t *testing.T) {
			r := newRigWith(t, c.lang, func(d *ui.Deps) { d.About.KeyProtector = c.protector })
			r.signIn("Fatou Ndiaye", fake.SupervisorPIN)
			r.tap(ui.T("home.about"))
			if !r.has(c.want) || !r.has(ui.T("about.protector")) {
				t.Fatalf("the about screen does not say %q", c.want)
			}
		})
	}
}
