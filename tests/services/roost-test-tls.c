/* roost-test-tls: a service used only by the tests, to exercise lib-tls
   through the real master before the login processes exist.

   Protocol (lines, CRLF): connections on listeners with ssl = yes start
   with a TLS handshake (implicit TLS); on the others "STARTTLS" answers
   "OK Begin TLS negotiation now" and the handshake follows, with anything
   the client pipelined after STARTTLS discarded. The greeting is
   "* OK test-tls ready (<plaintext|TLS>)". "INFO" answers
   "INFO tls=<yes|no> protocol=... cipher=... sni=... security=...",
   "QUIT" answers "BYE" and closes, every other line gets "ECHO <line>".

   Privileges: reads the TLS key from the config the master gives it
   (the copy with secrets: it has ssl listeners) before
   master_service_init_finish() drops privileges.

   Untrusted input: everything from the network: the TLS handshake and
   lines, bounded by the line reader (1024 bytes). */
#include "lib.h"
#include "ioloop.h"
#include "line-reader.h"
#include "master-service.h"
#include "tls-context.h"
#include "tls-conn.h"

#include <stdio.h>

#define TEST_TLS_MAX_LINE 1024
#define TEST_TLS_MAX_OUTPUT (64 * 1024)

enum client_state {
	CLIENT_STATE_PLAIN,
	CLIENT_STATE_HANDSHAKE,
	CLIENT_STATE_TLS,
};

struct tls_client {
	int fd;
	char *rip;
	enum client_state state;
	struct io *io;
	enum io_condition io_cond;
	struct line_reader *reader;
	struct tls_conn *tls;
	string_t *output;
	enum io_condition read_wants, write_wants;
};

static struct master_service *service;
static struct tls_context *tls_ctx;
static const struct line_reader_settings reader_set = { .max_line_length = TEST_TLS_MAX_LINE };

static void client_io(void *context);

static void client_destroy(struct tls_client *client)
{
	io_remove(&client->io);
	line_reader_destroy(&client->reader);
	if (client->tls != NULL) {
		(void)tls_conn_close(client->tls);
		tls_conn_destroy(&client->tls);
	}
	close(client->fd);
	str_free(&client->output);
	i_free(client->rip);
	i_free(client);
	master_service_client_connection_destroyed(service);
}

/* Writes what is buffered. Returns -1 when the client is gone. */
static int client_flush(struct tls_client *client)
{
	while (str_len(client->output) > 0) {
		ssize_t ret = client->tls != NULL ?
				      tls_conn_write(client->tls, str_data(client->output),
						     str_len(client->output)) :
				      write(client->fd, str_data(client->output),
					    str_len(client->output));

		if (ret < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				client->write_wants = client->tls != NULL ?
							      tls_conn_wants(client->tls) :
							      IO_WRITE;
				return 0;
			}
			return -1;
		}
		str_delete(client->output, 0, (size_t)ret);
	}
	return 0;
}

static void client_send(struct tls_client *client, const char *line)
{
	if (str_len(client->output) + strlen(line) > TEST_TLS_MAX_OUTPUT)
		return; /* a client that does not read loses replies */
	str_append(client->output, line);
	str_append(client->output, "\r\n");
}

static void client_update_io(struct tls_client *client)
{
	enum io_condition cond;

	if (client->state == CLIENT_STATE_HANDSHAKE)
		cond = tls_conn_wants(client->tls);
	else
		cond = client->read_wants |
		       (str_len(client->output) > 0 ? client->write_wants : 0);
	if (client->io != NULL && client->io_cond == cond)
		return;
	io_remove(&client->io);
	client->io_cond = cond;
	client->io = io_add(client->fd, cond, client_io, client);
}

static void client_greet(struct tls_client *client)
{
	client_send(client, client->tls != NULL ? "* OK test-tls ready (TLS)" :
						  "* OK test-tls ready (plaintext)");
}

static void cmd_info(struct tls_client *client)
{
	const char *sni;

	if (client->tls == NULL) {
		client_send(client, "INFO tls=no");
		return;
	}
	sni = tls_conn_get_sni_name(client->tls);
	client_send(client, t_strdup_printf("INFO tls=yes protocol=%s cipher=%s sni=%s "
					    "security=%s",
					    tls_conn_get_protocol(client->tls),
					    tls_conn_get_cipher(client->tls),
					    sni == NULL ? "" : str_sanitize(pool_temp, sni, 255),
					    tls_conn_get_security_string(client->tls)));
}

/* Returns 1 to go on reading, 0 when the current reader must not be used
   any more (STARTTLS), -1 when the client was destroyed. */
static int cmd_starttls(struct tls_client *client)
{
	size_t discarded;

	if (client->tls != NULL) {
		client_send(client, "ERROR TLS is already active");
		return 1;
	}
	if (tls_ctx == NULL) {
		client_send(client, "ERROR TLS is not configured");
		return 1;
	}
	client_send(client, "OK Begin TLS negotiation now");
	if (client_flush(client) < 0 || str_len(client->output) > 0) {
		client_destroy(client);
		return -1;
	}
	client->tls = tls_conn_create_starttls(tls_ctx, client->fd);
	/* whatever came after STARTTLS was not protected: it is dropped */
	client->reader = tls_conn_starttls_line_reader(client->tls, &client->reader, &reader_set,
						       &discarded);
	if (discarded > 0)
		i_info("STARTTLS: discarded %zu bytes of pipelined plaintext: rip=%s", discarded,
		       client->rip);
	client->state = CLIENT_STATE_HANDSHAKE;
	return 0;
}

/* Returns like cmd_starttls(). */
static int client_input_line(struct tls_client *client, const char *line)
{
	if (strcmp(line, "STARTTLS") == 0)
		return cmd_starttls(client);
	if (strcmp(line, "INFO") == 0) {
		cmd_info(client);
	} else if (strcmp(line, "QUIT") == 0) {
		client_send(client, "BYE");
		(void)client_flush(client);
		client_destroy(client);
		return -1;
	} else {
		client_send(client, t_strdup_printf("ECHO %s", line));
	}
	return 1;
}

/* Reads and answers until the source has nothing more now. Returns -1 when
   the client was destroyed. */
static int client_input(struct tls_client *client)
{
	const char *line;
	size_t len;
	ssize_t ret;

	for (;;) {
		ret = line_reader_fill(client->reader);
		if (ret < 0) {
			client_destroy(client);
			return -1;
		}
		/* valid when ret == 0: what the read that returned EAGAIN waits for */
		client->read_wants = client->tls != NULL ? tls_conn_wants(client->tls) : IO_READ;
		for (;;) {
			enum line_reader_result res =
				line_reader_next_line(client->reader, &line, &len);

			if (res == LINE_READER_MORE)
				break;
			if (res == LINE_READER_TOO_LONG) {
				client_send(client, "ERROR line too long");
				(void)client_flush(client);
				client_destroy(client);
				return -1;
			}
			int cmd_ret = client_input_line(client, line);

			if (cmd_ret <= 0)
				return cmd_ret;
		}
		/* drain what TLS already decrypted before sleeping on the fd */
		if (ret == 0 && (client->tls == NULL || !tls_conn_has_pending(client->tls)))
			return 0;
	}
}

static int client_handshake(struct tls_client *client)
{
	switch (tls_conn_handshake(client->tls)) {
	case TLS_HANDSHAKE_NEED_IO:
		return 0;
	case TLS_HANDSHAKE_ERROR:
		i_info("Disconnected (TLS handshake failed: %s): rip=%s, details=%s, "
		       "handshake_failures=%u",
		       tls_conn_get_error(client->tls), client->rip,
		       tls_conn_get_error_details(client->tls),
		       tls_context_get_handshake_failures(tls_ctx));
		client_destroy(client);
		return -1;
	case TLS_HANDSHAKE_DONE:
		break;
	}
	client->state = CLIENT_STATE_TLS;
	client->read_wants = IO_READ;
	client->write_wants = IO_WRITE;
	i_info("TLS handshake done: %s, sni=%s, rip=%s",
	       tls_conn_get_security_string(client->tls),
	       tls_conn_get_sni_name(client->tls) == NULL ?
		       "" : str_sanitize(pool_temp, tls_conn_get_sni_name(client->tls), 255),
	       client->rip);
	if (client->reader == NULL) {
		/* implicit TLS: the greeting is the first thing inside TLS */
		client->reader = line_reader_create(&reader_set, tls_conn_read, client->tls);
		client_greet(client);
	}
	return 1;
}

static void client_io(void *context)
{
	struct tls_client *client = context;

	for (;;) {
		if (client->state == CLIENT_STATE_HANDSHAKE) {
			int ret = client_handshake(client);

			if (ret < 0)
				return;
			if (ret == 0)
				break;
		}
		if (client_flush(client) < 0) {
			client_destroy(client);
			return;
		}
		if (client_input(client) < 0)
			return;
		/* STARTTLS switched state: start the handshake right away */
		if (client->state != CLIENT_STATE_HANDSHAKE)
			break;
	}
	if (client_flush(client) < 0) {
		client_destroy(client);
		return;
	}
	client_update_io(client);
}

static void client_connected(struct master_service_connection *conn)
{
	struct tls_client *client;

	if (conn->ssl && tls_ctx == NULL) {
		i_error("Disconnected: TLS listener %s, but TLS is not configured",
			conn->listener_name);
		return;
	}
	client = i_new(struct tls_client, 1);
	client->fd = conn->fd;
	client->rip = i_strdup(conn->is_unix ? "unix" : net_ip2addr(pool_temp, &conn->remote_ip));
	client->output = str_new(pool_system, 256);
	client->read_wants = IO_READ;
	client->write_wants = IO_WRITE;
	conn->accepted = true;
	if (conn->ssl) {
		client->tls = tls_conn_create(tls_ctx, conn->fd);
		client->state = CLIENT_STATE_HANDSHAKE;
	} else {
		client->reader = line_reader_create_fd(&reader_set, conn->fd);
		client->state = CLIENT_STATE_PLAIN;
		client_greet(client);
	}
	client_io(client);
}

int main(int argc, char *argv[])
{
	const char *error;

	service = master_service_init("test-tls", 0, &argc, &argv);
	/* the key is read while we may still be root */
	if (tls_context_create(master_service_get_config(service), NULL, &tls_ctx, &error) < 0) {
		i_warning("TLS not available: %s", error);
		tls_ctx = NULL;
	}
	master_service_init_finish(service);
	i_info("started (uid %ld)", (long)getuid());
	master_service_run(service, client_connected);
	tls_context_unref(&tls_ctx);
	master_service_deinit(&service);
	return 0;
}
