#ifndef MESSAGE_ADDRESS_H
#define MESSAGE_ADDRESS_H

/* RFC 5322 address lists (From, To, Cc, ...), parsed into the list form
   IMAP ENVELOPE uses (RFC 3501 section 7.4.2):

   - a mailbox:      name, route, mailbox, domain (name/route may be NULL)
   - a group start:  mailbox = the group's display name, domain = NULL
   - a group end:    mailbox = NULL, domain = NULL

   Display names are phrases with their quoting removed and words joined
   by single spaces; comments are dropped, except that a comment after an
   address without a display name ("user@host (Name)", the RFC 822 style)
   becomes its name. Encoded words are left as they are (decode them with
   rfc2047 when showing a name to a human). Obsolete syntax is accepted:
   source routes "<@a,@b:user@host>", CFWS around dots, empty list
   elements. Parsing stops at the first error; the addresses found before
   it are returned, the broken one with invalid_syntax set. */

struct message_address {
	struct message_address *next;

	const char *name;
	const char *route;
	const char *mailbox;
	const char *domain;
	bool invalid_syntax;
};

enum message_address_parse_flags {
	/* A missing local part or domain becomes "MISSING_MAILBOX" or
	   "MISSING_DOMAIN", as Dovecot (and sendmail before it) do in
	   ENVELOPE, instead of NULL. */
	MESSAGE_ADDRESS_PARSE_FLAG_FILL_MISSING = 0x01,
};

#define MESSAGE_ADDRESS_MISSING_MAILBOX "MISSING_MAILBOX"
#define MESSAGE_ADDRESS_MISSING_DOMAIN "MISSING_DOMAIN"

/* Parses size bytes of an (unfolded) header value. Everything is allocated
   from pool. At most max_addresses mailboxes are returned (group markers
   not counted); UINT_MAX for all. Returns NULL for an empty list. */
struct message_address *message_address_parse(pool_t pool, const void *data, size_t size,
					      unsigned int max_addresses,
					      enum message_address_parse_flags flags);

static inline bool message_address_is_group_start(const struct message_address *addr)
{
	return addr->domain == NULL && addr->mailbox != NULL;
}
static inline bool message_address_is_group_end(const struct message_address *addr)
{
	return addr->domain == NULL && addr->mailbox == NULL;
}

/* Appends the list in RFC 5322 syntax ("Name <user@host>, g: a@b;"),
   quoting names where needed. */
void message_address_write(string_t *str, const struct message_address *addr);

#endif
