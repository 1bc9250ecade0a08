#include "test-common.h"
#include "message-parser.h"
#include "message-part-data.h"
#include "test-mail-common.h"

#include <stdio.h>

static const char mp1[] =
	"From: a@b.c\n"
	"Content-Type: multipart/mixed; boundary=\"b\"\n"
	"\n"
	"pre\n"
	"--b\n"
	"Content-Type: text/plain\n"
	"\n"
	"hello\n"
	"--b\n"
	"\n"
	"second\n"
	"line\n"
	"\n"
	"--b--\n"
	"epi\n";

static void test_parser_multipart(void)
{
	struct message_part *root;
	const char *dump;

	test_begin("message parser: multipart offsets and sizes");
	dump = test_mail_parse_dump(test_pool, mp1, sizeof(mp1) - 1, NULL, 0, &root);
	/* the line end before a boundary belongs to the boundary */
	test_assert(strstr(dump, "B @0 pre\n") != NULL);
	test_assert(strstr(dump, "B @65 hello\n") != NULL);
	test_assert(strstr(dump, "B @101 second\\x0aline\\x0a\n") != NULL);
	test_assert(strstr(dump, "B @0 epi\\x0a\n") != NULL);
	test_assert_strcmp(test_mail_part_tree_dump(test_pool, root),
			   "P 1 pos=0 hdr=57/60/3 body=68/80/12 flags=1 children=2 "
			   "type=multipart/mixed\n"
			   "P 1.1 pos=65 hdr=26/28/2 body=5/5/0 flags=8 children=0 "
			   "type=text/plain\n"
			   "P 1.2 pos=101 hdr=1/2/1 body=12/14/2 flags=8 children=0 type=-/-\n");
	test_end();
}

static void test_parser_crlf(void)
{
	static const char input[] = "Content-Type: multipart/mixed; boundary=b\r\n"
				    "\r\n"
				    "--b\r\n"
				    "\r\n"
				    "x\r\n"
				    "--b--\r\n";
	struct message_part *root;

	test_begin("message parser: CRLF");
	(void)test_mail_parse_dump(test_pool, input, sizeof(input) - 1, NULL, 0, &root);
	test_assert_strcmp(test_mail_part_tree_dump(test_pool, root),
			   "P 1 pos=0 hdr=45/45/2 body=17/17/4 flags=1 children=1 "
			   "type=multipart/mixed\n"
			   "P 1.1 pos=50 hdr=2/2/1 body=1/1/0 flags=8 children=0 type=-/-\n");
	test_end();
}

static void test_parser_boundary_in_header(void)
{
	static const char input[] = "Content-Type: multipart/mixed; boundary=b\n"
				    "\n"
				    "--b\n"
				    "Content-Type: text/html\n"
				    "--b\n"
				    "X: y\n"
				    "\n"
				    "z\n"
				    "--b--";
	struct message_part *root;

	test_begin("message parser: boundary inside a part header");
	(void)test_mail_parse_dump(test_pool, input, sizeof(input) - 1, NULL, 0, &root);
	test_assert(root->children_count == 2);
	/* the header ends before the line end that precedes the boundary */
	test_assert(root->children->header_size.physical_size == 23);
	test_assert(root->children->body_size.physical_size == 0);
	test_assert((root->flags & MESSAGE_PART_FLAG_UNTERMINATED) == 0);
	test_assert(root->children->next->body_size.physical_size == 1);
	test_end();
}

static void test_parser_unterminated(void)
{
	static const char input[] = "Content-Type: multipart/mixed; boundary=b\n"
				    "\n"
				    "--b\n"
				    "Content-Type: multipart/alternative; boundary=c\n"
				    "\n"
				    "--c\n"
				    "\n"
				    "text";
	struct message_part *root;

	test_begin("message parser: unterminated multiparts");
	(void)test_mail_parse_dump(test_pool, input, sizeof(input) - 1, NULL, 0, &root);
	test_assert((root->flags & MESSAGE_PART_FLAG_UNTERMINATED) != 0);
	test_assert(root->children->children->body_size.physical_size == 4);
	test_assert(root->header_size.physical_size + root->body_size.physical_size ==
		    sizeof(input) - 1);
	test_end();
}

static void test_parser_rfc822(void)
{
	static const char input[] = "Content-Type: message/rfc822\n"
				    "\n"
				    "Subject: inner\n"
				    "Content-Type: multipart/digest; boundary=d\n"
				    "\n"
				    "--d\n"
				    "\n"
				    "Subject: in digest\n"
				    "\n"
				    "hi\n"
				    "--d--\n";
	struct message_part *root;

	test_begin("message parser: message/rfc822 and digest");
	(void)test_mail_parse_dump(test_pool, input, sizeof(input) - 1, NULL, 0, &root);
	test_assert((root->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0);
	const struct message_part *msg = root->children;

	test_assert(msg != NULL && msg->physical_pos == 30);
	test_assert_strcmp(msg->data->envelope->subject, "inner");
	test_assert((msg->flags & MESSAGE_PART_FLAG_MULTIPART_DIGEST) != 0);
	const struct message_part *digest_part = msg->children;

	test_assert((digest_part->flags & MESSAGE_PART_FLAG_MESSAGE_RFC822) != 0);
	test_assert_strcmp(digest_part->children->data->envelope->subject, "in digest");
	test_end();
}

static void test_parser_nuls(void)
{
	static const char input[] = "Subject: a\0b\n\nbody\0with nul\n";
	struct message_part *root;

	test_begin("message parser: NULs");
	(void)test_mail_parse_dump(test_pool, input, sizeof(input) - 1, NULL, 0, &root);
	test_assert((root->flags & MESSAGE_PART_FLAG_HAS_NULS) != 0);
	test_assert(root->body_size.physical_size == 14);
	test_end();
}

static const char *nested_message(unsigned int depth, bool rfc822)
{
	string_t *str = str_new(test_pool, depth * 64);

	for (unsigned int i = 0; i < depth; i++) {
		if (rfc822)
			str_append(str, "Content-Type: message/rfc822\n\n");
		else
			str_printfa(str, "Content-Type: multipart/mixed; boundary=%u\n\n--%u\n",
				    i, i);
	}
	str_append(str, "\nleaf\n");
	for (unsigned int i = depth; !rfc822 && i > 0; i--)
		str_printfa(str, "--%u--\n", i - 1);
	return str_c(str);
}

static unsigned int tree_depth(const struct message_part *part)
{
	unsigned int depth = 0;

	for (; part->children != NULL; part = part->children)
		depth++;
	return depth;
}

static void test_parser_deep(void)
{
	test_begin("message parser: 1000-deep nesting");
	for (unsigned int rfc822 = 0; rfc822 < 2; rfc822++) {
		const char *input = nested_message(1000, rfc822 != 0);
		struct message_part *root =
			message_parse_buffer(test_pool, input, strlen(input), NULL);

		/* levels 1..100; the 100th is a leaf */
		test_assert_idx(tree_depth(root) == 99, rfc822);
		const struct message_part *part = root;

		while (part->children != NULL)
			part = part->children;
		test_assert_idx((part->flags & MESSAGE_PART_FLAG_OVERFLOW) != 0, rfc822);
		test_assert_strcmp(part->data->content_type, "application");
		test_assert_strcmp(part->data->content_subtype, "octet-stream");
		test_assert(root->header_size.physical_size + root->body_size.physical_size ==
			    strlen(input));
	}
	test_end();
}

static void test_parser_limits(void)
{
	struct message_parser_settings set = {
		.max_nested_mime_parts = 3,
		.max_total_mime_parts = 4,
	};
	string_t *str = str_new(test_pool, 512);

	test_begin("message parser: configured limits");
	const char *input = nested_message(10, false);
	struct message_part *root = message_parse_buffer(test_pool, input, strlen(input), &set);

	test_assert(tree_depth(root) == 2);

	str_append(str, "Content-Type: multipart/mixed; boundary=x\n\n");
	for (unsigned int i = 0; i < 10; i++)
		str_printfa(str, "--x\n\npart %u\n", i);
	str_append(str, "--x--\n");
	root = message_parse_buffer(test_pool, str_data(str), str_len(str), &set);
	test_assert(message_part_count(root) == 4);
	/* the closing boundary is still seen */
	test_assert((root->flags & MESSAGE_PART_FLAG_UNTERMINATED) == 0);
	test_end();
}

static void test_parser_long_lines(void)
{
	/* 1 MB header line, 1 MB body line without line ends, many "--"
	   lines with several boundaries open: all linear */
	string_t *str = str_new(test_pool, 4 * 1024 * 1024);

	test_begin("message parser: long lines");
	str_append(str, "Content-Type: multipart/mixed; boundary=aaaa\nX-Long: ");
	for (unsigned int i = 0; i < 1024 * 1024 / 8; i++)
		str_append(str, "abcdefg ");
	str_append(str, "\n\n--aaaa\nContent-Type: multipart/mixed; boundary=aaab\n\n--aaab\n\n");
	for (unsigned int i = 0; i < 1024 * 1024 / 8; i++)
		str_append(str, "xxxxxxxx");
	for (unsigned int i = 0; i < 100000; i++)
		str_append(str, "\n--aaa");
	str_append(str, "\n--aaab--\n--aaaa--\n");

	struct message_part *root;
	size_t splits[3] = { 1000, str_len(str) / 2, str_len(str) - 7 };
	const char *whole = test_mail_parse_dump(test_pool, str_data(str), str_len(str), NULL, 0,
						 &root);

	test_assert(strcmp(test_mail_parse_dump(test_pool, str_data(str), str_len(str), splits,
						N_ELEMENTS(splits), NULL),
			   whole) == 0);
	test_assert(root->children_count == 1 && root->children->children_count == 1);
	test_assert(root->children->children->body_size.lines == 100000);
	test_assert((root->flags & MESSAGE_PART_FLAG_UNTERMINATED) == 0);
	test_end();
}


/* Parts whose encodings are broken: garbage base64, bad quoted-printable
   escapes, an unknown transfer encoding, a charset nobody knows, 8-bit
   header bytes and a broken RFC 2231 continuation. The structure comes
   out whole, the decoders keep going, nothing is lost. */
static void test_parser_broken_encodings(void)
{
	static const char msg[] =
		"From: =?UTF-8?B?broken!!base64?= <a@b.c>\n"
		"Subject: \xff\xfe raw 8-bit =?X-NOPE?Q?x?=\n"
		"Content-Type: multipart/mixed; boundary=\"b\"\n"
		"\n"
		"--b\n"
		"Content-Type: text/plain; charset=x-no-such-charset\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"!!!! not base64 at all ~~~~\n"
		"aGVsbG8=====garbage\n"
		"--b\n"
		"Content-Type: text/plain; charset=utf-8\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"bad =ZZ escape =\n"
		"and a lone =\n"
		"--b\n"
		"Content-Type: application/octet-stream; name*0=\"a\"; name*2=\"c\"; "
		"name*1*=utf-8''%ZZ\n"
		"Content-Transfer-Encoding: x-uuencode-not-really\n"
		"\n"
		"begin 644 x\n"
		"--b--\n";
	struct message_part *root;

	test_begin("message parser: broken encodings and charsets");
	(void)test_mail_parse_dump(test_pool, msg, sizeof(msg) - 1, NULL, 0, &root);
	test_assert(root->children_count == 3);
	const char *bs = test_mail_bodystructure(test_pool, root, true);
	test_assert(strstr(bs, "\"base64\"") != NULL);
	test_assert(strstr(bs, "\"quoted-printable\"") != NULL);
	test_assert(strstr(bs, "\"x-uuencode-not-really\"") != NULL);
	test_assert(strstr(bs, "\"x-no-such-charset\"") != NULL);
	const char *env = test_mail_envelope(test_pool, root);
	/* the broken encoded word stays as it was; the address is there */
	test_assert(env != NULL && strstr(env, "broken!!base64") != NULL &&
		    strstr(env, "\"a\" \"b.c\"") != NULL);
	/* bytewise gives the same (the parser's promise holds here too) */
	test_assert(strcmp(test_mail_parse_dump_bytewise(test_pool, msg, sizeof(msg) - 1),
			   test_mail_parse_dump(test_pool, msg, sizeof(msg) - 1, NULL, 0, NULL)) ==
		    0);
	test_end();
}

static const char *const split_messages[] = {
	mp1,
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b\r\n--b--\r\n",
	"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n--b\n",
	"Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: multipart/"
	"alternative; boundary=\"b2\"\n\n--b2\n\nLS1iMgo=\n-- sig\n---b2\n--b2x\n--b2--\n--b\n"
	"\n--not--\n--b--   \nepilogue\n",
	"Content-Type: message/rfc822\n\nSubject: s\n\nbody\n",
	"Content-Type: multipart/mixed; boundary=m\r\n\r\n--m \t\r\nContent-Type: text/plain"
	"\r\n--m\r\n\r\n\r\n--m\r\n\nlf only\n--m\r\n\r\ncrlf\r\nline\n\r\n--m--\r\n",
	"Subject: x\r",
	"\r\n\r\n",
	"--b\n",
	"Content-Type: multipart/mixed; boundary=b\n\n\r--b\r\r\n--b\r\n\r\r--b--",
	"Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: x\n\n--d--\n",
};

static void test_parser_split(void)
{
	test_begin("message parser: split at every byte, and bytewise");
	for (unsigned int i = 0; i < N_ELEMENTS(split_messages); i++) {
		const char *input = split_messages[i];
		size_t size = strlen(input);
		const char *whole = test_mail_parse_dump(test_pool, input, size, NULL, 0, NULL);

		for (size_t split = 0; split <= size; split++) {
			const char *dump =
				test_mail_parse_dump(test_pool, input, size, &split, 1, NULL);

			test_assert_idx(strcmp(dump, whole) == 0, i * 1000 + split);
			if (strcmp(dump, whole) != 0) {
				printf("--- whole:\n%s--- split at %zu:\n%s", whole, split, dump);
				break;
			}
		}
		test_assert_idx(strcmp(test_mail_parse_dump_bytewise(test_pool, input, size),
				       whole) == 0,
				i);
	}
	test_end();
}

static void test_parser_blocks(void)
{
	struct message_parser_ctx *parser = message_parser_init(test_pool, NULL);
	struct message_block block;
	unsigned int fields = 0, ends = 0;
	size_t body = 0;

	test_begin("message parser: blocks");
	message_parser_feed(parser, mp1, sizeof(mp1) - 1);
	while (message_parser_next_block(parser, &block) == MESSAGE_PARSER_BLOCK) {
		if (block.type == MESSAGE_BLOCK_HEADER_FIELD)
			fields++;
		else if (block.type == MESSAGE_BLOCK_HEADER_END)
			ends++;
		else
			body += block.size;
	}
	message_parser_feed_eof(parser);
	enum message_parser_result ret;

	while ((ret = message_parser_next_block(parser, &block)) == MESSAGE_PARSER_BLOCK) {
		if (block.type == MESSAGE_BLOCK_BODY)
			body += block.size;
	}
	test_assert(ret == MESSAGE_PARSER_DONE);
	test_assert(message_parser_next_block(parser, &block) == MESSAGE_PARSER_DONE);
	test_assert(fields == 3 && ends == 3);
	/* pre, hello, second\nline\n, epi\n */
	test_assert(body == 3 + 5 + 12 + 4);
	(void)message_parser_deinit(&parser);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_parser_multipart,
		test_parser_crlf,
		test_parser_boundary_in_header,
		test_parser_unterminated,
		test_parser_rfc822,
		test_parser_nuls,
		test_parser_broken_encodings,
		test_parser_deep,
		test_parser_limits,
		test_parser_long_lines,
		test_parser_split,
		test_parser_blocks,
		NULL,
	};
	return test_run(tests);
}
