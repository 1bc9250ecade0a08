/* The Dovecot-compatible file formats: dovecot-uidlist, dovecot-keywords,
   subscriptions, Maildir file names; with malformed input. */

#include "test-common.h"
#include "mail-storage.h"
#include "maildir-filename.h"
#include "maildir-keywords.h"
#include "maildir-uidlist.h"
#include "subscription-file.h"

static void test_uidlist(void)
{
	/* as Dovecot 2.3.19 wrote it, plus an extension field */
	const char *file = "3 V1795634068 N3 Gfa2932339433076b8c2f000083ecc375 Xfoo\n"
			   "1 :1795634068.M858245P12172.vm,S=28,W=32\n"
			   "2 W34 S30 :1795634068.M882924P12174.vm,S=30,W=34\n"
			   "7 :partial-line-without-newline";
	struct maildir_uidlist *list;
	const char *error;

	test_begin("dovecot-uidlist: parse, keep extensions, write back");
	test_assert(maildir_uidlist_parse(test_pool, file, strlen(file), &list, &error) == 0);
	test_assert(list->version == 3 && list->uid_validity == 1795634068 && list->next_uid == 3);
	test_assert_strcmp(list->guid, "fa2932339433076b8c2f000083ecc375");
	test_assert_strcmp(list->hdr_ext, "Xfoo");
	test_assert(array_count(&list->recs) == 2);
	test_assert_strcmp(array_idx(&list->recs, 1)->ext, "W34 S30");
	test_assert_strcmp(array_idx(&list->recs, 1)->fname,
			   "1795634068.M882924P12174.vm,S=30,W=34");
	string_t *out = str_new(test_pool, 256);
	maildir_uidlist_write(list, out);
	test_assert_strcmp(str_c(out), t_strndup(file, strlen(file) -
						 strlen("7 :partial-line-without-newline")));
	/* appended lines: next_uid follows them */
	const char *appended = p_strconcat(test_pool, str_c(out), "9 :new\n", NULL);
	test_assert(maildir_uidlist_parse_append(test_pool, list, appended, strlen(appended),
						 &error) == 0);
	test_assert(array_count(&list->recs) == 3 && list->next_uid == 10);
	test_end();

	test_begin("dovecot-uidlist: malformed input");
	const char *bad[] = {
		"", "x V1 N1\n", "3 V0 N1\n", "3 Vabc N1\n", "4 V1 N1\n",
		"3 V1 N1\n0 :a\n", "3 V1 N5\n2 :a\n2 :b\n", "3 V1 N5\n2 a\n",
		"3 V1 N5\n2 :\n", "3 V1 N5\n2 :a/b\n", "3 V1 N5\n2 w1 :a\n",
		"3 V1 N5\n99999999999 :a\n", "3 V1 N5\n2 :a\0b\n",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		size_t len = i == N_ELEMENTS(bad) - 1 ? 19 : strlen(bad[i]);
		test_assert_idx(maildir_uidlist_parse(test_pool, bad[i], len, &list, &error) < 0,
				i);
	}
	/* version 1 */
	test_assert(maildir_uidlist_parse(test_pool, "1 5 10\n3 fname\n", 15, &list, &error) == 0);
	test_assert(list->uid_validity == 5 && array_idx(&list->recs, 0)->uid == 3);
	test_end();
}

static void test_keywords(void)
{
	ARRAY_TYPE(const_string) names;
	const char *error;

	test_begin("dovecot-keywords: parse and write, malformed lines skipped");
	p_array_init(&names, test_pool, 4);
	const char *file = "0 $Label1\n1 Junk\n2 Other\n";
	test_assert(maildir_keywords_parse(test_pool, file, strlen(file), &names, &error) == 0);
	test_assert(array_count(&names) == 3);
	string_t *out = str_new(test_pool, 64);
	maildir_keywords_write(&names, out);
	test_assert_strcmp(str_c(out), file);

	p_array_init(&names, test_pool, 4);
	file = "0 a\nbogus\n30 big\n1 a\n2 in valid\n3 ok\n";
	test_assert(maildir_keywords_parse(test_pool, file, strlen(file), &names, &error) < 0);
	test_assert(array_count(&names) == 4);
	test_assert_strcmp(array_idx_elem(&names, 0), "a");
	test_assert(array_idx_elem(&names, 1) == NULL && array_idx_elem(&names, 2) == NULL);
	test_assert_strcmp(array_idx_elem(&names, 3), "ok");
	test_assert(!maildir_keyword_is_valid("\\Seen", 50));
	test_assert(!maildir_keyword_is_valid("a(b", 50));
	test_assert(!maildir_keyword_is_valid("abc", 2));
	test_end();
}

static void test_subscriptions(void)
{
	ARRAY_TYPE(const_string) names;

	test_begin("subscriptions: version 2 as Dovecot 2.3 writes it, version 1");
	p_array_init(&names, test_pool, 4);
	const char *file = "V\t2\n\nSent\nArchive\t2024\n&ANw-n&AO8-code\nA\001tB\n";
	subscription_file_parse(test_pool, file, strlen(file), '/', '.', &names);
	test_assert(array_count(&names) == 4);
	test_assert_strcmp(array_idx_elem(&names, 1), "Archive/2024");
	test_assert_strcmp(array_idx_elem(&names, 2), "\xc3\x9c" "n\xc3\xaf" "code");
	test_assert_strcmp(array_idx_elem(&names, 3), "A\tB");
	/* a TAB in a name is written in modified UTF-7, never raw */
	string_t *out = str_new(test_pool, 64);
	subscription_file_write(&names, '/', out);
	test_assert_strcmp(str_c(out), "V\t2\n\nSent\nArchive\t2024\n&ANw-n&AO8-code\nA&AAk-B\n");

	p_array_init(&names, test_pool, 4);
	subscription_file_parse(test_pool, "INBOX\nArchive.2024\n\n&bad\n", 26, '/', '.', &names);
	test_assert(array_count(&names) == 3);
	test_assert_strcmp(array_idx_elem(&names, 1), "Archive/2024");
	test_assert_strcmp(array_idx_elem(&names, 2), "&bad");
	test_end();
}

static void test_filename(void)
{
	enum mail_flags flags;
	uint64_t kw, size;

	test_begin("maildir file names: flags, keywords, sizes");
	maildir_filename_get_flags("1.M2P3.vm,S=28,W=32:2,FSab", &flags, &kw);
	test_assert(flags == (MAIL_FLAGGED | MAIL_SEEN) && kw == 3);
	maildir_filename_get_flags("1.M2P3.vm", &flags, &kw);
	test_assert(flags == 0 && kw == 0);
	test_assert_strcmp(maildir_filename_set_flags(test_pool, "b,S=1:2,FXa", MAIL_SEEN |
						      MAIL_DRAFT, 1ULL << 2),
			   "b,S=1:2,DSXc");
	test_assert_strcmp(maildir_filename_set_flags(test_pool, "b", 0, 0), "b:2,");
	test_assert(maildir_filename_get_size("1.M2P3.vm,S=28,W=32:2,S", 'W', &size) && size == 32);
	test_assert(maildir_filename_get_size("1.M2P3.vm,S=28,W=32", 'S', &size) && size == 28);
	test_assert(!maildir_filename_get_size("1.M2P3.vm,S=2x8", 'S', &size));
	test_assert_strcmp(maildir_filename_base(test_pool, "abc:2,S"), "abc");
	test_assert_strcmp(maildir_filename_generate(test_pool, 10, 5, 7, 1, "h/o:st", 3, 4),
			   "10.M5P7Q1.h\\057o\\072st,S=3,W=4");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_uidlist,
		test_keywords,
		test_subscriptions,
		test_filename,
		NULL,
	};
	log_init_stderr("test-storage-formats");
	return test_run(tests);
}
