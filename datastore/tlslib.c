/*
 * tlslib: see tlslib.h.
 */
#include "tlslib.h"

#include <dlfcn.h>
#include <stdio.h>

/* libevent_openssl's soname (the Makefile passes the one it links
 * against); libssl and libcrypto come in as its dependencies. */
#ifndef TLSLIB_SONAME
#define TLSLIB_SONAME	"libevent_openssl-2.1.so.7"
#endif

static struct tlslib lib;
static int loaded;		/* 1 loaded, -1 failed (err kept) */
static char failure[300];

#define SYM(name)	{ #name, (void **)&lib.name }

const struct tlslib *
tlslib_get(char *err, size_t errlen)
{
	const struct { const char *name; void **p; } syms[] = {
		SYM(TLS_client_method), SYM(SSL_CTX_new), SYM(SSL_CTX_free),
		SYM(SSL_CTX_ctrl), SYM(SSL_CTX_set_verify),
		SYM(SSL_CTX_load_verify_locations),
		SYM(SSL_CTX_set_default_verify_paths),
		SYM(SSL_CTX_use_certificate_chain_file),
		SYM(SSL_CTX_use_PrivateKey_file),
		SYM(SSL_CTX_check_private_key), SYM(SSL_new), SYM(SSL_free),
		SYM(SSL_ctrl), SYM(SSL_get0_param), SYM(SSL_set1_host),
		SYM(X509_VERIFY_PARAM_set1_ip_asc), SYM(ERR_get_error),
		SYM(ERR_error_string_n), SYM(EVP_EncodeBlock),
		SYM(EVP_ENCODE_CTX_new), SYM(EVP_ENCODE_CTX_free),
		SYM(EVP_DecodeInit), SYM(EVP_DecodeUpdate),
		SYM(EVP_DecodeFinal), SYM(bufferevent_openssl_socket_new),
		SYM(bufferevent_openssl_set_allow_dirty_shutdown),
		SYM(bufferevent_get_openssl_error),
	};
	void *h;

	if (loaded == 0) {
		loaded = -1;
		/* Its own scope: dlsym on the handle searches it and the
		 * libraries it needs, and nothing of ours is interposed. */
		h = dlopen(TLSLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
		if (h == NULL) {
			snprintf(failure, sizeof(failure), "cannot load %s "
			    "(TLS and base64 for etcd): %s", TLSLIB_SONAME,
			    dlerror());
			goto out;
		}
		for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
			*syms[i].p = dlsym(h, syms[i].name);
			if (*syms[i].p == NULL) {
				snprintf(failure, sizeof(failure), "%s has no "
				    "%s: %s", TLSLIB_SONAME, syms[i].name,
				    dlerror());
				goto out;
			}
		}
		loaded = 1;
	}
out:
	if (loaded == 1)
		return &lib;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", failure);
	return NULL;
}
