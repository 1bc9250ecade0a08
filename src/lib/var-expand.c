#include "lib.h"
#include "md5.h"
#include "hex.h"
#include "var-expand.h"

#include <stdio.h>
#include <regex.h>

#define VAR_EXPAND_MAX_DEPTH 8
#define VAR_EXPAND_MAX_NUMBER 99999
#define VAR_EXPAND_MAX_MODIFIERS 16
#define VAR_EXPAND_MODIFIERS "LUEXRNHMDT"

struct var_expand_context {
	const struct var_expand_table *table;
	const struct var_expand_func_table *func_table;
	void *func_context;
	/* applied to the final value of each variable outside conditionals */
	var_expand_escape_func_t *escape;
	void *escape_context;
	/* scratch memory for intermediate values, freed when the expansion ends */
	pool_t pool;
	unsigned int depth;
};

/* What comes between '%' and the key. */
struct var_expand_spec {
	int offset, width;
	bool zero_padding;
	char modifiers[VAR_EXPAND_MAX_MODIFIERS];
	unsigned int modifier_count;
};

static char var_expand_error_buf[256];

static int var_expand_str(struct var_expand_context *ctx, string_t *dest, const char *str,
			  bool backslash_escapes, const char **error_r);

static const char *var_expand_error(const char *fmt, ...) ATTR_FORMAT(1, 2);
static const char *var_expand_error(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(var_expand_error_buf, sizeof(var_expand_error_buf), fmt, args);
	va_end(args);
	return var_expand_error_buf;
}

/* A printable, bounded copy of a key for error messages: keys come from
   configuration, but the message may be logged. */
static const char *var_expand_safe_key(pool_t pool, const char *key, size_t len)
{
	string_t *str = str_new(pool, 64);

	for (size_t i = 0; i < len && i < 64; i++)
		str_append_c(str, key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?');
	if (len > 64)
		str_append(str, "...");
	return str_c(str);
}

/* ---- modifiers ---- */

/* The classic PJW/ELF string hash, for %H compatibility. */
static uint32_t var_expand_pjw_hash(const char *str)
{
	uint32_t h = 0, g;

	for (const unsigned char *s = (const unsigned char *)str; *s != '\0'; s++) {
		h = (h << 4) + *s;
		g = h & 0xf0000000U;
		if (g != 0)
			h = (h ^ (g >> 24)) ^ g;
	}
	return h;
}

/* Writes a hash for %N/%H. The spec's width is the modulus and its offset
   the padding, both used up here. */
static const char *var_expand_hash_str(pool_t pool, uint64_t value,
				       struct var_expand_spec *spec)
{
	string_t *str = str_new(pool, 16);
	char hex[16];
	int len;

	if (spec->width > 0)
		value %= (uint64_t)spec->width;
	len = snprintf(hex, sizeof(hex), "%x", (unsigned int)(value & 0xffffffffU));
	for (int i = len; i < spec->offset; i++)
		str_append_c(str, '0');
	str_append(str, hex);
	spec->width = 0;
	spec->offset = 0;
	spec->zero_padding = false;
	return str_c(str);
}

static const char *var_expand_newhash(pool_t pool, const char *value,
				      struct var_expand_spec *spec)
{
	unsigned char digest[MD5_RESULTLEN];
	uint64_t num = 0;

	md5_get_digest(value, strlen(value), digest);
	for (unsigned int i = 0; i < sizeof(num); i++)
		num = (num << 8) | digest[i];
	return var_expand_hash_str(pool, num, spec);
}

static const char *var_expand_modify(struct var_expand_context *ctx, char modifier,
				     const char *value, struct var_expand_spec *spec,
				     const char **error_r)
{
	size_t len = strlen(value);
	string_t *str;
	char *out;
	uint64_t num;

	switch (modifier) {
	case 'L':
	case 'U':
		/* ASCII only, whatever the locale: UTF-8 bytes stay intact */
		out = p_strdup(ctx->pool, value);
		for (char *p = out; *p != '\0'; p++) {
			if (modifier == 'L' && *p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
			else if (modifier == 'U' && *p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		}
		return out;
	case 'E':
		str = str_new(ctx->pool, len + 8);
		for (const char *p = value; *p != '\0'; p++) {
			if (*p == '"' || *p == '\'' || *p == '\\')
				str_append_c(str, '\\');
			str_append_c(str, *p);
		}
		return str_c(str);
	case 'X':
		if (str_to_uint64(value, &num) < 0) {
			*error_r = var_expand_error("%%X: value is not a decimal number");
			return NULL;
		}
		return p_strdup_printf(ctx->pool, "%llx", (unsigned long long)num);
	case 'R':
		out = p_malloc(ctx->pool, len + 1);
		for (size_t i = 0; i < len; i++)
			out[i] = value[len - 1 - i];
		return out;
	case 'N':
		return var_expand_newhash(ctx->pool, value, spec);
	case 'H':
		return var_expand_hash_str(ctx->pool, var_expand_pjw_hash(value), spec);
	case 'M': {
		unsigned char digest[MD5_RESULTLEN];

		md5_get_digest(value, len, digest);
		return hex_encode_pool(ctx->pool, digest, sizeof(digest));
	}
	case 'D':
		str = str_new(ctx->pool, len + 16);
		for (const char *p = value; *p != '\0'; p++) {
			if (*p == '.')
				str_append(str, ",dc=");
			else
				str_append_c(str, *p);
		}
		return str_c(str);
	case 'T':
		while (len > 0 && strchr(" \t\r\n", value[len - 1]) != NULL)
			len--;
		return p_strndup(ctx->pool, value, len);
	}
	i_unreached();
}

/* ---- substring and padding ---- */

static void var_expand_append_value(string_t *dest, const char *value,
				    const struct var_expand_spec *spec)
{
	size_t len = strlen(value), start, count, pad = 0;

	if (spec->zero_padding && (size_t)spec->width > len)
		pad = (size_t)spec->width - len;
	/* padding comes first: the offset counts within the padded value */
	size_t total = pad + len;

	if (spec->offset >= 0)
		start = MIN((size_t)spec->offset, total);
	else
		start = (size_t)-spec->offset >= total ? 0 : total - (size_t)-spec->offset;
	count = total - start;
	if (!spec->zero_padding) {
		if (spec->width > 0)
			count = MIN(count, (size_t)spec->width);
		else if (spec->width < 0)
			count = (size_t)-spec->width >= count ? 0 : count + (size_t)spec->width;
	}
	for (; start < pad && count > 0; start++, count--)
		str_append_c(dest, '0');
	str_append_data(dest, value + (start - pad), count);
}

/* ---- conditionals ---- */

static bool var_expand_wildcard_match(const char *str, const char *mask)
{
	const char *star = NULL, *star_str = NULL;

	while (*str != '\0') {
		if (*mask == '*') {
			/* remember the star and try to match it with nothing first */
			star = mask++;
			star_str = str;
		} else if (*mask != '\0' && (*mask == '?' || *mask == *str)) {
			mask++;
			str++;
		} else if (star != NULL) {
			mask = star + 1;
			str = ++star_str;
		} else {
			return false;
		}
	}
	while (*mask == '*')
		mask++;
	return *mask == '\0';
}

static int var_expand_parse_signed(const char *str, long long *num_r)
{
	bool negative = *str == '-';
	uint64_t num;

	if (negative)
		str++;
	if (str_to_uint64(str, &num) < 0 || num > (uint64_t)INT64_MAX)
		return -1;
	*num_r = negative ? -(long long)num : (long long)num;
	return 0;
}

static int var_expand_compare(struct var_expand_context *ctx, const char *v1, const char *op,
			      const char *v2, bool *result_r, const char **error_r)
{
	static const char *const numeric_ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	static const char *const string_ops[] = { "eq", "ne", "lt", "le", "gt", "ge" };
	long long n1, n2;
	int cmp;

	for (unsigned int i = 0; i < N_ELEMENTS(numeric_ops); i++) {
		bool numeric = strcmp(op, numeric_ops[i]) == 0;

		if (!numeric && strcmp(op, string_ops[i]) != 0)
			continue;
		if (numeric) {
			if (var_expand_parse_signed(v1, &n1) < 0 ||
			    var_expand_parse_signed(v2, &n2) < 0) {
				*error_r = var_expand_error(
					"%%{if}: operator %s needs decimal numbers", op);
				return -1;
			}
			cmp = n1 < n2 ? -1 : (n1 > n2 ? 1 : 0);
		} else {
			cmp = strcmp(v1, v2);
		}
		const bool results[] = { cmp == 0, cmp != 0, cmp < 0, cmp <= 0, cmp > 0, cmp >= 0 };

		*result_r = results[i];
		return 0;
	}
	if (strcmp(op, "*") == 0 || strcmp(op, "!*") == 0) {
		*result_r = var_expand_wildcard_match(v1, v2) == (op[0] == '*');
		return 0;
	}
	if (strcmp(op, "~") == 0 || strcmp(op, "!~") == 0) {
		regex_t regex;
		int ret = regcomp(&regex, v2, REG_EXTENDED | REG_NOSUB);

		if (ret != 0) {
			char msg[128];

			regerror(ret, &regex, msg, sizeof(msg));
			*error_r = var_expand_error("%%{if}: invalid regular expression: %s", msg);
			return -1;
		}
		ret = regexec(&regex, v1, 0, NULL, 0);
		regfree(&regex);
		*result_r = (ret == 0) == (op[0] == '~');
		return 0;
	}
	*error_r = var_expand_error("%%{if}: unknown operator '%s'",
				    var_expand_safe_key(ctx->pool, op, strlen(op)));
	return -1;
}

/* Splits the text of a conditional after "if;" at the ';'s that are not
   escaped or inside a nested %{...}. Fields keep their backslashes: they
   are removed when the field is expanded. Returns the number of fields, at
   most max_fields + 1 (too many). */
static unsigned int var_expand_split_fields(pool_t pool, const char *str, const char **fields,
					    unsigned int max_fields)
{
	unsigned int count = 0, depth = 0;
	const char *start = str, *p;

	for (p = str;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}') {
			if (depth > 0)
				depth--;
		} else if ((*p == ';' && depth == 0) || *p == '\0') {
			if (count == max_fields)
				return max_fields + 1;
			fields[count++] = p_strndup(pool, start, (size_t)(p - start));
			if (*p == '\0')
				return count;
			start = p + 1;
		}
	}
}

static int var_expand_if(struct var_expand_context *ctx, const char *args, const char **value_r,
			 const char **error_r)
{
	const char *fields[5];
	string_t *expanded[5];
	bool result;

	if (var_expand_split_fields(ctx->pool, args, fields, N_ELEMENTS(fields)) !=
	    N_ELEMENTS(fields)) {
		*error_r = var_expand_error(
			"%%{if}: needs 6 fields: if;value1;operator;value2;then;else");
		return -1;
	}
	if (++ctx->depth > VAR_EXPAND_MAX_DEPTH) {
		*error_r = var_expand_error("%%{if}: nested too deeply");
		return -1;
	}
	for (unsigned int i = 0; i < N_ELEMENTS(fields); i++) {
		expanded[i] = str_new(ctx->pool, 64);
		if (var_expand_str(ctx, expanded[i], fields[i], true, error_r) < 0)
			return -1;
	}
	ctx->depth--;
	if (var_expand_compare(ctx, str_c(expanded[0]), str_c(expanded[1]), str_c(expanded[2]),
			       &result, error_r) < 0)
		return -1;
	*value_r = str_c(expanded[result ? 3 : 4]);
	return 0;
}

/* ---- lookups ---- */

static const char *var_expand_builtin(pool_t pool, const char *key)
{
	const char *name;

	if (strcmp(key, "pid") == 0)
		return p_strdup_printf(pool, "%ld", (long)getpid());
	if (strcmp(key, "uid") == 0)
		return p_strdup_printf(pool, "%lu", (unsigned long)geteuid());
	if (strcmp(key, "gid") == 0)
		return p_strdup_printf(pool, "%lu", (unsigned long)getegid());
	if (strcmp(key, "hostname") == 0) {
		char host[256];

		if (gethostname(host, sizeof(host)) < 0)
			return NULL;
		host[sizeof(host) - 1] = '\0';
		char *dot = strchr(host, '.');

		if (dot != NULL)
			*dot = '\0';
		return p_strdup(pool, host);
	}
	if (str_begins(key, "env:", &name)) {
		const char *value = getenv(name);

		return value != NULL ? p_strdup(pool, value) : "";
	}
	return NULL;
}

static int var_expand_func(struct var_expand_context *ctx, const char *key,
			   const char **value_r, const char **error_r)
{
	const struct var_expand_func_table *f;
	const char *colon = strchr(key, ':');
	const char *name = colon == NULL ? key : p_strndup(ctx->pool, key, (size_t)(colon - key));
	const char *data = colon == NULL ? "" : colon + 1;
	const char *func_error;

	if (ctx->func_table == NULL)
		return 0;
	for (f = ctx->func_table; f->key != NULL; f++) {
		if (strcmp(f->key, name) != 0)
			continue;
		*value_r = NULL;
		int ret = f->func(data, ctx->func_context, value_r, &func_error);

		if (ret < 0) {
			*error_r = var_expand_error("%%{%s}: %s",
						    var_expand_safe_key(ctx->pool, name,
									strlen(name)),
						    func_error);
			return -1;
		}
		if (ret > 0 && *value_r == NULL)
			*value_r = "";
		return ret;
	}
	return 0;
}

static int var_expand_lookup_long(struct var_expand_context *ctx, const char *key,
				  const char **value_r, const char **error_r)
{
	const struct var_expand_table *t;
	const char *args;
	int ret;

	for (t = ctx->table; t != NULL && (t->key != '\0' || t->long_key != NULL); t++) {
		if (t->long_key != NULL && strcmp(t->long_key, key) == 0) {
			*value_r = t->value != NULL ? t->value : "";
			return 0;
		}
	}
	if (str_begins(key, "if;", &args))
		return var_expand_if(ctx, args, value_r, error_r);
	*value_r = var_expand_builtin(ctx->pool, key);
	if (*value_r != NULL)
		return 0;
	ret = var_expand_func(ctx, key, value_r, error_r);
	if (ret != 0)
		return ret < 0 ? -1 : 0;
	*error_r = var_expand_error("Unknown variable '%%{%s}'",
				    var_expand_safe_key(ctx->pool, key, strlen(key)));
	return -1;
}

static int var_expand_lookup_letter(struct var_expand_context *ctx, char key,
				    const char **value_r, const char **error_r)
{
	const struct var_expand_table *t;

	for (t = ctx->table; t != NULL && (t->key != '\0' || t->long_key != NULL); t++) {
		if (t->key == key) {
			*value_r = t->value != NULL ? t->value : "";
			return 0;
		}
	}
	*error_r = var_expand_error("Unknown variable '%%%s'",
				    var_expand_safe_key(ctx->pool, &key, 1));
	return -1;
}

/* ---- syntax ---- */

static int var_expand_parse_number(const char **_p, int *num_r, const char **error_r)
{
	const char *p = *_p;
	int num = 0;

	if (*p < '0' || *p > '9') {
		*error_r = var_expand_error("missing number in %%-sequence");
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		num = num * 10 + (*p - '0');
		if (num > VAR_EXPAND_MAX_NUMBER) {
			*error_r = var_expand_error("number too large in %%-sequence");
			return -1;
		}
	}
	*_p = p;
	*num_r = num;
	return 0;
}

/* Parses [[-]offset.][-][0]width and the modifiers after '%'. */
static int var_expand_parse_spec(const char **_p, struct var_expand_spec *spec,
				 const char **error_r)
{
	const char *p = *_p;
	int sign = 1, num = 0;
	bool zero;

	memset(spec, 0, sizeof(*spec));
	if (*p == '-') {
		sign = -1;
		p++;
	}
	zero = *p == '0';
	if ((sign < 0 || (*p >= '0' && *p <= '9')) &&
	    var_expand_parse_number(&p, &num, error_r) < 0)
		return -1;
	if (*p == '.') {
		if (p == *_p) {
			*error_r = var_expand_error("missing offset before '.' in %%-sequence");
			return -1;
		}
		spec->offset = sign * num;
		p++;
		sign = 1;
		if (*p == '-') {
			sign = -1;
			p++;
		}
		zero = *p == '0';
		if (var_expand_parse_number(&p, &num, error_r) < 0)
			return -1;
	}
	if (zero && sign < 0) {
		*error_r = var_expand_error("zero padding needs a positive width");
		return -1;
	}
	spec->width = sign * num;
	spec->zero_padding = zero;
	for (; *p != '\0' && strchr(VAR_EXPAND_MODIFIERS, *p) != NULL; p++) {
		if (spec->modifier_count == VAR_EXPAND_MAX_MODIFIERS) {
			*error_r = var_expand_error("too many modifiers in %%-sequence");
			return -1;
		}
		spec->modifiers[spec->modifier_count++] = *p;
	}
	*_p = p;
	return 0;
}

/* p points after "%{". Returns the position of the matching '}', or NULL. */
static const char *var_expand_find_long_end(const char *p)
{
	unsigned int depth = 1;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p;
	}
	return NULL;
}

/* Expands the variable after a '%' at *_p (not "%%"). */
static int var_expand_variable(struct var_expand_context *ctx, string_t *dest, const char **_p,
			       const char **error_r)
{
	struct var_expand_spec spec;
	const char *p = *_p, *value;

	if (var_expand_parse_spec(&p, &spec, error_r) < 0)
		return -1;
	if (*p == '\0') {
		*error_r = var_expand_error("%%-sequence at the end of the string");
		return -1;
	}
	if (*p == '{') {
		const char *end = var_expand_find_long_end(p + 1);

		if (end == NULL) {
			*error_r = var_expand_error("missing '}' after %%{");
			return -1;
		}
		const char *key = p_strndup(ctx->pool, p + 1, (size_t)(end - (p + 1)));

		if (var_expand_lookup_long(ctx, key, &value, error_r) < 0)
			return -1;
		p = end + 1;
	} else {
		if (var_expand_lookup_letter(ctx, *p, &value, error_r) < 0)
			return -1;
		p++;
	}
	for (unsigned int i = 0; i < spec.modifier_count; i++) {
		value = var_expand_modify(ctx, spec.modifiers[i], value, &spec, error_r);
		if (value == NULL)
			return -1;
	}
	if (ctx->escape != NULL && ctx->depth == 0) {
		/* a conditional's fields are values to compare and choose
		   from: only what lands in the result is escaped, once */
		string_t *raw = str_new(ctx->pool, 64);

		var_expand_append_value(raw, value, &spec);
		str_append(dest, ctx->escape(str_c(raw), ctx->escape_context));
	} else {
		var_expand_append_value(dest, value, &spec);
	}
	*_p = p;
	return 0;
}

static int var_expand_str(struct var_expand_context *ctx, string_t *dest, const char *str,
			  bool backslash_escapes, const char **error_r)
{
	const char *p = str;

	while (*p != '\0') {
		if (backslash_escapes && *p == '\\' && p[1] != '\0') {
			str_append_c(dest, p[1]);
			p += 2;
		} else if (*p != '%') {
			size_t len = strcspn(p, backslash_escapes ? "%\\" : "%");

			if (len == 0)
				len = 1; /* a trailing lone backslash */
			str_append_data(dest, p, len);
			p += len;
		} else if (p[1] == '%') {
			str_append_c(dest, '%');
			p += 2;
		} else {
			p++;
			if (var_expand_variable(ctx, dest, &p, error_r) < 0)
				return -1;
		}
	}
	return 0;
}

int var_expand_with_funcs(string_t *dest, const char *str, const struct var_expand_table *table,
			  const struct var_expand_func_table *func_table, void *context,
			  const char **error_r)
{
	return var_expand_with_escape(dest, str, table, func_table, context, NULL, NULL,
				      error_r);
}

int var_expand_with_escape(string_t *dest, const char *str, const struct var_expand_table *table,
			   const struct var_expand_func_table *func_table, void *context,
			   var_expand_escape_func_t *escape, void *escape_context,
			   const char **error_r)
{
	struct var_expand_context ctx = {
		.table = table,
		.func_table = func_table,
		.func_context = context,
		.escape = escape,
		.escape_context = escape_context,
	};
	size_t orig_used = dest->used;
	int ret;

	/* a template without variables needs no scratch memory */
	if (strchr(str, '%') == NULL) {
		str_append(dest, str);
		return 0;
	}
	ctx.pool = pool_alloconly_create("var_expand", 512);
	ret = var_expand_str(&ctx, dest, str, false, error_r);
	pool_unref(&ctx.pool);
	if (ret < 0)
		buffer_set_used_size(dest, orig_used);
	return ret;
}

int var_expand(string_t *dest, const char *str, const struct var_expand_table *table,
	       const char **error_r)
{
	return var_expand_with_funcs(dest, str, table, NULL, NULL, error_r);
}

/* ---- var_has_key ---- */

static bool var_has_key_str(pool_t pool, const char *str, bool backslash_escapes, char key,
			    const char *long_key, unsigned int depth)
{
	struct var_expand_spec spec;
	const char *p = str, *error, *end, *args;

	while (*p != '\0') {
		if (backslash_escapes && *p == '\\' && p[1] != '\0') {
			p += 2;
			continue;
		}
		if (*p++ != '%')
			continue;
		if (*p == '%') {
			p++;
			continue;
		}
		if (var_expand_parse_spec(&p, &spec, &error) < 0 || *p == '\0')
			return false;
		if (*p != '{') {
			if (key != '\0' && *p == key)
				return true;
			p++;
			continue;
		}
		end = var_expand_find_long_end(p + 1);
		if (end == NULL)
			return false;
		const char *name = p_strndup(pool, p + 1, (size_t)(end - (p + 1)));

		if (long_key != NULL && strcmp(name, long_key) == 0)
			return true;
		if (str_begins(name, "if;", &args) && depth < VAR_EXPAND_MAX_DEPTH &&
		    var_has_key_str(pool, args, true, key, long_key, depth + 1))
			return true;
		p = end + 1;
	}
	return false;
}

bool var_has_key(const char *str, char key, const char *long_key)
{
	pool_t pool;
	bool ret;

	if (strchr(str, '%') == NULL)
		return false;
	pool = pool_alloconly_create("var_has_key", 256);
	ret = var_has_key_str(pool, str, false, key, long_key, 0);
	pool_unref(&pool);
	return ret;
}
