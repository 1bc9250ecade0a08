#include "lib.h"
#include "message-address.h"
#include "message-part-data.h"
#include "message-imap-quote.h"
#include "imap-envelope.h"

void imap_envelope_write_address(string_t *dest, const struct message_address *addr)
{
	if (addr == NULL) {
		str_append(dest, "NIL");
		return;
	}
	str_append_c(dest, '(');
	for (; addr != NULL; addr = addr->next) {
		str_append_c(dest, '(');
		if (addr->name == NULL)
			str_append(dest, "NIL");
		else
			message_imap_append_string_for_humans(
				dest, (const unsigned char *)addr->name, strlen(addr->name));
		str_append_c(dest, ' ');
		message_imap_append_nstring_nolf(dest, addr->route);
		str_append_c(dest, ' ');
		message_imap_append_nstring_nolf(dest, addr->mailbox);
		str_append_c(dest, ' ');
		message_imap_append_nstring_nolf(dest, addr->domain);
		str_append_c(dest, ')');
	}
	str_append_c(dest, ')');
}

void imap_envelope_write(string_t *dest, const struct message_part_envelope *env)
{
	if (env == NULL) {
		str_append(dest, "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL");
		return;
	}
	message_imap_append_nstring_nolf(dest, env->date);
	str_append_c(dest, ' ');
	if (env->subject == NULL)
		str_append(dest, "NIL");
	else
		message_imap_append_string_for_humans(
			dest, (const unsigned char *)env->subject, strlen(env->subject));
	str_append_c(dest, ' ');
	imap_envelope_write_address(dest, env->from);
	str_append_c(dest, ' ');
	imap_envelope_write_address(dest, env->sender != NULL ? env->sender : env->from);
	str_append_c(dest, ' ');
	imap_envelope_write_address(dest, env->reply_to != NULL ? env->reply_to : env->from);
	str_append_c(dest, ' ');
	imap_envelope_write_address(dest, env->to);
	str_append_c(dest, ' ');
	imap_envelope_write_address(dest, env->cc);
	str_append_c(dest, ' ');
	imap_envelope_write_address(dest, env->bcc);
	str_append_c(dest, ' ');
	message_imap_append_nstring_nolf(dest, env->in_reply_to);
	str_append_c(dest, ' ');
	message_imap_append_nstring_nolf(dest, env->message_id);
}
