#include "lib.h"

static void buffer_alloc(buffer_t *buf, size_t size)
{
	/* one extra byte so that str.c can always NUL-terminate */
	size = i_add_size(size, 1);
	if (size <= buf->alloc)
		return;
	size_t new_alloc = buf->alloc < 32 ? 32 : buf->alloc;

	while (new_alloc < size)
		new_alloc = i_mul_size(new_alloc, 2);
	buf->data = p_realloc(buf->pool, buf->data, buf->alloc, new_alloc);
	buf->alloc = new_alloc;
}

buffer_t *buffer_create_dynamic(pool_t pool, size_t init_size)
{
	buffer_t *buf = p_new(pool, buffer_t, 1);

	buf->pool = pool;
	buffer_alloc(buf, init_size);
	return buf;
}

buffer_t *buffer_create_bounded(pool_t pool, size_t init_size, size_t max_size)
{
	buffer_t *buf = buffer_create_dynamic(pool, MIN(init_size, max_size));

	buf->max_size = max_size;
	return buf;
}

void buffer_free(buffer_t **_buf)
{
	buffer_t *buf = *_buf;

	if (buf == NULL)
		return;
	*_buf = NULL;
	p_free(buf->pool, buf->data);
	p_free(buf->pool, buf);
}

void buffer_reserve(buffer_t *buf, size_t size)
{
	buffer_alloc(buf, i_add_size(buf->used, size));
}

bool buffer_append(buffer_t *buf, const void *data, size_t size)
{
	size_t new_used = i_add_size(buf->used, size);

	if (buf->max_size != 0 && new_used > buf->max_size)
		return false;
	buffer_alloc(buf, new_used);
	if (size > 0)
		memcpy(buf->data + buf->used, data, size);
	buf->used = new_used;
	buf->data[buf->used] = '\0';
	return true;
}

bool buffer_append_c(buffer_t *buf, unsigned char c)
{
	return buffer_append(buf, &c, 1);
}

void *buffer_append_space(buffer_t *buf, size_t size)
{
	size_t old = buf->used;

	buffer_alloc(buf, i_add_size(buf->used, size));
	memset(buf->data + old, 0, size + 1);
	buf->used += size;
	return buf->data + old;
}

void buffer_write(buffer_t *buf, size_t pos, const void *data, size_t size)
{
	size_t end = i_add_size(pos, size);

	buffer_alloc(buf, end);
	if (pos > buf->used)
		memset(buf->data + buf->used, 0, pos - buf->used);
	memcpy(buf->data + pos, data, size);
	if (end > buf->used) {
		buf->used = end;
		buf->data[end] = '\0';
	}
}

void buffer_delete(buffer_t *buf, size_t pos, size_t size)
{
	if (pos >= buf->used)
		return;
	if (size > buf->used - pos)
		size = buf->used - pos;
	memmove(buf->data + pos, buf->data + pos + size, buf->used - pos - size);
	buf->used -= size;
	buf->data[buf->used] = '\0';
}

void buffer_set_used_size(buffer_t *buf, size_t used)
{
	buffer_alloc(buf, used);
	if (used > buf->used)
		memset(buf->data + buf->used, 0, used - buf->used);
	buf->used = used;
	buf->data[used] = '\0';
}

void buffer_reset(buffer_t *buf)
{
	buffer_set_used_size(buf, 0);
}
