/* dovecot-keywords: see maildir-keywords.h. */

#include "lib.h"
#include "maildir-keywords.h"
#include "maildir-filename.h"

bool maildir_keyword_is_valid(const char *name, unsigned int max_len)
{
	size_t len = strlen(name);

	if (len == 0 || len > max_len || name[0] == '\\')
		return false;
	for (const char *p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		/* atom-specials, list-wildcards, resp-specials */
		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return false;
	}
	return true;
}

int maildir_keywords_parse(pool_t pool, const void *data, size_t size,
			   ARRAY_TYPE(const_string) *names, const char **error_r)
{
	const char *text = t_strndup(data, size);
	const char *const *lines = (const char *const *)p_strsplit(pool_temp, text, "\n");
	const char *first_error = NULL;

	for (unsigned int i = 0; lines[i] != NULL; i++) {
		const char *line = lines[i], *sp = strchr(line, ' ');
		unsigned int n;
		if (line[0] == '\0' && lines[i + 1] == NULL)
			break;
		const char *error = NULL;
		if (sp == NULL || str_to_uint(t_strndup(line, (size_t)(sp - line)), &n) < 0)
			error = "malformed line";
		else if (n >= MAILDIR_MAX_KEYWORDS)
			error = "keyword number too large";
		else if (!maildir_keyword_is_valid(sp + 1, 1024))
			error = "invalid keyword";
		else {
			for (unsigned int j = 0; j < array_count(names); j++) {
				const char *old = array_idx_elem(names, j);
				if (old != NULL && (strcasecmp(old, sp + 1) == 0 || j == n))
					error = "duplicate keyword or number";
			}
		}
		if (error != NULL) {
			if (first_error == NULL)
				first_error = t_strdup_printf("line %u: %s", i + 1, error);
			continue;
		}
		while (array_count(names) <= n) {
			const char *null = NULL;
			array_push(names, &null);
		}
		array_idx_elem(names, n) = p_strdup(pool, sp + 1);
	}
	if (first_error != NULL) {
		*error_r = first_error;
		return -1;
	}
	return 0;
}

void maildir_keywords_write(const ARRAY_TYPE(const_string) *names, string_t *dest)
{
	for (unsigned int i = 0; i < array_count(names); i++) {
		const char *name = array_idx_elem(names, i);
		if (name != NULL)
			str_printfa(dest, "%u %s\n", i, name);
	}
}
