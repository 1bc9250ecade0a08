/* roost-test-echo: a service used only by the tests, to exercise the
   master before the real protocols exist. It greets with its pid, uid and
   the effective login_greeting (so a test sees config reloads), then
   answers each line with "ECHO <line>"; "QUIT" ends the connection and
   "CRASH" makes the process abort. Runs on lib-master like every service. */
#include "lib.h"
#include "ioloop.h"
#include "line-reader.h"
#include "master-service.h"
#include "all-settings.h"

#include <stdio.h>
#include <stdlib.h>

struct echo_client {
	int fd;
	struct io *io;
	struct line_reader *reader;
};

static struct master_service *service;
static const char *greeting;

static void client_send(struct echo_client *client, const char *text)
{
	size_t len = strlen(text);

	/* tests send tiny lines: a blocking-style loop is enough here */
	while (len > 0) {
		ssize_t ret = write(client->fd, text, len);

		if (ret < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return;
		}
		text += ret;
		len -= (size_t)ret;
	}
}

static void client_destroy(struct echo_client *client)
{
	io_remove(&client->io);
	line_reader_destroy(&client->reader);
	close(client->fd);
	i_free(client);
	master_service_client_connection_destroyed(service);
}

static void client_input(void *context)
{
	struct echo_client *client = context;
	const char *line;
	size_t len;
	char buf[1100];

	if (line_reader_fill(client->reader) < 0) {
		client_destroy(client);
		return;
	}
	for (;;) {
		enum line_reader_result ret = line_reader_next_line(client->reader, &line, &len);

		if (ret == LINE_READER_MORE)
			break;
		if (ret == LINE_READER_TOO_LONG) {
			client_send(client, "ERROR line too long\r\n");
			client_destroy(client);
			return;
		}
		if (strcmp(line, "QUIT") == 0) {
			client_send(client, "BYE\r\n");
			client_destroy(client);
			return;
		}
		if (strcmp(line, "CRASH") == 0)
			abort();
		snprintf(buf, sizeof(buf), "ECHO %s\r\n", line);
		client_send(client, buf);
	}
}

static void client_connected(struct master_service_connection *conn)
{
	struct line_reader_settings set = { .max_line_length = 1024 };
	struct echo_client *client = i_new(struct echo_client, 1);
	char buf[512];

	client->fd = conn->fd;
	client->reader = line_reader_create_fd(&set, conn->fd);
	client->io = io_add(conn->fd, IO_READ, client_input, client);
	conn->accepted = true;
	snprintf(buf, sizeof(buf), "* HELLO pid=%ld uid=%ld listener=%s greeting=%s\r\n",
		 (long)getpid(), (long)getuid(), conn->listener_name, greeting);
	client_send(client, buf);
	i_info("connection from %s on %s",
	       conn->is_unix ? "unix" : net_ip2addr(pool_system, &conn->remote_ip),
	       conn->listener_name);
}

int main(int argc, char *argv[])
{
	service = master_service_init("test-echo", 0, &argc, &argv);
	greeting = settings_get_value(master_service_get_config(service), &all_settings_table,
				      NULL, "login_greeting");
	if (greeting == NULL)
		greeting = "";
	greeting = i_strdup(greeting);
	master_service_init_finish(service);
	i_info("started (uid %ld)", (long)getuid());
	master_service_run(service, client_connected);
	master_service_deinit(&service);
	return 0;
}
