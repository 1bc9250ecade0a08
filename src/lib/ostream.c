#include "lib.h"
#include "ioloop.h"
#include "ostream.h"

struct ostream {
	int fd;
	size_t max_buffer;
	buffer_t *buf;
	size_t buf_pos; /* written up to here */
	unsigned int corked;
	struct io *io;
	ostream_flush_callback_t *callback;
	void *context;
	uint64_t bytes_written;
	int last_errno;
	bool failed;
	bool notify_pending; /* was full: tell the producer when it drains */

	ostream_filter_func_t *filter;
	void *filter_context;
	bool filter_unflushed; /* sent through the filter since its last flush */
};

struct ostream *ostream_create_fd(int fd, size_t max_buffer)
{
	struct ostream *os = i_new(struct ostream, 1);

	os->fd = fd;
	os->max_buffer = max_buffer;
	return os;
}

void ostream_destroy(struct ostream **_os)
{
	struct ostream *os = *_os;

	if (os == NULL)
		return;
	*_os = NULL;
	io_remove(&os->io);
	buffer_free(&os->buf);
	i_free(os);
}

static size_t used(const struct ostream *os)
{
	return os->buf == NULL ? 0 : os->buf->used - os->buf_pos;
}

static void set_failed(struct ostream *os, int err)
{
	os->failed = true;
	os->last_errno = err;
	io_remove(&os->io);
	if (os->buf != NULL) {
		buffer_reset(os->buf);
		os->buf_pos = 0;
	}
}

static void ostream_output(void *context);

static void update_io(struct ostream *os)
{
	bool want = !os->failed && used(os) > 0;

	if (want && os->io == NULL)
		os->io = io_add(os->fd, IO_WRITE, ostream_output, os);
	else if (!want)
		io_remove(&os->io);
}

static int write_buffered(struct ostream *os)
{
	while (used(os) > 0) {
		ssize_t ret = write(os->fd, os->buf->data + os->buf_pos, used(os));

		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			set_failed(os, errno);
			return -1;
		}
		os->buf_pos += (size_t)ret;
		os->bytes_written += (uint64_t)ret;
	}
	if (used(os) == 0) {
		buffer_reset(os->buf);
		os->buf_pos = 0;
		/* idle connections hold no buffer; a producer still sending
		   (corked) keeps it for its next lines */
		if (os->corked == 0 || os->buf->alloc > 65536)
			buffer_free(&os->buf);
	} else if (os->buf_pos > 65536 && os->buf_pos * 2 > os->buf->used) {
		buffer_delete(os->buf, 0, os->buf_pos);
		os->buf_pos = 0;
	}
	update_io(os);
	return used(os) == 0 ? 1 : 0;
}

/* The filter's sync flush, before data is written out. */
static int filter_flush(struct ostream *os)
{
	if (os->filter == NULL || !os->filter_unflushed)
		return 0;
	os->filter_unflushed = false;
	if (os->buf == NULL)
		os->buf = buffer_create_dynamic(pool_system, 4096);
	if (os->filter(os->filter_context, NULL, 0, true, os->buf) < 0) {
		set_failed(os, EIO);
		return -1;
	}
	return 0;
}

int ostream_flush(struct ostream *os)
{
	if (os->failed || filter_flush(os) < 0)
		return -1;
	if (used(os) == 0)
		return 1;
	return write_buffered(os);
}

static void ostream_output(void *context)
{
	struct ostream *os = context;

	int ret = write_buffered(os);

	if (os->callback == NULL)
		return;
	/* a failure is news too: the producer must stop and clean up */
	if (ret < 0 || (os->notify_pending && !ostream_is_full(os))) {
		os->notify_pending = false;
		ostream_cork(os);
		os->callback(os->context);
		ostream_uncork(os);
	}
}

int ostream_send(struct ostream *os, const void *data, size_t size)
{
	if (os->failed)
		return -1;
	if (size == 0)
		return 0;
	if (os->buf == NULL)
		os->buf = buffer_create_dynamic(pool_system, MIN(MAX(size, 4096), 65536));
	if (os->filter != NULL) {
		if (os->filter(os->filter_context, data, size, os->corked == 0, os->buf) < 0) {
			set_failed(os, EIO);
			return -1;
		}
		os->filter_unflushed = os->corked > 0;
	} else {
		buffer_append(os->buf, data, size);
	}
	if (ostream_is_full(os))
		os->notify_pending = true;
	if (os->corked == 0 || used(os) >= os->max_buffer) {
		if (filter_flush(os) < 0)
			return -1;
		return write_buffered(os) < 0 ? -1 : 0;
	}
	return 0;
}

int ostream_send_str(struct ostream *os, const char *str)
{
	return ostream_send(os, str, strlen(str));
}

void ostream_cork(struct ostream *os)
{
	os->corked++;
}

void ostream_uncork(struct ostream *os)
{
	i_assert(os->corked > 0);
	if (--os->corked == 0 && !os->failed && filter_flush(os) == 0 && used(os) > 0)
		(void)write_buffered(os);
}

bool ostream_is_full(const struct ostream *os)
{
	return used(os) >= os->max_buffer;
}

size_t ostream_get_buffer_used(const struct ostream *os)
{
	return used(os);
}

uint64_t ostream_get_bytes_written(const struct ostream *os)
{
	return os->bytes_written;
}

const char *ostream_get_error(const struct ostream *os)
{
	return os->failed ? strerror(os->last_errno) : NULL;
}

bool ostream_is_failed(const struct ostream *os)
{
	return os->failed;
}

void ostream_set_flush_callback(struct ostream *os, ostream_flush_callback_t *callback,
				void *context)
{
	os->callback = callback;
	os->context = context;
}

void ostream_set_filter(struct ostream *os, ostream_filter_func_t *filter, void *context)
{
	os->filter = filter;
	os->filter_context = context;
	os->filter_unflushed = false;
}
