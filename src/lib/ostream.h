#ifndef OSTREAM_H
#define OSTREAM_H

/* Buffered output to a non-blocking fd, with back-pressure. Producers
   (IMAP FETCH, POP3 RETR, LMTP replies) write with ostream_send(); when the
   peer reads slowly the data waits in the buffer and is written as the fd
   becomes writable. A producer that could generate a lot (a 50 MB message,
   100k FETCH lines) checks ostream_is_full() and stops until its flush
   callback runs, so the server never buffers more than about max_buffer
   bytes per connection. Writes are corked while a callback runs, so many
   small sends become one write. */

struct ostream;

/* Called when the buffer has drained below the limit again after it was
   full, and when a write fails (ostream_is_failed() then says so); the
   callback may send more. */
typedef void ostream_flush_callback_t(void *context);

struct ostream *ostream_create_fd(int fd, size_t max_buffer);
/* Frees buffered data without writing it. */
void ostream_destroy(struct ostream **os);

/* Queues data and writes what the fd takes now. Returns 0, or -1 once the
   stream has failed (peer gone: ostream_get_error()); data sent after a
   failure is dropped. */
int ostream_send(struct ostream *os, const void *data, size_t size);
int ostream_send_str(struct ostream *os, const char *str);
/* Tries to write everything buffered now. Returns 1 when empty, 0 when
   data remains (it will go out as the fd becomes writable), -1 on error. */
int ostream_flush(struct ostream *os);

/* Hold small writes back until uncork (which flushes). Nestable. */
void ostream_cork(struct ostream *os);
void ostream_uncork(struct ostream *os);

bool ostream_is_full(const struct ostream *os);
size_t ostream_get_buffer_used(const struct ostream *os);
uint64_t ostream_get_bytes_written(const struct ostream *os);
const char *ostream_get_error(const struct ostream *os);
bool ostream_is_failed(const struct ostream *os);

void ostream_set_flush_callback(struct ostream *os, ostream_flush_callback_t *callback,
				void *context);

/* A transform of everything sent from now on (IMAP COMPRESS): it appends
   its output for data to dest. flush: the producer is done for now (the
   stream is not corked), so everything must come out (a sync flush) for
   the peer to read it. Returns 0, or -1 to fail the stream. Data already
   buffered stays as it was. */
typedef int ostream_filter_func_t(void *context, const void *data, size_t size, bool flush,
				  buffer_t *dest);
void ostream_set_filter(struct ostream *os, ostream_filter_func_t *filter, void *context);

#endif
