#ifndef BUFFER_H
#define BUFFER_H

/* Growable byte buffers. A buffer grows inside its pool and cannot overflow:
   every write checks the size (a size overflow is a bug and panics). A
   buffer created with a max_size refuses to grow past it: buffer_append()
   then returns false, which is how bounded protocol input is enforced. */

typedef struct buffer {
	unsigned char *data;
	size_t used;
	size_t alloc;
	size_t max_size; /* 0 = unlimited */
	pool_t pool;
} buffer_t;

buffer_t *buffer_create_dynamic(pool_t pool, size_t init_size);
/* Like buffer_create_dynamic(), but appends past max_size fail. */
buffer_t *buffer_create_bounded(pool_t pool, size_t init_size, size_t max_size);
/* Frees the data and the buffer (from pool_system pools) and sets *buf=NULL. */
void buffer_free(buffer_t **buf);

/* Returns false when max_size would be exceeded (nothing is appended). */
bool buffer_append(buffer_t *buf, const void *data, size_t size);
bool buffer_append_c(buffer_t *buf, unsigned char c);
void buffer_write(buffer_t *buf, size_t pos, const void *data, size_t size);
/* Returns a pointer to size new bytes at the end (zeroed). */
void *buffer_append_space(buffer_t *buf, size_t size);
void buffer_delete(buffer_t *buf, size_t pos, size_t size);
void buffer_set_used_size(buffer_t *buf, size_t used);
void buffer_reset(buffer_t *buf);
/* Makes sure size more bytes fit without reallocation. */
void buffer_reserve(buffer_t *buf, size_t size);

static inline const void *buffer_get_data(const buffer_t *buf, size_t *used_r)
{
	if (used_r != NULL)
		*used_r = buf->used;
	return buf->data;
}

#endif
