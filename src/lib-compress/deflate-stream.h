#ifndef DEFLATE_STREAM_H
#define DEFLATE_STREAM_H

/* IMAP COMPRESS=DEFLATE (RFC 4978): raw deflate (RFC 1951) on both
   directions of a connection, as an ostream filter for what the server
   writes and a line_reader source for what it reads. */

#include "buffer.h"

struct deflate_input;
struct deflate_output;

/* Inflates what fd brings; initial: compressed bytes already read (the
   client's data pipelined after its COMPRESS command). */
struct deflate_input *deflate_input_create(int fd, const void *initial, size_t initial_size);
void deflate_input_destroy(struct deflate_input **in);
/* line_reader_read_func_t: >0 bytes inflated into buf, 0 at EOF, -1 with
   errno (EAGAIN: nothing now; EIO: the stream is not valid deflate). */
ssize_t deflate_input_read(void *context, void *buf, size_t size);
/* line_reader_pending_func_t: input read from the fd not inflated yet */
bool deflate_input_has_pending(void *context);

/* level: zlib's 1..9. Returns NULL when zlib fails to allocate. */
struct deflate_output *deflate_output_create(int level);
void deflate_output_destroy(struct deflate_output **out);
/* ostream_filter_func_t */
int deflate_output_filter(void *context, const void *data, size_t size, bool flush,
			  buffer_t *dest);

#endif
