package shards

import (
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// bootMonotonic reads CLOCK_BOOTTIME, which counts suspend (a board that
// sleeps still lives through the time), and names the boot by the kernel's
// boot id.
type bootMonotonic struct{ boot string }

// systemMonotonic returns the kernel's boot clock. Without it or without a
// readable boot id (a restricted /proc), the process's own clock stands in
// and every start counts as a new boot: age then carries across restarts
// only as far as the wall clock can vouch for (ledger.go), never more.
func systemMonotonic() Monotonic {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	id := strings.TrimSpace(string(b))
	var ts unix.Timespec
	if err != nil || id == "" || unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) != nil {
		return newProcessMonotonic()
	}
	return bootMonotonic{boot: id}
}

func (m bootMonotonic) Now() (string, time.Duration) {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) // it answered once: it always does
	return m.boot, time.Duration(ts.Nano())
}

// systemSynced asks the kernel whether the wall clock is synchronized:
// adjtimex reports TIME_ERROR (STA_UNSYNC set) until an NTP client (chrony,
// ntpd, systemd-timesyncd) has set it. Where adjtimex cannot be asked,
// systemd-timesyncd's flag file answers.
func systemSynced() bool {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err == nil {
		return state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0
	}
	_, err = os.Stat("/run/systemd/timesync/synchronized")
	return err == nil
}
