/*
 * libFuzzer harness: the YAML loader, validation and the per-node plan
 * (config/).  The input is one YAML file (through a memfd, so the loader
 * takes its normal path).  Every node's plan is computed and printed,
 * and diffed against the previous node's, as a reload would.  Every
 * diagnostic must format with a location.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config.h"
#include "config/plan.h"
#include "lib/buf.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every message is formatted (DEBUG level), then dropped. */
static void
quiet(enum log_level l, const char *msg, void *arg)
{
}

static void
diags_check(struct config_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		char *s = config_diag_format(&d->v[i]);

		if (s == NULL || s[0] == '\0')
			abort();
		free(s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct plan plans[2];
	struct plan_opts opts;
	char path[64];
	size_t i;
	int fd, cur = 0;
	bool have_prev = false;

	log_set_level(LOG_LVL_DEBUG);
	log_set_hook(quiet, NULL);
	fd = memfd_create("fuzz.yaml", 0);
	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&cfg, 0, sizeof(cfg));
	memset(&opts, 0, sizeof(opts));
	(void)config_load(path, &cfg);
	diags_check(&cfg.diags);
	for (i = 0; i < cfg.nnodes && i < 8; i++) {
		struct config_diags pd;
		struct buf_wr w;

		memset(&pd, 0, sizeof(pd));
		if (plan_compute(&cfg, cfg.nodes[i].name, &opts, &plans[cur],
		    &pd) == 0) {
			buf_wr_init(&w, 0);
			plan_print_text(&plans[cur], &w);
			buf_wr_free(&w);
			if (have_prev) {
				struct plan_diff d;

				plan_diff(&plans[!cur], &plans[cur], &d);
				plan_diff_free(&d);
				plan_free(&plans[!cur]);
			}
			have_prev = true;
			cur = !cur;
		}
		diags_check(&pd);
		config_diags_free(&pd);
	}
	if (have_prev)
		plan_free(&plans[!cur]);
	config_free(&cfg);
	close(fd);
	return 0;
}
