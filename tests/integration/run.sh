#!/bin/sh
# Run every tests/integration/t_*.sh (or those named) and print one
# closing line: "N passed, N failed, N skipped".  Exit 1 if any failed.
#
# JOBS tests run at once (default: three per CPU).  Each test builds its
# own namespaces (a per-process prefix), temporary folder and daemons,
# so they do not see each other, and most of a test's time is spent
# waiting for sessions and timers, not on the CPU (a whole run takes
# about a third of two CPUs).  The tests that measure sub-second timing
# (BFD's detection) and the one that loads a million routes beside BFD
# run one at a time among themselves (EXCLUSIVE, a lock in run1.sh), so
# none of them measures another's load.  The longest start first.  A
# result is printed when its test ends.
# (t_fib_repair.sh's failure with two at once, a hand-made IPv6 route
# left in place, was a delete of a new IPv6 prefix answered ESRCH
# before the kernel could find it, fixed in fib/fib.c.)
set -u
cd "$(dirname "$0")" || exit 1
JOBS=${JOBS:-$((3 * $(nproc 2>/dev/null || echo 1)))}
EXCLUSIVE="t_bfd.sh t_bfd_load.sh t_bfd_transport.sh"
export EXCLUSIVE
tests=$(echo ${*:-$(ls t_*.sh)})
LONG="t_gr_frr_old.sh t_timers.sh t_etcd_down.sh t_bfd_load.sh \
    t_ctl_clients.sh t_etcd_peer_rr.sh t_bfd.sh t_gr_bird_recovering_kill.sh \
    t_gr_bird_recovering_term.sh t_rr_migrate.sh t_rr.sh t_metrics.sh \
    t_etcd_mesh.sh t_gr_restart.sh"
order=
for t in $LONG; do
	case " $tests " in *" $t "*) order="$order $t" ;; esac
done
for t in $tests; do
	case " $LONG " in *" $t "*) ;; *) order="$order $t" ;; esac
done
R=$(mktemp -d "${TMPDIR:-/tmp}/bgpd-itrun-XXXXXX")
trap 'rm -rf "$R"' EXIT

printf '%s\n' $order | xargs -P "$JOBS" -n 1 sh ./run1.sh "$R"

pass=0 failn=0 skipn=0
for t in $order; do
	case $(cat "$R/$t.rc" 2>/dev/null || echo 1) in
	0) pass=$((pass + 1)) ;;
	77) skipn=$((skipn + 1)) ;;
	*) failn=$((failn + 1)) ;;
	esac
done
echo "integration: $pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ]
