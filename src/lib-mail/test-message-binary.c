#include "test-common.h"
#include "message-binary.h"
#include "message-parser.h"

/* Bare LF line ends, a quoted-printable part whose Content-Transfer-Encoding
   field has an odd case and a comment, a plain part, and a base64 part
   whose field is not the last one. The expected outputs are what
   Dovecot 2.3 answers for the same message. */
static const char lf_msg[] =
	"From: a@b.c\nSubject: lf\nMIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\n"
	"Content-Type: text/plain\ncontent-transfer-encoding:  Quoted-Printable (comment)\n\n"
	"line1=3D\nline2 =\nsoft\n"
	"--B\nContent-Type: text/plain\n\nraw lf line\nsecond\n"
	"--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
	"X-After: 1\n\nAAEC\nDQoN\n--B--\n";

static const char lf_whole[] =
	"From: a@b.c\r\nSubject: lf\r\nMIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
	"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\n"
	"line1=\r\nline2 soft\r\n"
	"--B\r\nContent-Type: text/plain\r\n\r\nraw lf line\r\nsecond\r\n"
	"--B\r\nContent-Type: application/octet-stream\r\nX-After: 1\r\n"
	"Content-Transfer-Encoding: binary\r\n\r\n\0\1\2\r\n\r\r\n--B--\r\n";

static const char nested_msg[] =
	"Subject: outer\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
	"--X\r\nContent-Type: application/x-foo\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
	"begin 644 x\r\nend\r\n"
	"--X\r\nContent-Type: message/rfc822\r\n\r\n"
	"Subject: inner\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n"
	"--X\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
	"plain 8bit \xc3\xa9\r\n--X--\r\n";

struct converted {
	enum message_binary_plan_result result;
	bool literal8, errors;
	string_t *data;
};

/* Runs the plan of path through the decoders, feeding chunk bytes at a
   time. */
static void convert(const char *msg, size_t msg_size, const unsigned int *path,
		    unsigned int path_len, size_t chunk, struct converted *conv_r)
{
	struct message_part *root = message_parse_buffer(test_pool, msg, msg_size, NULL);
	struct message_binary_plan plan;

	memset(conv_r, 0, sizeof(*conv_r));
	conv_r->data = str_new(test_pool, 256);
	conv_r->result = message_binary_plan(test_pool, root, path, path_len, &plan);
	conv_r->literal8 = plan.literal8;
	if (conv_r->result != MESSAGE_BINARY_PLAN_OK)
		return;
	array_foreach(&plan.segments, seg)
	{
		struct message_binary_decoder *dec = message_binary_decoder_create(seg);

		for (uint64_t pos = 0; pos < seg->size; pos += chunk) {
			size_t n = (size_t)MIN(chunk, seg->size - pos);

			message_binary_decoder_feed(dec, msg + seg->offset + pos, n, conv_r->data);
		}
		message_binary_decoder_finish(dec, conv_r->data);
		conv_r->errors = conv_r->errors || message_binary_decoder_had_errors(dec);
		message_binary_decoder_destroy(&dec);
	}
	if (plan.copy_only)
		test_assert(plan.copy_only_size == str_len(conv_r->data));
}

static bool converts_to(const char *msg, size_t msg_size, const unsigned int *path,
			unsigned int path_len, const void *expected, size_t expected_size)
{
	static const size_t chunks[] = {1, 2, 3, 7, 64, 100000};
	struct converted conv;

	for (unsigned int i = 0; i < N_ELEMENTS(chunks); i++) {
		convert(msg, msg_size, path, path_len, chunks[i], &conv);
		if (conv.result != MESSAGE_BINARY_PLAN_OK || conv.errors ||
		    str_len(conv.data) != expected_size ||
		    memcmp(str_data(conv.data), expected, expected_size) != 0)
			return false;
	}
	return true;
}

static void test_binary_lf_message(void)
{
	static const unsigned int p1[] = {1}, p2[] = {2}, p3[] = {3}, p4[] = {4};
	struct converted conv;

	test_begin("message binary: sections of a bare-LF message");
	test_assert(sizeof(lf_whole) - 1 == 343);
	test_assert(converts_to(lf_msg, sizeof(lf_msg) - 1, NULL, 0, lf_whole,
				sizeof(lf_whole) - 1));
	test_assert(converts_to(lf_msg, sizeof(lf_msg) - 1, p1, 1, "line1=\r\nline2 soft", 18));
	test_assert(converts_to(lf_msg, sizeof(lf_msg) - 1, p2, 1, "raw lf line\r\nsecond", 19));
	test_assert(converts_to(lf_msg, sizeof(lf_msg) - 1, p3, 1, "\0\1\2\r\n\r", 6));
	convert(lf_msg, sizeof(lf_msg) - 1, p2, 1, 5, &conv);
	test_assert(!conv.literal8);
	convert(lf_msg, sizeof(lf_msg) - 1, p1, 1, 5, &conv);
	test_assert(conv.literal8);
	convert(lf_msg, sizeof(lf_msg) - 1, p4, 1, 5, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_NO_PART);
	test_end();
}

static void test_binary_nested(void)
{
	static const unsigned int p1[] = {1}, p2[] = {2}, p21[] = {2, 1}, p3[] = {3},
				  p9[] = {9}, p211[] = {2, 1, 1}, p31[] = {3, 1};
	static const char inner[] = "Subject: inner\r\nContent-Transfer-Encoding: binary\r\n\r\n"
				    "hello world";
	struct converted conv;

	test_begin("message binary: unknown encodings, message/rfc822");
	convert(nested_msg, sizeof(nested_msg) - 1, NULL, 0, 5, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_UNKNOWN_CTE);
	convert(nested_msg, sizeof(nested_msg) - 1, p1, 1, 5, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_UNKNOWN_CTE);
	/* only the parts inside the section count */
	test_assert(converts_to(nested_msg, sizeof(nested_msg) - 1, p2, 1, inner,
				sizeof(inner) - 1));
	test_assert(converts_to(nested_msg, sizeof(nested_msg) - 1, p21, 2, "hello world", 11));
	test_assert(converts_to(nested_msg, sizeof(nested_msg) - 1, p3, 1,
				"plain 8bit \xc3\xa9", 13));
	convert(nested_msg, sizeof(nested_msg) - 1, p3, 1, 5, &conv);
	test_assert(!conv.literal8);
	convert(nested_msg, sizeof(nested_msg) - 1, p9, 1, 5, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_NO_PART);
	convert(nested_msg, sizeof(nested_msg) - 1, p211, 3, 5, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_NO_PART);
	/* a leaf has no parts below it */
	convert(nested_msg, sizeof(nested_msg) - 1, p31, 2, 5, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_NO_PART);
	test_end();
}

static void test_binary_single_part(void)
{
	static const char b64[] = "Subject: single\r\nContent-Transfer-Encoding: base64\r\n\r\n"
				  "aGVs\r\nbG8g\r\nd29y bGQ=\r\n";
	static const char b64_whole[] = "Subject: single\r\nContent-Transfer-Encoding: binary\r\n"
					"\r\nhello world";
	static const char plain[] = "Subject: plain\r\n\r\nhello\r\n";
	static const char nul[] = "Subject: x\r\nContent-Transfer-Encoding: binary\r\n\r\nA\0B\r\n";
	static const unsigned int p1[] = {1}, p2[] = {2};
	struct converted conv;

	test_begin("message binary: single-part messages");
	test_assert(converts_to(b64, sizeof(b64) - 1, NULL, 0, b64_whole, sizeof(b64_whole) - 1));
	test_assert(converts_to(b64, sizeof(b64) - 1, p1, 1, "hello world", 11));
	test_assert(converts_to(plain, sizeof(plain) - 1, NULL, 0, plain, sizeof(plain) - 1));
	test_assert(converts_to(plain, sizeof(plain) - 1, p1, 1, "hello\r\n", 7));
	convert(plain, sizeof(plain) - 1, NULL, 0, 5, &conv);
	test_assert(!conv.literal8);
	convert(plain, sizeof(plain) - 1, p2, 1, 5, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_NO_PART);
	/* NULs kept as they are, and a literal8 */
	test_assert(converts_to(nul, sizeof(nul) - 1, p1, 1, "A\0B\r\n", 5));
	convert(nul, sizeof(nul) - 1, NULL, 0, 5, &conv);
	test_assert(conv.literal8);
	test_end();
}

static void test_binary_invalid_encodings(void)
{
	static const char bad_b64[] = "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8*!!gd29y\r\n";
	static const char bad_qp[] =
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nab=\r\ncd=0=XYef  \r\n";
	static const unsigned int p1[] = {1};
	struct converted conv;

	test_begin("message binary: invalid base64 and quoted-printable");
	convert(bad_b64, sizeof(bad_b64) - 1, p1, 1, 3, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_OK && conv.errors);
	convert(bad_qp, sizeof(bad_qp) - 1, p1, 1, 3, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_OK && conv.errors);
	convert(bad_qp, sizeof(bad_qp) - 1, NULL, 0, 3, &conv);
	test_assert(conv.result == MESSAGE_BINARY_PLAN_OK && conv.errors);
	test_end();
}

static const char *rewrite(const char *hdr)
{
	buffer_t *dest = buffer_create_dynamic(test_pool, 128);

	message_binary_rewrite_header(hdr, strlen(hdr), dest);
	return p_strndup(test_pool, dest->data, dest->used);
}

static void test_binary_header_rewrite(void)
{
	struct message_binary_segment seg = {
	    .type = MESSAGE_BINARY_SEGMENT_HEADER, .offset = 0, .size = 0};
	struct message_binary_decoder *dec;
	buffer_t *dest = buffer_create_dynamic(test_pool, 128);
	char *big;

	test_begin("message binary: header rewrite");
	test_assert_strcmp(rewrite("A: 1\r\nContent-Transfer-Encoding: base64\r\nB: 2\r\n\r\n"),
			   "A: 1\r\nB: 2\r\nContent-Transfer-Encoding: binary\r\n\r\n");
	/* continuation lines go with the field; every such field goes */
	test_assert_strcmp(rewrite("CONTENT-TRANSFER-ENCODING\t:\r\n base64\r\nX: y\r\n"
				   " z\r\ncontent-transfer-encoding: 7bit\r\n\r\n"),
			   "X: y\r\n z\r\nContent-Transfer-Encoding: binary\r\n\r\n");
	/* not the field: a longer name */
	test_assert_strcmp(rewrite("Content-Transfer-Encoding-X: a\r\n\r\n"),
			   "Content-Transfer-Encoding-X: a\r\nContent-Transfer-Encoding: binary\r\n"
			   "\r\n");
	/* a header without its empty line, and one cut mid-line */
	test_assert_strcmp(rewrite("A: 1\r\n"), "A: 1\r\nContent-Transfer-Encoding: binary\r\n");
	test_assert_strcmp(rewrite("A: 1"), "A: 1\r\nContent-Transfer-Encoding: binary\r\n");
	test_assert_strcmp(rewrite(""), "Content-Transfer-Encoding: binary\r\n");
	test_assert_strcmp(rewrite("\r\n"), "Content-Transfer-Encoding: binary\r\n\r\n");

	/* a header over the limit is an error, not a memory blow-up */
	big = p_malloc(test_pool, 64 * 1024 + 1);
	memset(big, 'x', 64 * 1024);
	dec = message_binary_decoder_create(&seg);
	for (unsigned int i = 0; i <= MESSAGE_BINARY_MAX_HEADER_SIZE / (64 * 1024); i++)
		message_binary_decoder_feed(dec, big, 64 * 1024, dest);
	message_binary_decoder_finish(dec, dest);
	test_assert(message_binary_decoder_had_errors(dec));
	test_assert(dest->used == 0);
	message_binary_decoder_destroy(&dec);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
	    test_binary_lf_message,	    test_binary_nested,	    test_binary_single_part,
	    test_binary_invalid_encodings, test_binary_header_rewrite, NULL,
	};
	return test_run(tests);
}
