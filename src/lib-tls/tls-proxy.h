#ifndef TLS_PROXY_H
#define TLS_PROXY_H

/* Shuttles bytes between a TLS connection (the client) and a plain fd
   (one end of the socketpair whose other end the login process handed to
   the post-login process), in both directions, from the ioloop.

   Memory is bounded: one TLS_PROXY_BUFFER_SIZE buffer each way at most,
   allocated while it holds data, so an idle connection holds none.
   Back-pressure: a side is not read while the buffer towards the other
   side is full, so a slow reader slows the writer down instead of growing
   memory.

   The end: when the client's TLS stream ends (close_notify or TCP close),
   what is buffered is written out and the plain fd is shut down for
   writing, so the post-login process sees EOF; when the post-login process
   closes its end, what is buffered is sent to the client followed by
   close_notify. The proxy is finished when the post-login side has closed
   (after the client's EOF or not), or on an error of either side. Then the
   finished callback runs from a fresh ioloop turn: it may destroy the
   proxy. */

#include "tls-conn.h"

#define TLS_PROXY_BUFFER_SIZE (16 * 1024)

struct tls_proxy;

enum tls_proxy_end {
	TLS_PROXY_END_SERVER_CLOSED, /* the post-login side closed */
	TLS_PROXY_END_CLIENT_ERROR,  /* TLS or socket error on the client side */
	TLS_PROXY_END_SERVER_ERROR,  /* socket error on the plain side */
};

typedef void tls_proxy_finished_callback_t(enum tls_proxy_end end, void *context);

/* Starts proxying. The proxy does not own conn or plain_fd: the caller
   destroys/closes them after tls_proxy_destroy(). plain_fd must be
   non-blocking. conn may still be handshaking. */
struct tls_proxy *tls_proxy_create(struct tls_conn *conn, int plain_fd,
				   tls_proxy_finished_callback_t *callback, void *context);
void tls_proxy_destroy(struct tls_proxy **proxy);

/* Accounting for the logout line: bytes from the client (decrypted) and
   to the client (before encryption), and when data last moved. */
uint64_t tls_proxy_get_bytes_in(const struct tls_proxy *proxy);
uint64_t tls_proxy_get_bytes_out(const struct tls_proxy *proxy);
/* Seconds since data last moved in either direction. */
unsigned int tls_proxy_get_idle_secs(const struct tls_proxy *proxy);
/* The most bytes ever buffered in one direction (<= TLS_PROXY_BUFFER_SIZE). */
size_t tls_proxy_get_max_buffered(const struct tls_proxy *proxy);
/* A short text for the log after an error end ("TLS: ...", "read(plain): ..."). */
const char *tls_proxy_get_error(const struct tls_proxy *proxy);

#endif
