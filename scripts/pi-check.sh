#!/usr/bin/env bash
# Runs the Raspberry Pi binaries in dist/ (from `make pi`) under qemu user-mode emulation,
# on the oldest CPU each is meant for, so a binary that would crash on a real board fails
# here. qemu is invoked explicitly, so no binfmt registration is needed. A missing qemu is
# a skip, except under CI=true, where it is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=0

# check QEMU CPU ARCH BINARY...: run each tidegate BINARY's version and selfcheck, and each
# firmware-sim BINARY's version, as QEMU -cpu CPU.
check() {
	local qemu=$1 cpu=$2 arch=$3
	shift 3
	if ! command -v "$qemu" >/dev/null 2>&1; then
		if [ "${CI:-}" = true ]; then
			echo "pi-check: $qemu not installed, cannot check $arch under CI=true (make deps installs qemu-user-static)" >&2
			failed=1
		else
			echo "pi-check: $qemu not installed, skipping $arch check (make deps installs qemu-user-static)"
		fi
		return
	fi
	local bin datadir
	for bin in "$@"; do
		run "$qemu" -cpu "$cpu" "dist/$bin" version
		case $bin in
		tidegate-*)
			datadir=$(mktemp -d)
			run "$qemu" -cpu "$cpu" "dist/$bin" selfcheck --data-dir "$datadir"
			rm -rf "$datadir"
			;;
		esac
	done
}

run() {
	echo "pi-check: $*"
	if ! "$@"; then
		echo "pi-check: FAILED: $*" >&2
		failed=1
	fi
}

# Cortex-A53: Pi 3 and Zero 2 W. ARM1176: Pi Zero/Zero W/1. Cortex-A7: Pi 2.
check qemu-aarch64-static cortex-a53 arm64 tidegate-linux-arm64 firmware-sim-linux-arm64
check qemu-arm-static arm1176 armv6 tidegate-linux-armv6 firmware-sim-linux-armv6
check qemu-arm-static cortex-a7 armv7 tidegate-linux-armv7 firmware-sim-linux-armv7

if [ "$failed" -ne 0 ]; then
	echo "pi-check: failed" >&2
	exit 1
fi
echo "pi-check: ok"
