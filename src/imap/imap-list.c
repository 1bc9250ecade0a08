/* LIST and LSUB. The storage lists every mailbox (mailbox_list() with
   "*"); the selection options, RECURSIVEMATCH, the patterns and the
   attributes are applied here, the way Dovecot 2.3 answers:
   - the plain form answers as RFC 3501 LIST did (\Noselect for a parent
     that is no mailbox, children and special-use attributes always);
   - the extended form (RFC 5258) carries only the attributes asked for
     (\Subscribed with SUBSCRIBED, \HasChildren/\HasNoChildren with RETURN
     (CHILDREN), special-use with SPECIAL-USE), \NonExistent for a name that
     is no mailbox, and CHILDINFO for RECURSIVEMATCH;
   - RETURN (STATUS (...)) (RFC 5819) adds a STATUS line after the LIST
     line of every selectable mailbox. */

#include "lib.h"
#include "imap-commands.h"
#include "imap-list.h"
#include "imap-quote.h"
#include "imap-util.h"
#include "str.h"
#include "strfuncs.h"

#include <ctype.h>

/* ---- arguments ---- */

static int parse_select(const struct imap_arg *list, enum imap_list_select *select_r,
			const char **error_r)
{
	const char *name;

	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &name)) {
			*error_r = "List options contains non-atoms";
			return -1;
		}
		if (strcasecmp(name, "SUBSCRIBED") == 0)
			*select_r |= IMAP_LIST_SELECT_SUBSCRIBED;
		else if (strcasecmp(name, "REMOTE") == 0)
			*select_r |= IMAP_LIST_SELECT_REMOTE;
		else if (strcasecmp(name, "RECURSIVEMATCH") == 0)
			*select_r |= IMAP_LIST_SELECT_RECURSIVEMATCH;
		else if (strcasecmp(name, "SPECIAL-USE") == 0)
			*select_r |= IMAP_LIST_SELECT_SPECIAL_USE;
		else {
			*error_r = "Unknown select options";
			return -1;
		}
	}
	/* RFC 5258 3.1: never alone (REMOTE selects nothing here) */
	if ((*select_r & IMAP_LIST_SELECT_RECURSIVEMATCH) != 0 &&
	    (*select_r & (IMAP_LIST_SELECT_SUBSCRIBED | IMAP_LIST_SELECT_SPECIAL_USE)) == 0) {
		*error_r = "RECURSIVEMATCH must not be the only selection";
		return -1;
	}
	return 0;
}

static int parse_return(const struct imap_arg *list, struct imap_list_args *args,
			const char **error_r)
{
	const struct imap_arg *items;
	const char *name;

	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &name)) {
			*error_r = "List options contains non-atoms";
			return -1;
		}
		if (strcasecmp(name, "SUBSCRIBED") == 0)
			args->ret |= IMAP_LIST_RETURN_SUBSCRIBED;
		else if (strcasecmp(name, "CHILDREN") == 0)
			args->ret |= IMAP_LIST_RETURN_CHILDREN;
		else if (strcasecmp(name, "SPECIAL-USE") == 0)
			args->ret |= IMAP_LIST_RETURN_SPECIAL_USE;
		else if (strcasecmp(name, "STATUS") == 0 && imap_arg_get_list(list + 1, &items, NULL)) {
			if (imap_status_parse_items(items, &args->status_items, error_r) < 0)
				return -1;
			/* STATUS DELETED is IMAP4rev2's, and only on STATUS */
			if ((args->status_items & IMAP_STATUS_DELETED) != 0) {
				*error_r = "Invalid status item DELETED";
				return -1;
			}
			args->ret |= IMAP_LIST_RETURN_STATUS;
			list++;
		} else {
			*error_r = "Unknown return options";
			return -1;
		}
	}
	return 0;
}

int imap_list_parse_args(pool_t pool, const struct imap_arg *args, bool lsub,
			 struct imap_list_args *list_r, const char **error_r)
{
	ARRAY(const char *) patterns;
	const struct imap_arg *list;
	const char *str, *null = NULL;

	memset(list_r, 0, sizeof(*list_r));
	p_array_init(&patterns, pool, 4);
	if (!lsub && imap_arg_get_list(args, &list, NULL)) {
		list_r->extended = true;
		if (parse_select(list, &list_r->select, error_r) < 0)
			return -1;
		args++;
	}
	if (!imap_arg_get_astring(args, &str)) {
		*error_r = "Invalid reference";
		return -1;
	}
	list_r->ref = p_strdup(pool, str);
	args++;
	if (imap_arg_get_list(args, &list, NULL)) {
		/* a pattern list: LSUB knows none and lists nothing, as
		   Dovecot does */
		list_r->extended = !lsub;
		for (; !imap_arg_is_eol(list); list++) {
			if (!imap_arg_get_astring(list, &str)) {
				*error_r = "Invalid pattern list";
				return -1;
			}
			str = p_strdup(pool, str);
			if (!lsub)
				array_push(&patterns, &str);
		}
	} else if (imap_arg_get_astring(args, &str)) {
		str = p_strdup(pool, str);
		array_push(&patterns, &str);
	} else {
		*error_r = "Invalid pattern";
		return -1;
	}
	args++;
	if (!lsub && imap_arg_atom_equals(args, "RETURN") &&
	    imap_arg_get_list(args + 1, &list, NULL)) {
		list_r->extended = true;
		if (parse_return(list, list_r, error_r) < 0)
			return -1;
		args += 2;
	}
	if (!imap_arg_is_eol(args)) {
		*error_r = "Extra arguments";
		return -1;
	}
	/* RFC 5258 3.1: SUBSCRIBED implies RETURN (SUBSCRIBED) */
	if ((list_r->select & IMAP_LIST_SELECT_SUBSCRIBED) != 0)
		list_r->ret |= IMAP_LIST_RETURN_SUBSCRIBED;
	array_push(&patterns, &null);
	list_r->patterns = array_front(&patterns);
	return 0;
}

/* ---- CREATE (USE (...)) ---- */

/* The special uses a real Maildir folder can have. \All and \Flagged
   name virtual mailboxes (every message, every flagged one), which Roost
   cannot make: refused with USEATTR, as RFC 6154's example refuses \All. */
static const char *const create_special_uses[] = {
    "\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash",
};

static int create_parse_use(const struct imap_arg *list, const char **special_use_r,
			    bool *useattr_r, const char **error_r)
{
	const char *attr;
	unsigned int i;

	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_atom(list, &attr) || attr[0] != '\\') {
			*error_r = "Invalid USE attribute";
			return -1;
		}
		for (i = 0; i < N_ELEMENTS(create_special_uses); i++) {
			if (strcasecmp(attr, create_special_uses[i]) == 0)
				break;
		}
		*useattr_r = true;
		if (i == N_ELEMENTS(create_special_uses)) {
			*error_r = t_strdup_printf("Unsupported special-use attribute %s",
						   str_sanitize(pool_temp, attr, 40));
			return -1;
		}
		if (*special_use_r != NULL && strcmp(*special_use_r, create_special_uses[i]) != 0) {
			*error_r = "Only one special-use attribute per mailbox is supported";
			return -1;
		}
		*useattr_r = false;
		*special_use_r = create_special_uses[i];
	}
	return 0;
}

int imap_create_parse_params(const struct imap_arg *params, const char **special_use_r,
			     bool *useattr_r, const char **error_r)
{
	const struct imap_arg *list;
	const char *name;

	*special_use_r = NULL;
	*useattr_r = false;
	for (; !imap_arg_is_eol(params); params++) {
		if (!imap_arg_get_atom(params, &name)) {
			*error_r = "Invalid CREATE parameters";
			return -1;
		}
		if (strcasecmp(name, "USE") != 0) {
			*error_r = t_strdup_printf("Unknown CREATE parameter %s",
						   str_sanitize(pool_temp, name, 40));
			return -1;
		}
		if (!imap_arg_get_list(params + 1, &list, NULL)) {
			*error_r = "USE needs a list of attributes";
			return -1;
		}
		if (create_parse_use(list, special_use_r, useattr_r, error_r) < 0)
			return -1;
		params++;
	}
	return 0;
}

/* ---- listing ---- */

struct list_context {
	struct client *client;
	struct imap_list_args args;
	bool lsub;
	/* the patterns in UTF-8, with the reference prepended */
	ARRAY(const char *) patterns;
	/* every mailbox, parents that are no mailbox and subscribed names
	   that are gone, sorted by name */
	ARRAY_TYPE(mailbox_info) entries;
};

static int info_cmp(const void *p1, const void *p2)
{
	const struct mailbox_info *i1 = p1, *i2 = p2;

	return strcmp(i1->vname, i2->vname);
}

static bool list_has_name(const ARRAY_TYPE(mailbox_info) *entries, const char *vname)
{
	array_foreach(entries, info)
	{
		if (strcmp(info->vname, vname) == 0)
			return true;
	}
	return false;
}

/* Collects the entries; subscriptions are needed for SUBSCRIBED and LSUB. */
static int list_collect(struct list_context *ctx)
{
	static const char *const all_patterns[] = {"*", NULL};
	ARRAY_TYPE(mailbox_info) subs;
	const char *error;
	bool want_subs = ctx->lsub || (ctx->args.select & IMAP_LIST_SELECT_SUBSCRIBED) != 0;
	pool_t pool = ctx->client->cmd_pool;

	if (mailbox_list(ctx->client->user, all_patterns, 0, pool, &ctx->entries, &error) < 0)
		return -1;
	if (!want_subs) {
		array_sort(&ctx->entries, info_cmp);
		return 0;
	}
	if (mailbox_list(ctx->client->user, all_patterns, MAILBOX_LIST_ITER_SUBSCRIBED, pool,
			 &subs, &error) < 0)
		return -1;
	/* subscribed names that are no mailbox any more, with their
	   parents, so that LSUB "%" and RECURSIVEMATCH see them */
	array_foreach(&subs, sub)
	{
		const char *p;

		if (list_has_name(&ctx->entries, sub->vname))
			continue;
		array_push(&ctx->entries, sub);
		for (p = strchr(sub->vname, sub->sep); p != NULL; p = strchr(p + 1, sub->sep)) {
			struct mailbox_info parent = *sub;

			parent.vname = p_strndup(pool, sub->vname, (size_t)(p - sub->vname));
			if (list_has_name(&ctx->entries, parent.vname))
				continue;
			parent.flags = MAILBOX_NONEXISTENT | MAILBOX_CHILDREN;
			parent.special_use = "";
			array_push(&ctx->entries, &parent);
		}
	}
	array_sort(&ctx->entries, info_cmp);
	return 0;
}

/* A pattern matches INBOX case-insensitively (RFC 3501 5.1). */
static bool pattern_match(const char *pattern, const struct mailbox_info *info)
{
	static const char inbox[] = "INBOX";
	char *upper;
	unsigned int i;

	if (mailbox_list_pattern_match(pattern, info->vname, info->sep))
		return true;
	if (strcmp(info->vname, inbox) != 0)
		return false;
	upper = p_strdup(pool_temp, pattern);
	for (i = 0; i < sizeof(inbox) - 1 && upper[i] != '\0'; i++) {
		if (toupper((unsigned char)upper[i]) != inbox[i])
			break;
		upper[i] = inbox[i];
	}
	return mailbox_list_pattern_match(upper, info->vname, info->sep);
}

static bool list_match(const struct list_context *ctx, const struct mailbox_info *info)
{
	const char *pattern;

	array_foreach_elem(&ctx->patterns, pattern)
	{
		if (pattern_match(pattern, info))
			return true;
	}
	return false;
}

static bool info_is_subscribed(const struct mailbox_info *info)
{
	return (info->flags & MAILBOX_SUBSCRIBED) != 0;
}

static bool info_has_special_use(const struct mailbox_info *info)
{
	return info->special_use != NULL && info->special_use[0] != '\0';
}

/* Whether info satisfies the selection options (they combine with AND). */
static bool list_selected(const struct list_context *ctx, const struct mailbox_info *info)
{
	if (ctx->lsub)
		return info_is_subscribed(info);
	if ((ctx->args.select & IMAP_LIST_SELECT_SUBSCRIBED) != 0 && !info_is_subscribed(info))
		return false;
	if ((ctx->args.select & IMAP_LIST_SELECT_SPECIAL_USE) != 0 && !info_has_special_use(info))
		return false;
	return true;
}

struct list_childinfo {
	/* some descendant is subscribed / has a special use */
	bool subscribed, special_use;
	/* some descendant satisfies the selection without matching a
	   pattern: RECURSIVEMATCH (and LSUB) return the parent then */
	bool selected_unmatched;
};

/* The descendants of a mailbox are one run of the sorted entries (every
   name between two names with a prefix has it too): found by bisection. */
static void list_get_childinfo(const struct list_context *ctx, const struct mailbox_info *parent,
			       struct list_childinfo *ci_r)
{
	const char *prefix = t_strdup_printf("%s%c", parent->vname, parent->sep);
	const struct mailbox_info *entries = array_front(&ctx->entries), *info;
	unsigned int lo = 0, hi = array_count(&ctx->entries), mid;
	size_t len = strlen(prefix);

	memset(ci_r, 0, sizeof(*ci_r));
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(entries[mid].vname, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < array_count(&ctx->entries); lo++) {
		info = &entries[lo];
		if (strncmp(info->vname, prefix, len) != 0)
			break;
		ci_r->subscribed = ci_r->subscribed || info_is_subscribed(info);
		ci_r->special_use = ci_r->special_use || info_has_special_use(info);
		if (!ci_r->selected_unmatched && list_selected(ctx, info) && !list_match(ctx, info))
			ci_r->selected_unmatched = true;
	}
}

static void list_append_flags(const struct list_context *ctx, string_t *str,
			      const struct mailbox_info *info, bool selected)
{
	bool extended = ctx->args.extended, nonexistent;
	size_t start = str_len(str);

	nonexistent = (info->flags & MAILBOX_NONEXISTENT) != 0;
	str_append_c(str, '(');
	if (ctx->lsub) {
		/* a parent that is only listed for its subscribed children */
		if (!selected || (info->flags & MAILBOX_NOSELECT) != 0)
			str_append(str, "\\Noselect ");
	} else {
		if (extended && (ctx->args.ret & IMAP_LIST_RETURN_SUBSCRIBED) != 0 &&
		    info_is_subscribed(info))
			str_append(str, "\\Subscribed ");
		/* \NonExistent is LIST-EXTENDED's, and base IMAP4rev2's */
		if ((extended || ctx->client->enabled_imap4rev2) && nonexistent)
			str_append(str, "\\NonExistent ");
		else if (nonexistent || (info->flags & MAILBOX_NOSELECT) != 0)
			str_append(str, "\\Noselect ");
		if (!extended || (ctx->args.ret & IMAP_LIST_RETURN_CHILDREN) != 0) {
			if ((info->flags & MAILBOX_CHILDREN) != 0)
				str_append(str, "\\HasChildren ");
			else if ((info->flags & MAILBOX_NOCHILDREN) != 0)
				str_append(str, "\\HasNoChildren ");
		}
	}
	if (info_has_special_use(info) &&
	    (!extended ||
	     (ctx->args.ret & IMAP_LIST_RETURN_SPECIAL_USE) != 0 ||
	     (ctx->args.select & IMAP_LIST_SELECT_SPECIAL_USE) != 0))
		str_printfa(str, "%s ", info->special_use);
	if (str_len(str) > start + 1)
		str_truncate(str, str_len(str) - 1);
	str_append_c(str, ')');
}

void imap_list_append_mailbox_attributes(struct client *client, string_t *str,
					 const struct mailbox_info *info)
{
	struct list_context ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.client = client;
	list_append_flags(&ctx, str, info, true);
}

static void list_send(struct list_context *ctx, const struct mailbox_info *info, bool selected,
		      const struct list_childinfo *ci)
{
	struct client *client = ctx->client;
	string_t *str = t_str_new(128);
	const char *error;

	str_append(str, ctx->lsub ? "* LSUB " : "* LIST ");
	list_append_flags(ctx, str, info, selected);
	str_append(str, " \"");
	if (info->sep == '"' || info->sep == '\\')
		str_append_c(str, '\\');
	str_printfa(str, "%c\" ", info->sep);
	client_append_mailbox_name(client, str, info->vname);
	if (ci != NULL && (ci->subscribed || ci->special_use)) {
		str_append(str, " (CHILDINFO (");
		if (ci->subscribed)
			str_append(str, "\"SUBSCRIBED\"");
		if (ci->special_use)
			str_append(str, ci->subscribed ? " \"SPECIAL-USE\"" : "\"SPECIAL-USE\"");
		str_append(str, "))");
	}
	client_send_line(client, str_c(str));
	if ((ctx->args.ret & IMAP_LIST_RETURN_STATUS) != 0 &&
	    (info->flags & (MAILBOX_NONEXISTENT | MAILBOX_NOSELECT)) == 0)
		(void)imap_status_send(client, info->vname, ctx->args.status_items, &error);
}

static void list_send_all(struct list_context *ctx)
{
	bool recursive = ctx->lsub || (ctx->args.select & IMAP_LIST_SELECT_RECURSIVEMATCH) != 0;
	struct list_childinfo ci, *cip;

	array_foreach(&ctx->entries, info)
	{
		bool selected;

		if (!list_match(ctx, info))
			continue;
		selected = list_selected(ctx, info);
		cip = NULL;
		if (recursive) {
			list_get_childinfo(ctx, info, &ci);
			if (!selected && !ci.selected_unmatched)
				continue;
			/* CHILDINFO tells which selection criteria the
			   children satisfy (LSUB has no such item) */
			ci.subscribed = ci.subscribed && !ctx->lsub &&
					(ctx->args.select & IMAP_LIST_SELECT_SUBSCRIBED) != 0;
			ci.special_use = ci.special_use && !ctx->lsub &&
					 (ctx->args.select & IMAP_LIST_SELECT_SPECIAL_USE) != 0;
			cip = &ci;
		} else if (!selected) {
			continue;
		}
		list_send(ctx, info, selected, cip);
	}
}

static bool cmd_list_full(struct client *client, const struct imap_arg *args, bool lsub)
{
	struct list_context ctx;
	struct mail_namespace *ns;
	const char *error, *pattern, *vname;

	memset(&ctx, 0, sizeof(ctx));
	ctx.client = client;
	ctx.lsub = lsub;
	if (imap_list_parse_args(client->cmd_pool, args, lsub, &ctx.args, &error) < 0) {
		client_send_bad(client, t_strdup_printf("Error in IMAP command %s: %s",
							lsub ? "LSUB" : "LIST", error));
		return true;
	}
	if (!ctx.args.extended && !lsub && ctx.args.patterns[0] != NULL &&
	    ctx.args.patterns[0][0] == '\0') {
		/* LIST "" "": the hierarchy delimiter */
		ns = mail_user_get_inbox_namespace(client->user);
		client_send_line(client, t_strdup_printf("* LIST (\\Noselect) \"%c\" \"\"",
							 ns == NULL ? '/' : ns->sep));
		client_send_tagline(client, "OK List completed.");
		return true;
	}
	p_array_init(&ctx.patterns, client->cmd_pool, 4);
	for (unsigned int i = 0; ctx.args.patterns[i] != NULL; i++) {
		/* the reference is a prefix; "" with "" names nothing */
		pattern = t_strconcat(ctx.args.ref, ctx.args.patterns[i], NULL);
		if (pattern[0] == '\0')
			continue;
		vname = client_mailbox_name(client, pattern);
		if (vname != NULL)
			array_push(&ctx.patterns, &vname);
	}
	if (array_count(&ctx.patterns) > 0) {
		if (list_collect(&ctx) < 0) {
			client_send_tagline(client, "NO " MAIL_ERRSTR_CRITICAL);
			return true;
		}
		list_send_all(&ctx);
	}
	client_send_tagline(client, lsub ? "OK Lsub completed." : "OK List completed.");
	return true;
}

bool cmd_list(struct client *client, const struct imap_arg *args)
{
	return cmd_list_full(client, args, false);
}

bool cmd_lsub(struct client *client, const struct imap_arg *args)
{
	return cmd_list_full(client, args, true);
}
