/* POP3 UIDLs kept in dovecot-uidlist's 'P' fields: the pure field helpers
   with malformed input, and mailbox_get/set_pop3_uidls() on a temporary
   Maildir (Dovecot's shorthand for the base name, replacing, invalid
   UIDLs, expunged messages, saves after a rewrite, a lost index). */

#include "test-common.h"
#include "mail-storage.h"
#include "mail-user.h"
#include "mail-storage-settings.h"
#include "maildir-uidlist.h"

#include <fcntl.h>
#include <unistd.h>

static void test_ext_fields(void)
{
	test_begin("dovecot-uidlist: extension fields get/set");
	test_assert(maildir_uidlist_ext_get(test_pool, "", 'P') == NULL);
	test_assert(maildir_uidlist_ext_get(test_pool, "W32 S28", 'P') == NULL);
	test_assert_strcmp(maildir_uidlist_ext_get(test_pool, "W32 S28", 'S'), "28");
	test_assert_strcmp(maildir_uidlist_ext_get(test_pool, "W32 P S28", 'P'), "");
	test_assert_strcmp(maildir_uidlist_ext_get(test_pool, "  Pabc:d  W1 ", 'P'), "abc:d");
	test_assert_strcmp(maildir_uidlist_ext_set(test_pool, "", 'P', "x1"), "Px1");
	test_assert_strcmp(maildir_uidlist_ext_set(test_pool, "W32 S28", 'P', ""), "W32 S28 P");
	test_assert_strcmp(maildir_uidlist_ext_set(test_pool, "W32 Pold S28", 'P', "new"),
			   "W32 S28 Pnew");
	test_assert_strcmp(maildir_uidlist_ext_set(test_pool, "Pa  Pb", 'P', "c"), "Pc");
	/* what cannot be written as one field */
	test_assert(maildir_uidlist_ext_set(test_pool, "", 'P', "a b") == NULL);
	test_assert(maildir_uidlist_ext_set(test_pool, "", 'P', "a\nb") == NULL);
	test_assert(maildir_uidlist_ext_set(test_pool, "", 'P', "caf\xc3\xa9") == NULL);
	test_assert(maildir_uidlist_ext_set(test_pool, "", 'p', "x") == NULL);
	test_assert(maildir_uidlist_ext_set(test_pool, "", '1', "x") == NULL);
	test_end();
}

static struct mail_user *test_user(const char *location)
{
	struct mail_storage_settings *set = mail_storage_settings_default(test_pool);
	struct mail_user *user;
	const char *error;

	set->mail_location = location;
	set->mail_fsync = "never";
	if (mail_user_create(set, "user@example.com", test_tmpdir(), &user, &error) < 0)
		i_fatal("mail_user_create: %s", error);
	return user;
}

static void save_msg(struct mailbox *box, const char *text)
{
	struct mailbox_transaction *t = mailbox_transaction_begin(box);
	struct mail_save_params params = { 0 };
	struct mail_save_context *ctx = mailbox_save_begin(t, &params);

	if (ctx == NULL || mailbox_save_write(ctx, text, strlen(text)) < 0 ||
	    mailbox_save_finish(&ctx) < 0 || mailbox_transaction_commit(&t, NULL, NULL) < 0)
		i_fatal("save: %s", mailbox_get_last_error(box, NULL));
}

static const char *read_file(const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t ret = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return ret < 0 ? NULL : p_strndup(test_pool, buf, (size_t)ret);
}

static const char *get_all(struct mailbox *box)
{
	ARRAY_TYPE(mail_pop3_uidl) uidls;
	string_t *str = str_new(test_pool, 128);

	if (mailbox_get_pop3_uidls(box, test_pool, &uidls) < 0)
		return "error";
	array_foreach(&uidls, u)
		str_printfa(str, "%u=%s ", u->uid, u->uidl);
	return str_c(str);
}

/* the base name (no ":2,...") of message uid, from the uidlist */
static const char *base_of(const char *uidlist, uint32_t uid)
{
	const char *line = strstr(uidlist, t_strdup_printf("\n%u ", uid));
	const char *colon = line == NULL ? NULL : strchr(line, ':');
	const char *end = colon == NULL ? NULL : strchr(colon, '\n');

	i_assert(end != NULL);
	return p_strndup(test_pool, colon + 1, (size_t)(end - colon - 1));
}

static void test_pop3_uidls(void)
{
	const char *root = p_strdup_printf(test_pool, "%s/pu", test_tmpdir());
	const char *uidlist_path = p_strdup_printf(test_pool, "%s/dovecot-uidlist", root);
	struct mail_user *user = test_user(p_strdup_printf(test_pool, "maildir:%s", root));
	struct mailbox *box;

	test_begin("storage: POP3 UIDLs kept in dovecot-uidlist");
	box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0);
	for (unsigned int i = 1; i <= 3; i++)
		save_msg(box, t_strdup_printf("Subject: %u\n\nbody\n", i));
	test_assert(mailbox_sync(box, NULL, NULL) == 0 && mailbox_count(box) == 3);
	test_assert_strcmp(get_all(box), "");

	const char *base2 = base_of(read_file(uidlist_path), 2);
	struct mail_pop3_uidl set1[] = {
		{ 3, "000000030000abcd" }, { 2, base2 }, { 99, "gone" },
	};
	test_assert(mailbox_set_pop3_uidls(box, set1, N_ELEMENTS(set1)) == 0);
	const char *file = read_file(uidlist_path);
	/* Dovecot's form: "P<uidl>", and a bare "P" for the base name */
	test_assert(strstr(file, "\n3 P000000030000abcd :") != NULL);
	test_assert(strstr(file, "\n2 P :") != NULL);
	test_assert(strstr(file, "\n1 :") != NULL);
	test_assert_strcmp(get_all(box), t_strdup_printf("2=%s 3=000000030000abcd ", base2));

	/* replacing one; invalid UIDLs change nothing */
	struct mail_pop3_uidl set2[] = { { 3, "new-uidl" } };
	test_assert(mailbox_set_pop3_uidls(box, set2, 1) == 0);
	test_assert_strcmp(get_all(box), t_strdup_printf("2=%s 3=new-uidl ", base2));
	const char *bad[] = {
		"", "a b", "tab\there", "caf\xc3\xa9",
		"12345678901234567890123456789012345678901234567890123456789012345678901",
	};
	for (unsigned int i = 0; i < N_ELEMENTS(bad); i++) {
		struct mail_pop3_uidl one[] = { { 1, "fine" }, { 2, bad[i] } };
		enum mail_error error;

		test_assert_idx(mailbox_set_pop3_uidls(box, one, 2) < 0, i);
		(void)mailbox_get_last_error(box, &error);
		test_assert_idx(error == MAIL_ERROR_PARAMS, i);
	}
	test_assert_strcmp(get_all(box), t_strdup_printf("2=%s 3=new-uidl ", base2));

	/* saving after the rewrite: UIDs go on, the fields stay */
	save_msg(box, "Subject: 4\n\nbody\n");
	test_assert(mailbox_sync(box, NULL, NULL) == 0 && mailbox_count(box) == 4);
	test_assert(mailbox_seq_to_uid(box, 4) == 4);
	test_assert_strcmp(get_all(box), t_strdup_printf("2=%s 3=new-uidl ", base2));
	mailbox_free(&box);

	/* a lost index is rebuilt with the same UIDs and the fields stay */
	test_assert(unlink(t_strdup_printf("%s/roost.index", root)) == 0);
	box = mailbox_alloc(user, "INBOX", 0);
	test_assert(mailbox_open(box) == 0 && mailbox_count(box) == 4);
	test_assert_strcmp(get_all(box), t_strdup_printf("2=%s 3=new-uidl ", base2));
	/* an unopened mailbox is an error, not a crash */
	struct mailbox *closed = mailbox_alloc(user, "INBOX", 0);
	ARRAY_TYPE(mail_pop3_uidl) uidls;
	test_assert(mailbox_get_pop3_uidls(closed, test_pool, &uidls) < 0);
	mailbox_free(&closed);
	mailbox_free(&box);
	mail_user_free(&user);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_ext_fields,
		test_pop3_uidls,
		NULL,
	};
	return test_run(tests);
}
