/* SORT and THREAD argument parsing. */

#include "lib.h"
#include "imap-sort-args.h"

static const char *const sort_key_names[IMAP_SORT_KEY_COUNT] = {
	[IMAP_SORT_ARRIVAL] = "ARRIVAL",	 [IMAP_SORT_CC] = "CC",
	[IMAP_SORT_DATE] = "DATE",		 [IMAP_SORT_FROM] = "FROM",
	[IMAP_SORT_SIZE] = "SIZE",		 [IMAP_SORT_SUBJECT] = "SUBJECT",
	[IMAP_SORT_TO] = "TO",			 [IMAP_SORT_DISPLAYFROM] = "DISPLAYFROM",
	[IMAP_SORT_DISPLAYTO] = "DISPLAYTO",
};

const char *imap_sort_key_name(enum imap_sort_key key)
{
	return key < IMAP_SORT_KEY_COUNT ? sort_key_names[key] : "";
}

static int sort_key_parse(const char *name, enum imap_sort_key *key_r)
{
	for (unsigned int i = 0; i < IMAP_SORT_KEY_COUNT; i++) {
		if (strcasecmp(name, sort_key_names[i]) == 0) {
			*key_r = (enum imap_sort_key)i;
			return 0;
		}
	}
	return -1;
}

static void program_add(struct imap_sort_program *program, enum imap_sort_key key, bool reverse)
{
	for (unsigned int i = 0; i < program->count; i++) {
		if (program->criteria[i].key == key)
			return;
	}
	program->criteria[program->count].key = key;
	program->criteria[program->count].reverse = reverse;
	program->count++;
}

/* The charset (an astring) and the search keys after it. */
static int charset_parse(const struct imap_arg *args, const char *error, const char **charset_r,
			 const struct imap_arg **search_args_r, const char **error_r)
{
	if (imap_arg_is_eol(args) || !imap_arg_get_astring(args, charset_r)) {
		*error_r = error;
		return -1;
	}
	*search_args_r = args + 1;
	return 0;
}

int imap_sort_args_parse(const struct imap_arg *args, struct imap_sort_program *program_r,
			 const char **charset_r, const struct imap_arg **search_args_r,
			 const char **error_r)
{
	const struct imap_arg *list;
	enum imap_sort_key key;
	const char *name;
	unsigned int count;
	bool reverse = false;

	memset(program_r, 0, sizeof(*program_r));
	if (!imap_arg_get_list(args, &list, &count)) {
		*error_r = "Invalid sort argument";
		return -1;
	}
	if (imap_arg_is_eol(list)) {
		*error_r = "Empty sort program";
		return -1;
	}
	for (; !imap_arg_is_eol(list); list++) {
		if (!imap_arg_get_astring(list, &name)) {
			*error_r = "Invalid sort list argument";
			return -1;
		}
		if (strcasecmp(name, "REVERSE") == 0) {
			/* as Dovecot: each REVERSE flips the next key */
			reverse = !reverse;
			continue;
		}
		if (sort_key_parse(name, &key) < 0) {
			*error_r = t_strdup_printf("Unknown sort argument: %s",
						   str_sanitize(pool_temp, name, 40));
			return -1;
		}
		program_add(program_r, key, reverse);
		reverse = false;
	}
	if (reverse) {
		*error_r = "Sort list ends with REVERSE";
		return -1;
	}
	return charset_parse(args + 1, "Invalid charset argument", charset_r, search_args_r,
			     error_r);
}

int imap_thread_args_parse(const struct imap_arg *args, enum imap_thread_algorithm *alg_r,
			   const char **charset_r, const struct imap_arg **search_args_r,
			   const char **error_r)
{
	const char *name;

	if (imap_arg_is_eol(args) || !imap_arg_get_astring(args, &name) ||
	    imap_arg_is_eol(args + 1)) {
		*error_r = "Invalid arguments";
		return -1;
	}
	if (strcasecmp(name, "ORDEREDSUBJECT") == 0)
		*alg_r = IMAP_THREAD_ORDEREDSUBJECT;
	else if (strcasecmp(name, "REFERENCES") == 0)
		*alg_r = IMAP_THREAD_REFERENCES;
	else if (strcasecmp(name, "REFS") == 0)
		*alg_r = IMAP_THREAD_REFS;
	else {
		*error_r = "Unknown thread algorithm";
		return -1;
	}
	return charset_parse(args + 1, "Invalid arguments", charset_r, search_args_r, error_r);
}
