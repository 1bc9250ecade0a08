#ifndef TLS_CONN_H
#define TLS_CONN_H

/* A server-side TLS connection over a non-blocking socket.

   Life of a connection:
     conn = tls_conn_create(ctx, fd);          implicit TLS (ssl = yes listener)
     conn = tls_conn_create_starttls(ctx, fd); after answering STARTTLS/STLS
     tls_conn_handshake() from the ioloop until TLS_HANDSHAKE_DONE
       (or let tls_conn_read()/tls_conn_write() drive it: they return EAGAIN
       while it is not finished);
     tls_conn_read()/tls_conn_write() (EAGAIN semantics, like read/write);
     tls_conn_close() sends close_notify; tls_conn_destroy() frees.
   The fd stays the caller's: tls_conn_destroy() does not close it.

   Waiting: after EAGAIN from any call, wait for tls_conn_wants() on the fd
   (a TLS read may need the socket writable and a write may need it
   readable). Before sleeping on the fd, drain what OpenSSL has already
   decrypted: while tls_conn_has_pending() is true, tls_conn_read() returns
   data without touching the socket, and the socket will not become
   readable for it.

   STARTTLS: everything the client sent after the STARTTLS command and
   before the handshake is plaintext an attacker may have injected; it
   must be thrown away, never read as if it came over TLS. A line_reader
   user does that with tls_conn_starttls_line_reader(), which destroys the
   plaintext reader (with what it buffered) and returns a new one that
   reads through TLS.

   Errors: a failed handshake gives two texts: tls_conn_get_error() is
   short and safe for the client-visible part of a log line ("unsupported
   protocol", "no shared cipher", "connection closed"), and
   tls_conn_get_error_details() is OpenSSL's full error for debugging.
   The context counts failed handshakes (tls_context_get_handshake_failures).
   Login processes log "Disconnected (TLS handshake failed: <short>)". */

#include "ioloop.h"
#include "line-reader.h"
#include "tls-context.h"

struct tls_conn;

enum tls_handshake_result {
	TLS_HANDSHAKE_ERROR = -1,
	/* wait for tls_conn_wants() on the fd and call again */
	TLS_HANDSHAKE_NEED_IO = 0,
	TLS_HANDSHAKE_DONE = 1,
};

/* fd must be non-blocking. The connection takes a reference on ctx. */
struct tls_conn *tls_conn_create(struct tls_context *ctx, int fd);
/* The same, after STARTTLS/STLS was answered on a plaintext connection;
   the caller must discard its buffered plaintext (see above). */
struct tls_conn *tls_conn_create_starttls(struct tls_context *ctx, int fd);
/* Frees the connection (without close_notify: call tls_conn_close() first
   for a graceful end). Sets *conn to NULL. The fd is not closed. */
void tls_conn_destroy(struct tls_conn **conn);

/* Drives the handshake. After DONE, the info functions below are valid. */
enum tls_handshake_result tls_conn_handshake(struct tls_conn *conn);
bool tls_conn_is_handshaked(const struct tls_conn *conn);
/* IO_READ or IO_WRITE: what the last call that returned EAGAIN/NEED_IO
   waits for. */
enum io_condition tls_conn_wants(const struct tls_conn *conn);

/* line_reader_read_func_t compatible (conn is a struct tls_conn *): >0
   bytes, 0 at the end of the stream (close_notify or the peer closed the
   TCP connection), -1 with errno EAGAIN (call again after tls_conn_wants())
   or another errno on failure (EPROTO for a TLS error, see
   tls_conn_get_error()). Drives the handshake while it is not done. */
ssize_t tls_conn_read(void *conn, void *buf, size_t size);
/* Writes up to size bytes; returns how many were taken (possibly fewer:
   partial writes, one TLS record at a time), or -1 with errno EAGAIN or an
   error. After EAGAIN, the next call must pass the same bytes again (at
   least as many, from the same position in the caller's data): OpenSSL
   has already started to encrypt them. */
ssize_t tls_conn_write(struct tls_conn *conn, const void *data, size_t size);
/* Whether tls_conn_read() has decrypted data ready without reading the
   socket. Drain it before waiting for the fd to become readable. */
bool tls_conn_has_pending(const struct tls_conn *conn);

/* Sends close_notify (once). Returns 1 when it was sent, 0 when it must be
   called again after tls_conn_wants(), -1 on error (the peer is gone). */
int tls_conn_close(struct tls_conn *conn);

/* "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)", as Dovecot
   logs it; "" before the handshake is done. Valid until the next call
   returns to the ioloop (pool_temp). */
const char *tls_conn_get_security_string(const struct tls_conn *conn);
const char *tls_conn_get_protocol(const struct tls_conn *conn); /* "TLSv1.3" */
const char *tls_conn_get_cipher(const struct tls_conn *conn);
/* The SNI name the client sent (lower-cased), or NULL. Client-controlled:
   sanitize before logging. */
const char *tls_conn_get_sni_name(const struct tls_conn *conn);
/* The short failure text (see above), or NULL. */
const char *tls_conn_get_error(const struct tls_conn *conn);
const char *tls_conn_get_error_details(const struct tls_conn *conn);
int tls_conn_get_fd(const struct tls_conn *conn);

/* STARTTLS for line_reader users: destroys *plain_reader (and the
   plaintext it buffered after the STARTTLS line; *discarded_r tells how
   many bytes, for the log) and returns a reader with the same settings
   that reads through conn. */
struct line_reader *tls_conn_starttls_line_reader(struct tls_conn *conn,
						  struct line_reader **plain_reader,
						  const struct line_reader_settings *set,
						  size_t *discarded_r);

#endif
