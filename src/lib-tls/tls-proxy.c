/* The TLS <-> plain fd proxy of a login process. One function, tls_proxy_run(),
   moves whatever can move in both directions until nothing can, then
   watches exactly the fds and conditions that would let something move
   again. Reading the TLS side until EAGAIN also drains what OpenSSL has
   decrypted already, so the proxy never sleeps on buffered data. */
#include "lib.h"
#include "ioloop.h"
#include "tls-proxy.h"

#include <sys/socket.h>

struct tls_proxy_buffer {
	size_t start, end; /* data is data[start..end) */
	/* allocated while it holds data: an idle proxy holds no buffer */
	unsigned char *data;
};

struct tls_proxy {
	struct tls_conn *conn;
	int tls_fd, plain_fd;

	struct tls_proxy_buffer to_plain; /* from the client */
	struct tls_proxy_buffer to_tls;   /* to the client */

	struct io *io_tls, *io_plain;
	enum io_condition io_tls_cond, io_plain_cond;
	/* what the last TLS read/write/close that returned EAGAIN waits for */
	enum io_condition tls_read_wait, tls_write_wait, tls_close_wait;

	uint64_t bytes_in, bytes_out;
	time_t last_io;
	size_t max_buffered;
	char *error;

	struct timeout *to_finished;
	enum tls_proxy_end end;
	tls_proxy_finished_callback_t *callback;
	void *context;

	bool tls_eof:1;     /* the client's stream ended */
	bool plain_eof:1;   /* the post-login side closed */
	bool plain_shut:1;  /* we shut down writing to the post-login side */
	bool finished:1;
};

static void tls_proxy_run(struct tls_proxy *proxy);

static size_t buf_used(const struct tls_proxy_buffer *buf)
{
	return buf->end - buf->start;
}

/* Room at the end, compacting first when the data does not start at 0. */
static size_t buf_space(struct tls_proxy_buffer *buf)
{
	if (buf->start == buf->end) {
		buf->start = buf->end = 0;
	} else if (buf->end == TLS_PROXY_BUFFER_SIZE && buf->start > 0) {
		/* tls_conn_write() accepts moved data (ACCEPT_MOVING_WRITE_BUFFER) */
		memmove(buf->data, buf->data + buf->start, buf_used(buf));
		buf->end -= buf->start;
		buf->start = 0;
	}
	return TLS_PROXY_BUFFER_SIZE - buf->end;
}

/* The buffer to read into. */
static unsigned char *buf_data(struct tls_proxy_buffer *buf)
{
	if (buf->data == NULL)
		buf->data = i_malloc(TLS_PROXY_BUFFER_SIZE);
	return buf->data;
}

/* Gives the memory back when the buffer is empty (most of an idle
   connection's life). */
static void buf_release_empty(struct tls_proxy_buffer *buf)
{
	if (buf->start == buf->end) {
		buf->start = buf->end = 0;
		i_free(buf->data);
	}
}

static void tls_proxy_added(struct tls_proxy *proxy, struct tls_proxy_buffer *buf, size_t n)
{
	buf->end += n;
	proxy->max_buffered = MAX(proxy->max_buffered, buf_used(buf));
	proxy->last_io = ioloop_time;
}

static void tls_proxy_finished_timeout(void *context)
{
	struct tls_proxy *proxy = context;

	proxy->to_finished = NULL;
	proxy->callback(proxy->end, proxy->context);
}

static void tls_proxy_finish(struct tls_proxy *proxy, enum tls_proxy_end end, const char *error)
{
	if (proxy->finished)
		return;
	proxy->finished = true;
	proxy->end = end;
	if (error != NULL)
		proxy->error = i_strdup(error);
	io_remove(&proxy->io_tls);
	io_remove(&proxy->io_plain);
	/* the owner may destroy us in its callback: not from inside our own io */
	proxy->to_finished = timeout_add_once(0, tls_proxy_finished_timeout, proxy);
}

static void tls_proxy_io(void *context)
{
	tls_proxy_run(context);
}

static void tls_proxy_set_io(int fd, struct io **io, enum io_condition *cur,
			     enum io_condition cond, void *context)
{
	if (*io != NULL && *cur == cond)
		return;
	io_remove(io);
	*cur = cond;
	if (cond != 0)
		*io = io_add(fd, cond, tls_proxy_io, context);
}

static void tls_proxy_update_ios(struct tls_proxy *proxy)
{
	enum io_condition tls_cond = 0, plain_cond = 0;

	if (!proxy->tls_eof && buf_space(&proxy->to_plain) > 0)
		tls_cond |= proxy->tls_read_wait;
	if (buf_used(&proxy->to_tls) > 0)
		tls_cond |= proxy->tls_write_wait;
	else if (proxy->plain_eof)
		tls_cond |= proxy->tls_close_wait;
	if (!proxy->plain_eof && buf_space(&proxy->to_tls) > 0)
		plain_cond |= IO_READ;
	if (buf_used(&proxy->to_plain) > 0)
		plain_cond |= IO_WRITE;
	tls_proxy_set_io(proxy->tls_fd, &proxy->io_tls, &proxy->io_tls_cond, tls_cond, proxy);
	tls_proxy_set_io(proxy->plain_fd, &proxy->io_plain, &proxy->io_plain_cond, plain_cond,
			 proxy);
}

static const char *tls_proxy_tls_error(struct tls_proxy *proxy)
{
	const char *error = tls_conn_get_error(proxy->conn);

	return t_strdup_printf("TLS: %s", error != NULL ? error : strerror(errno));
}

/* client -> post-login. Returns 1 on progress, 0 when blocked, -1 when finished. */
static int tls_proxy_client_input(struct tls_proxy *proxy)
{
	struct tls_proxy_buffer *buf = &proxy->to_plain;
	size_t space = buf_space(buf);
	int progress = 0;
	ssize_t n;

	if (!proxy->tls_eof && space > 0) {
		n = tls_conn_read(proxy->conn, buf_data(buf) + buf->end, space);
		if (n > 0) {
			proxy->bytes_in += (uint64_t)n;
			tls_proxy_added(proxy, buf, (size_t)n);
			progress = 1;
		} else if (n == 0) {
			proxy->tls_eof = true;
			progress = 1;
		} else if (errno == EAGAIN) {
			proxy->tls_read_wait = tls_conn_wants(proxy->conn);
		} else {
			tls_proxy_finish(proxy, TLS_PROXY_END_CLIENT_ERROR,
					 tls_proxy_tls_error(proxy));
			return -1;
		}
	}
	if (buf_used(buf) > 0) {
		n = write(proxy->plain_fd, buf->data + buf->start, buf_used(buf));
		if (n > 0) {
			buf->start += (size_t)n;
			progress = 1;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			tls_proxy_finish(proxy, TLS_PROXY_END_SERVER_ERROR,
					 t_strdup_printf("write(plain) failed: %m"));
			return -1;
		}
	}
	buf_release_empty(buf);
	if (proxy->tls_eof && buf_used(buf) == 0 && !proxy->plain_shut) {
		/* the post-login side sees EOF and ends the session */
		(void)shutdown(proxy->plain_fd, SHUT_WR);
		proxy->plain_shut = true;
	}
	return progress;
}

/* post-login -> client */
static int tls_proxy_server_input(struct tls_proxy *proxy)
{
	struct tls_proxy_buffer *buf = &proxy->to_tls;
	size_t space = buf_space(buf);
	int progress = 0, ret;
	ssize_t n;

	if (!proxy->plain_eof && space > 0) {
		n = read(proxy->plain_fd, buf_data(buf) + buf->end, space);
		if (n > 0) {
			tls_proxy_added(proxy, buf, (size_t)n);
			progress = 1;
		} else if (n == 0) {
			proxy->plain_eof = true;
			progress = 1;
		} else if (errno != EAGAIN && errno != EINTR) {
			tls_proxy_finish(proxy, TLS_PROXY_END_SERVER_ERROR,
					 t_strdup_printf("read(plain) failed: %m"));
			return -1;
		}
	}
	if (buf_used(buf) > 0) {
		n = tls_conn_write(proxy->conn, buf->data + buf->start, buf_used(buf));
		if (n > 0) {
			buf->start += (size_t)n;
			proxy->bytes_out += (uint64_t)n;
			proxy->last_io = ioloop_time;
			progress = 1;
		} else if (n < 0 && errno == EAGAIN) {
			proxy->tls_write_wait = tls_conn_wants(proxy->conn);
		} else {
			tls_proxy_finish(proxy, TLS_PROXY_END_CLIENT_ERROR,
					 tls_proxy_tls_error(proxy));
			return -1;
		}
	}
	buf_release_empty(buf);
	if (proxy->plain_eof && buf_used(buf) == 0) {
		ret = tls_conn_close(proxy->conn);
		if (ret == 0) {
			proxy->tls_close_wait = tls_conn_wants(proxy->conn);
		} else {
			/* a failed close_notify only means the client is gone */
			tls_proxy_finish(proxy, TLS_PROXY_END_SERVER_CLOSED, NULL);
			return -1;
		}
	}
	return progress;
}

static void tls_proxy_run(struct tls_proxy *proxy)
{
	int in, out;

	do {
		if ((in = tls_proxy_client_input(proxy)) < 0 ||
		    (out = tls_proxy_server_input(proxy)) < 0)
			return;
	} while (in > 0 || out > 0);
	tls_proxy_update_ios(proxy);
}

struct tls_proxy *tls_proxy_create(struct tls_conn *conn, int plain_fd,
				   tls_proxy_finished_callback_t *callback, void *context)
{
	struct tls_proxy *proxy = i_new(struct tls_proxy, 1);

	proxy->conn = conn;
	proxy->tls_fd = tls_conn_get_fd(conn);
	proxy->plain_fd = plain_fd;
	proxy->callback = callback;
	proxy->context = context;
	proxy->tls_read_wait = proxy->tls_write_wait = proxy->tls_close_wait = IO_READ;
	proxy->last_io = ioloop_time;
	tls_proxy_run(proxy);
	return proxy;
}

void tls_proxy_destroy(struct tls_proxy **_proxy)
{
	struct tls_proxy *proxy = *_proxy;

	if (proxy == NULL)
		return;
	*_proxy = NULL;
	io_remove(&proxy->io_tls);
	io_remove(&proxy->io_plain);
	if (proxy->to_finished != NULL)
		timeout_remove(&proxy->to_finished);
	i_free(proxy->to_plain.data);
	i_free(proxy->to_tls.data);
	i_free(proxy->error);
	i_free(proxy);
}

uint64_t tls_proxy_get_bytes_in(const struct tls_proxy *proxy)
{
	return proxy->bytes_in;
}

uint64_t tls_proxy_get_bytes_out(const struct tls_proxy *proxy)
{
	return proxy->bytes_out;
}

unsigned int tls_proxy_get_idle_secs(const struct tls_proxy *proxy)
{
	return ioloop_time <= proxy->last_io ? 0 : (unsigned int)(ioloop_time - proxy->last_io);
}

size_t tls_proxy_get_max_buffered(const struct tls_proxy *proxy)
{
	return proxy->max_buffered;
}

const char *tls_proxy_get_error(const struct tls_proxy *proxy)
{
	return proxy->error;
}
