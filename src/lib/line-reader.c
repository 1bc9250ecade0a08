#include "lib.h"
#include "line-reader.h"

#define LINE_READER_INITIAL_SIZE 512

struct line_reader {
	struct line_reader_settings set;
	line_reader_read_func_t *read_func;
	line_reader_pending_func_t *pending_func;
	void *context;
	int fd;

	unsigned char *buf;
	size_t alloc, start, end; /* data is buf[start..end) */
	size_t scan_pos;          /* no LF in buf[start..scan_pos) */
	bool skipping_line;
	bool eof;
	int last_errno;
};

static ssize_t fd_read_func(void *context, void *buf, size_t size)
{
	struct line_reader *reader = context;

	return read(reader->fd, buf, size);
}

struct line_reader *line_reader_create(const struct line_reader_settings *set,
				       line_reader_read_func_t *read_func, void *context)
{
	struct line_reader *reader = i_new(struct line_reader, 1);

	i_assert(set->max_line_length > 0);
	reader->set = *set;
	reader->read_func = read_func;
	reader->context = context;
	reader->fd = -1;
	return reader;
}

struct line_reader *line_reader_create_fd(const struct line_reader_settings *set, int fd)
{
	struct line_reader *reader = line_reader_create(set, fd_read_func, NULL);

	reader->context = reader;
	reader->fd = fd;
	return reader;
}

void line_reader_set_source(struct line_reader *reader, line_reader_read_func_t *read_func,
			    void *context, line_reader_pending_func_t *pending)
{
	reader->read_func = read_func;
	reader->context = context;
	reader->pending_func = pending;
}

bool line_reader_source_has_pending(const struct line_reader *reader)
{
	return reader->pending_func != NULL && !reader->eof &&
	       reader->pending_func(reader->context);
}

void line_reader_destroy(struct line_reader **_reader)
{
	struct line_reader *reader = *_reader;

	if (reader == NULL)
		return;
	*_reader = NULL;
	i_free(reader->buf);
	i_free(reader);
}

static size_t max_buffer_size(const struct line_reader *reader)
{
	/* the longest line plus CRLF */
	return i_add_size(reader->set.max_line_length, 2);
}

static void make_room(struct line_reader *reader)
{
	size_t used = reader->end - reader->start;

	if (reader->start > 0) {
		memmove(reader->buf, reader->buf + reader->start, used);
		reader->scan_pos -= reader->start;
		reader->start = 0;
		reader->end = used;
	}
	if (reader->end == reader->alloc && reader->alloc < max_buffer_size(reader)) {
		size_t new_alloc = reader->alloc == 0 ? LINE_READER_INITIAL_SIZE :
							 i_mul_size(reader->alloc, 2);

		new_alloc = MIN(new_alloc, max_buffer_size(reader));
		/* +1 so that a line can always be NUL-terminated in place */
		reader->buf = i_realloc(reader->buf, reader->alloc == 0 ? 0 : reader->alloc + 1,
					new_alloc + 1);
		reader->alloc = new_alloc;
	}
}

ssize_t line_reader_fill(struct line_reader *reader)
{
	ssize_t ret;

	if (reader->eof)
		return -1;
	make_room(reader);
	if (reader->end == reader->alloc)
		return 0; /* full: the caller sees TOO_LONG from next_line */
	ret = reader->read_func(reader->context, reader->buf + reader->end,
				reader->alloc - reader->end);
	if (ret == 0) {
		reader->eof = true;
		reader->last_errno = 0;
		return -1;
	}
	if (ret < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		reader->eof = true;
		reader->last_errno = errno;
		return -1;
	}
	reader->end += (size_t)ret;
	return ret;
}

bool line_reader_feed(struct line_reader *reader, const void *data, size_t size)
{
	if (size == 0)
		return true;
	while (reader->alloc - reader->end < size) {
		size_t old_alloc = reader->alloc;

		make_room(reader);
		if (reader->alloc == old_alloc && reader->alloc - reader->end < size)
			return false;
	}
	memcpy(reader->buf + reader->end, data, size);
	reader->end += size;
	return true;
}

const char *line_reader_get_error(const struct line_reader *reader)
{
	return reader->last_errno == 0 ? "EOF" : strerror(reader->last_errno);
}

bool line_reader_is_eof(const struct line_reader *reader)
{
	return reader->eof;
}

static bool skip_line(struct line_reader *reader)
{
	if (reader->start == reader->end)
		return false;
	unsigned char *lf = memchr(reader->buf + reader->start, '\n',
				   reader->end - reader->start);

	if (lf == NULL) {
		reader->start = reader->scan_pos = reader->end;
		return false;
	}
	reader->start = reader->scan_pos = (size_t)(lf - reader->buf) + 1;
	reader->skipping_line = false;
	return true;
}

enum line_reader_result line_reader_next_line(struct line_reader *reader, const char **line_r,
					      size_t *len_r)
{
	unsigned char *lf;
	size_t len;

	if (reader->skipping_line && !skip_line(reader))
		return LINE_READER_MORE;
	if (reader->start == reader->end)
		return LINE_READER_MORE;
	if (reader->scan_pos < reader->start)
		reader->scan_pos = reader->start;
	lf = memchr(reader->buf + reader->scan_pos, '\n', reader->end - reader->scan_pos);
	if (lf == NULL) {
		reader->scan_pos = reader->end;
		if (reader->end - reader->start >= max_buffer_size(reader))
			return LINE_READER_TOO_LONG;
		/* a lone CR at the end may still become CRLF: allow max+1 */
		if (reader->end - reader->start > reader->set.max_line_length &&
		    reader->buf[reader->end - 1] != '\r')
			return LINE_READER_TOO_LONG;
		return LINE_READER_MORE;
	}
	len = (size_t)(lf - (reader->buf + reader->start));
	if (len > 0 && lf[-1] == '\r')
		len--;
	if (len > reader->set.max_line_length)
		return LINE_READER_TOO_LONG;
	*line_r = (const char *)reader->buf + reader->start;
	*len_r = len;
	reader->buf[reader->start + len] = '\0';
	reader->start = reader->scan_pos = (size_t)(lf - reader->buf) + 1;
	return LINE_READER_LINE;
}

void line_reader_skip_line(struct line_reader *reader)
{
	reader->skipping_line = true;
	(void)skip_line(reader);
}

size_t line_reader_read_data(struct line_reader *reader, size_t max,
			     const unsigned char **data_r)
{
	size_t n = MIN(max, reader->end - reader->start);

	if (n == 0) {
		*data_r = NULL;
		return 0;
	}
	*data_r = reader->buf + reader->start;
	reader->start += n;
	if (reader->scan_pos < reader->start)
		reader->scan_pos = reader->start;
	return n;
}

size_t line_reader_get_buffered(const struct line_reader *reader)
{
	return reader->end - reader->start;
}

bool line_reader_literal_allowed(const struct line_reader *reader, uint64_t size)
{
	return reader->set.max_literal_size == 0 || size <= reader->set.max_literal_size;
}

void line_reader_compact(struct line_reader *reader)
{
	if (reader->start == reader->end) {
		i_free(reader->buf);
		reader->alloc = reader->start = reader->end = reader->scan_pos = 0;
	}
}
