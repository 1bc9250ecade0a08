/* STATUS and the status items LIST-STATUS shares. */

#include "lib.h"
#include "imap-commands.h"
#include "imap-quote.h"
#include "imap-util.h"
#include "imap-status.h"
#include "imap-condstore.h"
#include "str.h"
#include "strfuncs.h"

/* in the order Dovecot writes them, whatever the request's order */
static const struct {
	const char *name;
	enum imap_status_items item;
} status_items[] = {
    {"MESSAGES", IMAP_STATUS_MESSAGES},
    {"RECENT", IMAP_STATUS_RECENT},
    {"UIDNEXT", IMAP_STATUS_UIDNEXT},
    {"UIDVALIDITY", IMAP_STATUS_UIDVALIDITY},
    {"UNSEEN", IMAP_STATUS_UNSEEN},
    {"HIGHESTMODSEQ", IMAP_STATUS_HIGHESTMODSEQ},
    {"DELETED", IMAP_STATUS_DELETED},
    {"SIZE", IMAP_STATUS_SIZE},
    {"APPENDLIMIT", IMAP_STATUS_APPENDLIMIT},
};

int imap_status_parse_items(const struct imap_arg *list, enum imap_status_items *items_r,
			    const char **error_r)
{
	const char *name;
	unsigned int i;

	*items_r = 0;
	if (imap_arg_is_eol(list)) {
		*error_r = "Empty status list";
		return -1;
	}
	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &name)) {
			*error_r = "Status list contains non-atoms";
			return -1;
		}
		for (i = 0; i < N_ELEMENTS(status_items); i++) {
			if (strcasecmp(name, status_items[i].name) == 0)
				break;
		}
		if (i == N_ELEMENTS(status_items)) {
			*error_r = t_strdup_printf(
			    "Invalid status item %s",
			    str_ucase(p_strdup(pool_temp, str_sanitize(pool_temp, name, 40))));
			return -1;
		}
		*items_r |= status_items[i].item;
	}
	return 0;
}

static void status_append_value(string_t *str, const struct client *client,
				const struct mailbox_status *status, enum imap_status_items item)
{
	uint64_t limit;

	switch (item) {
	case IMAP_STATUS_MESSAGES:
		str_printfa(str, "%u", status->messages);
		break;
	case IMAP_STATUS_RECENT:
		str_printfa(str, "%u", status->recent);
		break;
	case IMAP_STATUS_UIDNEXT:
		str_printfa(str, "%u", status->uidnext);
		break;
	case IMAP_STATUS_UIDVALIDITY:
		str_printfa(str, "%u", status->uidvalidity);
		break;
	case IMAP_STATUS_UNSEEN:
		str_printfa(str, "%u", status->unseen);
		break;
	case IMAP_STATUS_HIGHESTMODSEQ:
		str_printfa(str, "%llu", (unsigned long long)status->highest_modseq);
		break;
	case IMAP_STATUS_SIZE:
		/* RFC 8438: the sum of the messages' RFC822.SIZEs, which the
		   index keeps per message: no message file is read */
		str_printfa(str, "%llu", (unsigned long long)status->size);
		break;
	case IMAP_STATUS_APPENDLIMIT:
		/* RFC 7889: NIL when there is no limit */
		limit = imap_settings_get_append_limit(client->set);
		if (limit == 0)
			str_append(str, "NIL");
		else
			str_printfa(str, "%llu", (unsigned long long)limit);
		break;
	case IMAP_STATUS_DELETED:
		str_printfa(str, "%u", status->deleted);
		break;
	}
}

int imap_status_send(struct client *client, const char *vname, enum imap_status_items items,
		     const char **error_r)
{
	struct mailbox_status status;
	enum mail_error error;
	struct mailbox *box;
	string_t *str;
	unsigned int i;

	if ((items & IMAP_STATUS_HIGHESTMODSEQ) != 0) {
		/* a CONDSTORE enabling command (RFC 7162 3.1) */
		client_enable_condstore(client);
	}
	if (client->box != NULL && strcmp(mailbox_get_vname(client->box), vname) == 0)
		(void)client_sync(client, true);
	box = mailbox_alloc(client->user, vname, MAILBOX_FLAG_READONLY);
	if (mailbox_get_status(box, &status) < 0) {
		*error_r = mailbox_get_last_error(box, &error);
		if (error == MAIL_ERROR_NOTFOUND)
			*error_r = t_strdup_printf(
			    "Mailbox doesn't exist: %s",
			    str_sanitize(pool_temp, client_mailbox_name_out(pool_temp, vname), 100));
		mailbox_free(&box);
		return -1;
	}
	mailbox_free(&box);
	str = t_str_new(128);
	str_append(str, "* STATUS ");
	client_append_mailbox_name(client, str, vname);
	str_append(str, " (");
	for (i = 0; i < N_ELEMENTS(status_items); i++) {
		if ((items & status_items[i].item) == 0)
			continue;
		str_printfa(str, "%s ", status_items[i].name);
		status_append_value(str, client, &status, status_items[i].item);
		str_append_c(str, ' ');
	}
	str_truncate(str, str_len(str) - 1);
	str_append_c(str, ')');
	client_send_line(client, str_c(str));
	return 0;
}

bool cmd_status(struct client *client, const struct imap_arg *args)
{
	enum imap_status_items items;
	const struct imap_arg *list;
	const char *name, *vname, *error;

	if (!imap_arg_get_astring(args, &name) || !imap_arg_get_list(args + 1, &list, NULL) ||
	    !imap_arg_is_eol(args + 2)) {
		client_send_bad(client, "Error in IMAP command STATUS: Invalid arguments.");
		return true;
	}
	error = NULL;
	if (imap_status_parse_items(list, &items, &error) == 0 &&
	    (items & IMAP_STATUS_DELETED) != 0 && !client->enabled_imap4rev2)
		error = "Invalid status item DELETED";
	if (error != NULL) {
		client_send_bad(client,
				t_strdup_printf("Error in IMAP command STATUS: %s", error));
		return true;
	}
	vname = client_mailbox_name(client, name);
	if (vname == NULL) {
		client_send_tagline(client, "NO Mailbox doesn't exist: invalid name");
		return true;
	}
	if (imap_status_send(client, vname, items, &error) < 0) {
		size_t len = strlen(error);

		client_send_tagline(client, t_strdup_printf("NO %s%s", error,
							    len > 0 && error[len - 1] == '.' ? "" : "."));
		return true;
	}
	/* RFC 3501 6.3.10: STATUS is not for the selected mailbox */
	client_send_tagline(client,
			    client->box != NULL &&
				    strcmp(mailbox_get_vname(client->box), vname) == 0
				? "OK [CLIENTBUG] Status on selected mailbox completed."
				: "OK Status completed.");
	return true;
}
