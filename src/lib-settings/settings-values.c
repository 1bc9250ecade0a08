/* Setting values: the text forms Dovecot 2.3 accepts for booleans, numbers,
   sizes and time intervals, and the check of a value against its table
   entry. Errors say what was expected, so that the caller can prefix the
   setting and the file:line. */

#include "lib.h"
#include "settings-private.h"

#include <ctype.h>
#include <limits.h>
#include <strings.h>

#define VALUE_SHOW_MAX 60

void settings_error_addv(ARRAY_TYPE(settings_error) *errors, pool_t pool, const char *file,
			 unsigned int line, const char *fmt, va_list args)
{
	struct settings_error *error;

	if (!array_is_created(errors))
		p_array_init(errors, pool, 8);
	error = array_append_space(errors);
	error->file = file;
	error->line = line;
	error->message = p_strdup_vprintf(pool, fmt, args);
}

void settings_error_add(ARRAY_TYPE(settings_error) *errors, pool_t pool, const char *file,
			unsigned int line, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	settings_error_addv(errors, pool, file, line, fmt, args);
	va_end(args);
}

int settings_parse_bool(const char *value, bool *result_r, const char **error_r)
{
	/* Dovecot 2.3 takes yes, y and 1; we also take n and 0 for symmetry */
	if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "y") == 0 ||
	    strcmp(value, "1") == 0) {
		*result_r = true;
		return 0;
	}
	if (strcasecmp(value, "no") == 0 || strcasecmp(value, "n") == 0 ||
	    strcmp(value, "0") == 0) {
		*result_r = false;
		return 0;
	}
	*error_r = "expected yes or no";
	return -1;
}

int settings_parse_uint(const char *value, unsigned int *result_r, const char **error_r)
{
	uint64_t num;

	if (str_to_uint64(value, &num) < 0) {
		*error_r = str_is_numeric(value) ? "number too large" : "expected a number";
		return -1;
	}
	if (num > UINT_MAX) {
		*error_r = "number too large";
		return -1;
	}
	*result_r = (unsigned int)num;
	return 0;
}

static int settings_parse_octal(const char *value, unsigned int *result_r, const char **error_r)
{
	uint64_t num = 0;
	const char *p;

	if (value[0] != '0')
		return settings_parse_uint(value, result_r, error_r);
	for (p = value; *p != '\0'; p++) {
		if (*p < '0' || *p > '7') {
			*error_r = "expected an octal number such as 0600";
			return -1;
		}
		num = num * 8 + (uint64_t)(*p - '0');
		if (num > UINT_MAX) {
			*error_r = "number too large";
			return -1;
		}
	}
	*result_r = (unsigned int)num;
	return 0;
}

static int settings_parse_port(const char *value, unsigned int *result_r, const char **error_r)
{
	if (settings_parse_uint(value, result_r, error_r) < 0 || *result_r > 65535) {
		*error_r = "expected a port number (0-65535)";
		return -1;
	}
	return 0;
}

/* Whether the unit text (possibly empty) is a prefix of one of the names,
   ignoring case: Dovecot takes "s", "sec", "secs", "second", ... */
static bool unit_matches(const char *unit, const char *const *names)
{
	size_t len = strlen(unit);

	for (; *names != NULL; names++) {
		if (len <= strlen(*names) && strncasecmp(unit, *names, len) == 0)
			return true;
	}
	return false;
}

static int settings_parse_time_full(const char *value, bool msecs, unsigned int *result_r,
				    const char **error_r)
{
	static const char *const secs[] = { "secs", "seconds", NULL };
	static const char *const mins[] = { "mins", "minutes", NULL };
	static const char *const millis[] = { "msecs", "mseconds", "millisecs", "milliseconds",
					      NULL };
	static const char *const hours[] = { "hours", NULL };
	static const char *const days[] = { "days", NULL };
	static const char *const weeks[] = { "weeks", NULL };
	uint64_t num, multiply;
	const char *p;

	if (str_parse_uint64(value, &num, &p) < 0) {
		*error_r = "expected a time such as 30 secs, 5 mins or 1 hour";
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		if (num != 0) {
			*error_r = "missing time unit (add e.g. 's' for seconds)";
			return -1;
		}
		*result_r = 0;
		return 0;
	}
	if (unit_matches(p, secs))
		multiply = 1000;
	else if (unit_matches(p, mins))
		multiply = 60 * 1000;
	else if (unit_matches(p, millis))
		multiply = 1;
	else if (unit_matches(p, hours))
		multiply = 60 * 60 * 1000;
	else if (unit_matches(p, days))
		multiply = 24 * 60 * 60 * 1000ULL;
	else if (unit_matches(p, weeks))
		multiply = 7 * 24 * 60 * 60 * 1000ULL;
	else {
		*error_r = "expected a time such as 30 secs, 5 mins or 1 hour";
		return -1;
	}
	if (num > UINT64_MAX / multiply) {
		*error_r = "time too large";
		return -1;
	}
	num *= multiply;
	if (!msecs) {
		if (num % 1000 != 0) {
			*error_r = "milliseconds are not supported for this setting";
			return -1;
		}
		num /= 1000;
	}
	if (num > UINT_MAX) {
		*error_r = "time too large";
		return -1;
	}
	*result_r = (unsigned int)num;
	return 0;
}

int settings_parse_time(const char *value, unsigned int *secs_r, const char **error_r)
{
	return settings_parse_time_full(value, false, secs_r, error_r);
}

int settings_parse_time_msecs(const char *value, unsigned int *msecs_r, const char **error_r)
{
	return settings_parse_time_full(value, true, msecs_r, error_r);
}

int settings_parse_size(const char *value, uint64_t *bytes_r, const char **error_r)
{
	uint64_t num, multiply = 1;
	const char *p;

	if (strcasecmp(value, "unlimited") == 0) {
		*bytes_r = 0;
		return 0;
	}
	if (str_parse_uint64(value, &num, &p) < 0) {
		*error_r = "expected a size such as 512k, 100M, 1G or unlimited";
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	switch (toupper((unsigned char)*p)) {
	case '\0':
		break;
	case 'B':
		p++;
		break;
	case 'K':
		multiply = 1024ULL;
		break;
	case 'M':
		multiply = 1024ULL * 1024;
		break;
	case 'G':
		multiply = 1024ULL * 1024 * 1024;
		break;
	case 'T':
		multiply = 1024ULL * 1024 * 1024 * 1024;
		break;
	default:
		*error_r = "expected a size such as 512k, 100M, 1G or unlimited";
		return -1;
	}
	if (multiply > 1) {
		/* k, kB, KiB */
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
		if (*p == 'b' || *p == 'B')
			p++;
	}
	if (*p != '\0') {
		*error_r = "expected a size such as 512k, 100M, 1G or unlimited";
		return -1;
	}
	if (num > UINT64_MAX / multiply) {
		*error_r = "size too large";
		return -1;
	}
	*bytes_r = num * multiply;
	return 0;
}

static bool settings_enum_has(const char *values, const char *value)
{
	size_t len = strlen(value);
	const char *p = values;

	while (p != NULL) {
		const char *end = strchr(p, ':');
		size_t item_len = end == NULL ? strlen(p) : (size_t)(end - p);

		if (item_len == len && strncmp(p, value, len) == 0)
			return true;
		p = end == NULL ? NULL : end + 1;
	}
	return false;
}

static const char *settings_enum_expected(pool_t pool, const char *values)
{
	string_t *str = str_new(pool, 64);

	str_append(str, "expected one of ");
	for (const char *p = values; *p != '\0'; p++) {
		if (*p == ':')
			str_append(str, ", ");
		else
			str_append_c(str, *p);
	}
	return str_c(str);
}

static const char *settings_unit_name(enum setting_type type)
{
	switch (type) {
	case SET_SIZE:
		return " bytes";
	case SET_TIME:
		return " seconds";
	case SET_TIME_MSECS:
		return " milliseconds";
	default:
		return "";
	}
}

int settings_value_parse_number(const struct setting_def *def, const char *value,
				 pool_t pool, uint64_t *num_r, const char **error_r)
{
	unsigned int u;
	bool b;

	switch (def->type) {
	case SET_BOOL:
		if (settings_parse_bool(value, &b, error_r) < 0)
			return -1;
		return 0;
	case SET_UINT:
		if (settings_parse_uint(value, &u, error_r) < 0)
			return -1;
		*num_r = u;
		return 1;
	case SET_UINT_OCT:
		if (settings_parse_octal(value, &u, error_r) < 0)
			return -1;
		*num_r = u;
		return 1;
	case SET_IN_PORT:
		if (settings_parse_port(value, &u, error_r) < 0)
			return -1;
		*num_r = u;
		return 1;
	case SET_SIZE:
		return settings_parse_size(value, num_r, error_r) < 0 ? -1 : 1;
	case SET_TIME:
		if (settings_parse_time(value, &u, error_r) < 0)
			return -1;
		*num_r = u;
		return 1;
	case SET_TIME_MSECS:
		if (settings_parse_time_msecs(value, &u, error_r) < 0)
			return -1;
		*num_r = u;
		return 1;
	case SET_ENUM:
		if (def->enum_values != NULL && !settings_enum_has(def->enum_values, value)) {
			*error_r = settings_enum_expected(pool, def->enum_values);
			return -1;
		}
		return 0;
	case SET_STR:
	case SET_STR_VARS:
	case SET_LIST:
		return 0;
	case SET_SECTIONS:
	case SET_FREE_FORM:
		*error_r = "this is a section, not a setting";
		return -1;
	}
	*error_r = "unknown setting type";
	return -1;
}

int settings_check_value(const struct setting_def *def, const char *value, pool_t pool,
			 const char **error_r)
{
	const char *reason = NULL;
	uint64_t num = 0;
	int ret;

	ret = settings_value_parse_number(def, value, pool, &num, &reason);
	if (ret > 0) {
		if (def->min > 0 && num < def->min) {
			reason = p_strdup_printf(pool, "must be at least %llu%s",
						 (unsigned long long)def->min,
						 settings_unit_name(def->type));
			ret = -1;
		} else if (def->max > 0 && num > def->max) {
			reason = p_strdup_printf(pool, "must be at most %llu%s",
						 (unsigned long long)def->max,
						 settings_unit_name(def->type));
			ret = -1;
		}
	}
	if (ret >= 0)
		return 0;
	if ((def->flags & SET_FLAG_SECRET) != 0) {
		*error_r = p_strdup_printf(pool, "invalid value for %s: %s", def->key, reason);
	} else {
		*error_r = p_strdup_printf(pool, "invalid value '%s' for %s: %s",
					   str_sanitize(pool, value, VALUE_SHOW_MAX), def->key,
					   reason);
	}
	return -1;
}

const struct setting_def *settings_table_find(const struct setting_table *table, const char *key)
{
	if (table == NULL || table->defs == NULL)
		return NULL;
	for (const struct setting_def *def = table->defs; def->key != NULL; def++) {
		if (strcmp(def->key, key) == 0)
			return def;
	}
	return NULL;
}

bool settings_def_is_section(const struct setting_def *def)
{
	return def->type == SET_SECTIONS || def->type == SET_FREE_FORM;
}

const struct setting_def *settings_def_resolve(const struct setting_table *table,
					       const struct setting_def *def, bool *invert_r)
{
	const struct setting_def *target;

	*invert_r = false;
	if ((def->flags & SET_FLAG_ALIAS) == 0 || def->alias_of == NULL)
		return def;
	target = settings_table_find(table, def->alias_of);
	if (target == NULL || target == def || (target->flags & SET_FLAG_ALIAS) != 0)
		return def;
	*invert_r = (def->flags & SET_FLAG_ALIAS_INVERT_BOOL) != 0;
	return target;
}

const char *settings_bool_invert(const char *value)
{
	const char *error;
	bool b;

	if (settings_parse_bool(value, &b, &error) < 0)
		return value;
	return b ? "no" : "yes";
}

const char *settings_def_default(pool_t pool, const struct setting_def *def)
{
	if (def->default_value != NULL)
		return def->default_value;
	if (def->type == SET_ENUM && def->enum_values != NULL) {
		const char *end = strchr(def->enum_values, ':');

		return end == NULL ? def->enum_values :
				     p_strndup(pool, def->enum_values,
					       (size_t)(end - def->enum_values));
	}
	return "";
}
