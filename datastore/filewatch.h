/*
 * filewatch: the file datastore follows its files.  inotify on the
 * --config directory (or on the directory of a single --config file,
 * since editors replace files by renaming) reports writes, moves and
 * deletes of *.yaml and *.yml files, of the file itself, and of the
 * "..data" symlink swaps of a Kubernetes ConfigMap volume; after a quiet
 * debounce interval the callback runs once, as `bgpd reload` would.
 */
#ifndef BGPD_FILEWATCH_H
#define BGPD_FILEWATCH_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct filewatch;

#define FILEWATCH_DEBOUNCE_MS	200u

struct filewatch *filewatch_new(struct event_base *base, const char *path,
	    uint64_t debounce_ms, void (*cb)(void *), void *arg, char *err,
	    size_t errlen);
void	 filewatch_free(struct filewatch *fw);
unsigned filewatch_events(const struct filewatch *fw);

#endif
