/*
 * tlslib: OpenSSL and libevent's OpenSSL bufferevents, loaded when the
 * etcd datastore first needs them (dlopen), not linked into bgpd.  Only
 * the etcd client uses them (TLS, and the gateway's base64), and merely
 * loading libcrypto and libssl costs a process some 460 KiB of private
 * memory (the pages their relocations write): every node on the file
 * datastore would pay it for nothing.  The table holds every function
 * of theirs that datastore/ calls; macros of OpenSSL's that stand for a
 * ctrl call (SSL_CTX_set_min_proto_version, SSL_set_tlsext_host_name)
 * go through its ctrl entries.
 */
#ifndef BGPD_TLSLIB_H
#define BGPD_TLSLIB_H

#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct tlslib {
	/* libssl */
	const SSL_METHOD *(*TLS_client_method)(void);
	SSL_CTX	*(*SSL_CTX_new)(const SSL_METHOD *);
	void	 (*SSL_CTX_free)(SSL_CTX *);
	long	 (*SSL_CTX_ctrl)(SSL_CTX *, int, long, void *);
	void	 (*SSL_CTX_set_verify)(SSL_CTX *, int, SSL_verify_cb);
	int	 (*SSL_CTX_load_verify_locations)(SSL_CTX *, const char *,
		    const char *);
	int	 (*SSL_CTX_set_default_verify_paths)(SSL_CTX *);
	int	 (*SSL_CTX_use_certificate_chain_file)(SSL_CTX *,
		    const char *);
	int	 (*SSL_CTX_use_PrivateKey_file)(SSL_CTX *, const char *, int);
	int	 (*SSL_CTX_check_private_key)(const SSL_CTX *);
	SSL	*(*SSL_new)(SSL_CTX *);
	void	 (*SSL_free)(SSL *);
	long	 (*SSL_ctrl)(SSL *, int, long, void *);
	X509_VERIFY_PARAM *(*SSL_get0_param)(SSL *);
	int	 (*SSL_set1_host)(SSL *, const char *);
	/* libcrypto */
	int	 (*X509_VERIFY_PARAM_set1_ip_asc)(X509_VERIFY_PARAM *,
		    const char *);
	unsigned long (*ERR_get_error)(void);
	void	 (*ERR_error_string_n)(unsigned long, char *, size_t);
	int	 (*EVP_EncodeBlock)(unsigned char *, const unsigned char *,
		    int);
	EVP_ENCODE_CTX *(*EVP_ENCODE_CTX_new)(void);
	void	 (*EVP_ENCODE_CTX_free)(EVP_ENCODE_CTX *);
	void	 (*EVP_DecodeInit)(EVP_ENCODE_CTX *);
	int	 (*EVP_DecodeUpdate)(EVP_ENCODE_CTX *, unsigned char *, int *,
		    const unsigned char *, int);
	int	 (*EVP_DecodeFinal)(EVP_ENCODE_CTX *, unsigned char *, int *);
	/* libevent_openssl */
	struct bufferevent *(*bufferevent_openssl_socket_new)(
		    struct event_base *, evutil_socket_t, SSL *,
		    enum bufferevent_ssl_state, int);
	void	 (*bufferevent_openssl_set_allow_dirty_shutdown)(
		    struct bufferevent *, int);
	unsigned long (*bufferevent_get_openssl_error)(struct bufferevent *);
};

/* The table, loading the libraries the first time; NULL with err set
 * (the library and dlerror()'s words) when they cannot be loaded.  Once
 * loaded they stay. */
const struct tlslib *tlslib_get(char *err, size_t errlen);

#endif
