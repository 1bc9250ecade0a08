#include "test-common.h"
#include "message-address.h"
#include "imap-envelope.h"

/* Expected values are what Dovecot 2.3 puts in ENVELOPE for the same
   header value (checked against its imap process). */
static const char *parse_imap(const char *input)
{
	string_t *str = str_new(test_pool, 128);

	struct message_address *addr =
		message_address_parse(test_pool, input, strlen(input), UINT32_MAX,
				      MESSAGE_ADDRESS_PARSE_FLAG_FILL_MISSING);

	imap_envelope_write_address(str, addr);
	return str_c(str);
}

static void test_address_parse(void)
{
	static const struct {
		const char *input, *output;
	} tests[] = {
		{ "", "NIL" },
		{ "user@example.com", "((NIL NIL \"user\" \"example.com\"))" },
		{ "\"Joe Q. Public\" <john.q.public@example.com>",
		  "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\"))" },
		{ "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
		  "((\"Mary Smith\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"example.org\")"
		  "(\"Who?\" NIL \"one\" \"y.test\"))" },
		{ "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
		  "((NIL NIL \"boss\" \"nil.test\")({16}\r\nGiant; \"Big\" Box NIL "
		  "\"sysservices\" \"example.net\"))" },
		{ "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
		  "((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")"
		  "(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")"
		  "(NIL NIL NIL NIL))" },
		{ "Undisclosed recipients:;",
		  "((NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NIL NIL))" },
		{ "g: a@b, \"q\" <c@d> ; , e@f",
		  "((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")(\"q\" NIL \"c\" \"d\")"
		  "(NIL NIL NIL NIL)"
		  "(NIL NIL \"e\" \"f\"))" },
		{ "Mary (the one) Smith <m@s> (other)", "((\"Mary Smith\" NIL \"m\" \"s\"))" },
		{ "\"\" <x@y>, (Only Comment) <a@b>, bar@baz (Name), \"q\" (c) <d@e>",
		  "((NIL NIL \"x\" \"y\")(NIL NIL \"a\" \"b\")(\"Name\" NIL \"bar\" \"baz\")"
		  "(\"q\" NIL \"d\" \"e\"))" },
		{ "<@route:a@b>", "((NIL \"@route\" \"a\" \"b\"))" },
		{ "<@r1,@r2:a@b>", "((NIL \"@r1,@r2\" \"a\" \"b\"))" },
		{ "foo", "((NIL NIL \"foo\" \"MISSING_DOMAIN\"))" },
		{ "a@, @b, <>",
		  "((NIL NIL \"a\" \"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX\" \"b\")"
		  "(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))" },
		{ "@a,@b:user@dom.ain",
		  "((NIL NIL \"MISSING_MAILBOX\" \"a\")(NIL NIL \"MISSING_MAILBOX\" \"b\"))" },
		{ "a.b.c@d.e.f", "((NIL NIL \"a.b.c\" \"d.e.f\"))" },
		{ "\"a b\"@c, a..b@c, \".a\"@b",
		  "((NIL NIL \"a b\" \"c\")(NIL NIL \"a..b\" \"c\")(NIL NIL \".a\" \"b\"))" },
		{ "x@[1.2.3.4], y@[a\\]b]",
		  "((NIL NIL \"x\" \"[1.2.3.4]\")(NIL NIL \"y\" \"[a\\\\]b]\"))" },
		{ "=?UTF-8?B?w6lsw6h2ZQ==?= <e@x>",
		  "((\"=?UTF-8?B?w6lsw6h2ZQ==?=\" NIL \"e\" \"x\"))" },
		{ "\"unterminated <x@y>", "((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))" },
		{ "\"A\\\\B\" <a@b>, x y <c@d>",
		  "(({3}\r\nA\\B NIL \"a\" \"b\")(\"x y\" NIL \"c\" \"d\"))" },
		{ ",,, a@b ,,", "((NIL NIL \"a\" \"b\"))" },
		{ "unterminated group: a@b", "((NIL NIL \"unterminated group\" NIL)"
					    "(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL))" },
	};

	test_begin("message_address_parse");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++)
		test_assert_strcmp(parse_imap(tests[i].input), tests[i].output);
	test_end();
}

static void test_address_no_fill(void)
{
	struct message_address *addr;

	test_begin("message_address_parse without FILL_MISSING");
	addr = message_address_parse(test_pool, "@b", 2, UINT32_MAX, 0);
	test_assert(addr != NULL && addr->mailbox == NULL && addr->invalid_syntax);
	test_assert_strcmp(addr->domain, "b");
	addr = message_address_parse(test_pool, "a@b, c@d, e@f", 13, 2, 0);
	test_assert(addr != NULL && addr->next != NULL && addr->next->next == NULL);
	test_end();
}

static void test_address_write(void)
{
	static const struct {
		const char *input, *output;
	} tests[] = {
		{ "user@example.com", "user@example.com" },
		{ "Joe <j@x>, \"A, B\" <a@b>", "Joe <j@x>, \"A, B\" <a@b>" },
		{ "g: a@b, c@d;, e@f", "g: a@b, c@d;, e@f" },
		{ "empty:;", "empty: ;" },
		{ "<@r:a@b>", "<@r:a@b>" },
	};

	test_begin("message_address_write");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		string_t *str = str_new(test_pool, 64);

		message_address_write(str, message_address_parse(test_pool, tests[i].input,
								 strlen(tests[i].input),
								 UINT32_MAX, 0));
		test_assert_strcmp(str_c(str), tests[i].output);
	}
	test_end();
}

static void test_address_huge(void)
{
	string_t *input = str_new(test_pool, 1024 * 1024);
	unsigned int count = 0;

	test_begin("message_address_parse: 50000 addresses");
	for (unsigned int i = 0; i < 50000; i++)
		str_printfa(input, "\"User %u\" <user%u@example.com>, ", i, i);
	struct message_address *addr =
		message_address_parse(test_pool, str_data(input), str_len(input), UINT32_MAX, 0);

	for (; addr != NULL; addr = addr->next)
		count++;
	test_assert(count == 50000);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_address_parse,
		test_address_no_fill,
		test_address_write,
		test_address_huge,
		NULL,
	};
	return test_run(tests);
}
