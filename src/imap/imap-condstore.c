/* CONDSTORE session state and parsers. See imap-condstore.h. */

#include "lib.h"
#include "imap-condstore.h"
#include "str.h"
#include "strfuncs.h"

void client_enable_condstore(struct client *client)
{
	struct mailbox_status status;

	if (client->enabled_condstore)
		return;
	client->enabled_condstore = true;
	if (client->box != NULL && mailbox_get_status(client->box, &status) == 0)
		client_send_line(client,
				 t_strdup_printf("* OK [HIGHESTMODSEQ %llu] Highest",
						 (unsigned long long)status.highest_modseq));
}

int imap_parse_modseq(const char *str, bool allow_zero, uint64_t *modseq_r)
{
	uint64_t value;

	if (str_to_uint64(str, &value) < 0 || value > (uint64_t)INT64_MAX)
		return -1;
	if (value == 0 && !allow_zero)
		return -1;
	*modseq_r = value;
	return 0;
}

/* "name value" pairs where the only known name is known, with a modseq
   value. errors: the texts for an unknown name and for a bad value. */
static int parse_modifier_list(const struct imap_arg *list, const char *known, bool *set_r,
			       uint64_t *value_r, const char *const errors[2],
			       const char **error_r)
{
	const char *name, *value;

	*set_r = false;
	for (; !imap_arg_is_eol(list); list += 2) {
		if (!imap_arg_get_atom(list, &name) || strcasecmp(name, known) != 0) {
			*error_r = errors[0];
			return -1;
		}
		if (!imap_arg_get_atom(list + 1, &value) ||
		    imap_parse_modseq(value, true, value_r) < 0) {
			*error_r = errors[1];
			return -1;
		}
		*set_r = true;
	}
	return 0;
}

int imap_condstore_parse_fetch_modifiers(const struct imap_arg *args, bool *set_r,
					 uint64_t *changedsince_r, const char **error_r)
{
	static const char *const errors[] = {"Unknown FETCH modifier",
					     "Invalid CHANGEDSINCE modseq"};
	const struct imap_arg *list;
	unsigned int count;

	*set_r = false;
	if (imap_arg_is_eol(args))
		return 0;
	if (!imap_arg_get_list(args, &list, &count) || !imap_arg_is_eol(args + 1)) {
		*error_r = "Invalid arguments.";
		return -1;
	}
	return parse_modifier_list(list, "CHANGEDSINCE", set_r, changedsince_r, errors, error_r);
}

int imap_condstore_parse_store_modifiers(const struct imap_arg *list, bool *set_r,
					 uint64_t *unchangedsince_r, const char **error_r)
{
	static const char *const errors[] = {"Unknown STORE modifier", "Invalid modseq"};

	return parse_modifier_list(list, "UNCHANGEDSINCE", set_r, unchangedsince_r, errors,
				   error_r);
}

void imap_append_modseq(string_t *dest, uint64_t modseq)
{
	str_printfa(dest, "MODSEQ (%llu)", (unsigned long long)modseq);
}
