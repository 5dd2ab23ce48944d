#!/usr/bin/env bash
# Installs the peers that Tidegate's tests talk to: qemu-user (pi-check), Mosquitto and its
# command-line clients, Debian's Python MQTT client (paho), ffmpeg, the AWS CLI, Chromium and
# ChromeDriver from apt; kinesalite, s3rver and the AWS SDK for
# JavaScript (a real Kinesis client) from npm into .peers/node. Whatever is already present
# is skipped, so a second run does nothing. A peer that cannot be installed is reported and
# the script goes on: tests that need it skip, or fail under CI=true, which is where it gets
# noticed.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

# apt package and a command that shows it is present (found on PATH or in /usr/sbin).
apt_peers=(
	"qemu-user-static qemu-aarch64-static"
	"mosquitto mosquitto"
	"mosquitto-clients mosquitto_sub"
	"python3-paho-mqtt python3-paho-mqtt"
	"ffmpeg ffmpeg"
	"awscli aws"
	"chromium chromium"
	"chromium-driver chromedriver"
)

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

apt_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing=()
for peer in "${apt_peers[@]}"; do
	read -r pkg cmd <<<"$peer"
	if have "$cmd" || apt_installed "$pkg"; then
		echo "deps: $pkg present, skipping"
	else
		missing+=("$pkg")
	fi
done

# sudo is the prefix for commands that need root; can_install says whether we have it.
sudo=()
can_install=true
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo=(sudo)
	else
		can_install=false
	fi
fi

# stop_mosquitto_service keeps the packaged broker from running or starting at boot: tests
# start their own on a free port, and a stray one on 1883 would confuse the demo.
stop_mosquitto_service() {
	if [ -d /run/systemd/system ]; then
		"${sudo[@]}" systemctl disable --now mosquitto >/dev/null 2>&1
	elif command -v systemctl >/dev/null 2>&1; then
		"${sudo[@]}" systemctl disable mosquitto >/dev/null 2>&1
	fi
	if [ -x /etc/init.d/mosquitto ]; then
		"${sudo[@]}" /etc/init.d/mosquitto stop >/dev/null 2>&1
		"${sudo[@]}" update-rc.d mosquitto disable >/dev/null 2>&1
	fi
	if [ -r /run/mosquitto/mosquitto.pid ] && kill -0 "$(cat /run/mosquitto/mosquitto.pid)" 2>/dev/null; then
		echo "deps: warning: the mosquitto service is still running (pid $(cat /run/mosquitto/mosquitto.pid))" >&2
	fi
}

apt_failed=()
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$can_install" = false ]; then
		echo "deps: not root and no sudo; install these yourself: apt-get install ${missing[*]}" >&2
	else
		echo "deps: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		install=("${sudo[@]}" apt-get install -y -q --no-install-recommends)
		if ! "${sudo[@]}" apt-get update -q >/dev/null; then
			echo "deps: apt-get update failed; trying the package lists already here" >&2
		fi
		if ! "${install[@]}" "${missing[@]}" >/tmp/tidegate-deps-apt.log 2>&1; then
			# One bad package fails the whole transaction; retry one by one to install the rest.
			for pkg in "${missing[@]}"; do
				"${install[@]}" "$pkg" >>/tmp/tidegate-deps-apt.log 2>&1 || apt_failed+=("$pkg")
			done
		fi
		if [[ " ${missing[*]} " == *" mosquitto "* ]]; then
			stop_mosquitto_service
		fi
		if [ ${#apt_failed[@]} -gt 0 ]; then
			tail -n 20 /tmp/tidegate-deps-apt.log >&2
			echo "deps: could not install ${apt_failed[*]} (log: /tmp/tidegate-deps-apt.log); tests that need them will skip, or fail under CI=true" >&2
		fi
	fi
fi

npm_dir=.peers/node
# kinesalite and s3rver stand in for Kinesis and S3; the AWS SDK for JavaScript v3 is a real
# client of the gateway's Kinesis API (pinned: releases after January 2027 need Node 22).
npm_peers=(kinesalite s3rver @aws-sdk/client-kinesis@3.1143.0)
npm_missing=()
for p in "${npm_peers[@]}"; do
	name=${p%@*}
	[ -n "$name" ] || name=$p
	[ -d "$npm_dir/node_modules/$name" ] || npm_missing+=("$p")
done
if [ ${#npm_missing[@]} -eq 0 ]; then
	echo "deps: ${npm_peers[*]} present in $npm_dir, skipping"
elif ! command -v npm >/dev/null 2>&1; then
	echo "deps: npm not installed; tests of ${npm_missing[*]} will skip (apt-get install npm, then make deps)" >&2
else
	echo "deps: npm install --prefix $npm_dir ${npm_missing[*]}"
	mkdir -p "$npm_dir"
	if ! npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error "${npm_missing[@]}"; then
		echo "deps: npm install of ${npm_missing[*]} failed; their tests will skip, or fail under CI=true" >&2
	fi
fi

echo "deps: done in $((SECONDS - start))s"
