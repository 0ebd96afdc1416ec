/*
 * plan_bfd: the BFD part of a node's plan (plan.h): which
 * BFDConfiguration interfaces apply to this node, and the first of them
 * that matches an interface name.  Whether a session's peer is directly
 * connected needs the interface table, so the daemon decides that.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/xalloc.h"
#include "plan.h"
#include "selector.h"

static const char *
label_lookup(const void *ctx, const char *key)
{
	return config_label_get(ctx, key);
}

void
plan_bfd_compute(const struct config *cfg, const struct config_node *self,
    struct plan *pl)
{
	size_t n = 0;

	pl->bfd = NULL;
	pl->nbfd = 0;
	if (self == NULL)
		return;
	/* cfg->bfds is sorted by name: the first pattern wins, so the
	 * order is the resources' names, then their lists. */
	for (size_t i = 0; i < cfg->nbfds; i++) {
		const struct config_bfd *b = &cfg->bfds[i];

		if (b->node_sel != NULL && !selector_match(b->node_sel,
		    label_lookup, &self->labels))
			continue;
		for (size_t k = 0; k < b->nifaces; k++) {
			const struct config_bfd_iface *f = &b->ifaces[k];
			struct plan_bfd *o;

			pl->bfd = xreallocarray(pl->bfd, n + 1,
			    sizeof(*pl->bfd));
			o = &pl->bfd[n++];
			o->pattern = xstrdup(f->pattern);
			o->min_rx_us = f->min_rx_us;
			o->min_tx_us = f->min_tx_us;
			o->idle_tx_us = f->idle_tx_us;
			o->mult = f->mult;
			o->from = xstrdup(b->name);
		}
	}
	pl->nbfd = n;
}

void
plan_bfd_free(struct plan *pl)
{
	for (size_t i = 0; i < pl->nbfd; i++) {
		free(pl->bfd[i].pattern);
		free(pl->bfd[i].from);
	}
	free(pl->bfd);
	pl->bfd = NULL;
	pl->nbfd = 0;
}

const struct plan_bfd *
plan_bfd_match(const struct plan *pl, const char *ifname)
{
	for (size_t i = 0; i < pl->nbfd; i++) {
		if (fnmatch(pl->bfd[i].pattern, ifname, 0) == 0)
			return &pl->bfd[i];
	}
	return NULL;
}

static void
ms(struct buf_wr *o, uint32_t us)
{
	if (us % 1000000 == 0 && us >= 60000000 && us % 60000000 == 0)
		buf_printf(o, "%um", us / 60000000);
	else if (us % 1000000 == 0)
		buf_printf(o, "%us", us / 1000000);
	else
		buf_printf(o, "%ums", us / 1000);
}

void
plan_bfd_print_text(const struct plan *pl, struct buf_wr *o)
{
	if (pl->nbfd == 0)
		return;
	buf_printf(o, "\nbfd interfaces (%zu)\n", pl->nbfd);
	for (size_t i = 0; i < pl->nbfd; i++) {
		const struct plan_bfd *b = &pl->bfd[i];

		buf_printf(o, "  %s: receive ", b->pattern);
		ms(o, b->min_rx_us);
		buf_put_str(o, ", send ");
		ms(o, b->min_tx_us);
		buf_put_str(o, ", idle send ");
		ms(o, b->idle_tx_us);
		buf_printf(o, ", multiplier %u (BFDConfiguration %s)\n",
		    b->mult, b->from);
	}
}

void
plan_bfd_print_json(const struct plan *pl, struct json_w *j)
{
	if (pl->nbfd == 0)
		return;
	json_key(j, "bfd_interfaces");
	json_arr_begin(j);
	for (size_t i = 0; i < pl->nbfd; i++) {
		const struct plan_bfd *b = &pl->bfd[i];

		json_obj_begin(j);
		json_kstr(j, "match_pattern", b->pattern);
		json_kuint(j, "min_rx_ms", b->min_rx_us / 1000);
		json_kuint(j, "min_tx_ms", b->min_tx_us / 1000);
		json_kuint(j, "idle_tx_ms", b->idle_tx_us / 1000);
		json_kuint(j, "multiplier", b->mult);
		json_kstr(j, "from", b->from);
		json_obj_end(j);
	}
	json_arr_end(j);
}
