/* COMPRESS=DEFLATE streams on top of zlib. See deflate-stream.h. */

#include "lib.h"
#include "deflate-stream.h"

#include <zlib.h>

/* compressed bytes read from the fd at a time */
#define DEFLATE_INPUT_RAW_SIZE 4096

struct deflate_input {
	int fd;
	z_stream zs;
	unsigned char *raw; /* raw[pos..used) not given to inflate yet */
	size_t pos, used;
	bool out_full; /* the last call filled its buffer: more may wait */
	bool ended, failed;
};

struct deflate_output {
	z_stream zs;
};

struct deflate_input *deflate_input_create(int fd, const void *initial, size_t initial_size)
{
	struct deflate_input *in = i_new(struct deflate_input, 1);

	in->fd = fd;
	/* -15: raw deflate with any window the client chose */
	if (inflateInit2(&in->zs, -15) != Z_OK)
		i_fatal_status(FATAL_OUTOFMEM, "inflateInit2() failed: out of memory");
	in->raw = i_malloc(MAX(DEFLATE_INPUT_RAW_SIZE, initial_size));
	if (initial_size > 0)
		memcpy(in->raw, initial, initial_size);
	in->used = initial_size;
	return in;
}

void deflate_input_destroy(struct deflate_input **_in)
{
	struct deflate_input *in = *_in;

	if (in == NULL)
		return;
	*_in = NULL;
	(void)inflateEnd(&in->zs);
	i_free(in->raw);
	i_free(in);
}

bool deflate_input_has_pending(void *context)
{
	struct deflate_input *in = context;

	return !in->failed && !in->ended && (in->pos < in->used || in->out_full);
}

ssize_t deflate_input_read(void *context, void *buf, size_t size)
{
	struct deflate_input *in = context;

	if (in->failed) {
		errno = EIO;
		return -1;
	}
	for (;;) {
		if (in->ended)
			return 0;
		if (in->pos == in->used && !in->out_full) {
			ssize_t ret = read(in->fd, in->raw, DEFLATE_INPUT_RAW_SIZE);

			if (ret <= 0)
				return ret;
			in->pos = 0;
			in->used = (size_t)ret;
		}
		in->zs.next_in = in->raw + in->pos;
		in->zs.avail_in = (uInt)(in->used - in->pos);
		in->zs.next_out = buf;
		in->zs.avail_out = (uInt)MIN(size, (size_t)UINT_MAX);
		uInt out_size = in->zs.avail_out;
		int ret = inflate(&in->zs, Z_SYNC_FLUSH);

		in->pos = in->used - in->zs.avail_in;
		size_t produced = out_size - in->zs.avail_out;
		in->out_full = in->zs.avail_out == 0;
		if (ret == Z_STREAM_END) {
			/* the client ended its stream: nothing may follow */
			in->ended = true;
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			in->failed = true;
			errno = EIO;
			return -1;
		}
		if (produced > 0)
			return (ssize_t)produced;
		/* Z_BUF_ERROR with all input used: read more */
		in->out_full = false;
	}
}

struct deflate_output *deflate_output_create(int level)
{
	struct deflate_output *out = i_new(struct deflate_output, 1);

	/* a 32 KB window and zlib's default memory level: about 256 KB
	   while the connection lasts, as zlib always takes */
	if (deflateInit2(&out->zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		i_free(out);
		return NULL;
	}
	return out;
}

void deflate_output_destroy(struct deflate_output **_out)
{
	struct deflate_output *out = *_out;

	if (out == NULL)
		return;
	*_out = NULL;
	(void)deflateEnd(&out->zs);
	i_free(out);
}

int deflate_output_filter(void *context, const void *data, size_t size, bool flush,
			  buffer_t *dest)
{
	struct deflate_output *out = context;
	unsigned char chunk[16384];

	out->zs.next_in = (Bytef *)data;
	out->zs.avail_in = (uInt)size;
	do {
		out->zs.next_out = chunk;
		out->zs.avail_out = sizeof(chunk);
		int ret = deflate(&out->zs, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH);

		if (ret != Z_OK && ret != Z_BUF_ERROR)
			return -1;
		buffer_append(dest, chunk, sizeof(chunk) - out->zs.avail_out);
		/* a full chunk may mean more output is waiting */
	} while (out->zs.avail_in > 0 || out->zs.avail_out == 0);
	return 0;
}
