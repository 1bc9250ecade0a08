#include "test-common.h"
#include "var-expand.h"

#include <stdio.h>

static const struct var_expand_table test_table[] = {
	{ 'u', "user@example.com", "user" },
	{ 'n', "user", "username" },
	{ 'd', "example.com", "domain" },
	{ 'h', "/home/user", "home" },
	{ 'i', "1", "uid" },
	{ 'j', "12345", NULL },
	{ 'c', "MiXeD\xc3\x84", NULL },
	{ 'q', "a\"b'c\\d", NULL },
	{ 't', "trail \t\r\n", NULL },
	{ '$', "dollar", NULL },
	{ 'e', NULL, "empty" },
	{ '\0', "only-long", "session" },
	{ '\0', NULL, NULL },
};

struct test_case {
	const char *in, *out;
};

static const char *test_expand(const char *in, const char **error_r)
{
	string_t *str = str_new(test_pool, 64);

	if (var_expand(str, in, test_table, error_r) < 0)
		return NULL;
	return str_c(str);
}

static void test_run_cases(const struct test_case *cases, unsigned int count)
{
	const char *error;

	for (unsigned int i = 0; i < count; i++) {
		error = NULL;
		const char *out = test_expand(cases[i].in, &error);

		if (out == NULL)
			printf("    %s: %s\n", cases[i].in, error);
		test_assert_strcmp(out, cases[i].out);
	}
}

static void test_var_expand_keys(void)
{
	static const struct test_case cases[] = {
		{ "", "" },
		{ "plain text", "plain text" },
		{ "%u", "user@example.com" },
		{ "/var/mail/%d/%n", "/var/mail/example.com/user" },
		{ "%{user}", "user@example.com" },
		{ "%{home}/Maildir", "/home/user/Maildir" },
		{ "%{session}", "only-long" },
		{ "%%", "%" },
		{ "100%%", "100%" },
		{ "%%u", "%u" },
		{ "%%%u", "%user@example.com" },
		{ "%$", "dollar" },
		{ "%e", "" },
		{ "[%{empty}]", "[]" },
		{ "%n%d", "userexample.com" },
	};

	test_begin("var_expand keys");
	test_run_cases(cases, N_ELEMENTS(cases));
	test_end();
}

static void test_var_expand_modifiers(void)
{
	static const struct test_case cases[] = {
		{ "%Lc", "mixed\xc3\x84" },
		{ "%Uc", "MIXED\xc3\x84" },
		{ "%U{username}", "USER" },
		{ "%Eq", "a\\\"b\\'c\\\\d" },
		{ "%Xj", "3039" },
		{ "%Xi", "1" },
		{ "%08Xj", "00003039" },
		{ "%Rn", "resu" },
		{ "%Rc", "\x84\xc3" "DeXiM" },
		{ "%Tt", "trail" },
		{ "[%Tn]", "[user]" },
		{ "%Dd", "example,dc=com" },
		{ "%D{domain}", "example,dc=com" },
		{ "%Mu", "b58996c504c5638798eb6b511e6f49af" },
		{ "%Nu", "4c56387" },
		{ "%256Nu", "87" },
		{ "%2.256Nu", "87" },
		{ "%4.256Nu", "0087" },
		{ "%Hu", "14d67dd" },
		{ "%256Hu", "dd" },
		{ "%3RHu", "0" },
		{ "%RHu", "a53ba45" },
		/* left to right */
		{ "%RUn", "RESU" },
		{ "%ULn", "user" },
		{ "%LUn", "USER" },
		{ "%UMn", "2e40ad879e955201df4dedbf8d479a12" },
		{ "%MUn", "EE11CBB19052E40B07AAC0CA060C23EE" },
	};

	test_begin("var_expand modifiers");
	test_run_cases(cases, N_ELEMENTS(cases));
	test_end();
}

static void test_var_expand_substrings(void)
{
	static const struct test_case cases[] = {
		{ "%3n", "use" },
		{ "%10n", "user" },
		{ "%0n", "user" },
		{ "%-1n", "use" },
		{ "%-3n", "u" },
		{ "%-4n", "" },
		{ "%-10n", "" },
		{ "%1.2n", "se" },
		{ "%2.1n", "e" },
		{ "%0.1n", "u" },
		{ "%3.5n", "r" },
		{ "%4.1n", "" },
		{ "%10.1n", "" },
		{ "%-2.2n", "er" },
		{ "%-2.1n", "e" },
		{ "%-10.2n", "us" },
		{ "%0.-2n", "us" },
		{ "%1.-1n", "se" },
		{ "%1.-5n", "" },
		{ "%2n/%n", "us/user" },
		/* zero padding is never truncated */
		{ "%04i", "0001" },
		{ "%04j", "12345" },
		{ "%01i", "1" },
		{ "%1.04i", "001" },
		{ "%1.04j", "2345" },
		{ "%-2.04i", "01" },
		{ "%-2.2j", "45" },
		{ "%2Un", "US" },
		{ "%1.2U{username}", "SE" },
	};

	test_begin("var_expand substrings and padding");
	test_run_cases(cases, N_ELEMENTS(cases));
	test_end();
}

static void test_var_expand_errors(void)
{
	static const char *const invalid[] = {
		"%", "abc%", "%z", "%{nope}", "%{user", "%{", "%{}", "%Lz", "%L", "%3", "%3.",
		"%3.u", "%.3u", "%-u", "%--3u", "%-03u", "%3.-04u", "%999999u", "%1.999999u",
		"%Xn", "%Xu", "%Xe", "%{user}%z", "%{env}", "%{env:}x%{x}", "%U{nope}",
		"%{if;a;eq;a;b}", "%{if;a;eq;a;b;c;d}", "%{if;a;xx;a;b;c}", "%{if;a;==;1;b;c}",
		"%{if;1;<;a;b;c}", "%{if;a;~;(;b;c}", "%{if;%z;eq;a;b;c}", "%{if;a;eq;a;%z;c}",
		"%{if;a;eq;a;b;%{nope}}", "%{if;a;eq;a;b;c", "%{if}", "%{if;}", "%u%",
		"%LLLLLLLLLLLLLLLLLu", "%\x01", "%{\x01\xff}", "%{userdb:x}",
	};
	string_t *str = str_new(test_pool, 64);
	const char *error;

	test_begin("var_expand errors");
	for (unsigned int i = 0; i < N_ELEMENTS(invalid); i++) {
		buffer_reset(str);
		str_append(str, "keep");
		error = NULL;
		test_assert_idx(var_expand(str, invalid[i], test_table, &error) < 0, i);
		test_assert_idx(error != NULL && error[0] != '\0', i);
		/* dest is left as it was */
		test_assert_strcmp(str_c(str), "keep");
	}
	test_assert(test_expand("%z", &error) == NULL);
	test_assert_strcmp(error, "Unknown variable '%z'");
	test_assert(test_expand("x%{nope}", &error) == NULL);
	test_assert_strcmp(error, "Unknown variable '%{nope}'");
	/* keys are made printable in the message */
	test_assert(test_expand("%{a\nb}", &error) == NULL);
	test_assert_strcmp(error, "Unknown variable '%{a?b}'");

	/* a NULL table knows no variables, but %% still works */
	buffer_reset(str);
	test_assert(var_expand(str, "%u", NULL, &error) < 0);
	test_assert(var_expand(str, "100%%", NULL, &error) == 0);
	test_assert_strcmp(str_c(str), "100%");
	test_end();
}

static void test_var_expand_builtins(void)
{
	const char *error;
	char host[256];

	test_begin("var_expand built-in variables");
	test_assert_strcmp(test_expand("%{pid}", &error),
			   p_strdup_printf(test_pool, "%ld", (long)getpid()));
	string_t *str = str_new(test_pool, 64);

	test_assert(var_expand(str, "%{uid}:%{gid}", NULL, &error) == 0);
	test_assert_strcmp(str_c(str), p_strdup_printf(test_pool, "%lu:%lu",
						       (unsigned long)geteuid(),
						       (unsigned long)getegid()));
	/* the table wins over the built-in */
	test_assert_strcmp(test_expand("%{uid}", &error), "1");
	setenv("ROOST_TEST_VAR", "Value", 1);
	test_assert_strcmp(test_expand("%{env:ROOST_TEST_VAR}", &error), "Value");
	test_assert_strcmp(test_expand("%L{env:ROOST_TEST_VAR}", &error), "value");
	unsetenv("ROOST_TEST_VAR");
	test_assert_strcmp(test_expand("[%{env:ROOST_TEST_VAR}]", &error), "[]");

	const char *hostname = test_expand("%{hostname}", &error);

	test_assert(hostname != NULL && hostname[0] != '\0' && strchr(hostname, '.') == NULL);
	if (gethostname(host, sizeof(host)) == 0)
		test_assert(hostname != NULL && strncmp(host, hostname, strlen(hostname)) == 0);
	test_end();
}

static int test_func_userdb(const char *data, void *context, const char **value_r,
			    const char **error_r)
{
	unsigned int *calls = context;

	(*calls)++;
	if (strcmp(data, "quota") == 0) {
		*value_r = "1G";
		return 1;
	}
	if (strcmp(data, "null") == 0) {
		*value_r = NULL;
		return 1;
	}
	if (strcmp(data, "fail") == 0) {
		*error_r = "lookup failed";
		return -1;
	}
	if (strcmp(data, "name:default") == 0) {
		*value_r = "default";
		return 1;
	}
	return 0;
}

static void test_var_expand_funcs(void)
{
	static const struct var_expand_func_table funcs[] = {
		{ "userdb", test_func_userdb },
		{ NULL, NULL },
	};
	string_t *str = str_new(test_pool, 64);
	unsigned int calls = 0;
	const char *error;

	test_begin("var_expand_with_funcs");
	test_assert(var_expand_with_funcs(str, "%{userdb:quota}/%u/%U{userdb:quota}", test_table,
					  funcs, &calls, &error) == 0);
	test_assert_strcmp(str_c(str), "1G/user@example.com/1G");
	test_assert(calls == 2);
	buffer_reset(str);
	test_assert(var_expand_with_funcs(str, "[%{userdb:null}]%{userdb:name:default}",
					  test_table, funcs, &calls, &error) == 0);
	test_assert_strcmp(str_c(str), "[]default");
	buffer_reset(str);
	test_assert(var_expand_with_funcs(str, "%{userdb:unknown}", test_table, funcs, &calls,
					  &error) < 0);
	test_assert_strcmp(error, "Unknown variable '%{userdb:unknown}'");
	test_assert(var_expand_with_funcs(str, "%{userdb:fail}", test_table, funcs, &calls,
					  &error) < 0);
	test_assert_strcmp(error, "%{userdb}: lookup failed");
	test_assert(var_expand_with_funcs(str, "%{passdb:quota}", test_table, funcs, &calls,
					  &error) < 0);
	test_assert(str_len(str) == 0);
	test_end();
}

/* brackets around each escaped value show what was escaped, and how often */
static const char *test_escape_brackets(const char *str, void *context)
{
	unsigned int *calls = context;

	(*calls)++;
	return t_strdup_printf("[%s]", str);
}

static void test_var_expand_escape(void)
{
	string_t *str = str_new(test_pool, 64);
	unsigned int calls = 0;
	const char *error;

	test_begin("var_expand_with_escape");
	test_assert(var_expand_with_escape(str, "u='%u' n=%3n %% lit", test_table, NULL, NULL,
					   test_escape_brackets, &calls, &error) == 0);
	test_assert_strcmp(str_c(str), "u='[user@example.com]' n=[use] % lit");
	test_assert(calls == 2);
	/* a conditional is escaped once, as a whole */
	buffer_reset(str);
	calls = 0;
	test_assert(var_expand_with_escape(str, "%{if;%n;eq;user;%d;no}", test_table, NULL, NULL,
					   test_escape_brackets, &calls, &error) == 0);
	test_assert_strcmp(str_c(str), "[example.com]");
	test_assert(calls == 1);
	/* modifiers apply before escaping */
	buffer_reset(str);
	test_assert(var_expand_with_escape(str, "%Uq", test_table, NULL, NULL,
					   test_escape_brackets, &calls, &error) == 0);
	test_assert_strcmp(str_c(str), "[A\"B'C\\D]");
	/* errors leave dest as it was */
	buffer_reset(str);
	test_assert(var_expand_with_escape(str, "x%{nope}", test_table, NULL, NULL,
					   test_escape_brackets, &calls, &error) < 0);
	test_assert(str_len(str) == 0);
	test_end();
}

static void test_var_expand_if(void)
{
	static const struct test_case cases[] = {
		{ "%{if;%u;eq;user@example.com;yes;no}", "yes" },
		{ "%{if;%u;ne;user@example.com;yes;no}", "no" },
		{ "%{if;%n;lt;v;yes;no}", "yes" },
		{ "%{if;%n;ge;v;yes;no}", "no" },
		{ "%{if;%n;le;user;yes;no}", "yes" },
		{ "%{if;%n;gt;user;yes;no}", "no" },
		{ "%{if;%j;>;1000;big;small}", "big" },
		{ "%{if;%j;<=;12345;a;b}", "a" },
		{ "%{if;%j;<;12345;a;b}", "b" },
		{ "%{if;%j;>=;12346;a;b}", "b" },
		{ "%{if;%i;==;01;a;b}", "a" },
		{ "%{if;-5;<;-4;a;b}", "a" },
		{ "%{if;%i;!=;1;a;b}", "b" },
		{ "%{if;%u;*;*@example.com;y;n}", "y" },
		{ "%{if;%u;*;us?r@*;y;n}", "y" },
		{ "%{if;%u;*;*@example.org;y;n}", "n" },
		{ "%{if;%u;!*;*@example.org;y;n}", "y" },
		{ "%{if;%u;~;^us.r@[a-z]+\\.com$;y;n}", "y" },
		{ "%{if;%u;!~;^admin;y;n}", "y" },
		{ "%{if;%u;~;^admin;y;n}", "n" },
		/* fields can use variables, and the result takes modifiers */
		{ "%{if;%u;eq;user@example.com;%n;%d}", "user" },
		{ "%U{if;a;eq;a;yes;no}", "YES" },
		{ "%2{if;a;eq;a;yes;no}", "ye" },
		/* nested (the example from the Dovecot documentation) */
		{ "%{if;%{if;%u;eq;user@example.com;a;b};eq;a;INVALID;%Un}", "INVALID" },
		{ "%{if;%{if;%u;eq;x;a;b};eq;a;INVALID;%Un}", "USER" },
		/* escapes */
		{ "%{if;a;eq;a;x\\;y;z}", "x;y" },
		{ "%{if;a;eq;a;\\%u;z}", "%u" },
		{ "%{if;a;eq;a;\\}\\{;z}", "}{" },
		{ "%{if;a;eq;a;\\{;z}", "{" },
		{ "%{if;a\\;b;eq;a\\;b;same;diff}", "same" },
		{ "%{if;;eq;;empty;nonempty}", "empty" },
		{ "%{if;%e;eq;;empty;nonempty}", "empty" },
		{ "%{if;a;eq;a;100%%;z}", "100%" },
	};
	const char *error;

	test_begin("var_expand conditionals");
	test_run_cases(cases, N_ELEMENTS(cases));

	/* nesting is bounded */
	string_t *deep = str_new(test_pool, 256);

	for (unsigned int i = 0; i < 9; i++)
		str_append(deep, "%{if;a;eq;a;");
	str_append(deep, "x");
	for (unsigned int i = 0; i < 9; i++)
		str_append(deep, ";y}");
	test_assert(test_expand(str_c(deep), &error) == NULL);
	str_delete(deep, 0, strlen("%{if;a;eq;a;"));
	str_truncate(deep, str_len(deep) - 3);
	test_assert_strcmp(test_expand(str_c(deep), &error), "x");
	test_end();
}

static void test_var_has_key(void)
{
	test_begin("var_has_key");
	test_assert(var_has_key("%u", 'u', NULL));
	test_assert(var_has_key("/x/%Lu", 'u', NULL));
	test_assert(var_has_key("%2.256Nu", 'u', NULL));
	test_assert(var_has_key("%{user}", '\0', "user"));
	test_assert(var_has_key("%U{user}", 'u', "user"));
	test_assert(var_has_key("%{if;%n;eq;x;a;b}", 'n', NULL));
	test_assert(var_has_key("%{if;x;eq;x;%{home};b}", '\0', "home"));
	test_assert(!var_has_key("%{if;x;eq;x;\\%h;b}", 'h', NULL));
	test_assert(!var_has_key("%%u", 'u', NULL));
	test_assert(!var_has_key("abc", 'u', "user"));
	test_assert(!var_has_key("%n", 'u', "user"));
	test_assert(!var_has_key("%{username}", 'u', "user"));
	test_assert(!var_has_key("%u", '\0', "user"));
	test_assert(!var_has_key("%{user", '\0', "user"));
	test_assert(!var_has_key("%", 'u', NULL));
	test_end();
}

/* Random templates from the syntax characters: expansion must return 0 or
   -1, never crash or read past the end (ASan checks that). */
static void test_var_expand_random(void)
{
	static const char chars[] = "%{}.-0123LUEXRNHMDTundzq;\\if eq~*<";
	string_t *str = str_new(test_pool, 256);
	char input[24];
	unsigned int seed = 11, ok = 0;
	const char *error;

	test_begin("var_expand random input");
	for (unsigned int n = 0; n < 100000; n++) {
		seed = seed * 1103515245 + 12345;
		size_t len = (seed >> 16) % sizeof(input);

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			input[i] = chars[(seed >> 16) % (sizeof(chars) - 1)];
		}
		input[len] = '\0';
		buffer_reset(str);
		if (var_expand(str, input, test_table, &error) == 0)
			ok++;
		else
			test_assert_idx(str_len(str) == 0, n);
		(void)var_has_key(input, 'u', "user");
	}
	test_assert(ok > 100);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_var_expand_keys,   test_var_expand_modifiers, test_var_expand_substrings,
		test_var_expand_errors, test_var_expand_builtins,  test_var_expand_funcs,
		test_var_expand_if,     test_var_has_key, test_var_expand_escape,          test_var_expand_random,
		NULL,
	};
	return test_run(tests);
}
