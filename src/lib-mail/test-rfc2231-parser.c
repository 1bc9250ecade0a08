#include "test-common.h"
#include "rfc822-parser.h"
#include "rfc2231-parser.h"

static const char *parse(const char *input)
{
	struct rfc822_parser_context parser;
	const struct rfc2231_param *params;
	string_t *str = str_new(test_pool, 128);

	rfc822_parser_init(&parser, input, strlen(input), NULL);
	unsigned int count = rfc2231_parse(&parser, test_pool, &params);

	for (unsigned int i = 0; i < count; i++)
		str_printfa(str, "%s[%s=%s]", i == 0 ? "" : " ", params[i].key, params[i].value);
	return str_c(str);
}

static void test_rfc2231_parse(void)
{
	static const struct {
		const char *input, *output;
	} tests[] = {
		{ "", "" },
		{ "; charset=us-ascii", "[charset=us-ascii]" },
		{ "; FORMAT=flowed; Foo=\"a\\\"b\"; bar=", "[FORMAT=flowed] [Foo=a\"b] [bar=]" },
		{ "; charset=us-ascii (comment); name = \"x y\" ; ; z",
		  "[charset=us-ascii] [name=x y]" },
		{ "; filename=foo[1].txt; x=a b", "[filename=foo] [x=a]" },
		{ "; charset=\"utf-8", "" },
		{ "; name*0=\"long\"; name*1=\"name.txt\"", "[name=longname.txt]" },
		{ "; name*1=\"second\"; name*0=\"first-\"", "[name=first-second]" },
		{ "; filename*=utf-8''%E2%82%AC%20rates.txt",
		  "[filename*=utf-8''%E2%82%AC%20rates.txt]" },
		{ "; title*0*=us-ascii'en'This%20is; title*1*=%20fun; title*2=\" yes\"",
		  "[title*=us-ascii'en'This%20is%20fun yes]" },
		/* plain parameters first, then the joined ones */
		{ "; a*0=x; b=1; a*1=y", "[b=1] [a=xy]" },
		/* a gap ends the value; a duplicate section is ignored */
		{ "; a*0=x; a*2=z", "[a=x]" },
		{ "; a*0=x; a*0=y; a*1=z", "[a=xz]" },
		/* no section 0: dropped */
		{ "; a*1=x", "" },
		/* not RFC 2231 keys */
		{ "; a*b=x; a*01=y", "[a*b=x] [a*01=y]" },
	};

	test_begin("rfc2231_parse");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++)
		test_assert_strcmp(parse(tests[i].input), tests[i].output);
	test_end();
}

static void test_rfc2231_decode(void)
{
	const char *lang;
	string_t *str = str_new(test_pool, 64);

	test_begin("rfc2231_decode_value");
	rfc2231_decode_value(test_pool, "utf-8''%E2%82%AC%20rates.txt", str, &lang);
	test_assert_strcmp(str_c(str), "\xe2\x82\xac rates.txt");
	test_assert(lang == NULL);
	str_truncate(str, 0);
	rfc2231_decode_value(test_pool, "iso-8859-1'fr'caf%E9", str, &lang);
	test_assert_strcmp(str_c(str), "caf\xc3\xa9");
	test_assert_strcmp(lang, "fr");
	str_truncate(str, 0);
	rfc2231_decode_value(test_pool, "x-unknown''a%41%zz", str, NULL);
	test_assert_strcmp(str_c(str), "aA%zz");
	test_end();
}

static void test_rfc2231_get_param(void)
{
	struct rfc822_parser_context parser;
	const struct rfc2231_param *params;
	static const char input[] = "; name=\"plain.txt\"; filename*=utf-8''%C3%A9.txt";

	test_begin("rfc2231_get_param_utf8");
	rfc822_parser_init(&parser, input, strlen(input), NULL);
	unsigned int count = rfc2231_parse(&parser, test_pool, &params);

	test_assert_strcmp(rfc2231_get_param_utf8(test_pool, params, count, "NAME"), "plain.txt");
	test_assert_strcmp(rfc2231_get_param_utf8(test_pool, params, count, "filename"),
			   "\xc3\xa9.txt");
	test_assert(rfc2231_get_param_utf8(test_pool, params, count, "other") == NULL);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_rfc2231_parse,
		test_rfc2231_decode,
		test_rfc2231_get_param,
		NULL,
	};
	return test_run(tests);
}
