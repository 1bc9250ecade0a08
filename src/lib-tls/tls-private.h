#ifndef TLS_PRIVATE_H
#define TLS_PRIVATE_H

/* Inside lib-tls only. */

#include <openssl/ssl.h>

struct tls_name_context {
	const char *pattern; /* the local_name section's name: words, '*' wildcards */
	SSL_CTX *ssl_ctx;
};

struct tls_context {
	pool_t pool;
	unsigned int refcount;
	SSL_CTX *ssl_ctx; /* the global certificate; SNI switches away from it */
	ARRAY(struct tls_name_context) names;
	unsigned int handshakes, handshake_failures;
};

/* The text of OpenSSL's oldest queued error ("no shared cipher"), or
   fallback when the queue is empty. Clears the queue. If details_r is not
   NULL it gets the full "error:0A0000C1:SSL routines::no shared cipher". */
const char *tls_error_pop(const char *fallback, const char **details_r);

/* Case-insensitive match of name against the words of a local_name
   pattern, '*' matching any run of characters. */
bool tls_name_match(const char *pattern, const char *name);

/* tls-conn.c: the SNI callback reports the name the client asked for;
   returns it lower-cased (as the connection keeps it). */
const char *tls_conn_servername(SSL *ssl, const char *name);

#endif
