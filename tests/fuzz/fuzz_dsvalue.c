/*
 * libFuzzer harness: a datastore value through the whole model path
 * (dsjson, dsstore's kind and name checks, config/'s resource parsers,
 * the plan).  The first byte picks the key (one of the five resource
 * prefixes or this node's affinity), the rest is the value.  A valid
 * Node and pool are always there, so the node can be planned.  Every
 * diagnostic must name an etcd key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/plan.h"
#include "datastore/dsstore.h"
#include "lib/buf.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RES	"/calico/resources/v3/projectcalico.org/"

static const char *const keys[] = {
	RES "nodes/n2", RES "bgpconfigurations/default", RES "bgppeers/p",
	RES "ippools/q", RES "bgpfilters/f",
	"/calico/ipam/v2/host/n1/ipv4/block/100.64.1.0-26",
	RES "bgpconfigurations/node.n1", RES "nodes/n1",
};

static const char node[] = "{\"kind\":\"Node\",\"apiVersion\":"
    "\"projectcalico.org/v3\",\"metadata\":{\"name\":\"n1\"},\"spec\":"
    "{\"bgp\":{\"ipv4Address\":\"198.51.100.1/24\"}}}";
static const char pool[] = "{\"kind\":\"IPPool\",\"apiVersion\":"
    "\"projectcalico.org/v3\",\"metadata\":{\"name\":\"pods\"},\"spec\":"
    "{\"cidr\":\"100.64.0.0/16\"}}";

static void
quiet(enum log_level l, const char *msg, void *arg)
{
}

static void
put(struct dsstore *st, const char *k, const char *v, size_t n)
{
	dsstore_put(st, k, strlen(k), v, n, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsstore st;
	struct config cfg;
	struct config_diags pd;
	struct plan pl;
	struct plan_opts po = { .router_id = NULL };
	struct buf_wr w;
	size_t fin;

	if (size < 1)
		return 0;
	log_set_level(LOG_LVL_DEBUG);
	log_set_hook(quiet, NULL);
	dsstore_init(&st, "n1");
	put(&st, RES "nodes/n1", node, strlen(node));
	put(&st, RES "ippools/pods", pool, strlen(pool));
	put(&st, keys[data[0] % (sizeof(keys) / sizeof(keys[0]))],
	    (const char *)data + 1, size - 1);
	(void)dsstore_build(&st, &cfg, &fin);
	for (size_t i = 0; i < cfg.diags.n; i++) {
		char *s = config_diag_format(&cfg.diags.v[i]);

		if (strncmp(s, "etcd:/calico/", 13) != 0)
			abort();
		free(s);
	}
	memset(&pd, 0, sizeof(pd));
	if (plan_compute(&cfg, "n1", &po, &pl, &pd) == 0) {
		buf_wr_init(&w, 0);
		plan_print_text(&pl, &w);
		buf_wr_free(&w);
	}
	plan_free(&pl);		/* also after a failure */
	config_diags_free(&pd);
	config_free(&cfg);
	dsstore_free(&st);
	return 0;
}
