/* Maildir file names: see maildir-filename.h. */

#include "lib.h"
#include "maildir-filename.h"

static const struct {
	char letter;
	enum mail_flags flag;
} maildir_flag_letters[] = {
	{ 'D', MAIL_DRAFT },
	{ 'F', MAIL_FLAGGED },
	{ 'R', MAIL_ANSWERED },
	{ 'S', MAIL_SEEN },
	{ 'T', MAIL_DELETED },
};

const char *maildir_filename_base(pool_t pool, const char *fname)
{
	const char *p = strchr(fname, MAILDIR_INFO_SEP);

	return p == NULL ? p_strdup(pool, fname) : p_strndup(pool, fname, (size_t)(p - fname));
}

static const char *flags_info(const char *fname)
{
	const char *p = strchr(fname, MAILDIR_INFO_SEP);

	if (p == NULL || strncmp(p, MAILDIR_FLAGS_PREFIX, 3) != 0)
		return NULL;
	return p + 3;
}

void maildir_filename_get_flags(const char *fname, enum mail_flags *flags_r,
				uint64_t *keywords_r)
{
	const char *info = flags_info(fname);

	*flags_r = 0;
	*keywords_r = 0;
	for (; info != NULL && *info != '\0' && *info != ','; info++) {
		char c = *info;
		if (c >= 'a' && c <= 'z') {
			*keywords_r |= 1ULL << (c - 'a');
			continue;
		}
		for (unsigned int i = 0; i < N_ELEMENTS(maildir_flag_letters); i++) {
			if (maildir_flag_letters[i].letter == c)
				*flags_r |= maildir_flag_letters[i].flag;
		}
	}
}

const char *maildir_filename_set_flags(pool_t pool, const char *old_fname,
				       enum mail_flags flags, uint64_t keywords)
{
	const char *info = flags_info(old_fname);
	bool upper[26] = { false };
	string_t *str = str_new(pool, strlen(old_fname) + 32);

	str_append(str, maildir_filename_base(pool_temp, old_fname));
	str_append(str, MAILDIR_FLAGS_PREFIX);
	/* keep other programs' uppercase flags */
	for (; info != NULL && *info != '\0' && *info != ','; info++) {
		if (*info >= 'A' && *info <= 'Z')
			upper[*info - 'A'] = true;
	}
	for (unsigned int i = 0; i < N_ELEMENTS(maildir_flag_letters); i++) {
		char c = maildir_flag_letters[i].letter;
		upper[c - 'A'] = (flags & maildir_flag_letters[i].flag) != 0;
	}
	for (unsigned int i = 0; i < 26; i++) {
		if (upper[i])
			str_append_c(str, (char)('A' + i));
	}
	for (unsigned int i = 0; i < MAILDIR_MAX_KEYWORDS; i++) {
		if ((keywords & (1ULL << i)) != 0)
			str_append_c(str, (char)('a' + i));
	}
	/* anything after a ',' in the info (other programs' data) is kept */
	info = flags_info(old_fname);
	const char *rest = info == NULL ? NULL : strchr(info, ',');
	if (rest != NULL)
		str_append(str, rest);
	return str_c(str);
}

bool maildir_filename_get_size(const char *fname, char field, uint64_t *size_r)
{
	const char *p = fname;
	const char *end = strchr(fname, MAILDIR_INFO_SEP);

	if (end == NULL)
		end = fname + strlen(fname);
	while ((p = strchr(p, ',')) != NULL && p < end) {
		p++;
		if (p[0] == field && p[1] == '=') {
			const char *num_end;
			if (str_parse_uint64(p + 2, size_r, &num_end) == 0 &&
			    (num_end == end || *num_end == ','))
				return true;
		}
	}
	return false;
}

const char *maildir_filename_generate(pool_t pool, time_t secs, long usecs, pid_t pid,
				      unsigned int counter, const char *host, uint64_t size,
				      uint64_t vsize)
{
	string_t *str = str_new(pool, 128);

	str_printfa(str, "%lld.M%ldP%ldQ%u.", (long long)secs, usecs, (long)pid, counter);
	for (; *host != '\0'; host++) {
		if (*host == '/')
			str_append(str, "\\057");
		else if (*host == ':')
			str_append(str, "\\072");
		else
			str_append_c(str, *host);
	}
	if (size != (uint64_t)-1)
		str_printfa(str, ",S=%llu", (unsigned long long)size);
	if (vsize != (uint64_t)-1)
		str_printfa(str, ",W=%llu", (unsigned long long)vsize);
	return str_c(str);
}
