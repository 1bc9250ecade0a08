#include "test-common.h"
#include "date.h"

#include <stdio.h>

/* Parses with an exact-size copy, so that ASan reports any read past the
   end of the input. */
static int test_parse_rfc5322(const char *input, size_t len, time_t *time_r, int *tz_r,
			      const char **error_r)
{
	char *copy = i_malloc(len + 1);
	int ret;

	memcpy(copy, input, len);
	ret = date_parse_rfc5322(copy, len, time_r, tz_r, error_r);
	i_free(copy);
	return ret;
}

static void test_date_rfc5322_valid(void)
{
	static const struct {
		const char *input;
		time_t t;
		int tz;
	} tests[] = {
		/* RFC 5322 appendix A */
		{ "Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360 },
		{ "Tue, 1 Jul 2003 10:52:37 +0200", 1057049557, 120 },
		{ "Thu, 13 Feb 1969 23:32:54 -0330", -27723426, -210 },
		{ "Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n"
		  "               -0330 (Newfoundland Time)",
		  -27723426 - 54, -210 },
		{ "21 Nov 97 09:55:06 GMT", 880106106, 0 },
		{ "Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", 880127706, -360 },
		/* variations */
		{ "Wed, 25 Nov 2026 18:33:18 +0000", 1795631598, 0 },
		{ "wed, 25 nov 2026 18:33:18 +0000", 1795631598, 0 },
		{ "25 Nov 2026 18:33:18 +0000", 1795631598, 0 },
		{ "Wed , 25 Nov 2026 18:33:18 +0000", 1795631598, 0 },
		{ "  (c) Wed,25 Nov 2026 18:33:18 +0000 (UTC) ", 1795631598, 0 },
		{ "25 Nov 2026 18:33 +0000", 1795631580, 0 },
		{ "05 Nov 2026 18:33:18 -0000", 1793903598, 0 },
		{ "25 Nov 2026 18:33:18 +9959", 1795631598 - (99 * 60 + 59) * 60, 5999 },
		{ "25 Nov 2026 18:33:18 -0001", 1795631598 + 60, -1 },
		{ "25 Nov 2026 18:33:18 UT", 1795631598, 0 },
		{ "25 Nov 2026 18:33:18 EST", 1795631598 + 5 * 3600, -300 },
		{ "25 Nov 2026 18:33:18 EDT", 1795631598 + 4 * 3600, -240 },
		{ "25 Nov 2026 18:33:18 CST", 1795631598 + 6 * 3600, -360 },
		{ "25 Nov 2026 18:33:18 CDT", 1795631598 + 5 * 3600, -300 },
		{ "25 Nov 2026 18:33:18 MST", 1795631598 + 7 * 3600, -420 },
		{ "25 Nov 2026 18:33:18 mdt", 1795631598 + 6 * 3600, -360 },
		{ "25 Nov 2026 18:33:18 PST", 1795631598 + 8 * 3600, -480 },
		{ "25 Nov 2026 18:33:18 PDT", 1795631598 + 7 * 3600, -420 },
		/* military and unknown names count as -0000 */
		{ "25 Nov 2026 18:33:18 Z", 1795631598, 0 },
		{ "25 Nov 2026 18:33:18 A", 1795631598, 0 },
		{ "25 Nov 2026 18:33:18 CEST", 1795631598, 0 },
		{ "25 Nov 2026 18:33:18GMT", 1795631598, 0 },
		/* obsolete years */
		{ "25 Nov 26 18:33:18 +0000", 1795631598, 0 },
		{ "25 Nov 49 00:00:00 +0000", 2521411200, 0 },
		{ "25 Nov 50 00:00:00 +0000", -602812800, 0 },
		{ "25 Nov 126 18:33:18 +0000", 1795631598, 0 },
		{ "1 Jan 1900 00:00:00 +0000", -2208988800, 0 },
		{ "31 Dec 9999 23:59:59 +0000", 253402300799, 0 },
		/* leap day and leap second */
		{ "29 Feb 2024 12:00:00 +0000", 1709208000, 0 },
		{ "31 Dec 2016 23:59:60 +0000", 1483228800, 0 },
	};
	time_t t;
	int tz;
	const char *error;

	test_begin("date_parse_rfc5322 valid");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		t = 0;
		tz = 12345;
		error = NULL;
		int ret = test_parse_rfc5322(tests[i].input, strlen(tests[i].input), &t, &tz,
					     &error);

		test_assert_idx(ret == 0, i);
		if (ret < 0)
			printf("    %s: %s\n", tests[i].input, error);
		test_assert_idx(t == tests[i].t, i);
		test_assert_idx(tz == tests[i].tz, i);
	}
	test_end();
}

static void test_date_rfc5322_invalid(void)
{
	static const char *const invalid[] = {
		"",
		"   ",
		"Wed",
		"Wed,",
		"Wed 25 Nov 2026 18:33:18 +0000",
		"Xyz, 25 Nov 2026 18:33:18 +0000",
		"Wednesday, 25 Nov 2026 18:33:18 +0000",
		", 25 Nov 2026 18:33:18 +0000",
		"25 Nov 2026 18:33:18",
		"25 Nov 2026 18:33:18 ",
		"25 Nov 2026 18:33:18 +000",
		"25 Nov 2026 18:33:18 +00000",
		"25 Nov 2026 18:33:18 +0060",
		"25 Nov 2026 18:33:18 0000",
		"25 Nov 2026 18:33:18 + 0000",
		"25 Nov 2026 18:33:18+0000",
		"25 Nov 2026 18:33:18 J",
		"25 Nov 2026 18:33:18 ABCDEF",
		"25 Nov 2026 18:33:18 +0000 x",
		"25 Nov 2026 18:33:18 +0000 (unterminated",
		"25 Nov 2026 18:33:18 +0000 ((nested)",
		"25 Nov 2026 18:33:18 +0000 (escaped\\)",
		"(unterminated 25 Nov 2026 18:33:18 +0000",
		"25Nov 2026 18:33:18 +0000",
		"25 Nov2026 18:33:18 +0000",
		"25 Nov 202618:33:18 +0000",
		"25 November 2026 18:33:18 +0000",
		"25 Xyz 2026 18:33:18 +0000",
		"25 No 2026 18:33:18 +0000",
		"125 Nov 2026 18:33:18 +0000",
		"0 Nov 2026 18:33:18 +0000",
		"31 Nov 2026 18:33:18 +0000",
		"29 Feb 2023 18:33:18 +0000",
		"29 Feb 1900 18:33:18 +0000",
		"25 Nov 1899 18:33:18 +0000",
		"25 Nov 10000 18:33:18 +0000",
		"25 Nov 2 18:33:18 +0000",
		"25 Nov 2026 24:00:00 +0000",
		"25 Nov 2026 18:60:00 +0000",
		"25 Nov 2026 18:33:61 +0000",
		"25 Nov 2026 8:33:18 +0000",
		"25 Nov 2026 18:3:18 +0000",
		"25 Nov 2026 18:33:1 +0000",
		"25 Nov 2026 183318 +0000",
		"25 Nov 2026 18:33: +0000",
		"25 Nov 2026 18::33 +0000",
		"25 Nov 2026 18:33:18:00 +0000",
		"25 Nov -2026 18:33:18 +0000",
		"25 Nov 2026 18:33:18 +0000\xff",
		"\xc3\xa4 25 Nov 2026 18:33:18 +0000",
	};
	const char *full = "Wed, 25 Nov 2026 18:33:18 +0000 (UTC)";
	time_t t;
	int tz;
	const char *error;

	test_begin("date_parse_rfc5322 invalid");
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		error = NULL;
		test_assert_idx(test_parse_rfc5322(invalid[i], strlen(invalid[i]), &t, &tz,
						   &error) < 0,
				i);
		test_assert_idx(error != NULL, i);
	}
	/* a NUL is not whitespace */
	test_assert(test_parse_rfc5322("25 Nov 2026 18:33:18 +0000\0", 27, &t, &tz, &error) < 0);
	test_assert(test_parse_rfc5322("25\0Nov 2026 18:33:18 +0000", 26, &t, &tz, &error) < 0);
	/* every truncation of a valid date before its zone is complete fails */
	size_t zone_end = strlen("Wed, 25 Nov 2026 18:33:18 +0000");

	for (size_t len = 0; len < strlen(full); len++) {
		int ret = test_parse_rfc5322(full, len, &t, &tz, &error);

		test_assert_idx(len < zone_end ? ret < 0 : (len == zone_end || len == zone_end + 1 ?
								    ret == 0 :
								    ret < 0),
				len);
	}
	test_end();
}

static void test_date_rfc5322_format(void)
{
	string_t *str = str_new(test_pool, 64);

	test_begin("date_append_rfc5322");
	date_append_rfc5322(str, 0, 0);
	test_assert_strcmp(str_c(str), "Thu, 01 Jan 1970 00:00:00 +0000");
	buffer_reset(str);
	date_append_rfc5322(str, 1795631598, 0);
	test_assert_strcmp(str_c(str), "Wed, 25 Nov 2026 18:33:18 +0000");
	buffer_reset(str);
	date_append_rfc5322(str, 880127706, -360);
	test_assert_strcmp(str_c(str), "Fri, 21 Nov 1997 09:55:06 -0600");
	buffer_reset(str);
	date_append_rfc5322(str, -27723426, -210);
	test_assert_strcmp(str_c(str), "Thu, 13 Feb 1969 23:32:54 -0330");
	buffer_reset(str);
	date_append_rfc5322(str, 1795631598, 330);
	test_assert_strcmp(str_c(str), "Thu, 26 Nov 2026 00:03:18 +0530");
	buffer_reset(str);
	date_append_rfc5322(str, 253402300799, 0);
	test_assert_strcmp(str_c(str), "Fri, 31 Dec 9999 23:59:59 +0000");
	/* out-of-range times are clamped, not garbage */
	buffer_reset(str);
	date_append_rfc5322(str, (time_t)INT64_MAX, DATE_TZ_OFFSET_MAX);
	test_assert_strcmp(str_c(str), "Fri, 31 Dec 9999 23:59:59 +9959");
	buffer_reset(str);
	date_append_rfc5322(str, (time_t)INT64_MIN, -DATE_TZ_OFFSET_MAX);
	test_assert_strcmp(str_c(str), "Mon, 01 Jan 0001 00:00:00 -9959");
	test_end();
}

static void test_date_imap_date(void)
{
	static const char *const invalid[] = {
		"", "25-Nov-26", "25-Nov-02026", "25 Nov 2026", "25-Nov-2026 ", " 5-Nov-2026",
		"-Nov-2026", "123-Nov-2026", "32-Jan-2026", "29-Feb-2023", "0-Jan-2026",
		"25-November-2026", "25-No-2026", "25-Nov", "25-Nov-", "25/Nov/2026",
		"25-Nov-2026\n", "\"25-Nov-2026\"", "25-Nov-0000", "25-Nov-2026-",
	};
	string_t *str = str_new(test_pool, 64);
	const char *error;
	time_t t;

	test_begin("IMAP date");
	test_assert(date_parse_imap_date("25-Nov-2026", &t, &error) == 0 && t == 1795564800);
	test_assert(date_parse_imap_date("25-nov-2026", &t, &error) == 0 && t == 1795564800);
	test_assert(date_parse_imap_date("5-Nov-2026", &t, &error) == 0 &&
		    t == 1795564800 - 20 * 86400);
	test_assert(date_parse_imap_date("05-Nov-2026", &t, &error) == 0 &&
		    t == 1795564800 - 20 * 86400);
	test_assert(date_parse_imap_date("1-Jan-1970", &t, &error) == 0 && t == 0);
	test_assert(date_parse_imap_date("31-Dec-1969", &t, &error) == 0 && t == -86400);
	test_assert(date_parse_imap_date("29-Feb-2000", &t, &error) == 0 && t == 951782400);
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		error = NULL;
		test_assert_idx(date_parse_imap_date(invalid[i], &t, &error) < 0, i);
		test_assert_idx(error != NULL, i);
	}

	date_append_imap_date(str, 1795631598, 0);
	test_assert_strcmp(str_c(str), "25-Nov-2026");
	buffer_reset(str);
	date_append_imap_date(str, 1793903598, 0);
	test_assert_strcmp(str_c(str), "5-Nov-2026");
	buffer_reset(str);
	/* the date at the given offset, not in UTC */
	date_append_imap_date(str, 1795631598, 6 * 60);
	test_assert_strcmp(str_c(str), "26-Nov-2026");
	test_end();
}

static void test_date_imap_datetime(void)
{
	static const char *const invalid[] = {
		"",
		"25-Nov-2026",
		"25-Nov-2026 18:33:18",
		"25-Nov-2026 18:33:18 ",
		"25-Nov-2026 18:33:18 +01",
		"25-Nov-2026 18:33:18 +01000",
		"25-Nov-2026 18:33:18 +0160",
		"25-Nov-2026 18:33:18 0100",
		"25-Nov-2026 18:33:18 GMT",
		"25-Nov-2026 18:33 +0100",
		"25-Nov-2026 18:33:18:00 +0100",
		"25-Nov-2026  18:33:18 +0100",
		"25-Nov-2026 18:33:18  +0100",
		"25-Nov-2026T18:33:18 +0100",
		"25-Nov-2026 8:33:18 +0100",
		"25-Nov-2026 24:33:18 +0100",
		"25-Nov-2026 18:33:18 +0100 ",
		" 15-Nov-2026 18:33:18 +0100",
		"  5-Nov-2026 18:33:18 +0100",
		" -Nov-2026 18:33:18 +0100",
		" ",
		"31-Apr-2026 18:33:18 +0100",
		"25-Nov-26 18:33:18 +0100",
		"\"25-Nov-2026 18:33:18 +0100\"",
	};
	string_t *str = str_new(test_pool, 64);
	const char *error;
	time_t t;
	int tz;

	test_begin("IMAP date-time");
	test_assert(date_parse_imap_datetime("25-Nov-2026 18:33:18 +0100", &t, &tz, &error) == 0);
	test_assert(t == 1795631598 - 3600 && tz == 60);
	test_assert(date_parse_imap_datetime(" 5-Nov-2026 18:33:18 +0100", &t, &tz, &error) == 0);
	test_assert(t == 1793899998 && tz == 60);
	test_assert(date_parse_imap_datetime("05-Nov-2026 18:33:18 +0100", &t, &tz, &error) == 0);
	test_assert(t == 1793899998 && tz == 60);
	test_assert(date_parse_imap_datetime("5-nov-2026 18:33:18 +0100", &t, &tz, &error) == 0);
	test_assert(t == 1793899998 && tz == 60);
	test_assert(date_parse_imap_datetime("17-Jul-1996 02:44:25 -0700", &t, &tz, &error) == 0);
	test_assert(t == 837596665 && tz == -420);
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		error = NULL;
		test_assert_idx(date_parse_imap_datetime(invalid[i], &t, &tz, &error) < 0, i);
		test_assert_idx(error != NULL, i);
	}

	date_append_imap_datetime(str, 1795631598 - 3600, 60);
	test_assert_strcmp(str_c(str), "25-Nov-2026 18:33:18 +0100");
	buffer_reset(str);
	date_append_imap_datetime(str, 1793899998, 60);
	test_assert_strcmp(str_c(str), " 5-Nov-2026 18:33:18 +0100");
	buffer_reset(str);
	date_append_imap_datetime(str, 837596665, -420);
	test_assert_strcmp(str_c(str), "17-Jul-1996 02:44:25 -0700");
	test_end();
}

static void test_date_roundtrip(void)
{
	string_t *str = str_new(test_pool, 64);
	const char *error;
	uint64_t seed = 99;
	time_t t, t2;
	int tz, tz2;

	test_begin("date format/parse round trip");
	for (unsigned int n = 0; n < 20000; n++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		/* 1900..9999 */
		t = (time_t)(int64_t)((seed >> 11) % (253402300799ULL + 2208988800ULL)) -
		    2208988800LL;
		tz = (int)((seed >> 3) % (2 * 14 * 60 + 1)) - 14 * 60;
		if (t + tz * 60 < -2208988800LL || t + tz * 60 > 253402300799LL)
			continue;

		buffer_reset(str);
		date_append_rfc5322(str, t, tz);
		test_assert_idx(date_parse_rfc5322(str_data(str), str_len(str), &t2, &tz2,
						   &error) == 0,
				n);
		test_assert_idx(t2 == t && tz2 == tz, n);

		buffer_reset(str);
		date_append_imap_datetime(str, t, tz);
		test_assert_idx(date_parse_imap_datetime(str_c(str), &t2, &tz2, &error) == 0, n);
		test_assert_idx(t2 == t && tz2 == tz, n);

		buffer_reset(str);
		date_append_imap_date(str, t, tz);
		test_assert_idx(date_parse_imap_date(str_c(str), &t2, &error) == 0, n);
		test_assert_idx(t2 <= t + tz * 60 && t + tz * 60 - t2 < 86400, n);
	}
	test_end();
}

/* Compares our calendar arithmetic with glibc's timegm()/gmtime_r(). */
static void test_date_vs_libc(void)
{
	uint64_t seed = 1;
	struct tm tm, ref;
	time_t t, t2;

	test_begin("date arithmetic against libc");
	for (unsigned int n = 0; n < 100000; n++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		t = (time_t)(int64_t)((seed >> 11) % (253402300799ULL + 62135596800ULL)) -
		    62135596800LL;
		if (gmtime_r(&t, &ref) == NULL)
			continue;
		date_time_to_tm(t, 0, &tm);
		test_assert_idx(tm.tm_year == ref.tm_year && tm.tm_mon == ref.tm_mon &&
					tm.tm_mday == ref.tm_mday && tm.tm_hour == ref.tm_hour &&
					tm.tm_min == ref.tm_min && tm.tm_sec == ref.tm_sec &&
					tm.tm_wday == ref.tm_wday && tm.tm_yday == ref.tm_yday,
				t);
		test_assert_idx(date_tm_to_time(&ref, &t2) == 0 && t2 == t, t);
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 1;
	tm.tm_mday = 29;
	test_assert(date_tm_to_time(&tm, &t) < 0);
	tm.tm_mday = 28;
	tm.tm_hour = 24;
	test_assert(date_tm_to_time(&tm, &t) < 0);
	tm.tm_hour = 0;
	tm.tm_mon = 12;
	test_assert(date_tm_to_time(&tm, &t) < 0);
	tm.tm_mon = 0;
	tm.tm_year = 10000 - 1900;
	test_assert(date_tm_to_time(&tm, &t) < 0);
	test_end();
}

static void test_date_local(void)
{
	string_t *str = str_new(test_pool, 64);

	test_begin("date _local variants");
	/* POSIX TZ strings need no zone database */
	setenv("TZ", "EST5", 1);
	tzset();
	test_assert(date_local_tz_offset(0) == -300);
	date_append_rfc5322_local(str, 1795631598);
	test_assert_strcmp(str_c(str), "Wed, 25 Nov 2026 13:33:18 -0500");
	buffer_reset(str);
	setenv("TZ", "IST-5:30", 1);
	tzset();
	date_append_imap_datetime_local(str, 1795631598);
	test_assert_strcmp(str_c(str), "26-Nov-2026 00:03:18 +0530");
	/* the pure functions ignore TZ */
	buffer_reset(str);
	date_append_rfc5322(str, 1795631598, 0);
	test_assert_strcmp(str_c(str), "Wed, 25 Nov 2026 18:33:18 +0000");
	unsetenv("TZ");
	tzset();
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_date_rfc5322_valid, test_date_rfc5322_invalid, test_date_rfc5322_format,
		test_date_imap_date,     test_date_imap_datetime,   test_date_roundtrip,
		test_date_vs_libc,       test_date_local,           NULL,
	};
	return test_run(tests);
}
