/* dsenv: see dsenv.h. */
#include "dsenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* envconfig's rule: CALICO_<NAME> first, then <NAME>. */
static const char *
env(const char *name, const char **from)
{
	static char buf[64];
	const char *v;

	snprintf(buf, sizeof(buf), "CALICO_%s", name);
	if ((v = getenv(buf)) != NULL && v[0] != '\0') {
		*from = buf;
		return v;
	}
	*from = name;
	v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

static char *
pick(const char *flag, const char *name)
{
	const char *from, *v = flag ? flag : env(name, &from);

	return v ? xstrdup(v) : NULL;
}

int
dsenv_load(struct dsenv *e, const struct dsenv_flags *f, char *err,
    size_t errlen)
{
	const char *from, *type = env("DATASTORE_TYPE", &from);
	char *user, *pass, *end;
	static char type_from[64];

	memset(e, 0, sizeof(*e));
	e->endpoints = pick(f->endpoints, "ETCD_ENDPOINTS");
	e->ca_file = pick(f->ca, "ETCD_CA_CERT_FILE");
	e->cert_file = pick(f->cert, "ETCD_CERT_FILE");
	e->key_file = pick(f->key, "ETCD_KEY_FILE");
	if (f->datastore != NULL) {
		type = f->datastore;
		from = "--datastore";
	} else if (type != NULL) {
		snprintf(type_from, sizeof(type_from), "%s", from);
		from = type_from;
	} else if (e->endpoints != NULL) {
		/* calico/node: etcdv3 when ETCD_ENDPOINTS is set. */
		type = "etcdv3";
		from = f->endpoints ? "--etcd-endpoints" : "ETCD_ENDPOINTS";
	} else {
		type = "file";
		from = "the default";
	}
	e->type_from = from;
	if (strcmp(type, "etcdv3") == 0) {
		e->type = DSENV_ETCD;
	} else if (strcmp(type, "file") == 0) {
		e->type = DSENV_FILE;
	} else if (strcmp(type, "kubernetes") == 0) {
		snprintf(err, errlen, "%s=kubernetes: the Kubernetes API "
		    "datastore is not supported yet (datastore/KDD.md); use "
		    "etcdv3 or file", from);
		return -1;
	} else {
		snprintf(err, errlen, "%s '%s': expected etcdv3 or file",
		    from, type);
		return -1;
	}
	if (e->type == DSENV_FILE)
		return 0;
	if (env("ETCD_DISCOVERY_SRV", &from) != NULL) {
		snprintf(err, errlen, "%s is not supported: list the members "
		    "in ETCD_ENDPOINTS", from);
		return -1;
	}
	if (e->endpoints == NULL) {
		snprintf(err, errlen, "the etcdv3 datastore needs "
		    "ETCD_ENDPOINTS or --etcd-endpoints");
		return -1;
	}
	if ((e->cert_file == NULL) != (e->key_file == NULL)) {
		snprintf(err, errlen, "an etcd client certificate needs both "
		    "ETCD_CERT_FILE and ETCD_KEY_FILE (--etcd-cert and "
		    "--etcd-key)");
		return -1;
	}
	/* Calico uses the credentials only when both are set. */
	user = pick(NULL, "ETCD_USERNAME");
	pass = pick(NULL, "ETCD_PASSWORD");
	if (user != NULL && pass != NULL) {
		e->user = user;
		e->password = pass;
	} else {
		free(user);
		free(pass);
	}
	if (f->watch_idle != NULL) {
		double s = strtod(f->watch_idle, &end);

		if (end == f->watch_idle || *end != '\0' || s < 0.1 ||
		    s > 86400) {
			snprintf(err, errlen, "--etcd-watch-idle '%s': "
			    "expected seconds from 0.1 to 86400",
			    f->watch_idle);
			return -1;
		}
		e->watch_idle_ms = (uint64_t)(s * 1000);
	}
	return 0;
}

void
dsenv_free(struct dsenv *e)
{
	free(e->endpoints);
	free(e->ca_file);
	free(e->cert_file);
	free(e->key_file);
	free(e->user);
	if (e->password != NULL)
		explicit_bzero(e->password, strlen(e->password));
	free(e->password);
	memset(e, 0, sizeof(*e));
}

size_t
dsenv_split(const char *list, char ***out)
{
	char *copy = xstrdup(list), *tok, *save = NULL;
	char **v = NULL;
	size_t n = 0;

	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(tok);
	}
	free(copy);
	*out = v;
	return n;
}

void
dsenv_split_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
