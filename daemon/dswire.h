/*
 * dswire: the daemon's side of the datastore (datastore/ds.h).  It opens
 * the datastore the command line and environment chose, computes the
 * first plan (with etcd: runs the loop until the snapshot is complete
 * and names this node), turns every later change into a plan applied as
 * a reload is (daemon_apply: only the sessions that changed are
 * touched), and reports the datastore in `bgpd status`.  A plan that
 * cannot be made from new data is reported and the running one kept;
 * the datastore going away changes nothing.  With etcd, diagnostics a
 * rebuild repeats are logged only the first time.
 */
#ifndef BGPD_DSWIRE_H
#define BGPD_DSWIRE_H

#include <stddef.h>

#include "daemon.h"
#include "lib/buf.h"
#include "lib/json.h"

struct dswire;

/* d->base must exist.  0, or -1 with err. */
int	 dswire_open(struct daemon *d, char *err, size_t errlen);
void	 dswire_close(struct daemon *d);
/* The first plan into d->plan: files at once; etcd when the snapshot
 * holds this node (SIGTERM/SIGINT give up).  0, or -1 with err. */
int	 dswire_first_plan(struct daemon *d, char *err, size_t errlen);
/* Load and plan from the datastore now; 0, or -1 with err. */
int	 dswire_load_plan(struct daemon *d, struct plan *pl, char *err,
	    size_t errlen);
const char *dswire_source(const struct daemon *d);

void	 dswire_status_text(struct daemon *d, struct buf_wr *o);
void	 dswire_status_json(struct daemon *d, struct json_w *j);

#endif
