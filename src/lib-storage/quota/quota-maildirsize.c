/* maildirsize contents (quota-maildirsize.h). */
#include "lib.h"
#include "quota-maildirsize.h"

#include <ctype.h>
#include <inttypes.h>

static bool parse_u64(const char **p, uint64_t *value_r)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)**p))
		return false;
	for (; isdigit((unsigned char)**p); (*p)++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(**p - '0');
	}
	*value_r = v;
	return true;
}

static bool parse_s64(const char **p, int64_t *value_r)
{
	bool neg = **p == '-';
	uint64_t v;

	if (neg)
		(*p)++;
	if (!parse_u64(p, &v) || v > (uint64_t)INT64_MAX)
		return false;
	*value_r = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

static int parse_limits(const char *line, struct maildirsize *r)
{
	const char *p = line;

	while (*p != '\0') {
		uint64_t value;

		if (!parse_u64(&p, &value))
			return -1;
		switch (*p) {
		case 'S':
			r->bytes_limit = value;
			break;
		case 'C':
			r->count_limit = value;
			break;
		default:
			return -1;
		}
		p++;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return -1;
	}
	return 0;
}

int maildirsize_parse(const void *data, size_t size, struct maildirsize *r,
		      const char **error_r)
{
	const char *text = t_strndup(data, size);
	const char *line, *nl;

	memset(r, 0, sizeof(*r));
	if (strlen(text) != size) {
		*error_r = "NUL byte in maildirsize";
		return -1;
	}
	if (size == 0 || text[size - 1] != '\n') {
		*error_r = "maildirsize does not end with a complete line";
		return -1;
	}
	nl = strchr(text, '\n');
	if (parse_limits(t_strndup(text, (size_t)(nl - text)), r) < 0) {
		*error_r = "maildirsize has an invalid limits line";
		return -1;
	}
	for (line = nl + 1; *line != '\0'; line = nl + 1) {
		const char *p = line;
		int64_t bytes, count;

		nl = strchr(line, '\n');
		while (*p == ' ')
			p++;
		if (!parse_s64(&p, &bytes) || *p != ' ')
			goto bad_line;
		while (*p == ' ')
			p++;
		if (!parse_s64(&p, &count))
			goto bad_line;
		while (*p == ' ')
			p++;
		if (p != nl)
			goto bad_line;
		if ((bytes > 0 && r->bytes > INT64_MAX - bytes) ||
		    (bytes < 0 && r->bytes < INT64_MIN - bytes) ||
		    (count > 0 && r->count > INT64_MAX - count) ||
		    (count < 0 && r->count < INT64_MIN - count))
			goto bad_line;
		r->bytes += bytes;
		r->count += count;
		r->lines++;
	}
	if (r->bytes < 0 || r->count < 0) {
		*error_r = "maildirsize sums to a negative usage";
		return -1;
	}
	return 0;
bad_line:
	*error_r = t_strdup_printf("maildirsize has an invalid line %u", r->lines + 2);
	return -1;
}

void maildirsize_append_limits(string_t *dest, uint64_t bytes_limit, uint64_t count_limit)
{
	if (bytes_limit != 0)
		str_printfa(dest, "%" PRIu64 "S", bytes_limit);
	if (count_limit != 0)
		str_printfa(dest, "%s%" PRIu64 "C", bytes_limit != 0 ? "," : "", count_limit);
	str_append_c(dest, '\n');
}

void maildirsize_append_change(string_t *dest, int64_t bytes, int64_t count)
{
	str_printfa(dest, "%" PRId64 " %" PRId64 "\n", bytes, count);
}
