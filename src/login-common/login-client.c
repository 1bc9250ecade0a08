/* Pre-authentication clients of a login process (login-client.h). */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "base64.h"
#include "var-expand.h"
#include "line-reader.h"
#include "master-service.h"
#include "auth-client.h"
#include "anvil-client.h"
#include "login-handoff-client.h"
#include "tls-conn.h"
#include "tls-proxy.h"
#include "login-common.h"

#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>

/* bytes of unsent output before a client counts as not reading */
#define LOGIN_CLIENT_MAX_OUTPUT (64 * 1024)
/* the login penalty on top of auth_failure_delay (which auth applies) */
#define LOGIN_PENALTY_MAX_SECS 15
#define LOGIN_LOG_MAX_USER_LEN 80
/* "retry" answers (a process of another uid) before the login fails */
#define LOGIN_HANDOFF_MAX_RETRIES 10
/* Dovecot's text, word for word: clients and log parsers know it */
#define LOGIN_USERIP_LIMIT_MSG                                                                     \
	"Maximum number of connections from user+IP exceeded "                                     \
	"(mail_max_userip_connections=%u)"

enum login_client_state {
	LOGIN_CLIENT_STATE_TLS_HANDSHAKE,
	LOGIN_CLIENT_STATE_WAIT_AUTH,  /* auth service not ready yet */
	LOGIN_CLIENT_STATE_COMMANDS,   /* greeted, reading commands */
	LOGIN_CLIENT_STATE_AUTHENTICATING, /* request at auth */
	LOGIN_CLIENT_STATE_SASL_RESPONSE,  /* waiting for the client's SASL line */
	LOGIN_CLIENT_STATE_FAIL_DELAY,     /* failure answer delayed (penalty) */
	LOGIN_CLIENT_STATE_HANDOFF,        /* waiting for the post-login process */
	LOGIN_CLIENT_STATE_PROXY,          /* logged in over TLS: proxying */
	LOGIN_CLIENT_STATE_DESTROYED,
};

struct login_client {
	struct login_client *prev, *next;
	pool_t pool;
	const struct login_settings *set;
	void *context;
	enum login_client_state state;

	int fd;
	struct ip_addr local_ip, remote_ip;
	unsigned int local_port, remote_port;
	char session_id[32];
	bool secured, trusted;

	struct line_reader *reader;
	struct line_reader_settings reader_set;
	string_t *output;
	struct io *io_in, *io_out;
	struct timeout *to_idle, *to_input, *to_fail_delay, *to_free;
	bool input_paused, greeting_sent;

	struct tls_conn *tls;
	bool starttls_pending, tls_implicit;
	enum io_condition tls_read_wants, tls_write_wants;
	const char *tls_error;
	struct tls_proxy *proxy;
	int proxy_fd;

	time_t created, auth_first_started;
	unsigned int auth_attempts, bad_commands;
	bool auth_tried_disallowed_plaintext, auth_tried_unsupported_mech;
	bool auth_aborted, auth_internal_fail, login_success;
	char *virtual_user, *auth_mech_name;
	char tag[LOGIN_HANDOFF_MAX_TAG_SIZE];
	struct auth_client_request *auth_request;
	/* auth said OK: the request id to redeem, and whether the client
	   still has to answer the mechanism's final data */
	unsigned int auth_ok_id;
	bool auth_final_pending;
	enum login_auth_result delayed_result;
	const char *delayed_text;

	/* recent failures from this IP (anvil), fetched at connect */
	unsigned int penalty;
	/* anvil answers on their way: the memory stays until they arrive */
	unsigned int anvil_pending;

	struct login_handoff *handoff;
	/* the request, kept for a "retry" answer */
	struct login_handoff_request handoff_req;
	unsigned char *handoff_input;
	size_t handoff_input_size;
	unsigned int handoff_retries;
	pid_t mail_pid;
};

static void login_client_update_io(struct login_client *client);
static void login_client_flush(struct login_client *client);
static void login_client_io_in(void *context);

/* ---- log lines ---- */

const char *login_log_escape(pool_t pool, const char *str)
{
	char *copy = p_strdup(pool, str_sanitize(pool_temp, str, LOGIN_LOG_MAX_USER_LEN));

	for (char *p = copy; *p != '\0'; p++) {
		if (*p == '<' || *p == '>' || *p == ',')
			*p = '?';
	}
	return copy;
}

static struct var_expand_table *login_log_table(const struct login_log_fields *fields)
{
	struct var_expand_table *tab = t_new(struct var_expand_table, 17);
	const char *user = fields == NULL || fields->user == NULL ? NULL :
			   login_log_escape(pool_temp, fields->user);
	const char *at = user == NULL ? NULL : strchr(user, '@');
	unsigned int i = 0;

#define TAB(k, lk, v)                                                                              \
	do {                                                                                       \
		tab[i].key = (k);                                                                  \
		tab[i].long_key = (lk);                                                            \
		tab[i].value = fields == NULL ? NULL : (v);                                        \
		i++;                                                                               \
	} while (0)
	TAB('u', "user", user);
	TAB('n', "username", at == NULL ? user : t_strndup(user, (size_t)(at - user)));
	TAB('d', "domain", at == NULL ? NULL : at + 1);
	TAB('s', "service", fields->protocol);
	TAB('h', "home", NULL);
	TAB('l', "lip", fields->local_ip);
	TAB('r', "rip", fields->remote_ip);
	TAB('p', "pid", t_strdup_printf("%ld", (long)fields->login_pid));
	TAB('m', "mech", fields->mech == NULL ? NULL : login_log_escape(pool_temp, fields->mech));
	TAB('a', "lport", t_strdup_printf("%u", fields->local_port));
	TAB('b', "rport", t_strdup_printf("%u", fields->remote_port));
	TAB('c', "secured", fields->conn_state);
	TAB('k', "ssl_security", fields->ssl_security);
	TAB('e', "mail_pid",
	    fields->mail_pid == 0 ? "" : t_strdup_printf("%ld", (long)fields->mail_pid));
	TAB('\0', "session", fields->session);
#undef TAB
	tab[i].key = '\0';
	tab[i].long_key = NULL;
	return tab;
}

static bool element_has_user(const char *element)
{
	return var_has_key(element, 'u', "user") || var_has_key(element, 'n', "username");
}

const char *login_log_format_line(const struct login_settings *set,
				  const struct login_log_fields *fields, const char *msg)
{
	const struct var_expand_table *tab = login_log_table(fields);
	const struct var_expand_table *empty_tab = login_log_table(NULL);
	const char *const *elements =
		p_strsplit_spaces(pool_temp, set->login_log_format_elements, " ");
	string_t *str = str_new(pool_temp, 256), *empty = str_new(pool_temp, 64);
	struct var_expand_table final_tab[3];
	const char *error;

	for (unsigned int i = 0; elements[i] != NULL; i++) {
		size_t pos = str_len(str);

		if (var_expand(str, elements[i], tab, &error) < 0) {
			i_error("Failed to expand login_log_format_elements=%s: %s", elements[i],
				error);
			continue;
		}
		if (!element_has_user(elements[i])) {
			str_truncate(empty, 0);
			(void)var_expand(empty, elements[i], empty_tab, &error);
			if (strcmp(str_c(str) + pos, str_c(empty)) == 0) {
				/* only empty variables: leave the element out */
				str_truncate(str, pos);
				continue;
			}
		}
		str_append(str, ", ");
	}
	if (str_len(str) > 0)
		str_truncate(str, str_len(str) - 2);

	memset(final_tab, 0, sizeof(final_tab));
	final_tab[0].key = 's';
	final_tab[0].value = p_strdup(pool_temp, str_c(str));
	final_tab[1].key = '$';
	final_tab[1].value = msg;
	str = str_new(pool_temp, 256);
	if (var_expand(str, set->login_log_format, final_tab, &error) < 0) {
		i_error("Failed to expand login_log_format=%s: %s", set->login_log_format, error);
		return t_strdup_printf("%s: %s", msg, final_tab[0].value);
	}
	return str_c(str);
}

static const char *login_client_conn_state(const struct login_client *client)
{
	if (client->tls != NULL) {
		if (!tls_conn_is_handshaked(client->tls))
			return "TLS handshaking";
		return "TLS";
	}
	return client->secured ? "secured" : "";
}

static void login_client_log(struct login_client *client, enum log_type type, const char *msg)
{
	struct login_log_fields fields;

	memset(&fields, 0, sizeof(fields));
	fields.user = client->virtual_user;
	fields.mech = client->auth_mech_name;
	fields.local_ip = net_ip2addr(pool_temp, &client->local_ip);
	fields.remote_ip = net_ip2addr(pool_temp, &client->remote_ip);
	fields.local_port = client->local_port;
	fields.remote_port = client->remote_port;
	fields.session = client->session_id;
	fields.conn_state = login_client_conn_state(client);
	fields.mail_pid = client->mail_pid;
	fields.login_pid = getpid();
	fields.protocol = login_globals.binary->protocol;
	fields.ssl_security = client->tls != NULL && tls_conn_is_handshaked(client->tls) ?
				      tls_conn_get_security_string(client->tls) : "";
	i_log(type, "%s", login_log_format_line(client->set, &fields, msg));
}

/* Dovecot's wording of why a login did not happen. */
static const char *login_client_extra_reason(struct login_client *client)
{
	unsigned int auth_secs = client->auth_first_started == 0 ? 0 :
				 (unsigned int)(ioloop_time - client->auth_first_started);

	if (client->tls_error != NULL)
		return t_strdup_printf("(TLS handshake failed: %s)", client->tls_error);
	if (!client->greeting_sent) {
		return t_strdup_printf("(disconnected before auth was ready, waited %u secs)",
				       (unsigned int)(ioloop_time - client->created));
	}
	if (client->auth_attempts == 0) {
		return t_strdup_printf("(no auth attempts in %u secs)",
				       (unsigned int)(ioloop_time - client->created));
	}
	if (client->auth_tried_disallowed_plaintext)
		return "(tried to use disallowed plaintext auth)";
	if (client->auth_tried_unsupported_mech)
		return "(tried to use unsupported auth mechanism)";
	if (client->state == LOGIN_CLIENT_STATE_SASL_RESPONSE && client->auth_attempts == 1) {
		return t_strdup_printf("(client didn't finish SASL auth, waited %u secs)",
				       auth_secs);
	}
	if (client->state == LOGIN_CLIENT_STATE_AUTHENTICATING && client->auth_attempts == 1) {
		return t_strdup_printf("(disconnected while authenticating, waited %u secs)",
				       auth_secs);
	}
	if (client->state == LOGIN_CLIENT_STATE_HANDOFF && client->auth_attempts == 1) {
		return t_strdup_printf("(disconnected while finishing login, waited %u secs)",
				       auth_secs);
	}
	if (client->auth_aborted && client->auth_attempts == 1)
		return "(aborted authentication)";
	if (client->auth_internal_fail)
		return "(auth process communication failure)";
	return t_strdup_printf("(auth failed, %u attempts in %u secs)", client->auth_attempts,
			       auth_secs);
}

/* ---- destroy ---- */

static void login_client_free(void *context)
{
	struct login_client *client = context;

	timeout_remove(&client->to_free);
	if (client->reader != NULL)
		line_reader_destroy(&client->reader);
	if (client->tls != NULL)
		tls_conn_destroy(&client->tls);
	i_close_fd(&client->fd);
	i_close_fd(&client->proxy_fd);
	str_free(&client->output);
	i_free(client->virtual_user);
	i_free(client->auth_mech_name);
	i_free(client->handoff_input);
	pool_unref(&client->pool);
	master_service_client_connection_destroyed(login_globals.service);
}

void login_client_destroy(struct login_client *client, const char *reason)
{
	if (client->state == LOGIN_CLIENT_STATE_DESTROYED)
		return;
	if (reason != NULL && !client->login_success) {
		login_client_log(client, LOG_TYPE_INFO, t_strdup_printf(
			"%s %s", reason, login_client_extra_reason(client)));
	}
	client->state = LOGIN_CLIENT_STATE_DESTROYED;
	if (login_globals.binary->client_destroy != NULL)
		login_globals.binary->client_destroy(client);
	if (client->auth_request != NULL)
		auth_client_request_abort(&client->auth_request);
	login_handoff_abort(&client->handoff);
	if (client->proxy != NULL)
		tls_proxy_destroy(&client->proxy);
	io_remove(&client->io_in);
	io_remove(&client->io_out);
	timeout_remove(&client->to_idle);
	timeout_remove(&client->to_input);
	timeout_remove(&client->to_fail_delay);
	/* what the last answer left unsent: one more try, never waiting */
	if (!client->login_success || client->tls != NULL)
		login_client_flush(client);
	if (client->tls != NULL && client->fd != -1)
		(void)tls_conn_close(client->tls);

	if (client->prev != NULL)
		client->prev->next = client->next;
	else
		login_globals.clients = client->next;
	if (client->next != NULL)
		client->next->prev = client->prev;
	/* never free inside the caller's callback; an anvil answer still on
	   its way keeps the memory until it arrives */
	if (client->anvil_pending == 0)
		client->to_free = timeout_add_once(0, login_client_free, client);
}

bool login_client_is_destroyed(const struct login_client *client)
{
	return client->state == LOGIN_CLIENT_STATE_DESTROYED;
}

/* ---- output ---- */

static void login_client_output_cb(void *context)
{
	struct login_client *client = context;

	login_client_flush(client);
	login_client_update_io(client);
}

static void login_client_do_starttls(struct login_client *client);

static void login_client_flush(struct login_client *client)
{
	while (client->fd != -1 && str_len(client->output) > 0) {
		ssize_t ret;

		if (client->tls != NULL) {
			ret = tls_conn_write(client->tls, str_data(client->output),
					     str_len(client->output));
		} else {
			ret = write(client->fd, str_data(client->output), str_len(client->output));
		}
		if (ret < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				client->tls_write_wants = client->tls == NULL ?
					IO_WRITE : tls_conn_wants(client->tls);
				break;
			}
			/* the client is gone: reading will see it */
			str_truncate(client->output, 0);
			break;
		}
		str_delete(client->output, 0, (size_t)ret);
	}
	if (str_len(client->output) == 0 && client->starttls_pending &&
	    client->state != LOGIN_CLIENT_STATE_DESTROYED)
		login_client_do_starttls(client);
}

void login_client_send_line(struct login_client *client, const char *line)
{
	if (client->state == LOGIN_CLIENT_STATE_DESTROYED)
		return;
	if (str_len(client->output) + strlen(line) + 2 > LOGIN_CLIENT_MAX_OUTPUT) {
		login_client_destroy(client, "Disconnected: Output buffer full");
		return;
	}
	str_append(client->output, line);
	str_append(client->output, "\r\n");
	if (client->io_out == NULL) {
		login_client_flush(client);
		login_client_update_io(client);
	}
}

/* ---- input ---- */

static void login_client_update_io(struct login_client *client)
{
	enum io_condition cond;
	bool want_in;

	if (client->state == LOGIN_CLIENT_STATE_DESTROYED ||
	    client->state == LOGIN_CLIENT_STATE_PROXY || client->fd == -1)
		return;
	want_in = (client->tls != NULL && !tls_conn_is_handshaked(client->tls)) ||
		  (!client->input_paused && !client->starttls_pending &&
		   client->state != LOGIN_CLIENT_STATE_HANDOFF &&
		   client->state != LOGIN_CLIENT_STATE_WAIT_AUTH);
	cond = client->tls != NULL ? client->tls_read_wants : IO_READ;
	io_remove(&client->io_in);
	if (want_in)
		client->io_in = io_add(client->fd, cond, login_client_io_in, client);

	io_remove(&client->io_out);
	if (str_len(client->output) > 0) {
		cond = client->tls != NULL ? client->tls_write_wants : IO_WRITE;
		client->io_out = io_add(client->fd, cond, login_client_output_cb, client);
	}
}

static void login_client_input_later_cb(void *context)
{
	struct login_client *client = context;

	timeout_remove(&client->to_input);
	login_client_io_in(client);
}

/* Process what is already buffered from a fresh loop turn. */
static void login_client_input_later(struct login_client *client)
{
	if (client->to_input == NULL)
		client->to_input = timeout_add_once(0, login_client_input_later_cb, client);
}

static void login_client_resume(struct login_client *client)
{
	client->input_paused = false;
	login_client_update_io(client);
	login_client_input_later(client);
}

static void login_client_ready(struct login_client *client)
{
	if (client->state == LOGIN_CLIENT_STATE_TLS_HANDSHAKE)
		client->state = LOGIN_CLIENT_STATE_WAIT_AUTH;
	if (client->state == LOGIN_CLIENT_STATE_WAIT_AUTH) {
		if (!auth_client_is_connected(login_globals.auth)) {
			login_client_update_io(client);
			return;
		}
		client->state = LOGIN_CLIENT_STATE_COMMANDS;
	}
	if (!client->greeting_sent) {
		client->greeting_sent = true;
		login_globals.binary->send_greeting(client);
		if (client->state == LOGIN_CLIENT_STATE_DESTROYED)
			return;
	}
	login_client_resume(client);
}

void login_clients_auth_ready(void)
{
	struct login_client *client, *next;

	for (client = login_globals.clients; client != NULL; client = next) {
		next = client->next;
		if (client->state == LOGIN_CLIENT_STATE_WAIT_AUTH)
			login_client_ready(client);
	}
}

static bool login_client_tls_handshake(struct login_client *client)
{
	const char *error;

	switch (tls_conn_handshake(client->tls)) {
	case TLS_HANDSHAKE_ERROR:
		error = tls_conn_get_error(client->tls);
		client->tls_error = p_strdup(client->pool, error == NULL ? "unknown error" : error);
		error = tls_conn_get_error_details(client->tls);
		if (client->set->verbose_ssl && error != NULL)
			i_debug("TLS handshake failed: %s", error);
		login_client_destroy(client, "Disconnected");
		return false;
	case TLS_HANDSHAKE_NEED_IO:
		client->tls_read_wants = tls_conn_wants(client->tls);
		login_client_update_io(client);
		return false;
	case TLS_HANDSHAKE_DONE:
		client->tls_read_wants = IO_READ;
		client->secured = true;
		break;
	}
	if (client->state == LOGIN_CLIENT_STATE_TLS_HANDSHAKE) {
		login_client_ready(client);
	} else {
		/* STARTTLS done: the protocol goes on without a new greeting */
		client->input_paused = false;
		login_client_update_io(client);
	}
	return client->state != LOGIN_CLIENT_STATE_DESTROYED;
}

static void login_client_io_in(void *context)
{
	struct login_client *client = context;
	ssize_t ret = 0;

	if (client->tls != NULL && !tls_conn_is_handshaked(client->tls)) {
		if (!login_client_tls_handshake(client))
			return;
	}
	if (client->state == LOGIN_CLIENT_STATE_DESTROYED || client->input_paused ||
	    client->state == LOGIN_CLIENT_STATE_WAIT_AUTH ||
	    client->state == LOGIN_CLIENT_STATE_HANDOFF ||
	    client->state == LOGIN_CLIENT_STATE_PROXY) {
		io_remove(&client->io_in);
		return;
	}
	ret = line_reader_fill(client->reader);
	if (ret == 0 && client->tls != NULL)
		client->tls_read_wants = tls_conn_wants(client->tls);
	else
		client->tls_read_wants = IO_READ;
	login_globals.binary->input(client);
	if (client->state == LOGIN_CLIENT_STATE_DESTROYED)
		return;
	if (ret < 0) {
		/* the complete lines were handled; nothing more will come */
		login_client_destroy(client, "Disconnected");
		return;
	}
	/* OpenSSL may hold decrypted bytes the socket will not announce */
	if (client->tls != NULL && tls_conn_has_pending(client->tls) &&
	    !login_client_input_paused(client))
		login_client_input_later(client);
	login_client_update_io(client);
}

struct line_reader *login_client_get_reader(struct login_client *client)
{
	return client->reader;
}

bool login_client_input_paused(const struct login_client *client)
{
	return client->input_paused || client->starttls_pending ||
	       client->state == LOGIN_CLIENT_STATE_DESTROYED ||
	       client->state == LOGIN_CLIENT_STATE_AUTHENTICATING ||
	       client->state == LOGIN_CLIENT_STATE_FAIL_DELAY ||
	       client->state == LOGIN_CLIENT_STATE_HANDOFF;
}

bool login_client_bad_command(struct login_client *client)
{
	if (++client->bad_commands < LOGIN_CLIENT_MAX_BAD_COMMANDS)
		return true;
	if (login_globals.binary->notify_disconnect != NULL)
		login_globals.binary->notify_disconnect(client, "Too many invalid commands.");
	login_client_destroy(client, "Disconnected: Too many invalid commands");
	return false;
}

/* ---- STARTTLS ---- */

static void login_client_do_starttls(struct login_client *client)
{
	size_t discarded;

	client->starttls_pending = false;
	client->tls = tls_conn_create_starttls(login_globals.tls_ctx, client->fd);
	client->reader = tls_conn_starttls_line_reader(client->tls, &client->reader,
						       &client->reader_set, &discarded);
	if (discarded > 0 && client->set->auth_debug)
		i_debug("STARTTLS: discarded %zu bytes of plaintext sent after the command",
			discarded);
	client->tls_read_wants = IO_READ;
	client->tls_write_wants = IO_WRITE;
	client->input_paused = true;
	/* the handshake is driven from the input handler */
	login_client_update_io(client);
}

void login_client_starttls(struct login_client *client)
{
	i_assert(login_client_starttls_available(client));
	client->starttls_pending = true;
	client->input_paused = true;
	login_client_flush(client);
	login_client_update_io(client);
}

/* ---- security ---- */

bool login_client_is_tls(const struct login_client *client)
{
	return client->tls != NULL;
}

bool login_client_starttls_available(const struct login_client *client)
{
	return login_globals.tls_ctx != NULL && client->tls == NULL && !client->starttls_pending;
}

bool login_client_is_secured(const struct login_client *client)
{
	return client->secured;
}

bool login_client_plaintext_allowed(const struct login_client *client)
{
	return client->secured || !client->set->disable_plaintext_auth;
}

const char *login_client_get_mechs(struct login_client *client)
{
	const struct auth_mech_desc *mechs;
	unsigned int count;
	string_t *str = str_new(pool_temp, 64);

	if (!auth_client_is_connected(login_globals.auth))
		return "";
	mechs = auth_client_get_mechs(login_globals.auth, &count);
	for (unsigned int i = 0; i < count; i++) {
		if ((mechs[i].flags & AUTH_CLIENT_MECH_PRIVATE) != 0)
			continue;
		if ((mechs[i].flags & AUTH_CLIENT_MECH_PLAINTEXT) != 0 &&
		    !login_client_plaintext_allowed(client))
			continue;
		if (str_len(str) > 0)
			str_append_c(str, ' ');
		str_append(str, mechs[i].name);
	}
	return str_c(str);
}

void *login_client_get_context(struct login_client *client)
{
	return client->context;
}

const struct login_settings *login_client_get_settings(const struct login_client *client)
{
	return client->set;
}

/* ---- authentication ---- */

void login_client_set_user(struct login_client *client, const char *user)
{
	i_free(client->virtual_user);
	client->virtual_user = i_strdup(user);
}

void login_client_set_tag(struct login_client *client, const char *tag)
{
	i_assert(strlen(tag) < sizeof(client->tag));
	strcpy(client->tag, tag);
}

bool login_client_auth_waiting_response(const struct login_client *client)
{
	return client->state == LOGIN_CLIENT_STATE_SASL_RESPONSE;
}

static void login_client_auth_failed(struct login_client *client,
				     enum login_auth_result result, const char *text)
{
	if (client->state == LOGIN_CLIENT_STATE_DESTROYED)
		return;
	client->state = LOGIN_CLIENT_STATE_COMMANDS;
	login_globals.binary->auth_result(client, result, text);
	if (client->state != LOGIN_CLIENT_STATE_DESTROYED)
		login_client_resume(client);
}

static void login_client_fail_delay_cb(void *context)
{
	struct login_client *client = context;

	timeout_remove(&client->to_fail_delay);
	login_client_auth_failed(client, client->delayed_result, client->delayed_text);
}

static unsigned int login_penalty_secs(unsigned int failures)
{
	if (failures == 0)
		return 0;
	if (failures > 4)
		return LOGIN_PENALTY_MAX_SECS;
	return MIN(LOGIN_PENALTY_MAX_SECS, 1U << (failures - 1));
}

/* A refused password: count it at anvil and answer after the penalty. */
static void login_client_auth_refused(struct login_client *client)
{
	unsigned int delay = login_penalty_secs(client->penalty);

	if (login_globals.anvil != NULL && !client->trusted) {
		anvil_client_cmd(login_globals.anvil, t_strdup_printf(
			"PENALTY-INC\t%s", net_ip2addr(pool_temp, &client->remote_ip)));
	}
	if (!client->trusted)
		client->penalty++;
	client->state = LOGIN_CLIENT_STATE_FAIL_DELAY;
	client->delayed_result = LOGIN_AUTH_RESULT_FAILED;
	client->delayed_text = LOGIN_AUTH_FAILED_MSG;
	client->to_fail_delay = timeout_add_once(delay * 1000, login_client_fail_delay_cb, client);
}

static const char *field_find(const char *const *args, const char *key)
{
	size_t len = strlen(key);

	for (; args != NULL && *args != NULL; args++) {
		if (strncmp(*args, key, len) == 0 && (*args)[len] == '=')
			return *args + len + 1;
	}
	return NULL;
}

static void login_client_handoff_cb(enum login_handoff_result result, pid_t pid,
				    const char *reason, void *context);
static void login_client_handoff(struct login_client *client);

static void login_client_auth_cb(struct auth_client_request *request,
				 enum auth_request_status status, const char *data,
				 const char *const *args, void *context)
{
	struct login_client *client = context;
	const char *user;

	if (status != AUTH_REQUEST_STATUS_CONTINUE)
		client->auth_request = NULL;
	user = field_find(args, "user");
	if (user != NULL && user[0] != '\0')
		login_client_set_user(client, user);
	switch (status) {
	case AUTH_REQUEST_STATUS_CONTINUE:
		client->state = LOGIN_CLIENT_STATE_SASL_RESPONSE;
		login_globals.binary->auth_send_challenge(client, data);
		if (client->state != LOGIN_CLIENT_STATE_DESTROYED)
			login_client_resume(client);
		break;
	case AUTH_REQUEST_STATUS_OK:
		if (user == NULL || user[0] == '\0') {
			i_error("auth sent OK without user=");
			client->auth_internal_fail = true;
			login_client_auth_failed(client, LOGIN_AUTH_RESULT_INTERNAL_FAILURE,
						 LOGIN_INTERNAL_FAILURE_MSG);
			break;
		}
		client->auth_ok_id = auth_client_request_get_id(request);
		data = field_find(args, "resp");
		if (data != NULL && data[0] != '\0') {
			/* the mechanism's last word (SCRAM's server-final): a
			   challenge the client answers with an empty line, as
			   Dovecot sends it, since IMAP's and POP3's OK cannot
			   carry it */
			client->auth_final_pending = true;
			client->state = LOGIN_CLIENT_STATE_SASL_RESPONSE;
			login_globals.binary->auth_send_challenge(client, data);
			if (client->state != LOGIN_CLIENT_STATE_DESTROYED)
				login_client_resume(client);
			break;
		}
		client->state = LOGIN_CLIENT_STATE_HANDOFF;
		login_client_handoff(client);
		break;
	case AUTH_REQUEST_STATUS_FAIL:
		login_client_auth_refused(client);
		break;
	case AUTH_REQUEST_STATUS_TEMP_FAIL:
		login_client_auth_failed(client, LOGIN_AUTH_RESULT_TEMPFAIL,
					 LOGIN_AUTH_TEMP_FAILED_MSG);
		break;
	case AUTH_REQUEST_STATUS_INTERNAL_FAIL:
		client->auth_internal_fail = true;
		login_client_auth_failed(client, LOGIN_AUTH_RESULT_TEMPFAIL,
					 LOGIN_AUTH_TEMP_FAILED_MSG);
		break;
	}
}

/* private_ok: the protocol itself starts a private mechanism (APOP);
   a client naming one in AUTH is told it does not exist, as in Dovecot. */
static void login_client_auth_start(struct login_client *client, const char *mech_name,
				    const void *ir, size_t ir_size, bool have_ir,
				    bool private_ok)
{
	const struct auth_mech_desc *mech;
	struct auth_request_info info;

	client->auth_attempts++;
	if (client->auth_first_started == 0)
		client->auth_first_started = ioloop_time;
	mech = auth_client_find_mech(login_globals.auth, mech_name);
	if (mech != NULL && (mech->flags & AUTH_CLIENT_MECH_PRIVATE) != 0 && !private_ok)
		mech = NULL;
	if (mech == NULL) {
		client->auth_tried_unsupported_mech = true;
		login_client_auth_failed(client, LOGIN_AUTH_RESULT_MECH_UNSUPPORTED,
					 "Unsupported authentication mechanism.");
		return;
	}
	i_free(client->auth_mech_name);
	client->auth_mech_name = i_strdup(mech->name);
	if ((mech->flags & AUTH_CLIENT_MECH_PLAINTEXT) != 0 &&
	    !login_client_plaintext_allowed(client)) {
		client->auth_tried_disallowed_plaintext = true;
		login_client_auth_failed(client, LOGIN_AUTH_RESULT_PLAINTEXT_DISABLED,
					 LOGIN_PLAINTEXT_DISABLED_MSG);
		return;
	}
	memset(&info, 0, sizeof(info));
	info.mech = mech->name;
	info.service = login_globals.binary->protocol;
	info.session_id = client->session_id;
	info.local_ip = client->local_ip;
	info.remote_ip = client->remote_ip;
	info.local_port = client->local_port;
	info.remote_port = client->remote_port;
	info.secured = client->secured;
	if (have_ir) {
		info.initial_resp = ir;
		info.initial_resp_size = ir_size;
	}
	client->state = LOGIN_CLIENT_STATE_AUTHENTICATING;
	client->auth_aborted = false;
	client->input_paused = true;
	login_client_update_io(client);
	client->auth_request = auth_client_request_new(login_globals.auth, &info,
						       login_client_auth_cb, client);
}

void login_client_auth_begin(struct login_client *client, const char *mech,
			     const char *initial_resp_base64)
{
	buffer_t *buf = NULL;
	const char *error;

	if (initial_resp_base64 != NULL) {
		buf = buffer_create_dynamic(pool_temp, 256);
		if (strcmp(initial_resp_base64, "=") != 0 &&
		    base64_decode(initial_resp_base64, strlen(initial_resp_base64), buf,
				  &error) < 0) {
			client->auth_attempts++;
			if (client->auth_first_started == 0)
				client->auth_first_started = ioloop_time;
			login_client_auth_failed(client, LOGIN_AUTH_RESULT_INVALID_BASE64,
						 "Invalid base64 data in initial response");
			return;
		}
	}
	login_client_auth_start(client, mech, buf == NULL ? NULL : buf->data,
				buf == NULL ? 0 : buf->used, buf != NULL, false);
}

void login_client_auth_begin_private(struct login_client *client, const char *mech,
				     const void *data, size_t size)
{
	login_client_auth_start(client, mech, data, size, true, true);
}

bool login_client_auth_mech_connect_id(struct login_client *client ATTR_UNUSED,
				       const char *mech, pid_t *server_pid_r,
				       unsigned int *connect_uid_r)
{
	if (!auth_client_is_connected(login_globals.auth) ||
	    auth_client_find_mech(login_globals.auth, mech) == NULL)
		return false;
	*server_pid_r = auth_client_get_server_pid(login_globals.auth);
	*connect_uid_r = auth_client_get_connect_id(login_globals.auth);
	return true;
}

void login_client_auth_plain(struct login_client *client, const char *user,
			     const char *password)
{
	buffer_t *buf = buffer_create_dynamic(pool_temp, 128);

	login_client_set_user(client, user);
	buffer_append_c(buf, '\0');
	buffer_append(buf, user, strlen(user));
	buffer_append_c(buf, '\0');
	buffer_append(buf, password, strlen(password));
	login_client_auth_start(client, "PLAIN", buf->data, buf->used, true, false);
}

void login_client_auth_respond(struct login_client *client, const char *line)
{
	buffer_t *buf = buffer_create_dynamic(pool_temp, 256);
	const char *error;

	i_assert(client->state == LOGIN_CLIENT_STATE_SASL_RESPONSE);
	if (client->auth_final_pending) {
		client->auth_final_pending = false;
		if (strcmp(line, "*") == 0) {
			client->auth_aborted = true;
			login_client_auth_failed(client, LOGIN_AUTH_RESULT_ABORTED,
						 "Authentication aborted by client.");
		} else if (line[0] != '\0') {
			login_client_auth_failed(client, LOGIN_AUTH_RESULT_FAILED,
						 LOGIN_AUTH_FAILED_MSG);
		} else {
			client->state = LOGIN_CLIENT_STATE_HANDOFF;
			client->input_paused = true;
			login_client_update_io(client);
			login_client_handoff(client);
		}
		return;
	}
	if (strcmp(line, "*") == 0) {
		auth_client_request_abort(&client->auth_request);
		client->auth_aborted = true;
		login_client_auth_failed(client, LOGIN_AUTH_RESULT_ABORTED,
					 "Authentication aborted by client.");
		return;
	}
	if (base64_decode(line, strlen(line), buf, &error) < 0) {
		auth_client_request_abort(&client->auth_request);
		login_client_auth_failed(client, LOGIN_AUTH_RESULT_INVALID_BASE64,
					 "Invalid base64 data in continued response");
		return;
	}
	client->state = LOGIN_CLIENT_STATE_AUTHENTICATING;
	client->input_paused = true;
	login_client_update_io(client);
	auth_client_request_continue(client->auth_request, line);
}

/* ---- hand-off ---- */

static void ip_to_wire(const struct ip_addr *ip, unsigned int port,
		       struct login_handoff_ip *wire)
{
	memset(wire, 0, sizeof(*wire));
	wire->family = ip->family;
	wire->port = (uint16_t)port;
	if (ip->family == AF_INET)
		memcpy(wire->addr, &ip->u.ip4, sizeof(ip->u.ip4));
	else if (ip->family == AF_INET6)
		memcpy(wire->addr, &ip->u.ip6, sizeof(ip->u.ip6));
}

static void login_client_handoff_failed(struct login_client *client, const char *reason)
{
	i_error("Internal login failure: %s", reason);
	i_close_fd(&client->proxy_fd);
	client->auth_internal_fail = true;
	login_client_auth_failed(client, LOGIN_AUTH_RESULT_INTERNAL_FAILURE,
				 LOGIN_INTERNAL_FAILURE_MSG);
}

/* Sends the prepared request (again, after a "retry"). */
static void login_client_handoff_send(struct login_client *client)
{
	struct login_handoff_request req = client->handoff_req;
	const char *error;
	int pair[2], pass_fd = client->fd;

	if (client->tls != NULL) {
		/* a fresh pair each time: a process that answered "retry"
		   closed its end of the last one */
		i_close_fd(&client->proxy_fd);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
			login_client_handoff_failed(client, t_strdup_printf(
				"socketpair() failed: %m"));
			return;
		}
		client->proxy_fd = pair[0];
		fd_set_nonblock(pair[0], true);
		pass_fd = pair[1];
	}
	if (login_handoff_start(login_globals.binary->handoff_socket, &req,
				client->handoff_input, client->handoff_input_size, pass_fd,
				login_client_handoff_cb, client, &client->handoff, &error) < 0) {
		if (client->tls != NULL)
			close(pair[1]);
		login_client_handoff_failed(client, error);
		return;
	}
	if (client->tls != NULL)
		close(pair[1]);
}

static void login_client_userip_cb(const char *reply, void *context)
{
	struct login_client *client = context;
	unsigned int count, limit = client->set->mail_max_userip_connections;

	client->anvil_pending--;
	if (client->state == LOGIN_CLIENT_STATE_DESTROYED) {
		if (client->anvil_pending == 0)
			client->to_free = timeout_add_once(0, login_client_free, client);
		return;
	}
	/* no answer (anvil is gone): let the login through, as Dovecot does */
	if (reply != NULL && str_to_uint(reply, &count) == 0 && count >= limit) {
		const char *msg = t_strdup_printf(LOGIN_USERIP_LIMIT_MSG, limit);

		login_globals.binary->auth_result(client, LOGIN_AUTH_RESULT_TEMPFAIL, msg);
		login_client_log(client, LOG_TYPE_INFO, msg);
		login_client_destroy(client, NULL);
		return;
	}
	login_client_handoff_send(client);
}

static void login_client_handoff(struct login_client *client)
{
	struct login_handoff_request *req = &client->handoff_req;
	const unsigned char *input = NULL;
	const char *sni;
	size_t input_size;

	memset(req, 0, sizeof(*req));
	req->auth_pid = (uint32_t)auth_client_get_server_pid(login_globals.auth);
	req->auth_cuid = auth_client_get_connect_id(login_globals.auth);
	req->auth_id = client->auth_ok_id;
	memcpy(req->cookie, auth_client_get_cookie(login_globals.auth), sizeof(req->cookie));
	if (client->tls != NULL)
		req->flags |= LOGIN_HANDOFF_FLAG_TLS;
	if (client->secured)
		req->flags |= LOGIN_HANDOFF_FLAG_SECURED;
	if (client->trusted)
		req->flags |= LOGIN_HANDOFF_FLAG_TRUSTED;
	ip_to_wire(&client->local_ip, client->local_port, &req->local);
	ip_to_wire(&client->remote_ip, client->remote_port, &req->remote);
	i_assert(strlen(client->session_id) < sizeof(req->session_id));
	strcpy(req->session_id, client->session_id);
	sni = client->tls == NULL ? NULL : tls_conn_get_sni_name(client->tls);
	if (sni != NULL && strlen(sni) < sizeof(req->local_name))
		strcpy(req->local_name, sni);
	strcpy(req->tag, client->tag);

	/* pipelined input the client sent after the command */
	input_size = line_reader_read_data(client->reader, LOGIN_HANDOFF_MAX_INPUT, &input);
	if (line_reader_get_buffered(client->reader) > 0) {
		login_client_handoff_failed(client, "too much pipelined input after login");
		return;
	}
	client->handoff_input = i_malloc(input_size + 1);
	if (input_size > 0)
		memcpy(client->handoff_input, input, input_size);
	client->handoff_input_size = input_size;
	/* the post-login process reads the client from now on */
	io_remove(&client->io_in);

	/* mail_max_userip_connections, counted by anvil from the post-login
	   processes' sessions (Dovecot checks it here too) */
	if (client->set->mail_max_userip_connections > 0 && login_globals.anvil != NULL &&
	    client->virtual_user != NULL && client->virtual_user[0] != '\0') {
		const char *ip = net_ip2addr(pool_temp, &client->remote_ip);

		client->anvil_pending++;
		/* "-" for no address: the post-login process registers it so */
		anvil_client_query(login_globals.anvil, t_strdup_printf(
			"LOOKUP\t%s\t%s\t%s", login_globals.binary->protocol,
			anvil_client_field(pool_temp, client->virtual_user),
			ip[0] == '\0' ? "-" : ip), login_client_userip_cb, client);
		return;
	}
	login_client_handoff_send(client);
}

static void login_client_proxy_finished(enum tls_proxy_end end ATTR_UNUSED, void *context)
{
	struct login_client *client = context;

	login_client_destroy(client, NULL);
}

static void login_client_handoff_cb(enum login_handoff_result result, pid_t pid,
				    const char *reason, void *context)
{
	struct login_client *client = context;

	client->handoff = NULL;
	if (result == LOGIN_HANDOFF_RETRY && client->handoff_retries < LOGIN_HANDOFF_MAX_RETRIES) {
		/* that process serves another uid: another one will take it */
		client->handoff_retries++;
		login_client_handoff_send(client);
		return;
	}
	if (result != LOGIN_HANDOFF_OK) {
		login_client_handoff_failed(client, t_strdup_printf(
			"%s: %s", login_globals.binary->handoff_socket, reason));
		return;
	}
	client->mail_pid = pid;
	client->login_success = true;
	login_client_log(client, LOG_TYPE_INFO, "Login");
	timeout_remove(&client->to_idle);
	if (client->tls == NULL) {
		/* the post-login process has the socket now */
		login_client_destroy(client, NULL);
		return;
	}
	client->state = LOGIN_CLIENT_STATE_PROXY;
	io_remove(&client->io_in);
	io_remove(&client->io_out);
	client->proxy = tls_proxy_create(client->tls, client->proxy_fd,
					 login_client_proxy_finished, client);
}

/* ---- creation ---- */

static void login_client_idle_timeout(void *context)
{
	struct login_client *client = context;

	if (login_globals.binary->notify_disconnect != NULL)
		login_globals.binary->notify_disconnect(client, "Disconnected for inactivity.");
	login_client_destroy(client, "Disconnected: Inactivity");
}

static void login_client_penalty_cb(const char *reply, void *context)
{
	struct login_client *client = context;
	unsigned int count;
	const char *const *args;

	client->anvil_pending--;
	if (client->state == LOGIN_CLIENT_STATE_DESTROYED) {
		if (client->anvil_pending > 0)
			return;
		client->to_free = timeout_add_once(0, login_client_free, client);
		return;
	}
	if (reply == NULL)
		return;
	args = p_strsplit(pool_temp, reply, "\t");
	if (args[0] != NULL && str_to_uint(args[0], &count) == 0)
		client->penalty = count;
}

static void login_client_make_session_id(struct login_client *client)
{
	unsigned char data[12];
	struct timeval tv;
	uint64_t usecs;
	string_t *str = str_new(pool_temp, 24);

	gettimeofday(&tv, NULL);
	usecs = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	for (unsigned int i = 0; i < 6; i++)
		data[i] = (unsigned char)(usecs >> (i * 8));
	data[6] = (unsigned char)(client->remote_port & 0xff);
	data[7] = (unsigned char)(client->remote_port >> 8);
	if (client->remote_ip.family == AF_INET6)
		memcpy(data + 8, (const unsigned char *)&client->remote_ip.u.ip6 + 12, 4);
	else
		memcpy(data + 8, &client->remote_ip.u.ip4, 4);
	base64_encode(data, sizeof(data), str);
	i_assert(str_len(str) < sizeof(client->session_id));
	strcpy(client->session_id, str_c(str));
}

static bool ip_in_networks(const struct ip_addr *ip, const char *const *networks)
{
	struct ip_addr net_ip;
	unsigned int bits;

	for (; *networks != NULL; networks++) {
		if (net_parse_range(*networks, &net_ip, &bits) < 0) {
			i_warning("login_trusted_networks: invalid network '%s'", *networks);
			continue;
		}
		if (net_is_in_network(ip, &net_ip, bits))
			return true;
	}
	return false;
}

void login_client_create(struct master_service_connection *conn)
{
	struct settings_filter filter;
	struct login_client *client;
	pool_t pool;
	void *set;
	const char *error;

	pool = pool_alloconly_create("login client", 2048);
	client = p_new(pool, struct login_client, 1);
	client->pool = pool;
	client->fd = conn->fd;
	client->proxy_fd = -1;
	client->local_ip = conn->local_ip;
	client->remote_ip = conn->remote_ip;
	client->local_port = conn->local_port;
	client->remote_port = conn->remote_port;
	client->created = ioloop_time;
	client->output = str_new(pool_system, 512);
	client->tls_read_wants = IO_READ;
	client->tls_write_wants = IO_WRITE;

	memset(&filter, 0, sizeof(filter));
	filter.protocol = login_globals.binary->protocol;
	filter.local_ip = net_ip2addr(pool_temp, &client->local_ip);
	filter.remote_ip = net_ip2addr(pool_temp, &client->remote_ip);
	if (settings_to_struct(login_globals.config, login_globals.config->root,
			       &login_setting_table, &filter, pool, &set, &error) < 0) {
		/* the master validated the file: this is our bug */
		i_error("settings: %s", error);
		str_free(&client->output);
		pool_unref(&pool);
		return;
	}
	client->set = set;
	client->trusted = ip_in_networks(&client->remote_ip, client->set->login_trusted_networks);
	client->secured = client->trusted ||
			  (client->remote_ip.family != 0 &&
			   net_ip_compare(&client->remote_ip, &client->local_ip));
	login_client_make_session_id(client);

	client->reader_set.max_line_length = LOGIN_MAX_LINE_LENGTH;
	if (conn->ssl) {
		if (login_globals.tls_ctx == NULL) {
			i_error("%s: TLS is not configured (ssl_cert/ssl_key) but listener %s "
				"has ssl = yes", login_globals.binary->process_name,
				conn->listener_name);
			str_free(&client->output);
			pool_unref(&pool);
			return;
		}
		client->tls_implicit = true;
		fd_set_nonblock(client->fd, true);
		client->tls = tls_conn_create(login_globals.tls_ctx, client->fd);
		client->reader = line_reader_create(&client->reader_set, tls_conn_read,
						    client->tls);
		client->state = LOGIN_CLIENT_STATE_TLS_HANDSHAKE;
	} else {
		fd_set_nonblock(client->fd, true);
		client->reader = line_reader_create_fd(&client->reader_set, client->fd);
		client->state = LOGIN_CLIENT_STATE_WAIT_AUTH;
	}
	conn->accepted = true;

	client->next = login_globals.clients;
	if (login_globals.clients != NULL)
		login_globals.clients->prev = client;
	login_globals.clients = client;

	client->context = login_globals.binary->client_create(client);
	client->to_idle = timeout_add(client->set->login_timeout * 1000,
				      login_client_idle_timeout, client);
	if (login_globals.anvil != NULL && !client->trusted) {
		anvil_client_query(login_globals.anvil, t_strdup_printf(
			"PENALTY-GET\t%s", net_ip2addr(pool_temp, &client->remote_ip)),
			login_client_penalty_cb, client);
		client->anvil_pending++;
	}
	if (client->tls != NULL) {
		client->io_in = io_add(client->fd, IO_READ, login_client_io_in, client);
		return;
	}
	login_client_ready(client);
}
