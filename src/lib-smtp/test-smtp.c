#include "test-common.h"
#include "smtp-parser.h"
#include "smtp-dot-decoder.h"
#include "smtp-reply.h"

static void test_smtp_command(void)
{
	const char *verb, *args;

	test_begin("smtp command split");
	test_assert(smtp_command_parse("lhlo mx.example.com", &verb, &args) == SMTP_VERB_LHLO);
	test_assert_strcmp(args, "mx.example.com");
	test_assert(smtp_command_parse("DATA", &verb, &args) == SMTP_VERB_DATA);
	test_assert_strcmp(args, "");
	test_assert(smtp_command_parse("XYZZY 1", &verb, &args) == SMTP_VERB_UNKNOWN);
	test_assert_strcmp(verb, "XYZZY");
	test_assert(smtp_command_parse("MAILX", &verb, &args) == SMTP_VERB_UNKNOWN);
	test_end();
}

static void test_smtp_mail_from(void)
{
	struct smtp_mail_from mail;
	struct smtp_error error;

	test_begin("smtp MAIL FROM");
	test_assert(smtp_parse_mail_from(test_pool, "FROM:<john@example.com> SIZE=1234 BODY=8BITMIME",
					 &mail, &error) == 0);
	test_assert_strcmp(mail.path.localpart, "john");
	test_assert_strcmp(mail.path.domain, "example.com");
	test_assert(mail.size == 1234);
	test_assert_strcmp(mail.body, "8BITMIME");
	test_assert(smtp_parse_mail_from(test_pool, "FROM:<>", &mail, &error) == 0);
	test_assert(mail.path.localpart == NULL);
	test_assert(smtp_parse_mail_from(test_pool, "from: <\"a b\\\"c\"@example.com>", &mail,
					 &error) == 0);
	test_assert_strcmp(mail.path.localpart, "a b\"c");
	test_assert_strcmp(smtp_address_encode(test_pool, &mail.path),
			   "\"a b\\\"c\"@example.com");
	test_assert(smtp_parse_mail_from(test_pool, "FROM:<@relay.example:j@example.com>", &mail,
					 &error) == 0);
	test_assert_strcmp(mail.path.localpart, "j");
	/* UTF-8 only with SMTPUTF8 */
	test_assert(smtp_parse_mail_from(test_pool, "FROM:<j\xc3\xb6rg@example.com>", &mail,
					 &error) < 0);
	test_assert(error.code == 501 && strcmp(error.enh, "5.5.4") == 0);
	test_assert(smtp_parse_mail_from(test_pool, "FROM:<j\xc3\xb6rg@b\xc3\xbc.example> SMTPUTF8",
					 &mail, &error) == 0);
	test_assert(mail.smtputf8);
	static const char *const bad[] = {
		"", "FROM:", "FROM:john@example.com", "FROM:<john@example.com", "TO:<a@b>",
		"FROM:<a@b> SIZE=x", "FROM:<a@b> SIZE", "FROM:<a@b> BODY=9BIT", "FROM:<a..b@c>",
		"FROM:<.a@c>", "FROM:<a@>", "FROM:<a@b..c>", "FROM:<@>", "FROM:<a b@c>",
		"FROM:<\"unterminated@c>", "FROM:<a@b> =x", "FROM:<a@b> SMTPUTF8=yes",
		"FROM:<j\xc3@example.com> SMTPUTF8", "FROM:<a@b> SIZE=99999999999999999999999",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++)
		test_assert_idx(smtp_parse_mail_from(test_pool, bad[i], &mail, &error) < 0, i);
	test_end();
}

static void test_smtp_rcpt_to(void)
{
	struct smtp_rcpt_to rcpt;
	struct smtp_error error;
	const char *user, *detail;

	test_begin("smtp RCPT TO");
	test_assert(smtp_parse_rcpt_to(test_pool,
				       "TO:<jane+lists@example.com> ORCPT=rfc822;jane+2Blists@example.com",
				       &rcpt, &error) == 0);
	test_assert_strcmp(rcpt.orcpt, "jane+lists@example.com");
	smtp_address_detail_split(test_pool, rcpt.path.localpart, "+-", &user, &detail);
	test_assert_strcmp(user, "jane");
	test_assert_strcmp(detail, "lists");
	smtp_address_detail_split(test_pool, "plain", "+", &user, &detail);
	test_assert_strcmp(user, "plain");
	test_assert_strcmp(detail, "");
	test_assert(smtp_parse_rcpt_to(test_pool, "TO:<postmaster>", &rcpt, &error) == 0);
	test_assert(rcpt.path.domain == NULL);
	test_assert(smtp_parse_rcpt_to(test_pool, "TO:<>", &rcpt, &error) < 0);
	test_assert(smtp_parse_rcpt_to(test_pool, "TO:<a@b> ORCPT=rfc822;a+ZZb", &rcpt, &error) < 0);
	test_assert(smtp_parse_rcpt_to(test_pool, "TO:<a@b> ORCPT=nosemicolon", &rcpt, &error) < 0);
	test_end();
}

static void test_smtp_bdat(void)
{
	struct smtp_error error;
	uint64_t size;
	bool last;

	test_begin("smtp BDAT");
	test_assert(smtp_parse_bdat("100", &size, &last, &error) == 0 && size == 100 && !last);
	test_assert(smtp_parse_bdat("0 LAST", &size, &last, &error) == 0 && size == 0 && last);
	test_assert(smtp_parse_bdat("", &size, &last, &error) < 0);
	test_assert(smtp_parse_bdat("-1", &size, &last, &error) < 0);
	test_assert(smtp_parse_bdat("1 FIRST", &size, &last, &error) < 0);
	test_assert(smtp_parse_bdat("1 LAST x", &size, &last, &error) < 0);
	test_end();
}

static const char *decode_chunks(const char *input, size_t size, size_t chunk, size_t *used_r)
{
	struct smtp_dot_decoder *dec = smtp_dot_decoder_create();
	buffer_t *out = buffer_create_dynamic(test_pool, 64);
	size_t pos = 0;
	bool done = false;

	while (pos < size && !done) {
		size_t n = MIN(chunk, size - pos);

		pos += smtp_dot_decoder_feed(dec, input + pos, n, out, &done);
	}
	smtp_dot_decoder_destroy(&dec);
	*used_r = pos;
	return done ? p_strndup(test_pool, out->data, out->used) : "(not done)";
}

static void test_smtp_dot_decoder(void)
{
	static const struct {
		const char *in, *out;
		size_t used;
	} tests[] = {
		{ "Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n", "Subject: x\r\n\r\nbody\r\n", 23 },
		{ "..leading dot\r\n.\r\n", ".leading dot\r\n", 18 },
		{ ".\r\n", "", 3 },
		{ "a\n.\nNEXT", "a\n", 4 },
		{ "a.b\r\n. x\r\n.\r\n", "a.b\r\n x\r\n", 13 },
		{ ".\rx\r\n.\r\n", "\rx\r\n", 8 },
		{ "no end\r\n", "(not done)", 8 },
		{ "a\r\n..\r\n.\r\n", "a\r\n.\r\n", 10 },
	};

	test_begin("smtp dot-unstuffing, every chunk size");
	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++) {
		size_t size = strlen(tests[i].in), used;

		for (size_t chunk = 1; chunk <= size; chunk++) {
			test_assert_strcmp(decode_chunks(tests[i].in, size, chunk, &used),
					   tests[i].out);
			test_assert_idx(used == tests[i].used, i * 100 + chunk);
		}
	}
	test_end();
}

static void test_smtp_reply(void)
{
	string_t *str = str_new(test_pool, 64);

	test_begin("smtp replies");
	smtp_reply_append(str, 250, NULL, "mx.example.com\nPIPELINING\n8BITMIME");
	smtp_reply_append(str, 550, "5.1.1", "<x@y> User doesn't exist");
	test_assert_strcmp(str_c(str), "250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
				       "550 5.1.1 <x@y> User doesn't exist\r\n");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_smtp_command, test_smtp_mail_from, test_smtp_rcpt_to, test_smtp_bdat,
		test_smtp_dot_decoder, test_smtp_reply, NULL,
	};
	return test_run(tests);
}
