#!/bin/sh
# make image: an OCI image of bgpd from Debian packages, no registry
# pulls.  mmdebstrap makes a minimal bookworm root (the essential set
# plus bgpd's libraries: libevent with its OpenSSL bufferevents, libssl,
# libyaml, libmnl, libjansson) from the host's apt sources; bgpd
# (stripped), its entry point and a "bird" link go in; podman imports
# the tree with the container settings and saves an OCI archive.
# Output: build/image/bgpd-oci.tar, image localhost/bgpd:VER.
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
mmdebstrap --quiet --variant=essential \
    --include=libevent-2.1-7,libevent-openssl-2.1-7,libssl3 \
    --include=libyaml-0-2,libmnl0,libjansson4 \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook="copy-in $W/bgpd /usr/sbin" \
    --customize-hook="copy-in $HERE/entrypoint.sh /usr/local/bin" \
    --customize-hook='chroot "$1" sh -c "mv /usr/local/bin/entrypoint.sh \
	/usr/local/bin/bgpd-node && chmod 0755 /usr/local/bin/bgpd-node \
	/usr/sbin/bgpd && ln -s bgpd /usr/sbin/bird && \
	mkdir -p /etc/calico/bgpd"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
    bookworm "$W/rootfs.tar"
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
