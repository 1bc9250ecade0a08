#include "test-settings-common.h"

static void test_settings_parse_bool(void)
{
	static const struct {
		const char *input;
		int ret;
		bool value;
	} tests[] = {
		{ "yes", 0, true }, { "YES", 0, true }, { "Yes", 0, true },
		{ "y", 0, true }, { "1", 0, true }, { "no", 0, false },
		{ "NO", 0, false }, { "n", 0, false }, { "0", 0, false },
		{ "maybe", -1, false }, { "", -1, false }, { "yes ", -1, false },
		{ "true", -1, false },
	};
	const char *error;
	bool value;

	test_begin("settings_parse_bool");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		value = !tests[i].value;
		error = NULL;
		test_assert_idx(settings_parse_bool(tests[i].input, &value, &error) == tests[i].ret,
				i);
		if (tests[i].ret == 0)
			test_assert_idx(value == tests[i].value, i);
		else
			test_assert_strcmp(error, "expected yes or no");
	}
	test_end();
}

static void test_settings_parse_uint(void)
{
	const char *error;
	unsigned int value;

	test_begin("settings_parse_uint");
	test_assert(settings_parse_uint("0", &value, &error) == 0 && value == 0);
	test_assert(settings_parse_uint("4294967295", &value, &error) == 0 &&
		    value == 4294967295U);
	test_assert(settings_parse_uint("4294967296", &value, &error) < 0);
	test_assert_strcmp(error, "number too large");
	test_assert(settings_parse_uint("99999999999999999999999", &value, &error) < 0);
	test_assert_strcmp(error, "number too large");
	test_assert(settings_parse_uint("-1", &value, &error) < 0);
	test_assert_strcmp(error, "expected a number");
	test_assert(settings_parse_uint("", &value, &error) < 0);
	test_assert(settings_parse_uint("12a", &value, &error) < 0);
	test_end();
}

static void test_settings_parse_size(void)
{
	static const struct {
		const char *input;
		uint64_t bytes;
	} good[] = {
		{ "0", 0 },
		{ "100", 100 },
		{ "100b", 100 },
		{ "100 B", 100 },
		{ "1k", 1024 },
		{ "1K", 1024 },
		{ "1kB", 1024 },
		{ "1 KB", 1024 },
		{ "1KiB", 1024 },
		{ "512k", 512 * 1024 },
		{ "100M", 100ULL * 1024 * 1024 },
		{ "100 MB", 100ULL * 1024 * 1024 },
		{ "1G", 1024ULL * 1024 * 1024 },
		{ "1GB", 1024ULL * 1024 * 1024 },
		{ "2T", 2ULL * 1024 * 1024 * 1024 * 1024 },
		{ "2 TB", 2ULL * 1024 * 1024 * 1024 * 1024 },
		{ "unlimited", 0 },
		{ "UNLIMITED", 0 },
		{ "16777215T", 16777215ULL * 1024 * 1024 * 1024 * 1024 },
	};
	static const char *const bad[] = {
		"", "k", "1x", "1 kBx", "1kk", "-1", "1.5M", "16777216T", "99999999999999999999",
	};
	const char *error;
	uint64_t bytes;

	test_begin("settings_parse_size");
	for (unsigned int i = 0; i < N_ELEMENTS(good); i++) {
		bytes = 12345;
		test_assert_idx(settings_parse_size(good[i].input, &bytes, &error) == 0, i);
		test_assert_idx(bytes == good[i].bytes, i);
	}
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++)
		test_assert_idx(settings_parse_size(bad[i], &bytes, &error) < 0, i);
	test_assert(settings_parse_size("16777216T", &bytes, &error) < 0);
	test_assert_strcmp(error, "size too large");
	test_assert(settings_parse_size("1x", &bytes, &error) < 0);
	test_assert_strcmp(error, "expected a size such as 512k, 100M, 1G or unlimited");
	test_end();
}

static void test_settings_parse_time(void)
{
	static const struct {
		const char *input;
		unsigned int secs;
	} good[] = {
		{ "0", 0 },
		{ "5s", 5 },
		{ "5 s", 5 },
		{ "2 secs", 2 },
		{ "2 sec", 2 },
		{ "59 seconds", 59 },
		{ "1 second", 1 },
		{ "30 mins", 30 * 60 },
		{ "30m", 30 * 60 },
		{ "1 minute", 60 },
		{ "1 hour", 3600 },
		{ "2 hours", 7200 },
		{ "1h", 3600 },
		{ "1d", 86400 },
		{ "2 days", 2 * 86400 },
		{ "1 weeks", 7 * 86400 },
		{ "1w", 7 * 86400 },
		{ "2000 ms", 2 },
		{ "3000 msecs", 3 },
		{ "1 SECS", 1 },
		{ "4294967295 s", 4294967295U },
	};
	static const char *const bad[] = {
		"", "s", "5", "5 x", "5 secsx", "5 hourss", "-1s", "1.5s", "1500 ms",
		"4294967296 s", "100000 weeks",
	};
	const char *error;
	unsigned int secs;

	test_begin("settings_parse_time");
	for (unsigned int i = 0; i < N_ELEMENTS(good); i++) {
		secs = 12345;
		test_assert_idx(settings_parse_time(good[i].input, &secs, &error) == 0, i);
		test_assert_idx(secs == good[i].secs, i);
	}
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++)
		test_assert_idx(settings_parse_time(bad[i], &secs, &error) < 0, i);
	test_assert(settings_parse_time("5", &secs, &error) < 0);
	test_assert_strcmp(error, "missing time unit (add e.g. 's' for seconds)");
	test_assert(settings_parse_time("1500 ms", &secs, &error) < 0);
	test_assert_strcmp(error, "milliseconds are not supported for this setting");
	test_assert(settings_parse_time("4294967296 s", &secs, &error) < 0);
	test_assert_strcmp(error, "time too large");
	test_end();
}

static void test_settings_parse_time_msecs(void)
{
	static const struct {
		const char *input;
		unsigned int msecs;
	} good[] = {
		{ "0", 0 },
		{ "100 ms", 100 },
		{ "100ms", 100 },
		{ "100 msecs", 100 },
		{ "100 milliseconds", 100 },
		{ "2 secs", 2000 },
		{ "1 min", 60000 },
		{ "1 hour", 3600000 },
	};
	const char *error;
	unsigned int msecs;

	test_begin("settings_parse_time_msecs");
	for (unsigned int i = 0; i < N_ELEMENTS(good); i++) {
		msecs = 12345;
		test_assert_idx(settings_parse_time_msecs(good[i].input, &msecs, &error) == 0, i);
		test_assert_idx(msecs == good[i].msecs, i);
	}
	test_assert(settings_parse_time_msecs("100", &msecs, &error) < 0);
	test_assert(settings_parse_time_msecs("50 days", &msecs, &error) < 0);
	test_assert_strcmp(error, "time too large");
	test_end();
}

static const struct setting_def *test_def(const char *key)
{
	for (const struct setting_def *def = test_root_table.defs; def->key != NULL; def++) {
		if (strcmp(def->key, key) == 0)
			return def;
	}
	i_unreached();
}

static void test_settings_check_value(void)
{
	static const struct setting_def port_def = { .type = SET_IN_PORT, .key = "port" };
	static const struct setting_def mode_def = { .type = SET_UINT_OCT, .key = "mode" };
	static const struct setting_def size_def = {
		.type = SET_SIZE, .key = "size", .min = 1024, .max = 1024 * 1024
	};
	static const struct setting_def time_def = { .type = SET_TIME, .key = "t", .max = 60 };
	const char *error;

	test_begin("settings_check_value");
	test_assert(settings_check_value(test_def("ssl"), "required", test_pool, &error) == 0);
	test_assert(settings_check_value(test_def("ssl"), "maybe", test_pool, &error) < 0);
	test_assert_strcmp(error,
			   "invalid value 'maybe' for ssl: expected one of no, yes, required");
	test_assert(settings_check_value(test_def("ssl"), "YES", test_pool, &error) < 0);
	test_assert(settings_check_value(test_def("disable_plaintext_auth"), "maybe", test_pool,
					 &error) < 0);
	test_assert_strcmp(error,
			   "invalid value 'maybe' for disable_plaintext_auth: expected yes or no");
	test_assert(settings_check_value(test_def("default_process_limit"), "0", test_pool,
					 &error) < 0);
	test_assert_strcmp(error,
			   "invalid value '0' for default_process_limit: must be at least 1");
	test_assert(settings_check_value(test_def("default_process_limit"), "10001", test_pool,
					 &error) < 0);
	test_assert_strcmp(error, "invalid value '10001' for default_process_limit: "
				  "must be at most 10000");
	test_assert(settings_check_value(test_def("default_process_limit"), "10000", test_pool,
					 &error) == 0);
	test_assert(settings_check_value(test_def("auth_cache_ttl"), "5", test_pool, &error) < 0);
	test_assert_strcmp(error, "invalid value '5' for auth_cache_ttl: missing time unit "
				  "(add e.g. 's' for seconds)");
	/* secrets are not shown */
	test_assert(settings_check_value(test_def("mail_location"), "x", test_pool, &error) == 0);
	test_assert(settings_check_value(&port_def, "65535", test_pool, &error) == 0);
	test_assert(settings_check_value(&port_def, "65536", test_pool, &error) < 0);
	test_assert_strcmp(error,
			   "invalid value '65536' for port: expected a port number (0-65535)");
	test_assert(settings_check_value(&mode_def, "0600", test_pool, &error) == 0);
	test_assert(settings_check_value(&mode_def, "0680", test_pool, &error) < 0);
	test_assert_strcmp(error,
			   "invalid value '0680' for mode: expected an octal number such as 0600");
	test_assert(settings_check_value(&mode_def, "384", test_pool, &error) == 0);
	test_assert(settings_check_value(&size_def, "1k", test_pool, &error) == 0);
	test_assert(settings_check_value(&size_def, "1M", test_pool, &error) == 0);
	test_assert(settings_check_value(&size_def, "1023", test_pool, &error) < 0);
	test_assert_strcmp(error, "invalid value '1023' for size: must be at least 1024 bytes");
	test_assert(settings_check_value(&size_def, "2M", test_pool, &error) < 0);
	test_assert_strcmp(error, "invalid value '2M' for size: must be at most 1048576 bytes");
	test_assert(settings_check_value(&time_def, "2 mins", test_pool, &error) < 0);
	test_assert_strcmp(error, "invalid value '2 mins' for t: must be at most 60 seconds");
	/* long and binary values are cut and sanitized in the message */
	test_assert(settings_check_value(test_def("ssl"), "a\nb", test_pool, &error) < 0);
	test_assert_strcmp(error, "invalid value 'a?b' for ssl: expected one of no, yes, required");
	test_end();
}

static void test_settings_check_value_secret(void)
{
	static const struct setting_def def = {
		.type = SET_BOOL, .key = "secret_bool", .flags = SET_FLAG_SECRET
	};
	const char *error;

	test_begin("settings_check_value secret");
	test_assert(settings_check_value(&def, "hunter2", test_pool, &error) < 0);
	test_assert_strcmp(error, "invalid value for secret_bool: expected yes or no");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_settings_parse_bool,
		test_settings_parse_uint,
		test_settings_parse_size,
		test_settings_parse_time,
		test_settings_parse_time_msecs,
		test_settings_check_value,
		test_settings_check_value_secret,
		NULL,
	};

	return test_run(tests);
}
