/* APPEND (and MULTIAPPEND): the message literal is never held in memory.
   When the parser reports the literal, its preceding arguments (mailbox,
   flags, date) are parsed from the line with a second parser, the save is
   started, and the bytes go straight from the line_reader into
   mailbox_save_write(). The tagged reply comes when the command line ends. */

#include "lib.h"
#include "date.h"
#include "imap-commands.h"
#include "imap-util.h"
#include "str.h"
#include "strfuncs.h"

struct imap_append_state {
	struct mailbox *box;
	struct mailbox_transaction *t;
	struct mail_save_context *save;
	unsigned int count;
	bool failed;
	char *fail_text;
};

void imap_append_state_free(struct client *client)
{
	struct imap_append_state *state = client->append;

	if (state == NULL)
		return;
	client->append = NULL;
	if (state->save != NULL)
		mailbox_save_abort(&state->save);
	if (state->t != NULL)
		mailbox_transaction_rollback(&state->t);
	if (state->box != NULL)
		mailbox_free(&state->box);
	i_free(state->fail_text);
	i_free(state);
}

static void append_fail(struct imap_append_state *state, const char *text)
{
	if (state->failed)
		return;
	state->failed = true;
	state->fail_text = p_strdup(pool_system, text);
	if (state->save != NULL)
		mailbox_save_abort(&state->save);
}

static const char *append_storage_error(struct mailbox *box, bool open)
{
	enum mail_error error;
	const char *text = mailbox_get_last_error(box, &error);

	if (open && error == MAIL_ERROR_NOTFOUND)
		return t_strdup_printf("NO [TRYCREATE] Mailbox doesn't exist: %s.",
				       str_sanitize(pool_temp, mailbox_get_vname(box), 100));
	if (error == MAIL_ERROR_NOQUOTA || error == MAIL_ERROR_NOSPACE)
		return t_strdup_printf("NO [OVERQUOTA] %s%s", text,
				       text[0] != '\0' && text[strlen(text) - 1] == '.' ? "" : ".");
	return t_strdup_printf("NO %s", text);
}

/* Parses "[flags] [date]" into params. */
static int append_parse_params(struct client *client, const struct imap_arg *args,
			       struct mail_save_params *params, const char **error_r)
{
	const struct imap_arg *list;
	const char *str;
	unsigned int count;
	int tz;

	memset(params, 0, sizeof(*params));
	if (imap_arg_get_list(args, &list, &count)) {
		if (client_parse_flags(client->cmd_pool, list, &params->flags, &params->keywords,
				       error_r) < 0)
			return -1;
		args++;
	}
	if (args->type == IMAP_ARG_STRING) {
		str = args->_data.s.str;
		if (date_parse_imap_datetime(str, &params->received_date, &tz, error_r) < 0) {
			*error_r = "Invalid internal date.";
			return -1;
		}
		args++;
	}
	if (!imap_arg_is_eol(args)) {
		*error_r = "Invalid arguments.";
		return -1;
	}
	return 0;
}

int imap_append_literal_begin(struct client *client, const char *line, size_t len, bool first,
			      uint64_t size, bool sync)
{
	struct imap_append_state *state = client->append;
	struct imap_parser_settings set;
	struct mail_save_params params;
	struct imap_parser *parser;
	const struct imap_arg *args;
	const char *segment, *name, *vname, *error = NULL;
	const char *p;
	uint64_t limit;
	int ret = 0;

	limit = imap_settings_get_append_limit(client->set);
	if (state == NULL) {
		state = i_new(struct imap_append_state, 1);
		client->append = state;
	}
	if (state->failed)
		return sync ? -1 : 0;
	/* the arguments before the literal marker */
	p = line + len;
	while (p > line && p[-1] != '{')
		p--;
	if (p > line)
		p--;
	if (p > line && p[-1] == '~')
		p--;
	while (p > line && p[-1] == ' ')
		p--;
	segment = t_strndup(line, (size_t)(p - line));
	if (!first)
		segment = t_strconcat("x APPEND", segment, NULL);
	memset(&set, 0, sizeof(set));
	set.max_literal_size = 0;
	set.max_args_size = len + 64;
	set.max_list_depth = 2;
	set.max_args = 1000;
	parser = imap_parser_create(&set);
	if (imap_parser_feed_line(parser, segment, strlen(segment)) != IMAP_PARSE_DONE) {
		error = "BAD Error in IMAP command APPEND: Invalid arguments.";
	} else {
		args = imap_parser_get_args(parser) + 2;
		name = NULL;
		if (first) {
			if (!imap_arg_get_astring(args, &name))
				name = NULL;
			args++;
		} else if (state->box == NULL && client->append_mailbox_literal != NULL) {
			/* "APPEND {n}" gave the mailbox name as a literal */
			name = str_c(client->append_mailbox_literal);
		}
		if (state->box == NULL) {
			if (name == NULL || (vname = client_mailbox_name(client, name)) == NULL)
				error = "BAD Error in IMAP command APPEND: Invalid mailbox name.";
			else {
				state->box =
				    mailbox_alloc(client->user, vname, 0);
				if (mailbox_open(state->box) < 0)
					error = append_storage_error(state->box, true);
				else
					state->t = mailbox_transaction_begin(state->box);
			}
		}
		if (error == NULL && append_parse_params(client, args, &params, &error) < 0)
			error = t_strdup_printf("BAD Error in IMAP command APPEND: %s", error);
		/* RFC 7889: refused before the data comes (a LITERAL+
		   client's data is read and dropped) */
		if (error == NULL && limit != 0 && size > limit)
			error = "NO [TOOBIG] Mail size is larger than the maximum size allowed by "
				"server configuration.";
		/* quota: refused before the data comes too, as Dovecot */
		if (error == NULL && mailbox_save_check_size(state->t, size) < 0)
			error = append_storage_error(state->box, false);
		if (error == NULL) {
			state->save = mailbox_save_begin(state->t, &params);
			if (state->save == NULL)
				error = append_storage_error(state->box, false);
		}
	}
	imap_parser_destroy(&parser);
	if (error != NULL) {
		append_fail(state, error);
		if (sync) {
			client_send_tagline(client, error);
			ret = -1;
		}
	}
	return ret;
}

void imap_append_literal_data(struct client *client, const void *data, size_t size)
{
	struct imap_append_state *state = client->append;

	if (state == NULL || state->failed || state->save == NULL)
		return;
	if (mailbox_save_write(state->save, data, size) < 0)
		append_fail(state, append_storage_error(state->box, false));
}

void imap_append_literal_end(struct client *client)
{
	struct imap_append_state *state = client->append;

	if (state == NULL || state->failed || state->save == NULL)
		return;
	if (mailbox_save_finish(&state->save) < 0)
		append_fail(state, append_storage_error(state->box, false));
	else
		state->count++;
}

bool cmd_append(struct client *client, const struct imap_arg *args)
{
	struct imap_append_state *state = client->append;
	struct mail_transaction_commit_changes changes;
	ARRAY_TYPE(imap_seq_range) uids;
	string_t *str;
	bool selected;

	(void)args;
	if (state == NULL || (state->count == 0 && !state->failed)) {
		client_send_bad(client, "Error in IMAP command APPEND: Invalid arguments.");
		imap_append_state_free(client);
		return true;
	}
	if (state->failed) {
		client_send_tagline(client, state->fail_text);
		imap_append_state_free(client);
		return true;
	}
	if (mailbox_transaction_commit(&state->t, client->cmd_pool, &changes) < 0) {
		client_send_tagline(client, append_storage_error(state->box, false));
		imap_append_state_free(client);
		return true;
	}
	client->logout_stats.appended += array_count(&changes.saved_uids);
	selected = client->box != NULL &&
		   strcmp(mailbox_get_vname(client->box), mailbox_get_vname(state->box)) == 0;
	imap_append_state_free(client);
	p_array_init(&uids, client->cmd_pool, 4);
	array_foreach(&changes.saved_uids, uidp)
	{
		struct imap_seq_range r = {*uidp, *uidp};

		array_push(&uids, &r);
	}
	str = t_str_new(64);
	imap_util_write_uid_list(str, &uids);
	if (selected)
		(void)client_sync(client, true);
	client_send_tagline(client, t_strdup_printf("OK [APPENDUID %u %s] Append completed.",
						    changes.uid_validity, str_c(str)));
	return true;
}
