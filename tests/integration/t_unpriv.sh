#!/bin/sh
# Unprivileged run.  The unit's ExecStart line (from systemd/bgpd.service)
# is run as root with --user bgpd, in a namespace with a BIRD peer that
# uses TCP-MD5 (its secret readable by the bgpd group only).  bgpd must
# end up with uid and gid bgpd and exactly CAP_NET_ADMIN and
# CAP_NET_BIND_SERVICE (effective, permitted and bounding; nothing
# inheritable or ambient), and still listen on port 179 and write
# kernel routes.  Its socket is bgpd:bgpd 0660 in a 0750 folder: a member
# of the group reads status and routes and cannot reload or shut a
# session down; a user outside the group cannot connect at all; root
# can do everything.  Bad --user / --socket-group values stop it with a
# clear error.  `make install DESTDIR=...` lays out the unit and the
# sysusers file, which systemd-sysusers accepts.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"

UNIT=$TOP/systemd/bgpd.service
grep -qx "User=bgpd" "$UNIT" || fail "the unit has no User=bgpd"
grep -qx "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE" "$UNIT" ||
    fail "the unit's AmbientCapabilities"
EXEC=$(sed -n 's/^ExecStart=//p' "$UNIT")
case $EXEC in
@SBINDIR@/bgpd\ *) ;;
*) fail "unexpected ExecStart: $EXEC" ;;
esac

sys_user bgpd
OP="bgpdo$$"
OTHER="bgpdx$$"
sys_user "$OP" bgpd
sys_user "$OTHER"

# The daemon's files: readable by bgpd (TMP itself is root's 0700).
chmod 711 "$TMP"
U="$TMP/u"
mkdir -p "$U/cfg" "$U/secrets/md5" "$U/asan"
chown bgpd "$U/asan"
cp "$BGPD" "$U/bgpd"
chmod 755 "$U" "$U/cfg" "$U/bgpd"
{
	y_bgpconf false 64512
	y_node node 198.51.100.1/24
	y_pool pods 100.64.0.0/16
	y_block b1 100.64.1.0/26 node
	y_peer bird "peerIP: 198.51.100.2, asNumber: 65010,
	    password: {secretKeyRef: {name: md5, key: bird}}"
} >"$U/cfg/cluster.yaml"
chmod 644 "$U/cfg/cluster.yaml"
printf 'unpriv-key' >"$U/secrets/md5/bird"
chown -R root:bgpd "$U/secrets"
chmod 750 "$U/secrets" "$U/secrets/md5"
chmod 640 "$U/secrets/md5/bird"
cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.2;
log "$TMP/bird.log" all;
protocol device {}
protocol static { ipv4; route 100.65.0.0/24 via 198.51.100.2; }
protocol bgp n {
	local 198.51.100.2 as 65010;
	neighbor 198.51.100.1 as 64512;
	password "unpriv-key";
	connect retry time 1;
	ipv4 { import all; export all; };
}
BIRD

ns node
ns bird
link node 198.51.100.1/24
link bird 198.51.100.2/24
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"

SOCK="$U/run/bgpd.sock"
# The unit's command line, with this test's paths after it.
CMD=$(echo "$EXEC" | sed "s|@SBINDIR@/bgpd|$U/bgpd|")
# Bad values first: a clear error, exit 1, nothing left running.
# shellcheck disable=SC2086
out=$(ip netns exec "${PFX}node" $CMD --config "$U/cfg" --node node \
    --socket "$SOCK" --user "nosuch$$" 2>&1) && fail "--user nosuch ran"
echo "$out" | grep -q "cannot start: --user nosuch$$: no such user" ||
    fail "--user error: $out"
# shellcheck disable=SC2086
out=$(ip netns exec "${PFX}node" $CMD --config "$U/cfg" --node node \
    --socket "$SOCK" --user bgpd --socket-group "nosuch$$" 2>&1) &&
    fail "--socket-group nosuch ran"
echo "$out" | grep -q "socket-group nosuch$$: no such group" ||
    fail "--socket-group error: $out"

# shellcheck disable=SC2086
bg node env ASAN_OPTIONS="log_path=$U/asan/asan" $CMD --config "$U/cfg" \
    --node node --socket "$SOCK" --secrets-dir "$U/secrets" --user bgpd \
    >"$TMP/bgpd-node.log" 2>&1
PID=$LAST_PID
wait_for 10 "bgpd to answer" "$BGPD" status --socket "$SOCK"

field() { awk -v k="$1:" '$1 == k { print $2, $3, $4, $5 }' \
    "/proc/$PID/status"; }
uid=$(id -u bgpd)
gid=$(id -g bgpd)
[ "$(field Uid)" = "$uid $uid $uid $uid" ] || fail "Uid: $(field Uid)"
[ "$(field Gid)" = "$gid $gid $gid $gid" ] || fail "Gid: $(field Gid)"
# CAP_NET_ADMIN is 12, CAP_NET_BIND_SERVICE 10: 0x1400.
capf() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }
for c in CapEff CapPrm CapBnd; do
	[ "$(capf $c)" = 0000000000001400 ] ||
	    fail "$c: $(capf $c) (expected only NET_ADMIN, NET_BIND_SERVICE)"
done
for c in CapInh CapAmb; do
	[ "$(capf $c)" = 0000000000000000 ] || fail "$c: $(capf $c)"
done
grep -q "running as bgpd (uid $uid, gid $gid) with CAP_NET_ADMIN" \
    "$TMP/bgpd-node.log" || fail "no log line for the switch"

# Still a BGP speaker: port 179 (BIRD connects), TCP-MD5 from a secret
# only the group may read, routes into the kernel.
up() { [ "$(bgpctl_s status --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["peers"][0]["bgp_state"])')" = Established ]; }
bgpctl_s() { "$BGPD" "$@" --socket "$SOCK"; }
wait_for 40 "the MD5 session with BIRD" up
wait_for 10 "BIRD's route in the kernel" kroute node 100.65.0.0/24 \
    "via 198.51.100.2"

# The socket and its folder.
st=$(stat -c '%U:%G %a' "$SOCK")
[ "$st" = "bgpd:bgpd 660" ] || fail "socket: $st"
st=$(stat -c '%U:%G %a' "$U/run")
[ "$st" = "bgpd:bgpd 750" ] || fail "socket folder: $st"

as() {	# USER CMD...: run as USER with its groups
	local u="$1"
	shift
	setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups "$@"
}
as "$OP" "$U/bgpd" status --socket "$SOCK" | grep -q "198.51.100.2" ||
    fail "a member of the bgpd group cannot read status"
as "$OP" "$U/bgpd" routes --json --socket "$SOCK" |
    grep -q '"100.65.0.0/24"' || fail "a member cannot read routes"
out=$(as "$OP" "$U/bgpd" reload --socket "$SOCK" 2>&1) &&
    fail "a member could reload"
echo "$out" | grep -q "reload needs root or the daemon's user" ||
    fail "reload refused with: $out"
out=$(as "$OP" "$U/bgpd" shutdown Global_198_51_100_2 --socket "$SOCK" \
    2>&1) && fail "a member could shut a session down"
echo "$out" | grep -q "needs root or the daemon's user" ||
    fail "shutdown refused with: $out"
out=$(as "$OTHER" "$U/bgpd" status --socket "$SOCK" 2>&1) &&
    fail "a user outside the group read status"
echo "$out" | grep -q "Permission denied" || fail "outsider: $out"
bgpctl_s reload >/dev/null || fail "root cannot reload"
up || fail "the session went down on reload"

kill -TERM "$PID"
wait "$PID" 2>/dev/null
[ ! -e "$SOCK" ] || fail "the socket was left behind"
for f in "$U"/asan/*; do
	[ -f "$f" ] && { cat "$f"; fail "sanitizer report"; }
done

# make install into a scratch root, and systemd-sysusers on it.
R="$TMP/root"
make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr >/dev/null ||
    fail "make install DESTDIR"
for f in usr/sbin/bgpd lib/systemd/system/bgpd.service \
    usr/lib/sysusers.d/bgpd.conf; do
	[ -f "$R/$f" ] || fail "make install did not install $f"
done
[ "$(stat -c %a "$R/etc/bgpd/secrets")" = 750 ] ||
    fail "secrets folder mode"
grep -q "^ExecStart=/usr/sbin/bgpd " "$R/lib/systemd/system/bgpd.service" ||
    fail "the installed unit's ExecStart"
if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$R/etc"
	systemd-sysusers --root="$R" >/dev/null 2>&1 ||
	    fail "systemd-sysusers rejects the sysusers file"
	grep -q "^bgpd:" "$R/etc/passwd" && grep -q "^bgpd:" "$R/etc/group" ||
	    fail "systemd-sysusers made no bgpd user and group"
fi
echo "PASS: uid $uid, CapEff 0x1400, group member reads, cannot change"
