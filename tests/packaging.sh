#!/bin/sh
# make install into a scratch DESTDIR: a stripped bgpd, bgpd(8) that
# renders without warnings, the unit, README and LICENSE; `bgpd --help`
# names every long option main.c accepts; make uninstall removes it all.
set -u
cd "$(dirname "$0")/.." || exit 1
D=$(mktemp -d "${TMPDIR:-/tmp}/bgpd-pkg-XXXXXX")
trap 'rm -rf "$D"' EXIT
bad=0
no() { echo "packaging: $*"; bad=1; }

make -s install DESTDIR="$D" PREFIX=/usr/local >"$D.log" 2>&1 ||
    { cat "$D.log"; rm -f "$D.log"; exit 1; }
rm -f "$D.log"
for f in usr/local/sbin/bgpd usr/local/share/man/man8/bgpd.8 \
    lib/systemd/system/bgpd.service usr/local/share/doc/bgpd/LICENSE \
    usr/local/share/doc/bgpd/README.md etc/bgpd/bgpd.yaml.example; do
	[ -f "$D/$f" ] || no "install did not write $f"
done
if readelf -S "$D/usr/local/sbin/bgpd" 2>/dev/null | grep -q '\.debug_info'
then
	no "installed bgpd is not stripped"
fi
"$D/usr/local/sbin/bgpd" --version | grep -q '^bgpd ' ||
    no "installed bgpd does not run"
grep -q 'Apache License' LICENSE || no "LICENSE is not Apache-2.0"
out=$(MANWIDTH=80 man --warnings -l "$D/usr/local/share/man/man8/bgpd.8" \
    2>&1 >/dev/null)
[ -z "$out" ] || no "bgpd.8 has warnings: $out"
MANWIDTH=80 man -l "$D/usr/local/share/man/man8/bgpd.8" 2>/dev/null |
    grep -q 'node-local BGP speaker' || no "bgpd.8 does not render"
# Every long option and every command is in --help and in the man page.
help=$(build/bgpd --help)
man=$(MANWIDTH=200 man -l doc/bgpd.8 2>/dev/null)
for o in $(sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)", [a-z_]*argument.*/\1/p' \
    daemon/main.c); do
	echo "$help" | grep -q -- "--$o" || no "--help does not list --$o"
	echo "$man" | grep -q -- "--$o" || no "bgpd.8 does not list --$o"
done
for c in $(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [0-9], [0-9], .*/\1/p' \
    daemon/main.c); do
	echo "$help" | grep -q "bgpd $c" || no "--help does not list $c"
	echo "$man" | grep -q "^       $c" || no "bgpd.8 does not list $c"
done
make -s uninstall DESTDIR="$D" PREFIX=/usr/local >/dev/null 2>&1
left=$(find "$D" -type f)
[ -z "$left" ] || no "uninstall left: $left"
[ "$bad" -eq 0 ] && echo "packaging: ok"
exit "$bad"
