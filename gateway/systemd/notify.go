// Package systemd speaks the sd_notify protocol: a datagram of KEY=VALUE lines
// to the unix socket named by $NOTIFY_SOCKET. It needs no dependency, and does
// nothing when the gateway is not run by systemd.
package systemd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Notifier sends state changes to the service manager.
type Notifier struct {
	addr *net.UnixAddr // nil: not under systemd
}

// FromEnv returns a notifier for $NOTIFY_SOCKET (an abstract socket when it
// starts with '@'), or a no-op one when it is unset.
func FromEnv() *Notifier {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return &Notifier{}
	}
	if path[0] == '@' {
		path = "\x00" + path[1:]
	}
	return &Notifier{addr: &net.UnixAddr{Name: path, Net: "unixgram"}}
}

// Enabled reports whether a service manager is listening.
func (n *Notifier) Enabled() bool { return n.addr != nil }

// Notify sends one state message, e.g. "READY=1".
func (n *Notifier) Notify(state string) error {
	if n.addr == nil {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("systemd: notify %q: %w", state, err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("systemd: notify %q: %w", state, err)
	}
	return nil
}

// Ready tells systemd the service is up (Type=notify units wait for it).
func (n *Notifier) Ready() error { return n.Notify("READY=1") }

// Reloading and Stopping report lifecycle changes; Status sets the line
// `systemctl status` shows.
func (n *Notifier) Reloading() error {
	return n.Notify("RELOADING=1\nMONOTONIC_USEC=" + strconv.FormatInt(monotonicUsec(), 10))
}
func (n *Notifier) Stopping() error          { return n.Notify("STOPPING=1") }
func (n *Notifier) Status(text string) error { return n.Notify("STATUS=" + text) }

// Watchdog pets the watchdog; call it at least every WatchdogInterval.
func (n *Notifier) Watchdog() error { return n.Notify("WATCHDOG=1") }

// WatchdogInterval returns half the interval systemd expects pings at
// ($WATCHDOG_USEC, for this process per $WATCHDOG_PID), or 0 when the
// watchdog is off.
func WatchdogInterval() (time.Duration, error) {
	usec := os.Getenv("WATCHDOG_USEC")
	if usec == "" {
		return 0, nil
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, nil
	}
	v, err := strconv.ParseInt(usec, 10, 64)
	if err != nil || v <= 0 {
		return 0, errors.New("systemd: WATCHDOG_USEC is not a positive integer")
	}
	return time.Duration(v) * time.Microsecond / 2, nil
}
