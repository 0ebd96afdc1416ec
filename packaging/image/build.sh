#!/bin/sh
# make image: an OCI image of bgpd from Debian packages, no registry
# pulls.  mmdebstrap makes a minimal bookworm root (the essential set
# plus the packages of the libraries ldd finds in bgpd) from the apt
# sources (cached a day); bgpd (stripped), its entry point and a "bird"
# link go in; podman imports the tree with the container settings and
# saves an OCI archive.  Output: build/image/bgpd-oci.tar, image localhost/bgpd:VER.
#   sh packaging/image/build.sh BGPD_BINARY OUTDIR
set -eu
BIN=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
VER=$("$BIN" --version | sed 's/^bgpd //')
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT/bgpd-oci.tar"
# Scratch (root tree, podman's store) outside the build tree, whose
# *.d files make reads as dependencies; removed however this ends.
W=$(mktemp -d "${TMPDIR:-/tmp}/bgpd-image-XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM
cp "$BIN" "$W/bgpd"
strip "$W/bgpd"
# The Debian packages holding the libraries bgpd is linked with (so a
# new dependency can never be missing from the image).
PKGS=
for l in $(ldd "$BIN" | awk '/=>/ { print $3 }'); do
	p=$(dpkg -S "$l" 2>/dev/null || dpkg -S "$(readlink -f "$l")" \
	    2>/dev/null) || { echo "image: no package holds $l" >&2; exit 1; }
	PKGS="$PKGS ${p%%:*}"
done
# And the one bgpd loads itself for the etcd datastore (tlslib.c):
# libevent_openssl, which brings OpenSSL in as its dependencies.
l=$(ldconfig -p | awk '$1 ~ /^libevent_openssl-.*\.so\./ { print $NF; exit }')
p=$(dpkg -S "$l" 2>/dev/null || dpkg -S "$(readlink -f "$l")" 2>/dev/null) ||
    { echo "image: no package holds libevent_openssl ($l)" >&2; exit 1; }
PKGS="$PKGS ${p%%:*}"
PKGS=$(echo $PKGS | tr ' ' '\n' | sort -u | paste -sd, -)
echo "image: bgpd's libraries from $PKGS"
# The Debian root (the essential set and those packages) is kept in a
# cache for IMAGE_CACHE_DAYS days (default 1; 0: always made anew), keyed
# by the package list: mmdebstrap downloads and installs for minutes, and
# the tree does not depend on bgpd.  bgpd and its entry point are added
# to a copy of it.
CACHE=${BGPD_IMAGE_CACHE:-/var/cache/bgpd-image}
DAYS=${IMAGE_CACHE_DAYS:-1}
KEY=$(printf 'v1 bookworm essential %s\n' "$PKGS" | sha256sum | cut -c1-16)
BASE=$CACHE/base-$KEY.tar
if [ "$DAYS" -gt 0 ] && [ -f "$BASE" ] &&
    [ -n "$(find "$BASE" -mmin -$((DAYS * 1440)))" ]; then
	echo "image: the Debian root from $BASE"
else
	mmdebstrap --quiet --variant=essential \
	    --include="$PKGS" \
	    --dpkgopt='path-exclude=/usr/share/doc/*' \
	    --dpkgopt='path-exclude=/usr/share/man/*' \
	    --dpkgopt='path-exclude=/usr/share/locale/*' \
	    --customize-hook='rm -rf "$1"/var/cache/apt/* \
		"$1"/var/lib/apt/lists/*' \
	    bookworm "$W/base.tar"
	if [ "$DAYS" -gt 0 ] && mkdir -p "$CACHE" 2>/dev/null &&
	    cp "$W/base.tar" "$CACHE/.base-$KEY.$$" 2>/dev/null; then
		mv "$CACHE/.base-$KEY.$$" "$BASE"
		find "$CACHE" -name 'base-*.tar' ! -name "base-$KEY.tar" \
		    -delete 2>/dev/null || true
		BASE=$CACHE/base-$KEY.tar
	else
		BASE=$W/base.tar
	fi
fi
# bgpd (as root, 0755), its entry point as bgpd-node, "bird" linked to
# it, the config folder.
S=$W/stage
mkdir -p "$S/usr/sbin" "$S/usr/local/bin" "$S/etc/calico/bgpd"
install -m 0755 "$W/bgpd" "$S/usr/sbin/bgpd"
install -m 0755 "$HERE/entrypoint.sh" "$S/usr/local/bin/bgpd-node"
ln -s bgpd "$S/usr/sbin/bird"
cp "$BASE" "$W/rootfs.tar"
tar -rf "$W/rootfs.tar" --owner=0 --group=0 --numeric-owner -C "$S" \
    ./usr/sbin/bgpd ./usr/sbin/bird ./usr/local/bin/bgpd-node \
    ./etc/calico
P="podman --root $W/store --runroot $W/run --cgroup-manager cgroupfs
    --events-backend file"
$P import \
    --change 'ENTRYPOINT ["/usr/local/bin/bgpd-node"]' \
    --change 'ENV BGPD_CONFIG=/etc/calico/bgpd' \
    --change "LABEL org.opencontainers.image.title=bgpd" \
    --change "LABEL org.opencontainers.image.version=$VER" \
    --change "LABEL org.opencontainers.image.licenses=Apache-2.0" \
    "$W/rootfs.tar" "localhost/bgpd:$VER" >/dev/null
$P save --format oci-archive -o "$OUT/bgpd-oci.tar" "localhost/bgpd:$VER"
$P rmi -a >/dev/null 2>&1 || true
echo "image: localhost/bgpd:$VER in $OUT/bgpd-oci.tar" \
    "($(du -k "$OUT/bgpd-oci.tar" | cut -f1) KiB)"
