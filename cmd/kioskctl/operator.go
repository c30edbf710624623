package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
)

func init() {
	register(&command{name: "operator", summary: "kiosk operators: add | list | unlock | disable | enable | reset-pin (root or group " + adminGroup + ")", run: runOperator})
}

// adminGroup is the group whose members may manage operators without being root.
const adminGroup = "kiosk-admin"

// What the operator commands read and check; tests replace them.
var (
	// operatorStdin is where the PIN is read from.
	operatorStdin io.Reader = os.Stdin
	// operatorIdentity returns the effective uid and every group of this process.
	operatorIdentity = func() (euid int, groups []int, err error) {
		gs, err := os.Getgroups()
		if err != nil {
			return 0, nil, err
		}
		return os.Geteuid(), append(gs, os.Getegid()), nil
	}
	lookupGroup = user.LookupGroup
	// operatorOptions are the store's options (tests use cheaper PIN hashing).
	operatorOptions offline.OperatorOptions
)

const operatorUsage = `add [--role operator|supervisor] [--name NAME] [--pin-stdin] ID
       kioskctl operator list [--json]
       kioskctl operator unlock ID
       kioskctl operator disable ID
       kioskctl operator enable ID
       kioskctl operator reset-pin [--pin-stdin] ID

The PIN (6 to 12 digits) is asked on the terminal, twice, without echo; a script pipes
it on standard input with --pin-stdin. It is never a flag value (others see those in ps).
Run as root, as a member of the group ` + adminGroup + ` or as the owner of the data folder. While
the kiosk runs it holds the queue database where operators are kept: the command then goes
through its local API (local_api.socket), which takes operator changes from root, the
kiosk's user and its admin group (local_api.admin_group) only; a supervisor's PIN is not
enough (a supervisor does the same from the kiosk's settings, Operators).`

func runOperator(g *globals, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(g.stderr, "usage: kioskctl operator %s\n", operatorUsage)
		return exitUsage
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "add", "list", "unlock", "disable", "enable", "reset-pin":
	default:
		fmt.Fprintf(g.stderr, "kioskctl operator: unknown sub-command %q\nusage: kioskctl operator %s\n", sub, operatorUsage)
		return exitUsage
	}
	fs := g.newFlagSet("operator "+sub, "")
	role := fs.String("role", "operator", "operator or supervisor (add)")
	name := fs.String("name", "", "name shown on the sign-in screen (add)")
	pinStdin := fs.Bool("pin-stdin", false, "read the PIN from the first line of standard input (add, reset-pin)")
	asJSON := fs.Bool("json", false, "print JSON (list)")
	nIDs := 1
	if sub == "list" {
		nIDs = 0
	}
	id, ok := queueArgs(g, fs, args, nIDs, nIDs)
	if !ok {
		return exitUsage
	}
	r, err := offline.ParseRole(*role)
	if err != nil {
		fmt.Fprintf(g.stderr, "kioskctl operator %s: %v\n", sub, err)
		return exitUsage
	}
	c, err := g.config()
	if err != nil {
		return g.errorf("operator %s: %v", sub, err)
	}
	kiosk, err := dialKiosk(g, c)
	if err != nil {
		return g.errorf("operator %s: %v", sub, err)
	}
	if kiosk != nil {
		// The kiosk holds the queue database: it makes the change, if the caller is
		// an administrator by credentials (root, its user, the admin group).
		defer kiosk.Close()
		return operatorThroughKiosk(g, kiosk, sub, id, *name, r, *pinStdin, *asJSON)
	}
	if err := checkAdmin(c.DataDir); err != nil {
		return g.errorf("operator %s: %v", sub, err)
	}
	var pin string
	if sub == "add" || sub == "reset-pin" {
		if pin, err = readPIN(g, id, *pinStdin, true); err != nil {
			return g.errorf("operator %s: %v", sub, err)
		}
	}
	q, err := openQueue(g)
	if err != nil {
		if errors.Is(err, offline.ErrLocked) {
			err = fmt.Errorf("%w (operators are kept in the queue database: stop the kiosk, e.g. systemctl stop kiosk-agent, then try again)", err)
		}
		return g.errorf("operator %s: %v", sub, err)
	}
	defer q.Close()
	ops := q.Operators(operatorOptions)
	by := "kioskctl: " + localapi.ProcessActor().String()
	var o offline.Operator
	switch sub {
	case "list":
		return operatorList(g, ops.List, *asJSON, q.Path())
	case "add":
		o, err = ops.Add(offline.NewOperator{ID: id, Name: *name, Role: r, PIN: pin, By: by})
	case "unlock":
		o, err = ops.Unlock(id, by)
	case "disable":
		o, err = ops.Disable(id, by)
	case "enable":
		o, err = ops.Enable(id, by)
	case "reset-pin":
		o, err = ops.ResetPIN(id, pin, by)
	}
	return operatorDone(g, sub, o, err)
}

// operatorThroughKiosk makes the change through the running kiosk's local API.
func operatorThroughKiosk(g *globals, k *localapi.Client, sub, id, name string, r offline.Role, pinStdin, asJSON bool) int {
	ctx := context.Background()
	if sub == "list" {
		return operatorList(g, func() ([]offline.Operator, error) { return k.Operators(ctx) }, asJSON, "the running kiosk")
	}
	var pin string
	var err error
	if sub == "add" || sub == "reset-pin" {
		if pin, err = readPIN(g, id, pinStdin, true); err != nil {
			return g.errorf("operator %s: %v", sub, err)
		}
	}
	var o offline.Operator
	if sub == "add" {
		o, err = k.AddOperator(ctx, localapi.AddOperatorRequest{ID: id, Name: name, Role: string(r), PIN: pin})
	} else {
		o, err = k.ChangeOperator(ctx, id, sub, pin)
	}
	return operatorDone(g, sub, o, err)
}

// operatorDone prints what a change did, or its error.
func operatorDone(g *globals, sub string, o offline.Operator, err error) int {
	if err != nil {
		return g.errorf("operator %s: %v", sub, err)
	}
	switch sub {
	case "add":
		fmt.Fprintf(g.stdout, "operator %s added as %s\n", o.ID, o.Role)
	case "disable":
		fmt.Fprintf(g.stdout, "operator %s disabled: they can no longer sign in\n", o.ID)
	case "enable":
		fmt.Fprintf(g.stdout, "operator %s enabled\n", o.ID)
	case "reset-pin":
		fmt.Fprintf(g.stdout, "operator %s has a new PIN; any lock is lifted\n", o.ID)
	case "unlock":
		fmt.Fprintf(g.stdout, "operator %s unlocked: they sign in with the same PIN\n", o.ID)
	}
	return exitOK
}

func operatorList(g *globals, list func() ([]offline.Operator, error), asJSON bool, where string) int {
	l, err := list()
	if err != nil {
		return g.errorf("operator list: %v", err)
	}
	if asJSON {
		if l == nil {
			l = []offline.Operator{}
		}
		if err := queueJSON(g.stdout, map[string]any{"operators": l}); err != nil {
			return g.errorf("operator list: %v", err)
		}
		return exitOK
	}
	if len(l) == 0 {
		fmt.Fprintf(g.stdout, "no operators in %s; add one with: kioskctl operator add ID\n", where)
		return exitOK
	}
	el := clock.ElapsedOf(clock.Real{})
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tSTATE\tLAST SIGN-IN")
	for _, o := range l {
		state := "active"
		switch left := o.LockLeft(el); {
		case o.Disabled:
			state = "disabled"
		case left > 0:
			state = "locked " + left.Round(time.Second).String()
		}
		last := "never"
		if !o.LastSignIn.IsZero() {
			last = o.LastSignIn.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.ID, o.Name, o.Role, state, last)
	}
	tw.Flush()
	return exitOK
}

// checkAdmin refuses a caller who is neither root, nor in adminGroup, nor the owner of
// the data folder (who may change its files anyway: a demo's or a developer's kiosk,
// make demo). The files' modes (data dir 0700) are the real barrier; this says clearly
// what is needed.
func checkAdmin(dataDir string) error {
	euid, groups, err := operatorIdentity()
	if err != nil {
		return fmt.Errorf("checking who runs kioskctl: %w", err)
	}
	if euid == 0 {
		return nil
	}
	var st unix.Stat_t
	if dataDir != "" && unix.Stat(dataDir, &st) == nil && int(st.Uid) == euid {
		return nil
	}
	gr, err := lookupGroup(adminGroup)
	if err == nil {
		if gid, err := strconv.Atoi(gr.Gid); err == nil && slices.Contains(groups, gid) {
			return nil
		}
	}
	return fmt.Errorf("only root, a member of the group %s or the owner of %s may manage operators: run it with sudo", adminGroup, dataDir)
}

// readPIN reads a PIN from the first line of stdin (--pin-stdin), or asks for it on
// the terminal without echo: a new PIN (isNew) twice, and checked against the PIN
// rules; an existing one (a supervisor's, checked by whoever holds the hashes) once.
func readPIN(g *globals, id string, fromStdin, isNew bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(operatorStdin, 256)).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", fmt.Errorf("reading the PIN from standard input: nothing came (pipe it: echo \"$PIN\" | kioskctl ... --pin-stdin)")
		}
		pin := strings.TrimRight(line, "\r\n")
		if !isNew {
			return pin, nil
		}
		return pin, offline.ValidatePIN(pin)
	}
	f, ok := operatorStdin.(*os.File)
	if !ok {
		return "", errors.New("the PIN is asked on a terminal; a script pipes it with --pin-stdin")
	}
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", errors.New("standard input is not a terminal: pipe the PIN with --pin-stdin")
	}
	noEcho := *old
	noEcho.Lflag &^= unix.ECHO
	noEcho.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &noEcho); err != nil {
		return "", fmt.Errorf("turning off the terminal's echo: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	r := bufio.NewReader(f)
	ask := func(prompt string) (string, error) {
		fmt.Fprint(g.stderr, prompt)
		line, err := r.ReadString('\n')
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the PIN: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if !isNew {
		return ask(fmt.Sprintf("PIN of supervisor %s: ", id))
	}
	pin, err := ask(fmt.Sprintf("New PIN for %s (%d to %d digits): ", id, offline.MinPINLength, offline.MaxPINLength))
	if err != nil {
		return "", err
	}
	if err := offline.ValidatePIN(pin); err != nil {
		return "", err
	}
	again, err := ask("Repeat the PIN: ")
	if err != nil {
		return "", err
	}
	if again != pin {
		return "", errors.New("the two PINs differ; nothing was changed")
	}
	return pin, nil
}
