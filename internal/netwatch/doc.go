// Package netwatch tells the kiosk when its network changes, from the kernel's own
// events rather than a poll: Watch subscribes to rtnetlink's link and address
// multicast groups (RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR), waits for a
// burst of events to settle (Options.Debounce, 1 s by default), and calls back with
// Online: whether an interface other than loopback is up, running, and holds a
// global unicast address.
//
// The app wires it to the sync engine, which probes the API at once instead of
// waiting out its backoff:
//
//	go netwatch.Watch(ctx, func(bool) { u.ConnectivityChanged() }, netwatch.Options{Logger: log})
//
// # Caveats
//
// "Online" here means the kiosk has a usable network, not that the compare API can be
// reached: only the uploader's probe knows that. Watch calls back after every burst,
// even when Online's answer did not change. It sees the network namespace of the
// process (of the thread that opens the socket). A lost event (the socket's buffer
// overran) counts as a change.
package netwatch
