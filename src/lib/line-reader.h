#ifndef LINE_READER_H
#define LINE_READER_H

/* The one bounded reader for all protocol input (IMAP, POP3, LMTP, the
   internal protocols). It returns whole lines up to max_line_length bytes
   and, between lines, raw bytes for literals/message data. It never holds
   more than max_line_length (+ CRLF) bytes: a longer line is reported as
   LINE_READER_TOO_LONG before anything big is allocated, and the protocol
   answers BAD/-ERR/5xx. The buffer starts small and grows on demand, so an
   idle connection costs little memory.

   Input comes from a read function, so the same reader works on a plain fd,
   on TLS, and on test input fed one byte at a time. */

struct line_reader_settings {
	size_t max_line_length; /* bytes, without the line ending */
	uint64_t max_literal_size; /* 0 = unlimited */
};

/* Returns >0 bytes read, 0 at EOF, or -1 with errno (EAGAIN: nothing now). */
typedef ssize_t line_reader_read_func_t(void *context, void *buf, size_t size);

enum line_reader_result {
	LINE_READER_TOO_LONG = -1,
	LINE_READER_MORE = 0, /* no complete line buffered: fill and retry */
	LINE_READER_LINE = 1,
};

struct line_reader *line_reader_create(const struct line_reader_settings *set,
				       line_reader_read_func_t *read_func, void *context);
struct line_reader *line_reader_create_fd(const struct line_reader_settings *set, int fd);
/* Whether a source holds input it has read but not returned yet: the
   caller must fill again without waiting for its fd to be readable. */
typedef bool line_reader_pending_func_t(void *context);
/* Replaces the source (IMAP COMPRESS: an inflating reader of the fd).
   pending may be NULL. What is buffered stays. */
void line_reader_set_source(struct line_reader *reader, line_reader_read_func_t *read_func,
			    void *context, line_reader_pending_func_t *pending);
bool line_reader_source_has_pending(const struct line_reader *reader);
void line_reader_destroy(struct line_reader **reader);

/* Reads what the source has now. Returns >0 (bytes added), 0 (nothing
   available now, or the buffer is full: call next_line to get the
   TOO_LONG), -1 at EOF or on error (see line_reader_get_error()). */
ssize_t line_reader_fill(struct line_reader *reader);
/* Adds bytes read elsewhere (e.g. pipelined input a login process passed
   along) as if they had come from the source. Returns false, adding
   nothing, when they do not fit in the buffer. */
bool line_reader_feed(struct line_reader *reader, const void *data, size_t size);
/* errno-style text of the last fill failure, "EOF" at end of input. */
const char *line_reader_get_error(const struct line_reader *reader);
bool line_reader_is_eof(const struct line_reader *reader);

/* The next complete line without its CRLF or LF, NUL-terminated; *len_r is
   its length (the line may contain NUL bytes: callers decide). Valid until
   the next call on the reader. */
enum line_reader_result line_reader_next_line(struct line_reader *reader, const char **line_r,
					      size_t *len_r);
/* After TOO_LONG: discard input up to and including the next LF, for
   protocols that answer an error and go on (SMTP/LMTP). */
void line_reader_skip_line(struct line_reader *reader);

/* Literal / message data: up to max bytes of what is buffered, consumed.
   Returns the number of bytes at *data_r (0: nothing buffered). */
size_t line_reader_read_data(struct line_reader *reader, size_t max,
			     const unsigned char **data_r);
size_t line_reader_get_buffered(const struct line_reader *reader);
/* Whether a literal of size bytes is allowed by max_literal_size. */
bool line_reader_literal_allowed(const struct line_reader *reader, uint64_t size);
/* Frees the buffer while nothing is buffered (idle connections). */
void line_reader_compact(struct line_reader *reader);

#endif
