package main

// supervisor.go: who makes a change to the queue. Through the running kiosk, the kiosk
// decides from the socket's credentials (root, the admin group and the kiosk's user
// change things; the socket's group only reads) and checks a supervisor's PIN itself.
// On the queue file, kioskctl records its own real uid (never SUDO_USER) and checks the
// PIN against the file's operator store. A name typed on the command line is never
// recorded unless its PIN was checked.

import (
	"context"
	"flag"
	"fmt"

	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
)

// supervisorFlags are --operator-id and --pin-stdin of the commands that change things.
type supervisorFlags struct {
	id       *string
	pinStdin *bool
}

func addSupervisorFlags(fs *flag.FlagSet) supervisorFlags {
	return supervisorFlags{
		id:       fs.String("operator-id", "", "a supervisor who authorizes the change with their PIN (asked on the terminal, or --pin-stdin); needed when you are neither root nor in the admin group"),
		pinStdin: fs.Bool("pin-stdin", false, "read the supervisor's PIN from the first line of standard input (with --operator-id)"),
	}
}

// actAs returns the context of a change (what) with who makes it: with --operator-id,
// the supervisor's PIN is read and sent to the kiosk (which checks it), or checked
// against the queue file's operators.
func (b backend) actAs(g *globals, sf supervisorFlags, what string) (context.Context, error) {
	ctx := b.ctx
	if *sf.id == "" {
		if *sf.pinStdin {
			return nil, fmt.Errorf("--pin-stdin needs --operator-id: whose PIN is it?")
		}
		return ctx, nil
	}
	pin, err := readPIN(g, *sf.id, *sf.pinStdin, false)
	if err != nil {
		return nil, err
	}
	if b.client != nil {
		b.client.Supervisor(*sf.id, pin)
		return ctx, nil
	}
	a, _ := localapi.ActorFrom(ctx)
	op, err := b.q.Operators(operatorOptions).Authorize(*sf.id, pin, offline.RoleSupervisor, "kioskctl "+what+" for "+a.String())
	if err != nil {
		return nil, err
	}
	a.Operator = op.ID
	return localapi.WithActor(ctx, a), nil
}
