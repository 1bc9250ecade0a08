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

void imap_append_modseq(string_t *dest, uint64_t modseq)
{
	str_printfa(dest, "MODSEQ (%llu)", (unsigned long long)modseq);
}
