/* GETMETADATA and SETMETADATA (RFC 5464) as Dovecot 2.3 answers them,
   over the mailbox attributes of lib-storage. "/private/x" of mailbox
   "" (server metadata) is INBOX's attribute
   MAIL_ATTRIBUTE_SERVER_PREFIX "x"; entries under Dovecot's internal
   prefix cannot be reached through a mailbox. */

#include "lib.h"
#include "cmd-metadata.h"
#include "imap-commands.h"
#include "imap-quote.h"

#include <string.h>
#include <strings.h>

#define PRIVATE_PREFIX "/private"
#define SHARED_PREFIX "/shared"

/* ---- argument parsing (no I/O) ---- */

const char *imap_metadata_entry_parse(pool_t pool, const char *name, const char **error_r)
{
	size_t len = strlen(name);

	if (name[0] != '/') {
		*error_r = "Entry name must begin with '/'";
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' && i > 0 && name[i - 1] == '/') {
			*error_r = "Entry name can't contain consecutive '/'";
			return NULL;
		}
		if (c == '*' || c == '%') {
			*error_r = c == '*' ? "Entry name can't contain '*'"
					    : "Entry name can't contain '%'";
			return NULL;
		}
		if (c < 0x20 || c >= 0x7f) {
			*error_r = "Entry name can't contain control chars";
			return NULL;
		}
	}
	if (name[len - 1] == '/') {
		*error_r = "Entry name can't end with '/'";
		return NULL;
	}
	char *lower = p_strdup(pool, name);
	for (char *p = lower; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	size_t plen = strncmp(lower, PRIVATE_PREFIX, strlen(PRIVATE_PREFIX)) == 0
			      ? strlen(PRIVATE_PREFIX)
		      : strncmp(lower, SHARED_PREFIX, strlen(SHARED_PREFIX)) == 0
			      ? strlen(SHARED_PREFIX)
			      : 0;
	if (plen == 0 || (lower[plen] != '\0' && lower[plen] != '/')) {
		*error_r = "Entry name must begin with /private or /shared";
		return NULL;
	}
	return lower;
}

static int parse_options(const struct imap_arg *opts, struct imap_getmetadata_args *r,
			 const char **error_r)
{
	const char *name, *value;

	for (; !imap_arg_is_eol(opts); opts += 2) {
		if (!imap_arg_get_atom(opts, &name)) {
			*error_r = "Invalid arguments";
			return -1;
		}
		bool maxsize = strcasecmp(name, "MAXSIZE") == 0;
		if (!maxsize && strcasecmp(name, "DEPTH") != 0) {
			*error_r = "Unknown option";
			return -1;
		}
		if (imap_arg_is_eol(&opts[1]) || !imap_arg_get_atom(&opts[1], &value)) {
			*error_r = maxsize ? "Invalid value for MAXSIZE option"
					   : "Invalid value for DEPTH option";
			return -1;
		}
		if (maxsize) {
			uint64_t n = 0;
			const char *p = value;
			for (; *p >= '0' && *p <= '9' && n < (1ULL << 60); p++)
				n = n * 10 + (uint64_t)(*p - '0');
			if (*p != '\0' || p == value) {
				*error_r = "Invalid value for MAXSIZE option";
				return -1;
			}
			r->maxsize = n;
			r->have_maxsize = true;
		} else if (strcmp(value, "0") == 0) {
			r->depth = IMAP_METADATA_DEPTH_0;
		} else if (strcmp(value, "1") == 0) {
			r->depth = IMAP_METADATA_DEPTH_1;
		} else if (strcasecmp(value, "infinity") == 0) {
			r->depth = IMAP_METADATA_DEPTH_INFINITY;
		} else {
			*error_r = "Invalid value for DEPTH option";
			return -1;
		}
	}
	return 0;
}

int imap_getmetadata_parse(pool_t pool, const struct imap_arg *args,
			   struct imap_getmetadata_args *r, const char **error_r)
{
	const struct imap_arg *list;
	const char *name;
	unsigned int count;

	memset(r, 0, sizeof(*r));
	if (imap_arg_get_list(args, &list, NULL)) {
		if (parse_options(list, r, error_r) < 0)
			return -1;
		args++;
	}
	if (!imap_arg_get_astring(args, &r->mailbox) || imap_arg_is_eol(&args[1]) ||
	    !imap_arg_is_eol(&args[2])) {
		*error_r = "Invalid arguments";
		return -1;
	}
	args++;
	if (imap_arg_get_list(args, &list, &count)) {
		args = list;
	} else {
		count = 1;
	}
	const char **entries = p_new(pool, const char *, count + 1);
	for (unsigned int i = 0; i < count; i++) {
		if (!imap_arg_get_astring(&args[i], &name)) {
			*error_r = "Entry name isn't astring";
			return -1;
		}
		if ((entries[i] = imap_metadata_entry_parse(pool, name, error_r)) == NULL)
			return -1;
	}
	r->entries = entries;
	r->entry_count = count;
	return 0;
}

int imap_setmetadata_parse(pool_t pool, const struct imap_arg *args,
			   struct imap_setmetadata_args *r, const char **error_r)
{
	const struct imap_arg *list;
	const char *name;
	unsigned int count;

	memset(r, 0, sizeof(*r));
	if (!imap_arg_get_astring(args, &r->mailbox) ||
	    !imap_arg_get_list(&args[1], &list, &count) || !imap_arg_is_eol(&args[2])) {
		*error_r = "Invalid arguments";
		return -1;
	}
	struct imap_metadata_change *changes =
		p_new(pool, struct imap_metadata_change, count / 2 + 1);
	unsigned int n = 0;
	for (unsigned int i = 0; i < count; i += 2, n++) {
		if (!imap_arg_get_astring(&list[i], &name)) {
			*error_r = "Entry name isn't astring";
			return -1;
		}
		if ((changes[n].entry = imap_metadata_entry_parse(pool, name, error_r)) == NULL)
			return -1;
		if (i + 1 == count || list[i + 1].literal8) {
			/* Dovecot 2.3 takes no literal8 value either */
			*error_r = "Entry value missing";
			return -1;
		}
		if (list[i + 1].type == IMAP_ARG_LIST) {
			*error_r = "Entry value can't be a list";
			return -1;
		}
		if (list[i + 1].type == IMAP_ARG_NIL)
			changes[n].value = NULL;
		else if (!imap_arg_get_astring(&list[i + 1], &changes[n].value)) {
			*error_r = "Entry value missing";
			return -1;
		}
	}
	r->changes = changes;
	r->change_count = n;
	return 0;
}

/* ---- the commands ---- */

struct metadata_target {
	struct mailbox *box;
	bool server;
};

/* NO [CANNOT] unless the attributes are enabled (Dovecot's texts).
   Returns false when the reply was sent. */
static bool metadata_enabled(struct client *client)
{
	if (!client->set->imap_metadata) {
		client_send_tagline(client,
				    "NO [CANNOT] Generic mailbox attributes not enabled.");
		return false;
	}
	if (!mail_user_has_attributes(client->user)) {
		client_send_tagline(client, "NO [CANNOT] Mailbox attributes not enabled.");
		return false;
	}
	return true;
}

/* The mailbox of a command ("" = server: INBOX), or NULL with BAD sent. */
static bool metadata_target_open(struct client *client, const char *name,
				 struct metadata_target *t)
{
	const char *vname;

	t->server = name[0] == '\0';
	vname = t->server ? "INBOX" : client_mailbox_name(client, name);
	if (vname == NULL) {
		client_send_bad(client, "Invalid mailbox name.");
		return false;
	}
	t->box = mailbox_alloc(client->user, vname, 0);
	return true;
}

static void metadata_send_error(struct client *client, struct metadata_target *t)
{
	enum mail_error error;
	const char *text = mailbox_get_last_error(t->box, &error);

	if (error == MAIL_ERROR_NOTFOUND)
		client_send_tagline(client, t_strdup_printf("NO %s.", text));
	else
		client_send_storage_error(client, t->box);
}

/* entry ("/private/..." lowercase) to type and storage key; false when
   it names an internal attribute (not reachable) */
static bool entry_to_key(const struct metadata_target *t, const char *entry,
			 enum mail_attribute_type *type_r, const char **key_r)
{
	bool priv = strncmp(entry, PRIVATE_PREFIX, strlen(PRIVATE_PREFIX)) == 0;
	const char *rest = entry + (priv ? strlen(PRIVATE_PREFIX) : strlen(SHARED_PREFIX));

	*type_r = priv ? MAIL_ATTRIBUTE_TYPE_PRIVATE : MAIL_ATTRIBUTE_TYPE_SHARED;
	if (rest[0] == '/')
		rest++;
	if (t->server) {
		*key_r = p_strconcat(pool_temp, MAIL_ATTRIBUTE_SERVER_PREFIX, rest, NULL);
		return true;
	}
	*key_r = rest;
	return strncmp(rest, MAIL_ATTRIBUTE_INTERNAL_PREFIX,
		       strlen(MAIL_ATTRIBUTE_INTERNAL_PREFIX)) != 0 &&
	       strcmp(rest, "vendor/vendor.dovecot/pvt") != 0;
}

struct getmetadata_out {
	string_t *line;
	unsigned int count;
	uint64_t longest;
	const struct imap_getmetadata_args *args;
};

static void out_entry(struct getmetadata_out *out, const char *entry, const char *value)
{
	if (value != NULL && out->args->have_maxsize && strlen(value) > out->args->maxsize) {
		out->longest = MAX(out->longest, strlen(value));
		return;
	}
	if (out->count++ > 0)
		str_append_c(out->line, ' ');
	imap_append_astring(out->line, entry);
	if (value == NULL)
		str_append(out->line, " NIL");
	else
		str_printfa(out->line, " {%zu}\r\n%s", strlen(value), value);
}

static int getmetadata_entry(struct metadata_target *t, struct getmetadata_out *out,
			     const char *entry)
{
	enum mail_attribute_type type;
	const char *key, *value = NULL;
	int ret = 0;

	if (entry_to_key(t, entry, &type, &key) && key[0] != '\0' &&
	    (ret = mailbox_attribute_get(t->box, type, key, pool_temp, &value)) < 0)
		return -1;
	if (out->args->depth == IMAP_METADATA_DEPTH_0) {
		out_entry(out, entry, ret > 0 ? value : NULL);
		return 0;
	}
	/* DEPTH 1/infinity: the entry when it has a value, then below it */
	if (ret > 0)
		out_entry(out, entry, value);
	if (!entry_to_key(t, entry, &type, &key))
		return 0;
	const char *prefix = key[0] == '\0' || key[strlen(key) - 1] == '/'
				     ? key : p_strconcat(pool_temp, key, "/", NULL);
	const char *strip = t->server ? MAIL_ATTRIBUTE_SERVER_PREFIX : "";
	const char *entry_prefix = type == MAIL_ATTRIBUTE_TYPE_PRIVATE ? PRIVATE_PREFIX "/"
								       : SHARED_PREFIX "/";
	ARRAY_TYPE(mailbox_attribute) attrs;
	if (mailbox_attribute_iter(t->box, type, prefix, pool_temp, &attrs) < 0)
		return -1;
	array_foreach(&attrs, attr) {
		const char *below = attr->key + strlen(prefix);
		if (!t->server && strncmp(attr->key, MAIL_ATTRIBUTE_INTERNAL_PREFIX,
					  strlen(MAIL_ATTRIBUTE_INTERNAL_PREFIX)) == 0)
			continue;
		if (out->args->depth == IMAP_METADATA_DEPTH_1 && strchr(below, '/') != NULL)
			continue;
		out_entry(out, p_strconcat(pool_temp, entry_prefix, attr->key + strlen(strip), NULL),
			  attr->value);
	}
	return 0;
}

bool cmd_getmetadata(struct client *client, const struct imap_arg *args)
{
	struct imap_getmetadata_args gargs;
	struct metadata_target t;
	const char *error;

	if (!metadata_enabled(client))
		return true;
	if (imap_getmetadata_parse(client->cmd_pool, args, &gargs, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command GETMETADATA: %s",
							error));
		return true;
	}
	if (!metadata_target_open(client, gargs.mailbox, &t))
		return true;
	struct getmetadata_out out = { .line = str_new(pool_temp, 256), .args = &gargs };
	str_append(out.line, "* METADATA ");
	imap_append_astring(out.line, gargs.mailbox);
	str_append(out.line, " (");
	size_t start = str_len(out.line);
	for (unsigned int i = 0; i < gargs.entry_count; i++) {
		if (getmetadata_entry(&t, &out, gargs.entries[i]) < 0) {
			metadata_send_error(client, &t);
			mailbox_free(&t.box);
			return true;
		}
	}
	mailbox_free(&t.box);
	if (str_len(out.line) > start) {
		str_append_c(out.line, ')');
		client_send_line(client, str_c(out.line));
	}
	if (out.longest > 0)
		client_send_tagline(client, t_strdup_printf("OK [METADATA LONGENTRIES %llu] "
							    "Getmetadata completed.",
							    (unsigned long long)out.longest));
	else
		client_send_tagline(client, "OK Getmetadata completed.");
	return true;
}

bool cmd_setmetadata(struct client *client, const struct imap_arg *args)
{
	struct imap_setmetadata_args sargs;
	struct metadata_target t;
	const char *error;

	if (!metadata_enabled(client))
		return true;
	if (imap_setmetadata_parse(client->cmd_pool, args, &sargs, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command SETMETADATA: %s",
							error));
		return true;
	}
	if (!metadata_target_open(client, sargs.mailbox, &t))
		return true;
	struct mailbox_attribute *attrs =
		p_new(pool_temp, struct mailbox_attribute, sargs.change_count + 1);
	for (unsigned int i = 0; i < sargs.change_count; i++) {
		const char *entry = sargs.changes[i].entry;
		const char *text = NULL;
		if (!entry_to_key(&t, entry, &attrs[i].type, &attrs[i].key))
			text = "NO [CANNOT] Internal mailbox attributes cannot be accessed.";
		else if (t.server && attrs[i].type == MAIL_ATTRIBUTE_TYPE_SHARED)
			text = t_strdup_printf("NO [CANNOT] The /shared/%s attribute cannot be "
					       "changed.", attrs[i].key);
		else if (attrs[i].key[0] == '\0' ||
			 strcmp(attrs[i].key, MAIL_ATTRIBUTE_SERVER_PREFIX) == 0)
			/* Dovecot 2.3 stores an empty key here and breaks its
			   index; nothing can be kept under the bare prefix */
			text = t_strdup_printf("NO [CANNOT] The %s attribute cannot be changed.",
					       entry);
		if (text != NULL) {
			client_send_tagline(client, text);
			mailbox_free(&t.box);
			return true;
		}
		attrs[i].value = sargs.changes[i].value;
	}
	if (sargs.change_count > 0 &&
	    mailbox_attribute_set(t.box, attrs, sargs.change_count) < 0)
		metadata_send_error(client, &t);
	else
		client_send_tagline(client, "OK Setmetadata completed.");
	mailbox_free(&t.box);
	return true;
}
