/*
 * The calico/ unit tests' fixture: the plan of node NODE from YAML text,
 * as bgpd makes it from a config file (config_load, plan_compute with
 * no options).  Fails the test on any error.
 */
#ifndef BGPD_TEST_PLANTEXT_H
#define BGPD_TEST_PLANTEXT_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/plan.h"
#include "tests/unit/util/testutil.h"

static inline void
plantext(const char *text, const char *node, struct plan *pl)
{
	struct config cfg;
	struct config_diags d;
	struct plan_opts o = { .router_id = NULL };
	char *path = tu_write_file("cluster.yaml", text);

	ck_assert_int_eq(config_load(path, &cfg), 0);
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(plan_compute(&cfg, node, &o, pl, &d), 0);
	config_diags_free(&d);
	config_free(&cfg);
	free(path);
}

#endif
