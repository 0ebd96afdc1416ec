#!/bin/sh
# Include-graph check of DESIGN.md section 2: each third-party header in one
# folder (libevent in daemon/ and datastore/), siblings (bgp, fib, config)
# never include each other, datastore/ uses only config/ and lib/, lib/
# depends on libc only; daemon/'s operator surfaces see the daemon only
# through view.h.  Prints every violation; exits 1 if there is any.
set -u
cd "$(dirname "$0")/.." || exit 1
bad=0
report() { echo "layering: $1"; bad=1; }
SRCS="lib/*.[ch] bgp/*.[ch] fib/*.[ch] config/*.[ch] datastore/*.[ch] \
    bfd/*.[ch] calico/*.[ch] daemon/*.[ch]"

# check PATTERN ALLOWED_DIRS WHAT
check() {
	hits=$(grep -nE "#[[:space:]]*include[[:space:]]*[<\"]($1)" \
	    $SRCS 2>/dev/null | grep -vE "^($2)/" || true)
	[ -z "$hits" ] || report "$3:
$hits"
}
check 'event2/' 'daemon|datastore' 'libevent outside daemon/ and datastore/'
check 'jansson\.h' 'datastore' 'jansson outside datastore/'
check 'openssl/' 'datastore' 'OpenSSL outside datastore/'
check 'libmnl/|linux/rtnetlink\.h|linux/netlink\.h' 'fib' \
    'netlink outside fib/'
check 'yaml\.h' 'config' 'libyaml outside config/'
check 'check\.h' 'tests' 'check outside tests/'
check 'pthread\.h' 'bfd' 'threads outside bfd/ (its transport thread)'
# datastore/ sits above config/ (it decodes resources through it) and
# below daemon/; nothing but daemon/ includes it.  bfd/ uses lib/ only
# and only daemon/ includes it.  calico/ (Calico's route semantics)
# sits on bgp/, fib/ and config/, and only daemon/ includes it.
for d in lib bgp fib config datastore bfd calico; do
	for o in lib bgp fib config datastore bfd calico daemon; do
		[ "$d" = "$o" ] && continue
		[ "$o" = lib ] && continue
		[ "$d" = datastore ] && [ "$o" = config ] && continue
		[ "$d" = calico ] && case $o in bgp|fib|config) true ;;
		    *) false ;; esac && continue
		re="#[[:space:]]*include[[:space:]]*\"(\.\./)?$o/"
		hits=$(grep -nE "$re" $d/*.[ch] 2>/dev/null || true)
		[ -z "$hits" ] || report "$d/ includes $o/:
$hits"
	done
done
# daemon/'s operator surfaces see the running daemon only through
# view.h (doc/DESIGN.md, "daemon/ without a knot"): none names struct
# daemon or includes daemon.h (or reconf.h), itself or through any
# header it includes; and what they change they change through the
# view's functions, never by calling reload, a session's stop or start,
# a resend, a wake-up of the loop or the log level themselves.
SURFACES="control birdsock ops show routes birdroute metrics health \
    sdnotify"
sfiles=$(for s in $SURFACES; do ls daemon/$s.c daemon/$s.h; done)
hits=$(grep -nw 'struct daemon' $sfiles || true)
[ -z "$hits" ] || report "operator surfaces name struct daemon (view.h):
$hits"
acts='reconf_[a-z_]+|peerio_conn_[a-z_]+|peerio_why_down|daemon_wake'
acts="$acts|speaker_peer_resend|session_request_refresh|log_set_level"
hits=$(grep -nE "(^|[^a-z_])($acts)[[:space:]]*\(" $sfiles || true)
[ -z "$hits" ] || report "operator surfaces act on the daemon, not \
through view.h's view_ops:
$hits"
# daemon/'s include graph (no other folder includes daemon/), and what
# each surface reaches through it.
hits=$(grep -E '^#[[:space:]]*include[[:space:]]*"' daemon/*.[ch] |
    sed -nE 's/^([^:]*):[^"]*"(daemon\/)?([^"/]+)".*/\1 daemon\/\3/p' |
    awk -v surfaces="$SURFACES" '
	{ inc[$1] = inc[$1] " " $2 }
	END {
		n = split(surfaces, sv, " ")
		for (k = 1; k <= 2 * n; k++) {
			f = "daemon/" sv[int((k + 1) / 2)] (k % 2 ? ".c" : ".h")
			for (x in seen)
				delete seen[x]
			seen[f] = 1
			q[1] = f
			nq = 1
			for (h = 1; h <= nq; h++) {
				m = split(inc[q[h]], iv, " ")
				for (i = 1; i <= m; i++) {
					x = iv[i]
					if (x in seen)
						continue
					seen[x] = 1
					q[++nq] = x
					if (x == "daemon/daemon.h" ||
					    x == "daemon/reconf.h")
						print f " reaches " x \
						    " (included by " q[h] ")"
				}
			}
		}
	}')
[ -z "$hits" ] || report "operator surfaces include the daemon's state:
$hits"
# Local includes must name a real file in the tree.
for f in $SRCS; do
	[ -f "$f" ] || continue
	incs=$(sed -n \
	    's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	for inc in $incs; do
		[ -f "$(dirname "$f")/$inc" ] || [ -f "$inc" ] ||
		    report "$f includes missing \"$inc\""
	done
done
# Lines over 80 columns (tabs count as 8) in project sources.
long=$(for f in $SRCS tests/unit/*/*.c tests/fuzz/*.c; do
	[ -f "$f" ] && expand "$f" | awk -v f="$f" \
	    'length($0) > 80 { print f ":" NR ": " length($0) " columns" }'
done)
[ -z "$long" ] || report "lines over 80 columns:
$long"
if [ "$bad" -eq 0 ]; then
	echo "layering: ok"
fi
exit "$bad"
