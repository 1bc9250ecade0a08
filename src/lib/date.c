#include "lib.h"
#include "date.h"

#include <strings.h>

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define DATE_MIN_TIME (-62135596800LL)
#define DATE_MAX_TIME 253402300799LL
#define DATE_MAX_YEAR 9999

static const char *const date_month_names[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const date_weekday_names[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

struct date_zone {
	const char *name;
	int offset;
};
static const struct date_zone date_zones[] = {
	{ "UT", 0 },
	{ "GMT", 0 },
	{ "EST", -5 * 60 },
	{ "EDT", -4 * 60 },
	{ "CST", -6 * 60 },
	{ "CDT", -5 * 60 },
	{ "MST", -7 * 60 },
	{ "MDT", -6 * 60 },
	{ "PST", -8 * 60 },
	{ "PDT", -7 * 60 },
};

static bool date_is_leap_year(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int date_days_in_month(int64_t year, int month)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && date_is_leap_year(year))
		return 29;
	return days[month - 1];
}

/* Days from 1970-01-01 to year-month-day of the proleptic Gregorian
   calendar. Counting years from March puts the leap day last, so each
   400-year era has the same shape. */
static int64_t date_days_from_civil(int64_t year, int month, int day)
{
	int64_t y = month <= 2 ? year - 1 : year;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t year_of_era = y - era * 400;
	int64_t month_from_march = month > 2 ? month - 3 : month + 9;
	int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
	int64_t day_of_era =
		year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

	return era * 146097 + day_of_era - 719468;
}

static void date_civil_from_days(int64_t days, int64_t *year_r, int *month_r, int *day_r)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t day_of_era = z - era * 146097;
	int64_t year_of_era =
		(day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
	int64_t day_of_year =
		day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	int64_t mp = (5 * day_of_year + 2) / 153;
	int month = (int)(mp < 10 ? mp + 3 : mp - 9);

	*day_r = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
	*month_r = month;
	*year_r = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
}

static int date_fields_to_time(int64_t year, int month, int day, int hour, int min, int sec,
			       int tz_offset, time_t *time_r, const char **error_r)
{
	if (year < 1 || year > DATE_MAX_YEAR) {
		*error_r = "year out of range";
		return -1;
	}
	if (month < 1 || month > 12) {
		*error_r = "invalid month";
		return -1;
	}
	if (day < 1 || day > date_days_in_month(year, month)) {
		*error_r = "invalid day of month";
		return -1;
	}
	if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60) {
		*error_r = "invalid time of day";
		return -1;
	}
	*time_r = (time_t)(date_days_from_civil(year, month, day) * 86400 + hour * 3600 +
			   min * 60 + sec - (int64_t)tz_offset * 60);
	return 0;
}

int date_tm_to_time(const struct tm *tm, time_t *time_r)
{
	const char *error;

	return date_fields_to_time((int64_t)tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday,
				   tm->tm_hour, tm->tm_min, tm->tm_sec, 0, time_r, &error);
}

void date_time_to_tm(time_t t, int tz_offset, struct tm *tm_r)
{
	int64_t secs = (int64_t)t, days, rem, year;
	int month, day;

	i_assert(tz_offset >= -DATE_TZ_OFFSET_MAX && tz_offset <= DATE_TZ_OFFSET_MAX);
	/* clamp first so that adding the offset cannot overflow */
	secs = MAX(secs, DATE_MIN_TIME);
	secs = MIN(secs, DATE_MAX_TIME);
	secs += (int64_t)tz_offset * 60;
	secs = MAX(secs, DATE_MIN_TIME);
	secs = MIN(secs, DATE_MAX_TIME);

	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	date_civil_from_days(days, &year, &month, &day);

	memset(tm_r, 0, sizeof(*tm_r));
	tm_r->tm_year = (int)(year - 1900);
	tm_r->tm_mon = month - 1;
	tm_r->tm_mday = day;
	tm_r->tm_hour = (int)(rem / 3600);
	tm_r->tm_min = (int)(rem / 60 % 60);
	tm_r->tm_sec = (int)(rem % 60);
	/* 1970-01-01 was a Thursday */
	tm_r->tm_wday = (int)(((days + 4) % 7 + 7) % 7);
	tm_r->tm_yday = (int)(days - date_days_from_civil(year, 1, 1));
}

int date_local_tz_offset(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	int offset = (int)(tm.tm_gmtoff / 60);

	if (offset < -DATE_TZ_OFFSET_MAX || offset > DATE_TZ_OFFSET_MAX)
		return 0;
	return offset;
}

static void date_append_tz(string_t *dest, int tz_offset)
{
	int abs_offset = tz_offset < 0 ? -tz_offset : tz_offset;

	str_printfa(dest, "%c%02d%02d", tz_offset < 0 ? '-' : '+', abs_offset / 60,
		    abs_offset % 60);
}

void date_append_rfc5322(string_t *dest, time_t t, int tz_offset)
{
	struct tm tm;

	date_time_to_tm(t, tz_offset, &tm);
	str_printfa(dest, "%s, %02d %s %04d %02d:%02d:%02d ", date_weekday_names[tm.tm_wday],
		    tm.tm_mday, date_month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	date_append_tz(dest, tz_offset);
}

void date_append_rfc5322_local(string_t *dest, time_t t)
{
	date_append_rfc5322(dest, t, date_local_tz_offset(t));
}

void date_append_imap_date(string_t *dest, time_t t, int tz_offset)
{
	struct tm tm;

	date_time_to_tm(t, tz_offset, &tm);
	str_printfa(dest, "%d-%s-%04d", tm.tm_mday, date_month_names[tm.tm_mon],
		    tm.tm_year + 1900);
}

void date_append_imap_datetime(string_t *dest, time_t t, int tz_offset)
{
	struct tm tm;

	date_time_to_tm(t, tz_offset, &tm);
	str_printfa(dest, "%2d-%s-%04d %02d:%02d:%02d ", tm.tm_mday, date_month_names[tm.tm_mon],
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	date_append_tz(dest, tz_offset);
}

void date_append_imap_datetime_local(string_t *dest, time_t t)
{
	date_append_imap_datetime(dest, t, date_local_tz_offset(t));
}

/* ---- parsing ---- */

struct date_parser {
	const unsigned char *p, *end;
};

static bool date_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool date_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Looks len bytes at name up in names (case-insensitively). Returns the
   index or -1. */
static int date_find_name(const unsigned char *name, size_t len, const char *const *names,
			  unsigned int count)
{
	if (len != 3)
		return -1;
	for (unsigned int i = 0; i < count; i++) {
		if (strncasecmp((const char *)name, names[i], 3) == 0)
			return (int)i;
	}
	return -1;
}

/* Skips comments and whitespace (CR and LF too, so both folded and
   unfolded header values work). Sets *skipped_r when anything was skipped.
   Returns -1 for an unterminated comment. */
static int date_skip_cfws(struct date_parser *ctx, bool *skipped_r)
{
	const unsigned char *start = ctx->p;
	unsigned int depth = 0;

	for (; ctx->p < ctx->end; ctx->p++) {
		unsigned char c = *ctx->p;

		if (depth > 0) {
			if (c == '\\') {
				/* quoted-pair: the next byte is literal */
				if (++ctx->p == ctx->end)
					return -1;
			} else if (c == '(') {
				depth++;
			} else if (c == ')') {
				depth--;
			}
		} else if (c == '(') {
			depth = 1;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			break;
		}
	}
	if (depth > 0)
		return -1;
	if (skipped_r != NULL)
		*skipped_r = ctx->p != start;
	return 0;
}

/* Reads a run of digits; fails unless there are min..max of them. */
static int date_parse_number(struct date_parser *ctx, unsigned int min_digits,
			     unsigned int max_digits, int *value_r, unsigned int *digits_r)
{
	unsigned int n = 0;
	int value = 0;

	while (ctx->p < ctx->end && date_is_digit(*ctx->p)) {
		if (++n > max_digits)
			return -1;
		value = value * 10 + (*ctx->p - '0');
		ctx->p++;
	}
	if (n < min_digits)
		return -1;
	*value_r = value;
	if (digits_r != NULL)
		*digits_r = n;
	return 0;
}

static size_t date_parse_word(struct date_parser *ctx, const unsigned char **word_r)
{
	*word_r = ctx->p;
	while (ctx->p < ctx->end && date_is_alpha(*ctx->p))
		ctx->p++;
	return (size_t)(ctx->p - *word_r);
}

/* Skips CFWS and fails unless there was some: the grammar requires a
   separator there. */
static int date_require_cfws(struct date_parser *ctx, const char **error_r)
{
	bool skipped;

	if (date_skip_cfws(ctx, &skipped) < 0) {
		*error_r = "unterminated comment";
		return -1;
	}
	if (!skipped) {
		*error_r = "missing whitespace";
		return -1;
	}
	return 0;
}

static int date_parse_numeric_zone(struct date_parser *ctx, int *tz_offset_r)
{
	int sign = *ctx->p == '-' ? -1 : 1;
	int value;

	ctx->p++;
	if (date_parse_number(ctx, 4, 4, &value, NULL) < 0 || value % 100 > 59)
		return -1;
	*tz_offset_r = sign * (value / 100 * 60 + value % 100);
	return 0;
}

static int date_parse_alpha_zone(const unsigned char *name, size_t len, int *tz_offset_r)
{
	if (len == 1) {
		/* military zones: their signs were defined backwards in RFC 822,
		   so RFC 5322 says to read them as -0000 */
		if (*name == 'j' || *name == 'J')
			return -1;
		*tz_offset_r = 0;
		return 0;
	}
	if (len > 5)
		return -1;
	for (unsigned int i = 0; i < N_ELEMENTS(date_zones); i++) {
		if (strlen(date_zones[i].name) == len &&
		    strncasecmp((const char *)name, date_zones[i].name, len) == 0) {
			*tz_offset_r = date_zones[i].offset;
			return 0;
		}
	}
	/* other names: meaning unknown, so -0000 (RFC 5322 section 4.3) */
	*tz_offset_r = 0;
	return 0;
}

static int date_parse_zone(struct date_parser *ctx, bool had_cfws, int *tz_offset_r,
			   const char **error_r)
{
	const unsigned char *word;
	size_t len;

	if (ctx->p == ctx->end) {
		*error_r = "missing time zone";
		return -1;
	}
	if (*ctx->p == '+' || *ctx->p == '-') {
		if (!had_cfws) {
			*error_r = "missing whitespace";
			return -1;
		}
		if (date_parse_numeric_zone(ctx, tz_offset_r) < 0) {
			*error_r = "invalid time zone";
			return -1;
		}
		return 0;
	}
	len = date_parse_word(ctx, &word);
	if (len == 0 || date_parse_alpha_zone(word, len, tz_offset_r) < 0) {
		*error_r = "invalid time zone";
		return -1;
	}
	return 0;
}

static int date_parse_year(struct date_parser *ctx, int *year_r, const char **error_r)
{
	unsigned int digits;
	int year;

	if (date_parse_number(ctx, 2, 4, &year, &digits) < 0) {
		*error_r = "invalid year";
		return -1;
	}
	if (digits == 2)
		year += year < 50 ? 2000 : 1900;
	else if (digits == 3)
		year += 1900;
	else if (year < 1900) {
		*error_r = "year out of range";
		return -1;
	}
	*year_r = year;
	return 0;
}

/* hour ":" minute [ ":" second ], with optional CFWS around the colons
   (obs-hour etc.). *cfws_after_r tells whether CFWS followed the last part. */
static int date_parse_time_of_day(struct date_parser *ctx, int *hour_r, int *min_r, int *sec_r,
				  bool *cfws_after_r, const char **error_r)
{
	*sec_r = 0;
	if (date_parse_number(ctx, 2, 2, hour_r, NULL) < 0) {
		*error_r = "invalid hour";
		return -1;
	}
	if (date_skip_cfws(ctx, NULL) < 0 || ctx->p == ctx->end || *ctx->p != ':') {
		*error_r = "invalid time of day";
		return -1;
	}
	ctx->p++;
	if (date_skip_cfws(ctx, NULL) < 0 || date_parse_number(ctx, 2, 2, min_r, NULL) < 0) {
		*error_r = "invalid minute";
		return -1;
	}
	if (date_skip_cfws(ctx, cfws_after_r) < 0) {
		*error_r = "unterminated comment";
		return -1;
	}
	if (ctx->p < ctx->end && *ctx->p == ':') {
		ctx->p++;
		if (date_skip_cfws(ctx, NULL) < 0 ||
		    date_parse_number(ctx, 2, 2, sec_r, NULL) < 0) {
			*error_r = "invalid second";
			return -1;
		}
		if (date_skip_cfws(ctx, cfws_after_r) < 0) {
			*error_r = "unterminated comment";
			return -1;
		}
	}
	return 0;
}

static int date_parse_day_of_week(struct date_parser *ctx, const char **error_r)
{
	const unsigned char *word;
	size_t len = date_parse_word(ctx, &word);

	if (date_find_name(word, len, date_weekday_names, N_ELEMENTS(date_weekday_names)) < 0) {
		*error_r = "invalid day of week";
		return -1;
	}
	if (date_skip_cfws(ctx, NULL) < 0 || ctx->p == ctx->end || *ctx->p != ',') {
		*error_r = "missing ',' after day of week";
		return -1;
	}
	ctx->p++;
	if (date_skip_cfws(ctx, NULL) < 0) {
		*error_r = "unterminated comment";
		return -1;
	}
	return 0;
}

int date_parse_rfc5322(const void *data, size_t size, time_t *time_r, int *tz_offset_r,
		       const char **error_r)
{
	struct date_parser ctx = { .p = data, .end = (const unsigned char *)data + size };
	const unsigned char *word;
	int day, month, year, hour, min, sec, tz_offset;
	bool cfws;
	size_t len;

	if (date_skip_cfws(&ctx, NULL) < 0) {
		*error_r = "unterminated comment";
		return -1;
	}
	if (ctx.p < ctx.end && date_is_alpha(*ctx.p)) {
		if (date_parse_day_of_week(&ctx, error_r) < 0)
			return -1;
	}
	if (date_parse_number(&ctx, 1, 2, &day, NULL) < 0) {
		*error_r = "invalid day of month";
		return -1;
	}
	if (date_require_cfws(&ctx, error_r) < 0)
		return -1;
	len = date_parse_word(&ctx, &word);
	month = date_find_name(word, len, date_month_names, N_ELEMENTS(date_month_names));
	if (month < 0) {
		*error_r = "invalid month";
		return -1;
	}
	if (date_require_cfws(&ctx, error_r) < 0 || date_parse_year(&ctx, &year, error_r) < 0 ||
	    date_require_cfws(&ctx, error_r) < 0)
		return -1;
	if (date_parse_time_of_day(&ctx, &hour, &min, &sec, &cfws, error_r) < 0 ||
	    date_parse_zone(&ctx, cfws, &tz_offset, error_r) < 0)
		return -1;
	if (date_skip_cfws(&ctx, NULL) < 0) {
		*error_r = "unterminated comment";
		return -1;
	}
	if (ctx.p != ctx.end) {
		*error_r = "trailing garbage after date";
		return -1;
	}
	if (date_fields_to_time(year, month + 1, day, hour, min, sec, tz_offset, time_r,
				error_r) < 0)
		return -1;
	*tz_offset_r = tz_offset;
	return 0;
}

/* "d-Mon-yyyy" at ctx; the day may have 1 or 2 digits. */
static int date_parse_imap_day_month_year(struct date_parser *ctx, int *day_r, int *month_r,
					  int *year_r, const char **error_r)
{
	if (date_parse_number(ctx, 1, 2, day_r, NULL) < 0 || ctx->p == ctx->end ||
	    *ctx->p != '-') {
		*error_r = "invalid day of month";
		return -1;
	}
	ctx->p++;
	if (ctx->end - ctx->p < 4 || ctx->p[3] != '-' ||
	    (*month_r = date_find_name(ctx->p, 3, date_month_names,
				       N_ELEMENTS(date_month_names))) < 0) {
		*error_r = "invalid month";
		return -1;
	}
	ctx->p += 4;
	if (date_parse_number(ctx, 4, 4, year_r, NULL) < 0) {
		*error_r = "invalid year";
		return -1;
	}
	return 0;
}

int date_parse_imap_date(const char *str, time_t *time_r, const char **error_r)
{
	struct date_parser ctx = { .p = (const unsigned char *)str,
				   .end = (const unsigned char *)str + strlen(str) };
	int day, month, year;

	if (date_parse_imap_day_month_year(&ctx, &day, &month, &year, error_r) < 0)
		return -1;
	if (ctx.p != ctx.end) {
		*error_r = "trailing garbage after date";
		return -1;
	}
	return date_fields_to_time(year, month + 1, day, 0, 0, 0, 0, time_r, error_r);
}

static int date_parse_imap_fixed2(struct date_parser *ctx, char sep, int *value_r)
{
	if (date_parse_number(ctx, 2, 2, value_r, NULL) < 0)
		return -1;
	if (sep != '\0') {
		if (ctx->p == ctx->end || *ctx->p != sep)
			return -1;
		ctx->p++;
	}
	return 0;
}

int date_parse_imap_datetime(const char *str, time_t *time_r, int *tz_offset_r,
			     const char **error_r)
{
	struct date_parser ctx = { .p = (const unsigned char *)str,
				   .end = (const unsigned char *)str + strlen(str) };
	int day, month, year, hour, min, sec, tz_offset;

	/* date-day-fixed pads a one-digit day with a space */
	if (ctx.p < ctx.end && *ctx.p == ' ') {
		ctx.p++;
		if (ctx.end - ctx.p < 2 || !date_is_digit(ctx.p[0]) || ctx.p[1] != '-') {
			*error_r = "invalid day of month";
			return -1;
		}
	}
	if (date_parse_imap_day_month_year(&ctx, &day, &month, &year, error_r) < 0)
		return -1;
	if (ctx.p == ctx.end || *ctx.p++ != ' ' || date_parse_imap_fixed2(&ctx, ':', &hour) < 0 ||
	    date_parse_imap_fixed2(&ctx, ':', &min) < 0 ||
	    date_parse_imap_fixed2(&ctx, ' ', &sec) < 0) {
		*error_r = "invalid time of day";
		return -1;
	}
	if (ctx.p == ctx.end || (*ctx.p != '+' && *ctx.p != '-') ||
	    date_parse_numeric_zone(&ctx, &tz_offset) < 0) {
		*error_r = "invalid time zone";
		return -1;
	}
	if (ctx.p != ctx.end) {
		*error_r = "trailing garbage after date-time";
		return -1;
	}
	if (date_fields_to_time(year, month + 1, day, hour, min, sec, tz_offset, time_r,
				error_r) < 0)
		return -1;
	*tz_offset_r = tz_offset;
	return 0;
}
