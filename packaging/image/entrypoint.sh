#!/bin/sh
# bgpd as calico/node's BGP part.  The environment calico/node uses:
#   NODENAME (or the host name), CALICO_ROUTER_ID, DATASTORE_TYPE and
#   ETCD_ENDPOINTS/ETCD_* (the etcd datastore), BGPD_CONFIG (Calico
#   resources as YAML, default /etc/calico/bgpd), BGPD_LOG_LEVEL,
#   BGPD_METRICS (ADDR:PORT, off by default).
# It serves /var/run/calico/bird.ctl and bird6.ctl, writes
# /var/lib/calico/nodename as calico/node does, and runs as "bird" so
# calicoctl node status finds the BGP process.
set -eu
node=${NODENAME:-$(hostname | tr 'A-Z' 'a-z')}
case "${DATASTORE_TYPE:-files}" in
files) ;;
*)	if ! bgpd --help | grep -q -- "--datastore"; then
		echo "bgpd-node: DATASTORE_TYPE=$DATASTORE_TYPE: this bgpd" \
		    "reads Calico resources from files only ($BGPD_CONFIG)" >&2
		exit 1
	fi ;;
esac
mkdir -p /var/run/calico /var/lib/calico /run/bgpd
printf '%s' "$node" >/var/lib/calico/nodename
set -- --config "${BGPD_CONFIG:-/etc/calico/bgpd}" --node "$node" \
    --bird-socket /var/run/calico/bird.ctl \
    --bird6-socket /var/run/calico/bird6.ctl \
    --log-level "${BGPD_LOG_LEVEL:-info}" \
    ${BGPD_METRICS:+--metrics "$BGPD_METRICS"} "$@"
exec bird "$@"
