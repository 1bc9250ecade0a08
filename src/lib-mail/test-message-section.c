#include "test-common.h"
#include "message-parser.h"
#include "message-section.h"

/* the closing "--y--" line, line end included, is part of the inner
   message: Dovecot counts it so too */
static const char msg[] =
	"From: a@example.com\n"
	"To: b@example.com,\n c@example.com\n"
	"Subject: s\n"
	"Content-Type: multipart/mixed; boundary=x\n"
	"\n"
	"--x\n"
	"Content-Type: text/plain\n"
	"\n"
	"one\n"
	"--x\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Subject: inner\n"
	"Content-Type: multipart/alternative; boundary=y\n"
	"\n"
	"--y\n"
	"\n"
	"alt1\n"
	"--y\n"
	"Content-Type: text/html\n"
	"\n"
	"<b>alt2</b>\n"
	"--y--\n"
	"--x--\n";

static const char *find(const struct message_part *root, const char *spec)
{
	struct message_section section;
	struct message_section_range range;
	struct message_size size;
	const char *error;

	if (message_section_parse(test_pool, spec, &section, &error) < 0)
		return p_strdup_printf(test_pool, "parse error: %s", error);
	if (message_section_find(root, &section, &range, &size, &error) < 0)
		return p_strdup_printf(test_pool, "error: %s", error);
	return p_strdup_printf(test_pool, "%llu+%llu v%llu", (unsigned long long)range.offset,
			       (unsigned long long)range.size,
			       (unsigned long long)size.virtual_size);
}

static void test_section_find(void)
{
	static const struct {
		const char *spec, *result;
	} tests[] = {
		{ "", "0+303 v328" },
		{ "HEADER", "0+108 v114" },
		{ "TEXT", "108+195 v214" },
		{ "1", "138+3 v3" },
		{ "1.MIME", "112+26 v28" },
		{ "2", "176+121 v132" },
		{ "2.MIME", "146+30 v32" },
		{ "2.HEADER", "176+64 v67" },
		{ "2.TEXT", "240+57 v65" },
		{ "2.1", "245+4 v4" },
		{ "2.2", "279+11 v11" },
		{ "2.2.MIME", "254+25 v27" },
		{ "header.fields (a)", "0+108 v114" },
		{ "3", "error: No such part" },
		{ "1.1", "error: No such part" },
		{ "2.3", "error: No such part" },
		{ "0", "parse error: Part numbers start from 1" },
		{ "1.", "parse error: Invalid part number" },
		{ "MIME", "parse error: Invalid section" },
		{ "HEADER.FIELDS ()", "parse error: Empty field name list" },
		{ "HEADER.FIELDS (a", "parse error: Missing ) after field names" },
		{ "HEADER.FIELDS (a) x", "parse error: Junk after field name list" },
		{ "TEXT x", "parse error: Junk after section" },
	};

	test_begin("message_section_find");
	struct message_part *root = message_parse_buffer(test_pool, msg, sizeof(msg) - 1, NULL);

	for (unsigned int i = 0; i < N_ELEMENTS(tests); i++)
		test_assert_strcmp(find(root, tests[i].spec), tests[i].result);
	test_end();
}

static const char *filter(const char *spec, const char *hdr)
{
	struct message_section section;
	ARRAY_TYPE(message_section_range) ranges;
	const char *error;
	string_t *str = str_new(test_pool, 128);

	p_array_init(&ranges, test_pool, 4);
	if (message_section_parse(test_pool, spec, &section, &error) < 0)
		return error;
	uint64_t vsize = message_section_filter_header(&section, hdr, strlen(hdr), 1000, &ranges);

	array_foreach(&ranges, range)
		str_append_data(str, hdr + range->offset - 1000, range->size);
	str_printfa(str, "|%llu", (unsigned long long)vsize);
	return str_c(str);
}

static void test_section_filter(void)
{
	static const char hdr[] = "From: a@example.com\n"
				  "To: b@example.com,\n c@example.com\n"
				  "Received: x\r\n\ty\r\n"
				  "subject: s\n"
				  "\n";

	test_begin("message_section_filter_header");
	test_assert_strcmp(filter("HEADER.FIELDS (SUBJECT to)", hdr),
			   "To: b@example.com,\n c@example.com\nsubject: s\n|50");
	test_assert_strcmp(filter("HEADER.FIELDS.NOT (Received \"To\")", hdr),
			   "From: a@example.com\nsubject: s\n|35");
	test_assert_strcmp(filter("HEADER.FIELDS (x-none)", hdr), "|2");
	test_end();
}

static void test_section_extract(void)
{
	static const char hdr[] = "Received: x\r\n\ty\r\n"
				  "FROM: a@example.com\n"
				  "To: b@example.com,\n c@example.com\n"
				  "X-Other: z\n"
				  "from: second\r\n"
				  "Subject :spaced\n"
				  "Date: d";
	const char *names[] = { "from", "SUBJECT", "date", NULL };
	buffer_t *block = buffer_create_dynamic(test_pool, 128);

	test_begin("message_section_extract_fields");
	message_section_extract_fields(hdr, sizeof(hdr) - 1, names, block);
	test_assert_strcmp(p_strndup(test_pool, block->data, block->used),
			   "FROM: a@example.com\nfrom: second\r\nSubject :spaced\nDate: d");
	/* filtering the block gives what filtering the header gives */
	const char *specs[] = { "HEADER.FIELDS (From)", "HEADER.FIELDS (subject date)",
				"HEADER.FIELDS (FROM SUBJECT DATE)" };
	for (unsigned int i = 0; i < N_ELEMENTS(specs); i++) {
		struct message_section section;
		const char *error;
		ARRAY_TYPE(message_section_range) r1, r2;
		test_assert(message_section_parse(test_pool, specs[i], &section, &error) == 0);
		p_array_init(&r1, test_pool, 4);
		p_array_init(&r2, test_pool, 4);
		uint64_t v1 = message_section_filter_header(&section, hdr, sizeof(hdr) - 1, 0, &r1);
		uint64_t v2 = message_section_filter_header(&section, block->data, block->used, 0,
							    &r2);
		test_assert_idx(v1 == v2 && array_count(&r1) == array_count(&r2), i);
		for (unsigned int j = 0; j < array_count(&r1) && j < array_count(&r2); j++) {
			const struct message_section_range *a = array_idx(&r1, j);
			const struct message_section_range *b = array_idx(&r2, j);
			test_assert_idx(a->size == b->size &&
					memcmp(hdr + a->offset,
					       (const char *)block->data + b->offset, a->size) == 0,
					i * 10 + j);
		}
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_section_find,
		test_section_filter,
		test_section_extract,
		NULL,
	};
	return test_run(tests);
}
