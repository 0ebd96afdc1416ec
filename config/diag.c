/*
 * diag: the list of located diagnostics that loading and planning fill.
 * File names are interned once per list so locations stay small.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lib/xalloc.h"

static const char *const sev_names[] = {
	[CONFIG_NOTICE] = "notice",
	[CONFIG_WARNING] = "warning",
	[CONFIG_ERROR] = "error",
};

static bool
file_eq(const void *entry, const void *key)
{
	return strcmp(entry, key) == 0;
}

/* Hashed: the etcd datastore names one "file" per key, thousands. */
const char *
config_diag_file(struct config_diags *d, const char *path)
{
	uint64_t hv = hash_str(path);
	char *f = hash_find(&d->file_index, hv, file_eq, path);

	if (f != NULL)
		return f;
	d->files = xreallocarray(d->files, d->nfiles + 1, sizeof(*d->files));
	f = d->files[d->nfiles++] = xstrdup(path);
	hash_insert(&d->file_index, hv, f);
	return f;
}

void
config_diag_add(struct config_diags *d, enum config_sev sev,
    const struct config_loc *loc, const char *fmt, ...)
{
	struct config_diag *diag;
	va_list ap;

	d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
	diag = &d->v[d->n++];
	memset(diag, 0, sizeof(*diag));
	diag->sev = sev;
	if (loc != NULL)
		diag->loc = *loc;
	va_start(ap, fmt);
	diag->msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (sev == CONFIG_ERROR)
		d->nerrors++;
	else if (sev == CONFIG_WARNING)
		d->nwarnings++;
}

char *
config_diag_format(const struct config_diag *diag)
{
	const struct config_loc *l = &diag->loc;

	if (l->file == NULL)
		return xasprintf("%s: %s", sev_names[diag->sev], diag->msg);
	if (l->line == 0)
		return xasprintf("%s: %s: %s", l->file, sev_names[diag->sev],
		    diag->msg);
	return xasprintf("%s:%u:%u: %s: %s", l->file, l->line, l->col,
	    sev_names[diag->sev], diag->msg);
}

void
config_diags_free(struct config_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	for (size_t i = 0; i < d->nfiles; i++)
		free(d->files[i]);
	free(d->v);
	free(d->files);
	hash_free(&d->file_index);
	memset(d, 0, sizeof(*d));
}
