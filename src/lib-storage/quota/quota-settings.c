/* Quota setting parsers (quota-settings.h). */
#include "lib.h"
#include "quota-settings.h"

#include <ctype.h>

int quota_root_def_parse(pool_t pool, const char *value, struct quota_root_def *def_r,
			 const char **error_r)
{
	const char *colon = strchr(value, ':');
	const char *backend = colon == NULL ? value : t_strndup(value, (size_t)(colon - value));
	const char *rest = colon == NULL ? "" : colon + 1;

	memset(def_r, 0, sizeof(*def_r));
	if (strcmp(backend, "maildir") == 0)
		def_r->backend = QUOTA_BACKEND_MAILDIR;
	else if (strcmp(backend, "count") == 0)
		def_r->backend = QUOTA_BACKEND_COUNT;
	else {
		*error_r = t_strdup_printf("Unknown quota backend: %s", backend);
		return -1;
	}
	/* root name, then backend options */
	colon = strchr(rest, ':');
	def_r->name = p_strdup(pool, colon == NULL ? rest : t_strndup(rest, (size_t)(colon - rest)));
	if (def_r->name[0] == '\0')
		def_r->name = p_strdup(pool, backend);
	for (const char *const *arg = colon == NULL ? NULL : p_strsplit(pool_temp, colon + 1, ":");
	     arg != NULL && *arg != NULL; arg++) {
		if (strcmp(*arg, "noenforcing") == 0)
			def_r->noenforcing = true;
		else if ((*arg)[0] != '\0' && strncmp(*arg, "ns=", 3) != 0 &&
			 strcmp(*arg, "hidden") != 0 && strcmp(*arg, "ignoreunlimited") != 0) {
			*error_r = t_strdup_printf("Unknown quota backend parameter: %s", *arg);
			return -1;
		}
	}
	return 0;
}

/* "<digits>[unit][%]" with an optional sign; unit_default multiplies a
   value without unit (1024 for storage=, 1 for bytes=). */
static int quota_limit_parse(const char *value, uint64_t unit_default, bool allow_units,
			     struct quota_limit *limit_r, const char **error_r)
{
	const char *p = value;
	uint64_t num = 0, mult = unit_default;

	memset(limit_r, 0, sizeof(*limit_r));
	if (*p == '+' || *p == '-') {
		limit_r->relative = true;
		p++;
	}
	if (!isdigit((unsigned char)*p)) {
		*error_r = t_strdup_printf("Invalid limit: %s", value);
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		if (num > (UINT64_MAX - 9) / 10) {
			*error_r = t_strdup_printf("Limit too large: %s", value);
			return -1;
		}
		num = num * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '%') {
		limit_r->percent = true;
		p++;
		if (*p == '%')
			p++;
		mult = 1;
	} else if (allow_units && *p != '\0') {
		switch (toupper((unsigned char)*p)) {
		case 'B': mult = 1; break;
		case 'K': mult = 1024; break;
		case 'M': mult = 1024ULL * 1024; break;
		case 'G': mult = 1024ULL * 1024 * 1024; break;
		case 'T': mult = 1024ULL * 1024 * 1024 * 1024; break;
		default:
			*error_r = t_strdup_printf("Unknown unit in limit: %s", value);
			return -1;
		}
		p++;
		if (mult > 1 && (*p == 'B' || *p == 'b'))
			p++;
	}
	if (*p != '\0') {
		*error_r = t_strdup_printf("Invalid limit: %s", value);
		return -1;
	}
	if (num > (uint64_t)INT64_MAX / mult) {
		*error_r = t_strdup_printf("Limit too large: %s", value);
		return -1;
	}
	limit_r->set = true;
	limit_r->value = (int64_t)(num * mult);
	if (value[0] == '-')
		limit_r->value = -limit_r->value;
	return 0;
}

/* One "name=value" (or "ignore"/"backend=") of a rule or warning. */
static int quota_limits_parse_one(const char *item, struct quota_limit *bytes_r,
				  struct quota_limit *messages_r, bool *ignore_r,
				  const char **error_r)
{
	const char *eq = strchr(item, '=');
	const char *key = eq == NULL ? item : t_strndup(item, (size_t)(eq - item));
	const char *value = eq == NULL ? NULL : eq + 1;

	if (strcmp(key, "ignore") == 0 && value == NULL && ignore_r != NULL) {
		*ignore_r = true;
		return 0;
	}
	if (value == NULL) {
		*error_r = t_strdup_printf("Invalid limit '%s'", item);
		return -1;
	}
	if (strcmp(key, "storage") == 0)
		return quota_limit_parse(value, 1024, true, bytes_r, error_r);
	if (strcmp(key, "bytes") == 0)
		return quota_limit_parse(value, 1, true, bytes_r, error_r);
	if (strcmp(key, "messages") == 0)
		return quota_limit_parse(value, 1, false, messages_r, error_r);
	if (strcmp(key, "backend") == 0 && ignore_r != NULL)
		return 0; /* the backend's own limit: maildirsize keeps ours */
	*error_r = t_strdup_printf("Unknown rule limit name: %s", key);
	return -1;
}

int quota_rule_parse(pool_t pool, const char *value, struct quota_rule *rule_r,
		     const char **error_r)
{
	const char *colon = strchr(value, ':');

	memset(rule_r, 0, sizeof(*rule_r));
	if (colon == NULL || colon == value) {
		*error_r = t_strdup_printf("Invalid quota rule '%s': expected <mailbox>:<limits>",
					   value);
		return -1;
	}
	rule_r->mailbox = p_strndup(pool, value, (size_t)(colon - value));
	bool any = false;
	for (const char *const *item = p_strsplit_spaces(pool_temp, colon + 1, ": "); *item != NULL;
	     item++) {
		if (quota_limits_parse_one(*item, &rule_r->bytes, &rule_r->messages,
					   &rule_r->ignore, error_r) < 0) {
			*error_r = t_strdup_printf("Invalid quota rule '%s': %s", value, *error_r);
			return -1;
		}
		any = true;
	}
	if (!any) {
		*error_r = t_strdup_printf("Invalid quota rule '%s': no limits", value);
		return -1;
	}
	return 0;
}

int quota_warning_parse(pool_t pool, const char *value, struct quota_warning *warning_r,
			const char **error_r)
{
	const char *p = value, *space;

	memset(warning_r, 0, sizeof(*warning_r));
	if (*p == '-') {
		warning_r->reverse = true;
		p++;
	}
	space = strchr(p, ' ');
	if (space == NULL) {
		*error_r = t_strdup_printf("Invalid quota warning '%s': no command", value);
		return -1;
	}
	for (const char *const *item = p_strsplit(pool_temp, t_strndup(p, (size_t)(space - p)), ":");
	     *item != NULL; item++) {
		if (quota_limits_parse_one(*item, &warning_r->bytes, &warning_r->messages, NULL,
					   error_r) < 0) {
			*error_r = t_strdup_printf("Invalid quota warning '%s': %s", value,
						   *error_r);
			return -1;
		}
	}
	if (warning_r->bytes.relative || warning_r->messages.relative) {
		*error_r = t_strdup_printf("Invalid quota warning '%s': relative limit", value);
		return -1;
	}
	while (*space == ' ')
		space++;
	if (*space == '\0') {
		*error_r = t_strdup_printf("Invalid quota warning '%s': no command", value);
		return -1;
	}
	warning_r->command = p_strdup(pool, space);
	return 0;
}

int quota_grace_parse(const char *value, bool *percent_r, uint64_t *value_r,
		      const char **error_r)
{
	struct quota_limit limit;

	if (quota_limit_parse(value, 1, true, &limit, error_r) < 0)
		return -1;
	if (limit.relative) {
		*error_r = t_strdup_printf("Invalid quota_grace: %s", value);
		return -1;
	}
	*percent_r = limit.percent;
	*value_r = (uint64_t)limit.value;
	return 0;
}

uint64_t quota_limit_resolve(const struct quota_limit *limit, uint64_t default_value)
{
	int64_t value;

	if (!limit->set)
		return default_value;
	if (limit->percent) {
		uint64_t part = default_value / 100 * (uint64_t)(limit->value < 0 ? -limit->value :
										  limit->value) +
				default_value % 100 *
					(uint64_t)(limit->value < 0 ? -limit->value : limit->value) /
					100;

		if (!limit->relative)
			return part;
		value = limit->value < 0 ? (int64_t)default_value - (int64_t)part :
					   (int64_t)(default_value + part);
		return value < 0 ? 0 : (uint64_t)value;
	}
	if (!limit->relative)
		return (uint64_t)limit->value;
	if (default_value == 0)
		return 0; /* relative to "no limit" stays unlimited */
	value = (int64_t)default_value + limit->value;
	return value <= 0 ? 1 : (uint64_t)value;
}
