/* Bounded non-blocking output. */
#include "lib.h"
#include "ioloop.h"
#include "auth-output.h"

struct auth_output {
	int fd;
	buffer_t *buf;
	struct io *io;
	bool failed;
};

struct auth_output *auth_output_create(int fd)
{
	struct auth_output *output = i_new(struct auth_output, 1);

	output->fd = fd;
	output->buf = buffer_create_dynamic(pool_system, 256);
	return output;
}

void auth_output_destroy(struct auth_output **_output)
{
	struct auth_output *output = *_output;

	*_output = NULL;
	if (output->io != NULL)
		io_remove(&output->io);
	buffer_free(&output->buf);
	i_free(output);
}

static int auth_output_write(struct auth_output *output)
{
	while (output->buf->used > 0) {
		ssize_t ret = write(output->fd, output->buf->data, output->buf->used);

		if (ret > 0) {
			buffer_delete(output->buf, 0, (size_t)ret);
		} else if (ret < 0 && errno == EINTR) {
			continue;
		} else if (ret < 0 && errno == EAGAIN) {
			return 0;
		} else {
			output->failed = true;
			return -1;
		}
	}
	return 0;
}

static void auth_output_writable(void *context)
{
	struct auth_output *output = context;

	if (auth_output_write(output) < 0 || output->buf->used == 0)
		io_remove(&output->io);
	/* a failed write shows as EOF to the owner's reader */
}

int auth_output_send(struct auth_output *output, const void *data, size_t size)
{
	if (output->failed)
		return -1;
	if (output->buf->used + size > AUTH_OUTPUT_MAX_BUFFER)
		return -1;
	buffer_append(output->buf, data, size);
	if (output->io != NULL)
		return 0;
	if (auth_output_write(output) < 0)
		return -1;
	if (output->buf->used > 0)
		output->io = io_add(output->fd, IO_WRITE, auth_output_writable, output);
	return 0;
}

int auth_output_send_str(struct auth_output *output, const string_t *str)
{
	return auth_output_send(output, str_data(str), str_len(str));
}
