#!/bin/sh
# Include-graph check of DESIGN.md section 2: each third-party header in one
# folder (libevent in daemon/ and datastore/), siblings (bgp, fib, config)
# never include each other, datastore/ uses only config/ and lib/, lib/
# depends on libc only.  Prints every violation; exits 1 if there is any.
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
