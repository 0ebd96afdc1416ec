/* reconf: see reconf.h. */
#include "reconf.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bfd_io.h"
#include "bgp/speaker.h"
#include "calico/peerpol.h"
#include "dswire.h"
#include "kernel.h"
#include "lib/log.h"
#include "listen.h"
#include "peer_io.h"
#include "policy.h"
#include "sdnotify.h"

static bool
block_announced(const struct plan *pl, const struct ip_prefix *p)
{
	for (size_t i = 0; i < pl->nblocks; i++) {
		if (pl->blocks[i].aggregate &&
		    addr_pfx_eq(&pl->blocks[i].cidr, p))
			return true;
	}
	return false;
}

/* Originate new blocks, withdraw the ones that went away. */
void
reconf_blocks(struct daemon *d, const struct plan *old,
    const struct plan *new)
{
	for (size_t i = 0; old != NULL && i < old->nblocks; i++) {
		const struct plan_block *b = &old->blocks[i];

		if (b->aggregate && !block_announced(new, &b->cidr))
			speaker_withdraw(d->sp, &b->cidr);
	}
	for (size_t i = 0; i < new->nblocks; i++) {
		const struct plan_block *b = &new->blocks[i];

		/* Again when the normal route priority moved: the block's
		 * LOCAL_PREF follows it. */
		if (b->aggregate && (old == NULL ||
		    !block_announced(old, &b->cidr) ||
		    peerpol_local_lp(old, &b->cidr, 0) !=
		    peerpol_local_lp(new, &b->cidr, 0)))
			speaker_originate_lp(d->sp, &b->cidr,
			    peerpol_local_lp(new, &b->cidr, 0));
	}
}

static void
apply_sessions(struct daemon *d, const struct plan *old,
    const struct plan *new)
{
	struct plan_diff df;
	char names[200];

	plan_diff(old, new, &df);
	for (size_t i = 0; i < df.n; i++) {
		const struct plan_change *ch = &df.changes[i];
		const struct plan_session *s = ch->old ? ch->old : ch->new;
		struct conn *c = peerio_conn_find(d, &s->peer_ip, s->peer_port);

		switch (ch->action) {
		case PLAN_KEEP:
			break;
		case PLAN_REMOVE:
			log_info("%s: removed from the configuration", s->name);
			if (c != NULL)
				peerio_conn_free(c, BGP_CEASE_DECONFIG, NULL);
			break;
		case PLAN_RESTART:
			log_info("%s: restarting (%s changed)", ch->new->name,
			    plan_changed_names(ch->changed, names,
			    sizeof(names)));
			if (c != NULL)
				peerio_conn_free(c, BGP_CEASE_CONFIG, NULL);
			peerio_conn_new(d, new, ch->new, bfdio_held(d,
			    &ch->new->peer_ip, ch->new->peer_port));
			break;
		case PLAN_UPDATE:
			log_info("%s: updated in place (%s changed)",
			    ch->new->name, plan_changed_names(ch->changed,
			    names, sizeof(names)));
			if (c != NULL)
				peerio_conn_update(c, ch->new);
			break;
		case PLAN_ADD:
			log_info("%s: added", ch->new->name);
			peerio_conn_new(d, new, ch->new, bfdio_held(d,
			    &ch->new->peer_ip, ch->new->peer_port));
			break;
		}
	}
	log_info("configuration applied: %zu sessions added, %zu removed, "
	    "%zu restarted, %zu updated, %zu unchanged", df.nadd, df.nremove,
	    df.nrestart, df.nupdate, df.nkeep);
	plan_diff_free(&df);
}

int
reconf_reload(struct daemon *d, char *err, size_t errlen)
{
	struct plan pl;

	sdnotify("RELOADING=1");
	log_info("reloading %s", dswire_source(d));
	if (dswire_load_plan(d, &pl, err, errlen) != 0) {
		d->reload_failures++;
		snprintf(d->last_reload_error, sizeof(d->last_reload_error),
		    "%s", err);
		log_err("reload failed, keeping the running configuration: "
		    "%s", err);
		sdnotify_reloaded(d->svc);
		return -1;
	}
	reconf_apply(d, &pl);
	sdnotify_reloaded(d->svc);
	return 0;
}

void
reconf_apply(struct daemon *d, struct plan *new)
{
	struct plan pl = *new, old;
	char lerr[256];

	if (pl.listen_port != d->plan.listen_port ||
	    pl.bind_node_ip != d->plan.bind_node_ip) {
		listen_close(d);
		if (listen_open(d, &pl, lerr, sizeof(lerr)) != 0)
			log_err("%s", lerr);
	}
	speaker_set_cluster_id(d->sp, pl.cluster_id.af == AF_INET ?
	    addr_v4(&pl.cluster_id) : 0);
	apply_sessions(d, &d->plan, &pl);
	/* Secrets are re-read on every reload, changed or not. */
	reconf_secrets(d);
	reconf_blocks(d, &d->plan, &pl);
	old = d->plan;
	d->plan = pl;
	kernel_apply_plan(d, &old);
	policy_apply(d, &old);
	bfdio_apply(d);
	plan_free(&old);
	d->reloads++;
	d->last_reload_wall = time(NULL);
	d->last_reload_error[0] = '\0';
	daemon_wake(d);
}

void
reconf_secrets(struct daemon *d)
{
	peerio_secrets_read(d);
	listen_sync(d);
	peerio_secrets_act(d);
}

/* The datastore (or what, when not NULL) changed: plan and apply, or
 * keep what runs. */
static void
changed(struct daemon *d, const char *what)
{
	struct plan pl;
	char err[512];

	if (dswire_waiting(d)) {
		/* dswire_first_plan() plans itself once the loop stops. */
		event_base_loopbreak(d->base);
		return;
	}
	if (!dswire_is_etcd(d)) {
		log_info("%s changed", what ? what : dswire_source(d));
		reconf_reload(d, err, sizeof(err));
		return;
	}
	sdnotify("RELOADING=1");
	if (dswire_load_plan(d, &pl, err, sizeof(err)) != 0) {
		d->reload_failures++;
		snprintf(d->last_reload_error, sizeof(d->last_reload_error),
		    "%s", err);
		log_err("datastore change not applied, keeping the running "
		    "plan: %s", err);
	} else {
		dswire_applied(d);
		reconf_apply(d, &pl);
	}
	sdnotify_reloaded(d->svc);
}

void
reconf_on_datastore(void *arg)
{
	changed(arg, NULL);
}

void
reconf_on_workloads(void *arg)
{
	struct daemon *d = arg;

	changed(d, dswire_workloads_path(d));
}
