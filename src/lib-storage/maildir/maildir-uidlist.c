/* dovecot-uidlist parsing and writing: see maildir-uidlist.h. */

#include "lib.h"
#include "maildir-uidlist.h"

static int parse_header(pool_t pool, struct maildir_uidlist *list, const char *line,
			const char **error_r)
{
	if (line[0] < '1' || line[0] > '9' || line[1] != ' ') {
		*error_r = "line 1: invalid version number";
		return -1;
	}
	list->version = (unsigned int)(line[0] - '0');
	line += 2;
	if (list->version == 1) {
		const char *const *args = (const char *const *)p_strsplit_spaces(pool_temp, line, " ");
		if (str_array_length(args) < 2 || str_to_uint(args[0], &list->uid_validity) < 0 ||
		    str_to_uint(args[1], &list->next_uid) < 0) {
			*error_r = "line 1: corrupted version 1 header";
			return -1;
		}
	} else if (list->version == 3) {
		string_t *ext = str_new(pool_temp, 32);
		const char *const *fields =
			(const char *const *)p_strsplit_spaces(pool_temp, line, " ");
		for (; *fields != NULL; fields++) {
			const char *value = *fields + 1;
			switch (**fields) {
			case 'V':
				if (str_to_uint(value, &list->uid_validity) < 0) {
					*error_r = "line 1: invalid V (uidvalidity)";
					return -1;
				}
				break;
			case 'N':
				if (str_to_uint(value, &list->next_uid) < 0) {
					*error_r = "line 1: invalid N (next uid)";
					return -1;
				}
				break;
			case 'G':
				list->guid = p_strdup(pool, value);
				break;
			case 'R':
				if (str_to_uint64(value, &list->modseq_ceiling) < 0) {
					*error_r = "line 1: invalid R (modseq reservation)";
					return -1;
				}
				break;
			default:
				if (str_len(ext) > 0)
					str_append_c(ext, ' ');
				str_append(ext, *fields);
				break;
			}
		}
		list->hdr_ext = p_strdup(pool, str_c(ext));
	} else {
		*error_r = t_strdup_printf("line 1: unsupported version %u", list->version);
		return -1;
	}
	if (list->uid_validity == 0 || list->next_uid == 0) {
		*error_r = "line 1: uidvalidity or next uid is 0";
		return -1;
	}
	return 0;
}

static int parse_rec(pool_t pool, struct maildir_uidlist *list, const char *line,
		     unsigned int lineno, const char **error_r)
{
	struct maildir_uidlist_rec rec = { .ext = "" };
	const char *p;
	uint64_t uid;

	if (str_parse_uint64(line, &uid, &p) < 0 || uid == 0 || uid >= (uint32_t)-1 ||
	    *p != ' ') {
		*error_r = t_strdup_printf("line %u: invalid uid", lineno);
		return -1;
	}
	unsigned int count = array_count(&list->recs);
	if (count > 0 && array_idx(&list->recs, count - 1)->uid >= uid) {
		*error_r = t_strdup_printf("line %u: uids not ascending (%llu)", lineno,
					   (unsigned long long)uid);
		return -1;
	}
	rec.uid = (uint32_t)uid;
	while (*p == ' ')
		p++;
	if (list->version >= 3) {
		const char *start = p;
		while (*p != '\0' && *p != ':') {
			if (*p < 'A' || *p > 'Z') {
				*error_r = t_strdup_printf("line %u: invalid extension field",
							   lineno);
				return -1;
			}
			while (*p != ' ' && *p != '\0')
				p++;
			while (*p == ' ')
				p++;
		}
		const char *end = p;
		while (end > start && end[-1] == ' ')
			end--;
		rec.ext = p_strndup(pool, start, (size_t)(end - start));
		if (*p != ':') {
			*error_r = t_strdup_printf("line %u: no file name", lineno);
			return -1;
		}
		p++;
	}
	if (*p == '\0' || strchr(p, '/') != NULL) {
		*error_r = t_strdup_printf("line %u: invalid file name", lineno);
		return -1;
	}
	rec.fname = p_strdup(pool, p);
	array_push(&list->recs, &rec);
	if (list->next_uid <= rec.uid)
		list->next_uid = rec.uid + 1;
	return 0;
}

static int parse_lines(pool_t pool, struct maildir_uidlist *list, const char *data, size_t size,
		       size_t start, const char **error_r)
{
	size_t pos = start;
	unsigned int lineno = 0;

	for (size_t i = 0; i < start; i++) {
		if (data[i] == '\n')
			lineno++;
	}
	while (pos < size) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		if (nl == NULL)
			break; /* incomplete last line */
		const char *line = t_strndup(data + pos, (size_t)(nl - (data + pos)));
		lineno++;
		if (memchr(data + pos, '\0', (size_t)(nl - (data + pos))) != NULL) {
			*error_r = t_strdup_printf("line %u: NUL byte", lineno);
			return -1;
		}
		int ret = lineno == 1 ? parse_header(pool, list, line, error_r) :
					parse_rec(pool, list, line, lineno, error_r);
		if (ret < 0)
			return -1;
		pos = (size_t)(nl - data) + 1;
	}
	list->parsed_size = pos;
	return 0;
}

int maildir_uidlist_parse(pool_t pool, const void *data, size_t size,
			  struct maildir_uidlist **list_r, const char **error_r)
{
	struct maildir_uidlist *list = p_new(pool, struct maildir_uidlist, 1);

	list->guid = "";
	list->hdr_ext = "";
	p_array_init(&list->recs, pool, size / 48 + 4);
	if (parse_lines(pool, list, data, size, 0, error_r) < 0)
		return -1;
	if (list->version == 0) {
		*error_r = "empty file";
		return -1;
	}
	*list_r = list;
	return 0;
}

int maildir_uidlist_parse_append(pool_t pool, struct maildir_uidlist *list, const void *data,
				 size_t size, const char **error_r)
{
	if (size < list->parsed_size) {
		*error_r = "file shrank";
		return -1;
	}
	return parse_lines(pool, list, data, size, list->parsed_size, error_r);
}

void maildir_uidlist_write_rec(string_t *dest, const struct maildir_uidlist_rec *rec)
{
	str_printfa(dest, "%u ", rec->uid);
	if (rec->ext[0] != '\0') {
		str_append(dest, rec->ext);
		str_append_c(dest, ' ');
	}
	str_append_c(dest, ':');
	str_append(dest, rec->fname);
	str_append_c(dest, '\n');
}

void maildir_uidlist_write(const struct maildir_uidlist *list, string_t *dest)
{
	str_printfa(dest, "3 V%u N%u", list->uid_validity, list->next_uid);
	if (list->guid[0] != '\0')
		str_printfa(dest, " G%s", list->guid);
	if (list->modseq_ceiling != 0)
		str_printfa(dest, " R%llu", (unsigned long long)list->modseq_ceiling);
	if (list->hdr_ext[0] != '\0')
		str_printfa(dest, " %s", list->hdr_ext);
	str_append_c(dest, '\n');
	array_foreach(&list->recs, rec)
		maildir_uidlist_write_rec(dest, rec);
}

/* The next space-separated field of ext at *pos, or NULL at the end. */
static const char *ext_next_field(const char **pos, size_t *len_r)
{
	const char *p = *pos, *start;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	start = p;
	while (*p != ' ' && *p != '\0')
		p++;
	*len_r = (size_t)(p - start);
	*pos = p;
	return start;
}

const char *maildir_uidlist_ext_get(pool_t pool, const char *ext, char key)
{
	const char *pos = ext, *field;
	size_t len;

	while ((field = ext_next_field(&pos, &len)) != NULL) {
		if (field[0] == key)
			return p_strndup(pool, field + 1, len - 1);
	}
	return NULL;
}

const char *maildir_uidlist_ext_set(pool_t pool, const char *ext, char key, const char *value)
{
	string_t *str = str_new(pool_temp, strlen(ext) + strlen(value) + 4);
	const char *pos = ext, *field;
	size_t len;

	if (key < 'A' || key > 'Z')
		return NULL;
	for (const char *v = value; *v != '\0'; v++) {
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v >= 0x7f)
			return NULL;
	}
	while ((field = ext_next_field(&pos, &len)) != NULL) {
		if (field[0] == key)
			continue;
		str_append_data(str, field, len);
		str_append_c(str, ' ');
	}
	str_append_c(str, key);
	str_append(str, value);
	return p_strdup(pool, str_c(str));
}
