/* A server-side TLS connection: SSL_accept/SSL_read/SSL_write over a
   non-blocking fd, turned into read()/write()-like calls with EAGAIN, and
   the texts a login process logs. */
#include "lib.h"
#include "tls-conn.h"
#include "tls-private.h"

#include <limits.h>
#include <openssl/err.h>

/* longer SNI names are cut for the log (DNS names have at most 253) */
#define TLS_SNI_NAME_MAX 255

struct tls_conn {
	struct tls_context *ctx;
	SSL *ssl;
	int fd;
	enum io_condition wants;
	char *sni_name;
	char *error, *error_details;

	bool starttls:1;
	bool handshaked:1;
	bool failed:1;
	bool read_eof:1;
	bool close_sent:1;
};

static struct tls_conn *tls_conn_create_common(struct tls_context *ctx, int fd, bool starttls)
{
	struct tls_conn *conn = i_new(struct tls_conn, 1);

	ERR_clear_error();
	conn->ssl = SSL_new(ctx->ssl_ctx);
	if (conn->ssl == NULL)
		i_panic("SSL_new() failed: %s", tls_error_pop("out of memory", NULL));
	if (SSL_set_fd(conn->ssl, fd) != 1)
		i_panic("SSL_set_fd() failed: %s", tls_error_pop("unknown", NULL));
	SSL_set_accept_state(conn->ssl);
	SSL_set_app_data(conn->ssl, conn);
	tls_context_ref(ctx);
	conn->ctx = ctx;
	conn->fd = fd;
	conn->starttls = starttls;
	conn->wants = IO_READ;
	return conn;
}

struct tls_conn *tls_conn_create(struct tls_context *ctx, int fd)
{
	return tls_conn_create_common(ctx, fd, false);
}

struct tls_conn *tls_conn_create_starttls(struct tls_context *ctx, int fd)
{
	return tls_conn_create_common(ctx, fd, true);
}

void tls_conn_destroy(struct tls_conn **_conn)
{
	struct tls_conn *conn = *_conn;

	if (conn == NULL)
		return;
	*_conn = NULL;
	SSL_free(conn->ssl);
	ERR_clear_error();
	tls_context_unref(&conn->ctx);
	i_free(conn->sni_name);
	i_free(conn->error);
	i_free(conn->error_details);
	i_free(conn);
}

const char *tls_conn_servername(SSL *ssl, const char *name)
{
	struct tls_conn *conn = SSL_get_app_data(ssl);
	char *lname;

	if (conn == NULL)
		return name;
	i_free(conn->sni_name);
	lname = i_strdup(name);
	if (strlen(lname) > TLS_SNI_NAME_MAX)
		lname[TLS_SNI_NAME_MAX] = '\0';
	conn->sni_name = str_lcase(lname);
	return conn->sni_name;
}

/* Records a failure after SSL_get_error() said it is one. saved_errno is
   errno right after the failing call. */
static void tls_conn_set_failed(struct tls_conn *conn, int ssl_err, int saved_errno)
{
	const char *reason, *details;

	if (ssl_err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		reason = saved_errno == 0 ? "connection closed" : strerror(saved_errno);
		details = t_strdup_printf("syscall failed: %s", reason);
	} else if (ssl_err == SSL_ERROR_ZERO_RETURN) {
		reason = details = "connection closed";
	} else {
		reason = tls_error_pop("unknown error", &details);
	}
	ERR_clear_error();
	conn->failed = true;
	i_free(conn->error);
	i_free(conn->error_details);
	conn->error = i_strdup(reason);
	conn->error_details = i_strdup(details);
}

enum tls_handshake_result tls_conn_handshake(struct tls_conn *conn)
{
	int ret, err, saved_errno;

	if (conn->handshaked)
		return TLS_HANDSHAKE_DONE;
	if (conn->failed)
		return TLS_HANDSHAKE_ERROR;
	ERR_clear_error();
	errno = 0;
	ret = SSL_do_handshake(conn->ssl);
	saved_errno = errno;
	if (ret == 1) {
		conn->handshaked = true;
		conn->ctx->handshakes++;
		return TLS_HANDSHAKE_DONE;
	}
	err = SSL_get_error(conn->ssl, ret);
	if (err == SSL_ERROR_WANT_READ) {
		conn->wants = IO_READ;
		return TLS_HANDSHAKE_NEED_IO;
	}
	if (err == SSL_ERROR_WANT_WRITE) {
		conn->wants = IO_WRITE;
		return TLS_HANDSHAKE_NEED_IO;
	}
	tls_conn_set_failed(conn, err, saved_errno);
	conn->ctx->handshake_failures++;
	return TLS_HANDSHAKE_ERROR;
}

bool tls_conn_is_handshaked(const struct tls_conn *conn)
{
	return conn->handshaked;
}

enum io_condition tls_conn_wants(const struct tls_conn *conn)
{
	return conn->wants;
}

/* Before application data can flow: 1 handshaked, -1 with errno. */
static int tls_conn_ready(struct tls_conn *conn)
{
	switch (tls_conn_handshake(conn)) {
	case TLS_HANDSHAKE_DONE:
		return 1;
	case TLS_HANDSHAKE_NEED_IO:
		errno = EAGAIN;
		return -1;
	case TLS_HANDSHAKE_ERROR:
		break;
	}
	errno = EPROTO;
	return -1;
}

/* The result of a failed SSL_read/SSL_write: 0 for EOF, else -1 with errno. */
static ssize_t tls_conn_io_failed(struct tls_conn *conn, int ret, int saved_errno, bool reading)
{
	int err = SSL_get_error(conn->ssl, ret);

	switch (err) {
	case SSL_ERROR_WANT_READ:
		conn->wants = IO_READ;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		conn->wants = IO_WRITE;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		/* close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a plain TCP close */
		ERR_clear_error();
		if (reading) {
			conn->read_eof = true;
			return 0;
		}
		errno = EPIPE;
		return -1;
	case SSL_ERROR_SYSCALL:
		if (reading && saved_errno == 0 && ERR_peek_error() == 0) {
			conn->read_eof = true;
			return 0;
		}
		tls_conn_set_failed(conn, err, saved_errno);
		errno = saved_errno != 0 ? saved_errno : ECONNRESET;
		return -1;
	default:
		tls_conn_set_failed(conn, err, saved_errno);
		errno = EPROTO;
		return -1;
	}
}

ssize_t tls_conn_read(void *_conn, void *buf, size_t size)
{
	struct tls_conn *conn = _conn;
	int ret, saved_errno;

	i_assert(size > 0);
	if (conn->read_eof)
		return 0;
	if (conn->failed) {
		errno = EPROTO;
		return -1;
	}
	if (tls_conn_ready(conn) < 0)
		return -1;
	ERR_clear_error();
	errno = 0;
	ret = SSL_read(conn->ssl, buf, (int)MIN(size, (size_t)INT_MAX));
	saved_errno = errno;
	if (ret > 0)
		return ret;
	return tls_conn_io_failed(conn, ret, saved_errno, true);
}

ssize_t tls_conn_write(struct tls_conn *conn, const void *data, size_t size)
{
	int ret, saved_errno;

	if (conn->failed || conn->close_sent) {
		errno = conn->failed ? EPROTO : EPIPE;
		return -1;
	}
	if (tls_conn_ready(conn) < 0)
		return -1;
	if (size == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	ret = SSL_write(conn->ssl, data, (int)MIN(size, (size_t)INT_MAX));
	saved_errno = errno;
	if (ret > 0)
		return ret;
	return tls_conn_io_failed(conn, ret, saved_errno, false);
}

bool tls_conn_has_pending(const struct tls_conn *conn)
{
	/* SSL_pending(), not SSL_has_pending(): a partial record in OpenSSL's
	   buffer cannot be read yet, and the rest of it wakes up the fd */
	return conn->handshaked && !conn->failed && SSL_pending(conn->ssl) > 0;
}

int tls_conn_close(struct tls_conn *conn)
{
	int ret, err;

	if (conn->close_sent || !conn->handshaked)
		return 1;
	if (conn->failed)
		return -1;
	ERR_clear_error();
	ret = SSL_shutdown(conn->ssl);
	if (ret >= 0) {
		/* 0: ours is sent, the peer's has not arrived (we do not wait) */
		conn->close_sent = true;
		return 1;
	}
	err = SSL_get_error(conn->ssl, ret);
	if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
		conn->wants = err == SSL_ERROR_WANT_WRITE ? IO_WRITE : IO_READ;
		ERR_clear_error();
		return 0;
	}
	tls_conn_set_failed(conn, err, errno);
	return -1;
}

const char *tls_conn_get_protocol(const struct tls_conn *conn)
{
	return conn->handshaked ? SSL_get_version(conn->ssl) : "";
}

const char *tls_conn_get_cipher(const struct tls_conn *conn)
{
	const SSL_CIPHER *cipher = conn->handshaked ? SSL_get_current_cipher(conn->ssl) : NULL;

	return cipher == NULL ? "" : SSL_CIPHER_get_name(cipher);
}

const char *tls_conn_get_security_string(const struct tls_conn *conn)
{
	const SSL_CIPHER *cipher = conn->handshaked ? SSL_get_current_cipher(conn->ssl) : NULL;
	int bits, alg_bits;

	if (cipher == NULL)
		return "";
	bits = SSL_CIPHER_get_bits(cipher, &alg_bits);
	return t_strdup_printf("%s with cipher %s (%d/%d bits)", SSL_get_version(conn->ssl),
			       SSL_CIPHER_get_name(cipher), bits, alg_bits);
}

const char *tls_conn_get_sni_name(const struct tls_conn *conn)
{
	return conn->sni_name;
}

const char *tls_conn_get_error(const struct tls_conn *conn)
{
	return conn->error;
}

const char *tls_conn_get_error_details(const struct tls_conn *conn)
{
	return conn->error_details;
}

int tls_conn_get_fd(const struct tls_conn *conn)
{
	return conn->fd;
}

struct line_reader *tls_conn_starttls_line_reader(struct tls_conn *conn,
						  struct line_reader **plain_reader,
						  const struct line_reader_settings *set,
						  size_t *discarded_r)
{
	*discarded_r = *plain_reader == NULL ? 0 : line_reader_get_buffered(*plain_reader);
	line_reader_destroy(plain_reader);
	return line_reader_create(set, tls_conn_read, conn);
}
