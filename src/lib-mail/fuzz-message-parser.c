/* Fuzz target for lib-mail: runs its input through the header parser, the
   MIME parser (whole and fed in pieces, which must agree), the ENVELOPE
   and BODY/BODYSTRUCTURE writers, the content-transfer-encoding decoders,
   IMAP BINARY sections, encoded-word decoding, the address parser and
   section lookup. A crash, a sanitizer report or a disagreement (which
   panics) is a bug.

   As a normal program (built by meson, run by "meson test"):
	fuzz-message-parser FILE|DIR...
   replays every file given (every file in each directory). With -p it
   prints ENVELOPE, BODYSTRUCTURE and BODY of each file as IMAP FETCH would,
   which is handy to compare with another server.

   With libFuzzer (clang), from the top of the repository, building the
   library sources with coverage instrumentation in one go:
	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
		-DROOST_LIBFUZZER -Isrc/lib -Isrc/lib-mail \
		src/lib-mail/fuzz-message-parser.c \
		$(ls src/lib-mail | grep '[.]c$' | grep -v -e ^test- -e ^fuzz- | \
		  sed 's|^|src/lib-mail/|') \
		src/lib-mail/test-mail-common.c src/lib/mempool.c \
		src/lib/buffer.c src/lib/str.c src/lib/strfuncs.c src/lib/log.c \
		src/lib/write-full.c \
		-o /tmp/fuzz-message-parser
	cp -r src/lib-mail/fuzz-corpus /tmp/mail-corpus
	/tmp/fuzz-message-parser -max_len=16384 -max_total_time=600 /tmp/mail-corpus
   With -DROOST_LIBFUZZER (or OSS-Fuzz's FUZZING_BUILD_MODE_UNSAFE_FOR_
   PRODUCTION) main() is left out and libFuzzer calls
   LLVMFuzzerTestOneInput(). New crashers belong in fuzz-corpus/. */

#include "lib.h"
#include "charset-utf8.h"
#include "message-address.h"
#include "message-binary.h"
#include "message-cte.h"
#include "message-header-parser.h"
#include "message-parser.h"
#include "message-part-data.h"
#include "message-section.h"
#include "rfc2047.h"
#include "imap-envelope.h"
#include "imap-bodystructure.h"
#include "test-mail-common.h"

#include <stdio.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* inputs larger than this are only parsed whole and in big pieces */
#define FUZZ_BYTEWISE_MAX 8192

static bool print_fetch = false;

static void check_same(const char *what, const char *a, const char *b)
{
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "%s differs:\n--- whole\n%s\n--- split\n%s\n", what, a, b);
		i_panic("%s: split input gave a different result", what);
	}
}

static void fuzz_part(pool_t pool, const uint8_t *data, size_t size,
		      const struct message_part *root, const struct message_part *part,
		      buffer_t *buf)
{
	const struct message_part_data *pdata = part->data;

	i_assert(part->physical_pos + part->header_size.physical_size +
			 part->body_size.physical_size <= size);
	/* decode the body as IMAP BINARY would */
	enum message_cte cte = message_cte_parse(pdata->content_transfer_encoding);
	struct message_cte_decoder *dec = message_cte_decoder_create(cte);
	const uint8_t *body = data + part->physical_pos + part->header_size.physical_size;
	size_t body_size = part->body_size.physical_size;

	buffer_reset(buf);
	message_cte_decoder_decode(dec, body, body_size / 2, buf);
	message_cte_decoder_decode(dec, body + body_size / 2, body_size - body_size / 2, buf);
	message_cte_decoder_finish(dec, buf);
	message_cte_decoder_destroy(&dec);

	/* and as text, in its charset */
	const char *charset = message_part_data_get_param(pdata, "charset");
	struct charset_translation *t = charset_translation_create(charset != NULL ? charset :
									     "us-ascii");
	if (t != NULL) {
		string_t *text = str_new(pool, buf->used + 16);

		(void)charset_translation_add(t, buf->data, buf->used, text);
		(void)charset_translation_finish(t, text);
		charset_translation_destroy(&t);
	}
	if (pdata->envelope != NULL && pdata->envelope->subject != NULL) {
		string_t *subject = str_new(pool, 128);

		rfc2047_decode_utf8(pdata->envelope->subject, strlen(pdata->envelope->subject),
				    subject);
	}
	for (const struct message_part *child = part->children; child != NULL;
	     child = child->next)
		fuzz_part(pool, data, size, root, child, buf);
	(void)root;
}

/* IMAP BINARY sections: segments inside the message, and a section with
   nothing to decode exactly its virtual size long. */
static void fuzz_binary(pool_t pool, const uint8_t *data, size_t size,
			const struct message_part *root, buffer_t *buf)
{
	static const unsigned int paths[][3] = {
		{0}, {1}, {2}, {1, 1}, {1, 2}, {2, 1}, {3, 1, 1},
	};
	static const unsigned int path_lens[] = {0, 1, 1, 2, 2, 2, 3};
	struct message_binary_plan plan;

	for (unsigned int i = 0; i < N_ELEMENTS(path_lens); i++) {
		if (message_binary_plan(pool, root, paths[i], path_lens[i], &plan) !=
		    MESSAGE_BINARY_PLAN_OK)
			continue;
		buffer_reset(buf);
		array_foreach(&plan.segments, seg)
		{
			struct message_binary_decoder *dec = message_binary_decoder_create(seg);

			i_assert(seg->offset + seg->size <= size);
			message_binary_decoder_feed(dec, data + seg->offset, (size_t)seg->size / 2,
						    buf);
			message_binary_decoder_feed(dec, data + seg->offset + seg->size / 2,
						    (size_t)(seg->size - seg->size / 2), buf);
			message_binary_decoder_finish(dec, buf);
			message_binary_decoder_destroy(&dec);
		}
		if (plan.copy_only && plan.copy_only_size != buf->used)
			i_panic("BINARY section %u: %zu bytes, virtual size %llu", i, buf->used,
				(unsigned long long)plan.copy_only_size);
	}
}

static const char *ranges_text(pool_t pool, const uint8_t *data,
			       const ARRAY_TYPE(message_section_range) *ranges)
{
	string_t *str = str_new(pool, 256);

	array_foreach(ranges, r)
		str_append_data(str, data + r->offset, (size_t)r->size);
	return str_c(str);
}

/* What the storage caches for HEADER.FIELDS (the fields of a superset of
   the names, extracted from the header) must filter to the same bytes as
   the message's own header. */
static void fuzz_cached_fields(pool_t pool, const uint8_t *hdr, size_t hdr_size,
			       const struct message_section *section,
			       const ARRAY_TYPE(message_section_range) *want_ranges)
{
	static const char *const superset[] = { "date", "TO", "Subject", "from", "cc", NULL };
	ARRAY_TYPE(message_section_range) ranges;
	buffer_t *block = buffer_create_dynamic(pool, hdr_size + 1);

	message_section_extract_fields(hdr, hdr_size, superset, block);
	p_array_init(&ranges, pool, 8);
	(void)message_section_filter_header(section, block->data, block->used, 0, &ranges);
	check_same("cached header fields", ranges_text(pool, hdr, want_ranges),
		   ranges_text(pool, block->data, &ranges));
}

static void fuzz_sections(pool_t pool, const uint8_t *data, size_t size,
			  const struct message_part *root)
{
	static const char *const specs[] = {
		"", "HEADER", "TEXT", "1", "1.MIME", "2", "1.1", "1.2.HEADER", "2.TEXT",
		"1.1.1", "HEADER.FIELDS (From To Subject)", "1.HEADER.FIELDS.NOT (Received)",
	};
	ARRAY_TYPE(message_section_range) ranges;

	p_array_init(&ranges, pool, 8);
	for (unsigned int i = 0; i < N_ELEMENTS(specs); i++) {
		struct message_section section;
		struct message_section_range range;
		struct message_size msize;
		const char *error;

		if (message_section_parse(pool, specs[i], &section, &error) < 0)
			i_panic("section %s: %s", specs[i], error);
		if (message_section_find(root, &section, &range, &msize, &error) < 0)
			continue;
		i_assert(range.offset + range.size <= size);
		if (section.type == MESSAGE_SECTION_HEADER_FIELDS ||
		    section.type == MESSAGE_SECTION_HEADER_FIELDS_NOT) {
			array_clear(&ranges);
			(void)message_section_filter_header(&section, data + range.offset,
							    range.size, range.offset, &ranges);
		}
		if (section.type == MESSAGE_SECTION_HEADER_FIELDS && section.path_len == 0)
			fuzz_cached_fields(pool, data + range.offset, range.size, &section,
					   &ranges);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pool_t pool = pool_alloconly_create("fuzz", 16384);
	struct message_part *root;

	/* the header parser alone: whole, halves, bytewise */
	const char *hdr_whole = test_mail_header_dump(pool, data, size, NULL, 0);
	size_t half = size / 2;

	check_same("header parser (halves)", hdr_whole,
		   test_mail_header_dump(pool, data, size, &half, 1));
	if (size <= FUZZ_BYTEWISE_MAX)
		check_same("header parser (bytewise)", hdr_whole,
			   test_mail_header_dump_bytewise(pool, data, size));

	/* the MIME parser */
	const char *whole = test_mail_parse_dump(pool, data, size, NULL, 0, &root);
	size_t thirds[2] = { size / 3, size * 2 / 3 };

	check_same("message parser (thirds)", whole,
		   test_mail_parse_dump(pool, data, size, thirds, 2, NULL));
	if (size <= FUZZ_BYTEWISE_MAX)
		check_same("message parser (bytewise)", whole,
			   test_mail_parse_dump_bytewise(pool, data, size));

	struct message_size total;

	message_part_get_total_size(root, &total);
	i_assert(total.physical_size == size);

	const char *envelope = test_mail_envelope(pool, root);
	const char *bodystructure = test_mail_bodystructure(pool, root, true);
	const char *body = test_mail_bodystructure(pool, root, false);

	if (print_fetch)
		printf("ENVELOPE %s BODYSTRUCTURE %s BODY %s\n", envelope, bodystructure, body);

	buffer_t *buf = buffer_create_dynamic(pool_system, 1024);

	fuzz_part(pool, data, size, root, root, buf);
	fuzz_binary(pool, data, size, root, buf);
	buffer_free(&buf);
	fuzz_sections(pool, data, size, root);

	/* every header value as an address list */
	struct message_header_parser_ctx *hdr = message_header_parser_init(NULL);
	const struct message_header_field *field;

	enum message_header_parse_result ret;
	bool ended = false;

	message_header_parser_feed(hdr, data, size);
	while ((ret = message_header_parser_next(hdr, &field)) != MESSAGE_HEADER_PARSE_DONE) {
		if (ret == MESSAGE_HEADER_PARSE_NEED_MORE) {
			message_header_parser_feed_eof(hdr);
			ended = true;
			continue;
		}
		string_t *str = str_new(pool, 128);

		message_address_write(str, message_address_parse(pool, field->value,
								 field->value_len, UINT32_MAX, 0));
		rfc2047_decode_utf8(field->value, field->value_len, str);
	}
	/* where the header parser ends the header (what the storage reads
	   to cache header fields) is where the MIME parser does */
	struct message_size hsize;
	message_header_parser_get_size(hdr, &hsize);
	i_assert(hsize.physical_size == root->header_size.physical_size ||
		 (ended && root->header_size.physical_size == size));
	message_header_parser_deinit(&hdr);
	pool_unref(&pool);
	return 0;
}

#if !defined(ROOST_LIBFUZZER) && !defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
static int fuzz_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %m\n", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	buffer_t *buf = buffer_create_dynamic(pool_system, (size_t)st.st_size + 1);
	unsigned char tmp[65536];
	ssize_t ret;

	while ((ret = read(fd, tmp, sizeof(tmp))) > 0)
		buffer_append(buf, tmp, (size_t)ret);
	close(fd);
	if (ret < 0) {
		fprintf(stderr, "%s: read: %m\n", path);
		buffer_free(&buf);
		return -1;
	}
	if (print_fetch)
		printf("%s: ", path);
	(void)LLVMFuzzerTestOneInput(buf->data, buf->used);
	buffer_free(&buf);
	return 0;
}

static int fuzz_path(const char *path, unsigned int *count)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %m\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return fuzz_file(path);
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort), ret = 0;

	if (n < 0) {
		fprintf(stderr, "%s: %m\n", path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *child = i_strdup_printf("%s/%s", path, names[i]->d_name);

			if (fuzz_path(child, count) < 0)
				ret = -1;
			i_free(child);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char *argv[])
{
	unsigned int count = 0;
	int ret = 0, i = 1;

	if (i < argc && strcmp(argv[i], "-p") == 0) {
		print_fetch = true;
		i++;
	}
	if (i == argc) {
		fprintf(stderr, "Usage: %s [-p] FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (; i < argc; i++) {
		if (fuzz_path(argv[i], &count) < 0)
			ret = 1;
	}
	if (!print_fetch)
		printf("%u inputs replayed\n", count);
	return ret;
}
#endif
