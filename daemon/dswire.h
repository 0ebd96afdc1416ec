/*
 * dswire: the daemon's side of the datastore (datastore/ds.h).  It opens
 * the datastore the command line and environment chose, computes the
 * first plan (with etcd: runs the loop until the snapshot is complete
 * and names this node), plans again on every later change (the change
 * callbacks are reconf.h's: only the sessions that changed are
 * touched), and reports the datastore in `bgpd status`.  A plan that
 * cannot be made from new data is reported and the running one kept;
 * the datastore going away changes nothing.  With etcd, diagnostics a
 * rebuild repeats are logged only the first time.
 */
#ifndef BGPD_DSWIRE_H
#define BGPD_DSWIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/json.h"

struct daemon;
struct dswire;
struct plan;

/* d->base must exist; changed(d) when the datastore changed,
 * workloads(d) when the local workloads did.  0, or -1 with err. */
int	 dswire_open(struct daemon *d, void (*changed)(void *),
	    void (*workloads)(void *), char *err, size_t errlen);
void	 dswire_close(struct daemon *d);
/* The first plan into d->plan: files at once; etcd when the snapshot
 * holds this node (SIGTERM/SIGINT give up).  0, or -1 with err. */
int	 dswire_first_plan(struct daemon *d, char *err, size_t errlen);
/* Load and plan from the datastore now; 0, or -1 with err. */
int	 dswire_load_plan(struct daemon *d, struct plan *pl, char *err,
	    size_t errlen);
const char *dswire_source(const struct daemon *d);
/* In dswire_first_plan()'s loop (a change just ends its turn). */
bool	 dswire_waiting(const struct daemon *d);
/* etcd (changes are planned and applied), or files (reloaded). */
bool	 dswire_is_etcd(const struct daemon *d);
/* The folder of the local workloads' status files. */
const char *dswire_workloads_path(const struct daemon *d);
/* Count a datastore change applied (status). */
void	 dswire_applied(struct daemon *d);

/* The datastore in `bgpd status`, from the daemon's object (d->dsw,
 * view.h's view_dswire()); nothing when it is NULL. */
void	 dswire_status_text(const struct dswire *w, struct buf_wr *o);
void	 dswire_status_json(const struct dswire *w, struct json_w *j);

#endif
