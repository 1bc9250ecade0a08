/* imap-login's protocol: pre-login IMAP commands on top of login-common. */
#include "lib.h"
#include "var-expand.h"
#include "imap-arg.h"
#include "login-interface.h"
#include "login-client.h"
#include "imap-login-cmd.h"
#include "imap-login-client.h"

/* what the post-login imap offers, as Dovecot 2.3 advertises it;
   LITERAL+ becomes LITERAL- with imap_literal_minus */
#define IMAP_LOGIN_BASE_CAPABILITY "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE"
#define IMAP_LOGIN_BASE_CAPABILITY_MINUS \
	"IMAP4rev1 LITERAL- SASL-IR LOGIN-REFERRALS ID ENABLE IDLE"

struct imap_login_client {
	struct login_client *common;
	struct imap_login_cmd_reader *reader;
	char *cmd_tag; /* of the LOGIN/AUTHENTICATE in progress */
};

struct imap_login_command {
	const char *name;
	/* returns false when the client was destroyed */
	bool (*func)(struct imap_login_client *client, const struct imap_login_cmd *cmd);
};

const char *imap_login_capability(struct login_client *common)
{
	const struct login_settings *set = login_client_get_settings(common);
	string_t *str = str_new(pool_temp, 128);
	const char *mechs, *base = set->imap_literal_minus ?
		IMAP_LOGIN_BASE_CAPABILITY_MINUS : IMAP_LOGIN_BASE_CAPABILITY;

	if (set->imap_capability[0] == '\0')
		str_append(str, base);
	else if (set->imap_capability[0] == '+')
		str_printfa(str, "%s %s", base, set->imap_capability + 1);
	else
		str_append(str, set->imap_capability);
	if (login_client_starttls_available(common))
		str_append(str, " STARTTLS");
	if (!login_client_plaintext_allowed(common))
		str_append(str, " LOGINDISABLED");
	mechs = login_client_get_mechs(common);
	if (mechs[0] != '\0') {
		const char *const *names = p_strsplit(pool_temp, mechs, " ");

		for (unsigned int i = 0; names[i] != NULL; i++)
			str_printfa(str, " AUTH=%s", names[i]);
	}
	return str_c(str);
}

static void send_tagged(struct imap_login_client *client, const char *tag, const char *text)
{
	login_client_send_line(client->common, t_strdup_printf("%s %s", tag, text));
}

static bool cmd_capability(struct imap_login_client *client, const struct imap_login_cmd *cmd)
{
	login_client_send_line(client->common, t_strdup_printf(
		"* CAPABILITY %s", imap_login_capability(client->common)));
	send_tagged(client, cmd->tag,
		    "OK Pre-login capabilities listed, post-login capabilities have more.");
	return true;
}

static bool cmd_starttls(struct imap_login_client *client, const struct imap_login_cmd *cmd)
{
	if (login_client_is_tls(client->common)) {
		send_tagged(client, cmd->tag, "BAD TLS is already active.");
		return true;
	}
	if (!login_client_starttls_available(client->common)) {
		send_tagged(client, cmd->tag, "BAD TLS support isn't enabled.");
		return true;
	}
	send_tagged(client, cmd->tag, "OK Begin TLS negotiation now.");
	login_client_starttls(client->common);
	return true;
}

static bool cmd_noop(struct imap_login_client *client, const struct imap_login_cmd *cmd)
{
	send_tagged(client, cmd->tag, "OK NOOP completed.");
	return true;
}

static bool cmd_id(struct imap_login_client *client, const struct imap_login_cmd *cmd)
{
	const struct imap_arg *list;
	unsigned int count;

	/* ID NIL or ID ("key" "value" ...): the client's values are not used */
	if (!imap_arg_atom_equals(&cmd->args[0], "NIL") &&
	    !imap_arg_get_list(&cmd->args[0], &list, &count)) {
		send_tagged(client, cmd->tag, "BAD Invalid ID parameters.");
		return login_client_bad_command(client->common);
	}
	login_client_send_line(client->common, "* ID (\"name\" \"Roost\")");
	send_tagged(client, cmd->tag, "OK ID completed.");
	return true;
}

static bool cmd_logout(struct imap_login_client *client, const struct imap_login_cmd *cmd)
{
	login_client_send_line(client->common, "* BYE Logging out");
	send_tagged(client, cmd->tag, "OK Logout completed.");
	login_client_destroy(client->common, "Aborted login");
	return false;
}

static bool auth_tag_ok(struct imap_login_client *client, const struct imap_login_cmd *cmd)
{
	if (strlen(cmd->tag) >= LOGIN_HANDOFF_MAX_TAG_SIZE) {
		send_tagged(client, cmd->tag, "BAD Tag too long.");
		return false;
	}
	i_free(client->cmd_tag);
	client->cmd_tag = i_strdup(cmd->tag);
	login_client_set_tag(client->common, cmd->tag);
	return true;
}

static bool cmd_login(struct imap_login_client *client, const struct imap_login_cmd *cmd)
{
	const char *user, *pass;

	if (!imap_arg_get_astring(&cmd->args[0], &user) ||
	    !imap_arg_get_astring(&cmd->args[1], &pass) || !imap_arg_is_eol(&cmd->args[2])) {
		send_tagged(client, cmd->tag, "BAD Invalid arguments.");
		return login_client_bad_command(client->common);
	}
	if (!auth_tag_ok(client, cmd))
		return true;
	if (!login_client_plaintext_allowed(client->common)) {
		/* the password already crossed the wire in the clear */
		login_client_send_line(client->common,
				       "* BAD [ALERT] " LOGIN_PLAINTEXT_EXPOSED_MSG);
	}
	login_client_auth_plain(client->common, user, pass);
	return !login_client_is_destroyed(client->common);
}

static bool cmd_authenticate(struct imap_login_client *client, const struct imap_login_cmd *cmd)
{
	const char *mech, *ir = NULL;

	if (!imap_arg_get_atom(&cmd->args[0], &mech) ||
	    (!imap_arg_is_eol(&cmd->args[1]) &&
	     (!imap_arg_get_atom(&cmd->args[1], &ir) || !imap_arg_is_eol(&cmd->args[2])))) {
		send_tagged(client, cmd->tag, "BAD Invalid arguments.");
		return login_client_bad_command(client->common);
	}
	if (!auth_tag_ok(client, cmd))
		return true;
	login_client_auth_begin(client->common, mech, ir);
	return !login_client_is_destroyed(client->common);
}

static const struct imap_login_command imap_login_commands[] = {
	{ "CAPABILITY", cmd_capability },
	{ "STARTTLS", cmd_starttls },
	{ "LOGIN", cmd_login },
	{ "AUTHENTICATE", cmd_authenticate },
	{ "ID", cmd_id },
	{ "NOOP", cmd_noop },
	{ "LOGOUT", cmd_logout },
};

static bool imap_login_run_command(struct imap_login_client *client,
				   const struct imap_login_cmd *cmd)
{
	for (unsigned int i = 0; i < N_ELEMENTS(imap_login_commands); i++) {
		if (strcasecmp(cmd->name, imap_login_commands[i].name) == 0)
			return imap_login_commands[i].func(client, cmd);
	}
	send_tagged(client, cmd->tag, "BAD Error in IMAP command received by server.");
	return login_client_bad_command(client->common);
}

static void imap_login_input(struct login_client *common)
{
	struct imap_login_client *client = login_client_get_context(common);
	struct line_reader *input = login_client_get_reader(common);
	struct imap_login_cmd cmd;
	const char *error, *line;
	size_t len;
	bool fatal;

	while (!login_client_input_paused(common)) {
		if (login_client_auth_waiting_response(common)) {
			enum line_reader_result res = line_reader_next_line(input, &line, &len);

			if (res == LINE_READER_MORE)
				return;
			if (res == LINE_READER_TOO_LONG) {
				login_client_send_line(common, "* BYE Too long SASL response.");
				login_client_destroy(common,
						     "Disconnected: Too long SASL response");
				return;
			}
			login_client_auth_respond(common, line);
			continue;
		}
		switch (imap_login_cmd_read(client->reader, input, &cmd, &error, &fatal)) {
		case IMAP_LOGIN_READ_MORE:
			return;
		case IMAP_LOGIN_READ_CONTINUE:
			login_client_send_line(common, "+ OK");
			break;
		case IMAP_LOGIN_READ_ERROR:
			if (fatal) {
				login_client_send_line(common, t_strdup_printf("* BYE %s", error));
				login_client_destroy(common, t_strdup_printf("Disconnected: %s",
									     error));
				return;
			}
			send_tagged(client, imap_login_cmd_get_tag(client->reader),
				    t_strdup_printf("BAD %s", error));
			if (!login_client_bad_command(common))
				return;
			break;
		case IMAP_LOGIN_READ_COMMAND:
			if (!imap_login_run_command(client, &cmd))
				return;
			break;
		}
	}
}

static void imap_login_send_greeting(struct login_client *common)
{
	const struct login_settings *set = login_client_get_settings(common);
	string_t *greeting = str_new(pool_temp, 64);
	const char *error;

	if (var_expand(greeting, set->login_greeting, NULL, &error) < 0) {
		str_truncate(greeting, 0);
		str_append(greeting, set->login_greeting);
	}
	login_client_send_line(common, t_strdup_printf("* OK [CAPABILITY %s] %s",
						       imap_login_capability(common),
						       str_c(greeting)));
}

static void imap_login_auth_send_challenge(struct login_client *common, const char *data)
{
	login_client_send_line(common, t_strdup_printf("+ %s", data));
}

static void imap_login_auth_result(struct login_client *common, enum login_auth_result result,
				   const char *text)
{
	struct imap_login_client *client = login_client_get_context(common);
	const char *tag = client->cmd_tag == NULL ? "*" : client->cmd_tag;
	const char *reply;

	switch (result) {
	case LOGIN_AUTH_RESULT_FAILED:
		reply = t_strdup_printf("NO [AUTHENTICATIONFAILED] %s", text);
		break;
	case LOGIN_AUTH_RESULT_TEMPFAIL:
	case LOGIN_AUTH_RESULT_INTERNAL_FAILURE:
		reply = t_strdup_printf("NO [UNAVAILABLE] %s", text);
		break;
	case LOGIN_AUTH_RESULT_PLAINTEXT_DISABLED:
		reply = t_strdup_printf("NO [PRIVACYREQUIRED] %s", text);
		break;
	case LOGIN_AUTH_RESULT_MECH_UNSUPPORTED:
		reply = t_strdup_printf("NO %s", text);
		break;
	case LOGIN_AUTH_RESULT_ABORTED:
	case LOGIN_AUTH_RESULT_INVALID_BASE64:
	default:
		reply = t_strdup_printf("BAD %s", text);
		break;
	}
	send_tagged(client, tag, reply);
}

static void imap_login_notify_disconnect(struct login_client *common, const char *text)
{
	login_client_send_line(common, t_strdup_printf("* BYE %s", text));
}

static void *imap_login_client_create(struct login_client *common)
{
	struct imap_login_client *client = i_new(struct imap_login_client, 1);

	client->common = common;
	client->reader = imap_login_cmd_reader_create();
	return client;
}

static void imap_login_client_destroy(struct login_client *common)
{
	struct imap_login_client *client = login_client_get_context(common);

	imap_login_cmd_reader_destroy(&client->reader);
	i_free(client->cmd_tag);
	i_free(client);
}

const struct login_binary imap_login_binary = {
	.process_name = "imap-login",
	.protocol = "imap",
	.handoff_socket = "imap",
	.client_create = imap_login_client_create,
	.client_destroy = imap_login_client_destroy,
	.send_greeting = imap_login_send_greeting,
	.input = imap_login_input,
	.auth_send_challenge = imap_login_auth_send_challenge,
	.auth_result = imap_login_auth_result,
	.notify_disconnect = imap_login_notify_disconnect,
};
