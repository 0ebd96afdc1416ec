/*
 * dsenv: which datastore bgpd reads, chosen the way calico/node chooses
 * it (DATASTORE.md 1.5): DATASTORE_TYPE, ETCD_ENDPOINTS,
 * ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE, ETCD_USERNAME and
 * ETCD_PASSWORD, each also as CALICO_<NAME>, which wins; then the
 * command line's --datastore and --etcd-* options over both.  Without
 * any of them the file datastore (--config) is the default.
 */
#ifndef BGPD_DSENV_H
#define BGPD_DSENV_H

#include <stddef.h>
#include <stdint.h>

enum dsenv_type {
	DSENV_FILE,
	DSENV_ETCD,
};

struct dsenv {
	enum dsenv_type type;
	const char *type_from;	/* "DATASTORE_TYPE", "--datastore", ... */
	char	*endpoints;	/* comma-separated URLs */
	char	*ca_file, *cert_file, *key_file;
	char	*user, *password;	/* both or neither */
	uint64_t watch_idle_ms;	/* 0: the default */
};

/* Command-line values; NULL when not given. */
struct dsenv_flags {
	const char *datastore;
	const char *endpoints;
	const char *ca, *cert, *key;
	const char *watch_idle;	/* seconds */
};

/*
 * Fill e from getenv and the flags; -1 with err for a value bgpd cannot
 * use (a type other than etcdv3 or file, etcdv3 without endpoints,
 * ETCD_DISCOVERY_SRV, a certificate without its key).
 */
int	 dsenv_load(struct dsenv *e, const struct dsenv_flags *f, char *err,
	    size_t errlen);
void	 dsenv_free(struct dsenv *e);
/* Split the endpoints; returns how many (the array is caller-freed
 * with dsenv_split_free). */
size_t	 dsenv_split(const char *list, char ***out);
void	 dsenv_split_free(char **v, size_t n);

#endif
