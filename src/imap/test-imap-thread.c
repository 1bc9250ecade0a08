#include "test-common.h"
#include "imap-thread.h"
#include "imap-base-subject.h"

struct tmsg {
	const char *id, *refs, *subject;
	time_t date;
};

static const char *thread(enum imap_thread_algorithm alg, const struct tmsg *in, unsigned int count)
{
	struct imap_thread_msg *msgs = p_new(test_pool, struct imap_thread_msg, count + 1);
	string_t *str = str_new(test_pool, 128);

	for (unsigned int i = 0; i < count; i++) {
		msgs[i].seq = i + 1;
		msgs[i].uid = (i + 1) * 10;
		msgs[i].date = in[i].date;
		msgs[i].message_id = in[i].id;
		if (in[i].refs != NULL)
			msgs[i].refs = (const char *const *)p_strsplit(test_pool, in[i].refs, " ");
		if (in[i].subject != NULL)
			msgs[i].subject = imap_base_subject(test_pool, in[i].subject,
							    strlen(in[i].subject),
							    &msgs[i].reply_or_fwd);
	}
	imap_thread_write(alg, msgs, count, false, str);
	return str_c(str);
}

static void test_references(void)
{
	static const struct tmsg chain[] = {
		{ "a", NULL, "x", 1 }, { "b", "a", "Re: x", 2 }, { "c", "a b", "Re: x", 3 },
		{ "d", "a", "Re: x", 4 },
	};
	/* a parent missing: the children hang under the nearest existing
	   ancestor, a missing root with several children stays a dummy */
	static const struct tmsg missing[] = {
		{ "b", "gone", "one", 5 }, { "c", "gone", "two", 3 }, { "d", "gone2 mid", "three", 9 },
	};
	/* loops are ignored */
	static const struct tmsg loop[] = {
		{ "a", "b", "p", 1 }, { "b", "a", "q", 2 }, { "c", "c", "r", 3 },
	};
	/* same base subject, different threads: merged */
	static const struct tmsg subj[] = {
		{ "a", NULL, "hello", 5 }, { "b", NULL, "Re: hello", 1 }, { "c", NULL, "Hello", 2 },
		{ "d", NULL, "other", 3 }, { "e", NULL, NULL, 4 },
	};
	/* duplicate message-id, no id */
	static const struct tmsg dup[] = {
		{ "a", NULL, "s1", 1 }, { "a", NULL, "s2", 2 }, { NULL, "a", "s3", 3 },
	};

	test_begin("THREAD REFERENCES");
	test_assert(strcmp(thread(IMAP_THREAD_REFERENCES, chain, 4), "(1 (2 3)(4))") == 0);
	test_assert(strcmp(thread(IMAP_THREAD_REFERENCES, missing, 3), "(3)(1)(2)") == 0 ||
		    strcmp(thread(IMAP_THREAD_REFERENCES, missing, 3), "((2)(1))(3)") == 0);
	test_assert(strcmp(thread(IMAP_THREAD_REFERENCES, missing, 3), "((2)(1))(3)") == 0);
	test_assert(strcmp(thread(IMAP_THREAD_REFERENCES, loop, 3), "(2 1)(3)") == 0);
	test_assert(strcmp(thread(IMAP_THREAD_REFERENCES, subj, 5), "((3 2)(1))(4)(5)") == 0);
	test_assert(strcmp(thread(IMAP_THREAD_REFERENCES, dup, 3), "(1 3)(2)") == 0);
	test_assert(strcmp(thread(IMAP_THREAD_REFERENCES, dup, 0), "") == 0);
	test_end();

	test_begin("THREAD REFS");
	test_assert(strcmp(thread(IMAP_THREAD_REFS, chain, 4), "(1 (2 3)(4))") == 0);
	/* threads ordered by their newest message; no subject merging */
	test_assert(strcmp(thread(IMAP_THREAD_REFS, missing, 3), "((2)(1))(3)") == 0);
	test_assert(strcmp(thread(IMAP_THREAD_REFS, subj, 5), "(2)(3)(4)(5)(1)") == 0);
	test_end();

	test_begin("THREAD ORDEREDSUBJECT");
	test_assert(strcmp(thread(IMAP_THREAD_ORDEREDSUBJECT, subj, 5), "(2 (3)(1))(4)(5)") == 0);
	test_assert(strcmp(thread(IMAP_THREAD_ORDEREDSUBJECT, chain, 4), "(1 (2)(3)(4))") == 0);
	test_end();
}

static void test_long_chain(void)
{
	const unsigned int count = 100000;
	struct imap_thread_msg *msgs = p_new(test_pool, struct imap_thread_msg, count);
	string_t *str = str_new(test_pool, count * 8);

	test_begin("THREAD 100,000-message chain");
	for (unsigned int i = 0; i < count; i++) {
		msgs[i].seq = msgs[i].uid = i + 1;
		msgs[i].date = i;
		msgs[i].message_id = p_strdup_printf(test_pool, "%u@x", i);
		if (i > 0) {
			const char **refs = p_new(test_pool, const char *, 2);
			refs[0] = msgs[i - 1].message_id;
			msgs[i].refs = refs;
		}
	}
	imap_thread_write(IMAP_THREAD_REFERENCES, msgs, count, true, str);
	test_assert(strncmp(str_c(str), "(1 2 3 ", 7) == 0);
	test_assert(str_c(str)[str_len(str) - 1] == ')');
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_references,
		test_long_chain,
		NULL,
	};
	return test_run(tests);
}
