/* pop3-login's protocol: pre-login POP3 commands on top of login-common. */
#include "lib.h"
#include "base64.h"
#include "hex.h"
#include "ioloop.h"
#include "var-expand.h"
#include "login-client.h"
#include "pop3-login-cmd.h"
#include "pop3-login-client.h"

#include <sys/random.h>
#include <unistd.h>

#define APOP_DIGEST_HEX_LEN 32

struct pop3_login_client {
	struct login_client *common;
	char *user; /* from USER, until PASS */
	/* the RFC 1939 timestamp of the greeting when auth offers APOP, and
	   the auth connection it was made for */
	char *apop_challenge;
	pid_t apop_server_pid;
	unsigned int apop_connect_uid;
};

struct pop3_login_command {
	const char *name;
	/* returns false when the client was destroyed */
	bool (*func)(struct pop3_login_client *client, const char *args);
};

static void send_line(struct pop3_login_client *client, const char *line)
{
	login_client_send_line(client->common, line);
}

static bool cmd_capa(struct pop3_login_client *client, const char *args ATTR_UNUSED)
{
	const char *mechs = login_client_get_mechs(client->common);

	send_line(client, "+OK");
	send_line(client, "CAPA");
	send_line(client, "TOP");
	send_line(client, "UIDL");
	send_line(client, "RESP-CODES");
	send_line(client, "PIPELINING");
	send_line(client, "AUTH-RESP-CODE");
	if (login_client_starttls_available(client->common))
		send_line(client, "STLS");
	if (login_client_plaintext_allowed(client->common))
		send_line(client, "USER");
	send_line(client, t_strdup_printf("SASL %s", mechs));
	send_line(client, "UTF8");
	send_line(client, "IMPLEMENTATION Roost");
	send_line(client, ".");
	return true;
}

static bool cmd_stls(struct pop3_login_client *client, const char *args ATTR_UNUSED)
{
	if (login_client_is_tls(client->common)) {
		send_line(client, "-ERR TLS is already active.");
		return true;
	}
	if (!login_client_starttls_available(client->common)) {
		send_line(client, "-ERR TLS support isn't enabled.");
		return true;
	}
	send_line(client, "+OK Begin TLS negotiation now.");
	login_client_starttls(client->common);
	return true;
}

static bool cmd_user(struct pop3_login_client *client, const char *args)
{
	if (!login_client_plaintext_allowed(client->common)) {
		/* USER alone sends no password yet: refuse before PASS */
		login_client_auth_plain(client->common, args, "");
		return !login_client_is_destroyed(client->common);
	}
	if (args[0] == '\0') {
		send_line(client, "-ERR Invalid arguments.");
		return login_client_bad_command(client->common);
	}
	i_free(client->user);
	client->user = i_strdup(args);
	login_client_set_user(client->common, args);
	send_line(client, "+OK");
	return true;
}

static bool cmd_pass(struct pop3_login_client *client, const char *args)
{
	char *user = client->user;

	if (user == NULL) {
		send_line(client, "-ERR No username given.");
		return login_client_bad_command(client->common);
	}
	client->user = NULL;
	login_client_auth_plain(client->common, user, args);
	i_free(user);
	return !login_client_is_destroyed(client->common);
}

/* APOP name digest (RFC 1939 section 7): the digest never reveals the
   password, so it is allowed on insecure connections (as in Dovecot). */
static bool cmd_apop(struct pop3_login_client *client, const char *args)
{
	const struct login_settings *set = login_client_get_settings(client->common);
	const char *space = strchr(args, ' '), *user, *error;
	unsigned int connect_uid;
	pid_t server_pid;
	buffer_t *data;

	if (client->apop_challenge == NULL) {
		if (set->auth_verbose)
			i_info("APOP failed: APOP not enabled");
		send_line(client, "-ERR APOP not enabled.");
		return true;
	}
	if (space == NULL || space == args || strlen(space + 1) != APOP_DIGEST_HEX_LEN) {
		if (set->auth_verbose)
			i_info("APOP failed: Invalid parameters");
		send_line(client, "-ERR Invalid parameters.");
		return true;
	}
	user = t_strndup(args, (size_t)(space - args));
	data = buffer_create_dynamic(pool_temp, 128);
	buffer_append(data, client->apop_challenge, strlen(client->apop_challenge) + 1);
	buffer_append(data, user, strlen(user) + 1);
	if (hex_decode(space + 1, APOP_DIGEST_HEX_LEN, data, &error) < 0) {
		if (set->auth_verbose)
			i_info("APOP failed: Invalid characters in MD5 response");
		send_line(client, "-ERR Invalid characters in MD5 response.");
		return true;
	}
	if (!login_client_auth_mech_connect_id(client->common, "APOP", &server_pid,
					       &connect_uid) ||
	    server_pid != client->apop_server_pid || connect_uid != client->apop_connect_uid) {
		/* the timestamp was made for an auth connection that is gone:
		   auth would refuse it, and this connection cannot get another */
		login_client_destroy(client->common, "Reconnected to auth server, can't do APOP");
		return false;
	}
	login_client_set_user(client->common, user);
	login_client_auth_begin_private(client->common, "APOP", data->data, data->used);
	return !login_client_is_destroyed(client->common);
}

/* RFC 6856: messages are sent as stored (never downgraded), so UTF-8
   mode changes nothing here; the command is accepted before login. */
static bool cmd_utf8(struct pop3_login_client *client, const char *args)
{
	if (args[0] != '\0') {
		send_line(client, "-ERR Invalid arguments.");
		return login_client_bad_command(client->common);
	}
	send_line(client, "+OK UTF8 enabled");
	return true;
}

static bool cmd_auth(struct pop3_login_client *client, const char *args)
{
	const char *const *words = p_strsplit(pool_temp, args, " ");
	const char *mechs;

	if (args[0] == '\0') {
		/* the pre-RFC 5034 form lists the mechanisms */
		mechs = login_client_get_mechs(client->common);
		send_line(client, "+OK");
		if (mechs[0] != '\0') {
			words = p_strsplit(pool_temp, mechs, " ");
			for (unsigned int i = 0; words[i] != NULL; i++)
				send_line(client, words[i]);
		}
		send_line(client, ".");
		return true;
	}
	if (str_array_length(words) > 2 || words[0][0] == '\0') {
		send_line(client, "-ERR Invalid arguments.");
		return login_client_bad_command(client->common);
	}
	login_client_auth_begin(client->common, words[0], words[1]);
	return !login_client_is_destroyed(client->common);
}

static bool cmd_quit(struct pop3_login_client *client, const char *args ATTR_UNUSED)
{
	send_line(client, "+OK Logging out");
	login_client_destroy(client->common, "Aborted login");
	return false;
}

static const struct pop3_login_command pop3_login_commands[] = {
	{ "CAPA", cmd_capa },
	{ "STLS", cmd_stls },
	{ "USER", cmd_user },
	{ "PASS", cmd_pass },
	{ "AUTH", cmd_auth },
	{ "APOP", cmd_apop },
	{ "UTF8", cmd_utf8 },
	{ "QUIT", cmd_quit },
};

static bool pop3_login_run_command(struct pop3_login_client *client,
				   const struct pop3_login_cmd *cmd)
{
	for (unsigned int i = 0; i < N_ELEMENTS(pop3_login_commands); i++) {
		if (strcmp(cmd->name, pop3_login_commands[i].name) == 0)
			return pop3_login_commands[i].func(client, cmd->args);
	}
	send_line(client, "-ERR Unknown command.");
	return login_client_bad_command(client->common);
}

static void pop3_login_input(struct login_client *common)
{
	struct pop3_login_client *client = login_client_get_context(common);
	struct line_reader *input = login_client_get_reader(common);
	struct pop3_login_cmd cmd;
	const char *line, *error;
	size_t len;

	while (!login_client_input_paused(common)) {
		switch (line_reader_next_line(input, &line, &len)) {
		case LINE_READER_MORE:
			return;
		case LINE_READER_TOO_LONG:
			send_line(client, "-ERR Input line too long.");
			login_client_destroy(common, "Disconnected: Input line too long");
			return;
		case LINE_READER_LINE:
			break;
		}
		if (login_client_auth_waiting_response(common)) {
			login_client_auth_respond(common, line);
			continue;
		}
		if (pop3_login_cmd_parse(line, len, pool_temp, &cmd, &error) < 0) {
			send_line(client, t_strdup_printf("-ERR %s", error));
			if (!login_client_bad_command(common))
				return;
			continue;
		}
		if (!pop3_login_run_command(client, &cmd))
			return;
	}
}

/* The RFC 1939 timestamp, in Dovecot's shape
   <SPID.CUID.TIME.RANDOM@HOST> (hex, base64): auth checks that the first
   three are its own pid, our connection and not older than itself. NULL
   when auth does not offer APOP. */
static char *apop_challenge_create(struct pop3_login_client *client)
{
	unsigned char rnd[16];
	string_t *rnd64 = str_new(pool_temp, 32);
	char host[256];

	if (!login_client_auth_mech_connect_id(client->common, "APOP", &client->apop_server_pid,
					       &client->apop_connect_uid))
		return NULL;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		i_error("APOP: getrandom() failed: %m");
		return NULL;
	}
	base64_encode(rnd, sizeof(rnd), rnd64);
	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	return i_strdup_printf("<%x.%x.%lx.%s@%s>", (unsigned int)client->apop_server_pid,
			       client->apop_connect_uid, (unsigned long)ioloop_time, str_c(rnd64),
			       host);
}

static void pop3_login_send_greeting(struct login_client *common)
{
	struct pop3_login_client *client = login_client_get_context(common);
	const struct login_settings *set = login_client_get_settings(common);
	string_t *greeting = str_new(pool_temp, 64);
	const char *error;

	if (var_expand(greeting, set->login_greeting, NULL, &error) < 0) {
		str_truncate(greeting, 0);
		str_append(greeting, set->login_greeting);
	}
	i_free(client->apop_challenge);
	client->apop_challenge = apop_challenge_create(client);
	if (client->apop_challenge != NULL)
		str_printfa(greeting, " %s", client->apop_challenge);
	login_client_send_line(common, t_strdup_printf("+OK %s", str_c(greeting)));
}

static void pop3_login_auth_send_challenge(struct login_client *common, const char *data)
{
	login_client_send_line(common, t_strdup_printf("+ %s", data));
}

static void pop3_login_auth_result(struct login_client *common, enum login_auth_result result,
				   const char *text)
{
	const char *reply;

	switch (result) {
	case LOGIN_AUTH_RESULT_FAILED:
	case LOGIN_AUTH_RESULT_PLAINTEXT_DISABLED:
		reply = t_strdup_printf("-ERR [AUTH] %s", text);
		break;
	case LOGIN_AUTH_RESULT_TEMPFAIL:
	case LOGIN_AUTH_RESULT_INTERNAL_FAILURE:
		reply = t_strdup_printf("-ERR [SYS/TEMP] %s", text);
		break;
	default:
		reply = t_strdup_printf("-ERR %s", text);
		break;
	}
	login_client_send_line(common, reply);
}

static void pop3_login_notify_disconnect(struct login_client *common, const char *text)
{
	login_client_send_line(common, t_strdup_printf("-ERR %s", text));
}

static void *pop3_login_client_create(struct login_client *common)
{
	struct pop3_login_client *client = i_new(struct pop3_login_client, 1);

	client->common = common;
	return client;
}

static void pop3_login_client_destroy(struct login_client *common)
{
	struct pop3_login_client *client = login_client_get_context(common);

	i_free(client->user);
	i_free(client->apop_challenge);
	i_free(client);
}

const struct login_binary pop3_login_binary = {
	.process_name = "pop3-login",
	.protocol = "pop3",
	.handoff_socket = "pop3",
	.client_create = pop3_login_client_create,
	.client_destroy = pop3_login_client_destroy,
	.send_greeting = pop3_login_send_greeting,
	.input = pop3_login_input,
	.auth_send_challenge = pop3_login_auth_send_challenge,
	.auth_result = pop3_login_auth_result,
	.notify_disconnect = pop3_login_notify_disconnect,
};
