#!/bin/sh
# Install the Debian packages bgpd's build and tests need; do nothing when
# they are all present.  Needs root (or sudo) only when something is missing.
set -eu

# build: compiler, pkg-config and the libraries bgpd may use (libevent
# with its OpenSSL bufferevents, jansson and OpenSSL for the etcd
# datastore)
BUILD="gcc make pkg-config libevent-dev libyaml-dev libmnl-dev check \
    libjansson-dev libssl-dev"
# tests: namespaces and routes, and the real BGP peers of TESTING.md
# bird2 also ships birdcl (t_birdsock.sh); prometheus brings promtool and
# the server (t_metrics.sh); socat is the sd_notify receiver; a real etcd
# 3.4 with its etcdctl, and openssl for their certificates (t_etcd_*.sh)
TEST="iproute2 iputils-ping procps python3 bird2 frr gobgpd exabgp \
    prometheus socat man-db etcd-server etcd-client openssl"
PKGS="$BUILD $TEST ${EXTRA_PKGS:-}"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "deps: all present"
	exit 0
fi
echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps: need root to install:$missing" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -q
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -q \
    --no-install-recommends $missing
