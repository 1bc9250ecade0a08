#include "lib.h"
#include "message-size.h"

void message_size_add(struct message_size *msize, bool *last_cr, const void *data, size_t size)
{
	const unsigned char *p = data, *end = p + size;
	bool prev_cr = *last_cr;

	if (size == 0)
		return;
	msize->physical_size += size;
	msize->virtual_size += size;
	while (p < end) {
		const unsigned char *lf = memchr(p, '\n', (size_t)(end - p));

		if (lf == NULL)
			break;
		msize->lines++;
		if (!(lf == data ? prev_cr : lf[-1] == '\r'))
			msize->virtual_size++;
		p = lf + 1;
	}
	*last_cr = end[-1] == '\r';
}

void message_size_get(const void *data, size_t size, struct message_size *msize_r)
{
	bool last_cr = false;

	memset(msize_r, 0, sizeof(*msize_r));
	message_size_add(msize_r, &last_cr, data, size);
}

void message_size_sum(struct message_size *dest, const struct message_size *src)
{
	dest->physical_size += src->physical_size;
	dest->virtual_size += src->virtual_size;
	dest->lines += src->lines;
}

void message_size_diff(const struct message_size *a, const struct message_size *b,
		       struct message_size *dest_r)
{
	i_assert(a->physical_size >= b->physical_size);
	dest_r->physical_size = a->physical_size - b->physical_size;
	dest_r->virtual_size = a->virtual_size - b->virtual_size;
	dest_r->lines = a->lines - b->lines;
}
