/* Mailbox attributes (IMAP METADATA) in Dovecot 2.3's file dict: one file
   per user (mail_attribute_dict = file:<path>), read whole for each
   command (it is small and clients rarely ask) and rewritten whole under
   its dot-lock: the new version goes to <path>.lock.tmp, is fsynced and
   renamed over the old one, so a reader sees the old or the new file and
   a crash loses no acknowledged change. */

#include "lib.h"
#include "mail-storage-private.h"
#include "mail-attribute-file.h"
#include "file-dotlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ATTR_LOCK_STALE_SECS 120

bool mail_user_has_attributes(const struct mail_user *user)
{
	return user->attribute_dict[0] != '\0';
}

/* The file's path, or NULL with the error set. */
static const char *attr_path(struct mailbox *box)
{
	const char *dict = box->user->attribute_dict;

	if (dict[0] == '\0') {
		mailbox_set_error(box, MAIL_ERROR_NOTPOSSIBLE, "Mailbox attributes not enabled");
		return NULL;
	}
	if (strncmp(dict, "file:", 5) != 0 || dict[5] == '\0') {
		mailbox_set_critical(box, "mail_attribute_dict = %s: only file:<path> is supported",
				     dict);
		return NULL;
	}
	return dict + 5;
}

/* Reads and parses the file (missing: empty). Returns 0 or -1. */
static int attr_read(struct mailbox *box, const char *path, pool_t pool,
		     ARRAY_TYPE(mail_attribute_kv) *kvs_r)
{
	string_t *data = str_new(pool_temp, 4096);
	const char *error;
	char buf[8192];
	ssize_t ret;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		mailbox_set_syscall_error(box, "open", path);
		return -1;
	}
	if (fd >= 0) {
		while ((ret = read(fd, buf, sizeof(buf))) > 0)
			str_append_data(data, buf, (size_t)ret);
		if (ret < 0) {
			mailbox_set_syscall_error(box, "read", path);
			i_close_fd(&fd);
			return -1;
		}
		i_close_fd(&fd);
	}
	if (mail_attribute_file_parse(pool, str_data(data), str_len(data), kvs_r, &error) < 0) {
		/* refuse rather than overwrite what we cannot read */
		mailbox_set_critical(box, "Broken %s: %s", path, error);
		return -1;
	}
	return 0;
}

static const char *attr_key_prefix(enum mail_attribute_type type, const char *guid)
{
	return t_strdup_printf("%s/%s/", type == MAIL_ATTRIBUTE_TYPE_PRIVATE ? "priv" : "shared",
			       guid);
}

int mailbox_attribute_get(struct mailbox *box, enum mail_attribute_type type, const char *key,
			  pool_t pool, const char **value_r)
{
	ARRAY_TYPE(mail_attribute_kv) kvs;
	const char *path = attr_path(box), *guid;

	if (path == NULL || maildir_mailbox_get_guid(box, &guid) < 0 ||
	    attr_read(box, path, pool_temp, &kvs) < 0)
		return -1;
	const char *full = t_strconcat(attr_key_prefix(type, guid), key, NULL);
	array_foreach(&kvs, kv) {
		if (strcmp(kv->key, full) == 0) {
			*value_r = p_strdup(pool, kv->value);
			return 1;
		}
	}
	return 0;
}

int mailbox_attribute_iter(struct mailbox *box, enum mail_attribute_type type,
			   const char *prefix, pool_t pool,
			   ARRAY_TYPE(mailbox_attribute) *attrs_r)
{
	ARRAY_TYPE(mail_attribute_kv) kvs;
	const char *path = attr_path(box), *guid;

	p_array_init(attrs_r, pool, 8);
	if (path == NULL || maildir_mailbox_get_guid(box, &guid) < 0 ||
	    attr_read(box, path, pool_temp, &kvs) < 0)
		return -1;
	const char *box_prefix = attr_key_prefix(type, guid);
	size_t box_len = strlen(box_prefix);
	const char *full = t_strconcat(box_prefix, prefix, NULL);
	array_foreach(&kvs, kv) {
		if (strncmp(kv->key, full, strlen(full)) != 0 || kv->key[box_len] == '\0')
			continue;
		struct mailbox_attribute *attr = array_append_space(attrs_r);
		attr->type = type;
		attr->key = p_strdup(pool, kv->key + box_len);
		attr->value = p_strdup(pool, kv->value);
	}
	return 0;
}

static int kv_cmp(const void *p1, const void *p2)
{
	const struct mail_attribute_kv *a = p1, *b = p2;

	return strcmp(a->key, b->key);
}

static void kvs_apply(ARRAY_TYPE(mail_attribute_kv) *kvs, const char *key, const char *value)
{
	unsigned int count = array_count(kvs);

	for (unsigned int i = 0; i < count; i++) {
		struct mail_attribute_kv *kv = array_idx(kvs, i);
		if (strcmp(kv->key, key) != 0)
			continue;
		if (value != NULL)
			kv->value = value;
		else
			array_delete(kvs, i, 1);
		return;
	}
	if (value != NULL) {
		struct mail_attribute_kv *kv = array_append_space(kvs);
		kv->key = key;
		kv->value = value;
	}
}

/* Takes the dot-lock of path, or returns -1 with the error set on box. */
static int attr_lock(struct mailbox *box, const char *path, struct dotlock **dotlock_r)
{
	struct dotlock_settings dset = { .timeout = box->user->index_set.lock_timeout_secs,
					 .stale_timeout = ATTR_LOCK_STALE_SECS, .mode = 0600,
					 .gid = (gid_t)-1 };
	const char *error;

	int ret = file_dotlock_create(path, &dset, dotlock_r, &error);
	if (ret == 0)
		mailbox_set_error(box, MAIL_ERROR_TEMP,
				  "Timeout while waiting for the attributes lock");
	else if (ret < 0)
		mailbox_set_critical(box, "%s", error);
	return ret > 0 ? 0 : -1;
}

/* Writes kvs through the lock (sorted: the order is deterministic) and
   releases it. Returns 0 or -1 with the error set. */
static int attr_write(struct mailbox *box, const char *path, struct dotlock **dotlock,
		      ARRAY_TYPE(mail_attribute_kv) *kvs)
{
	string_t *data = str_new(pool_temp, 4096);
	bool do_fsync = box->user->index_set.fsync_mode != MAIL_FSYNC_NEVER;
	const char *error;

	if (array_count(kvs) > 0)
		array_sort(kvs, kv_cmp);
	mail_attribute_file_write(array_count(kvs) == 0 ? NULL : array_front(kvs),
				  array_count(kvs), data);
	int fd = file_dotlock_get_fd(*dotlock);
	if (fd < 0 || write(fd, str_data(data), str_len(data)) != (ssize_t)str_len(data)) {
		mailbox_set_syscall_error(box, "write", file_dotlock_get_lock_path(*dotlock));
		file_dotlock_delete(dotlock);
		return -1;
	}
	if (file_dotlock_replace(dotlock, do_fsync, &error) < 0) {
		mailbox_set_critical(box, "%s", error);
		return -1;
	}
	if (do_fsync) {
		/* the rename must be durable before the client hears OK */
		const char *slash = strrchr(path, '/');
		const char *dir = slash == NULL ? "." :
				  slash == path ? "/" : t_strndup(path, (size_t)(slash - path));
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) < 0) {
			mailbox_set_syscall_error(box, "fsync", dir);
			if (dfd >= 0)
				i_close_fd(&dfd);
			return -1;
		}
		i_close_fd(&dfd);
	}
	return 0;
}

int mailbox_attribute_set(struct mailbox *box, const struct mailbox_attribute *changes,
			  unsigned int count)
{
	ARRAY_TYPE(mail_attribute_kv) kvs;
	struct dotlock *dotlock;
	const char *path = attr_path(box), *guid;

	if (path == NULL || maildir_mailbox_get_guid(box, &guid) < 0 ||
	    attr_lock(box, path, &dotlock) < 0)
		return -1;
	if (attr_read(box, path, pool_temp, &kvs) < 0) {
		file_dotlock_delete(&dotlock);
		return -1;
	}
	for (unsigned int i = 0; i < count; i++) {
		const char *key = t_strconcat(attr_key_prefix(changes[i].type, guid),
					      changes[i].key, NULL);
		kvs_apply(&kvs, key,
			  changes[i].value == NULL ? NULL : p_strdup(pool_temp, changes[i].value));
	}
	return attr_write(box, path, &dotlock, &kvs);
}

void mail_attribute_remove_guid(struct mail_user *user, const char *guid)
{
	struct mailbox *box = mailbox_alloc(user, "INBOX", MAILBOX_FLAG_NO_AUTOCREATE);
	ARRAY_TYPE(mail_attribute_kv) kvs;
	struct dotlock *dotlock;
	const char *path;
	enum mail_error error;

	if (!mail_user_has_attributes(user)) {
		mailbox_free(&box);
		return;
	}
	/* box only carries errors here: it is never opened */
	if ((path = attr_path(box)) == NULL || attr_lock(box, path, &dotlock) < 0)
		goto out;
	if (attr_read(box, path, pool_temp, &kvs) < 0) {
		file_dotlock_delete(&dotlock);
		goto out;
	}
	const char *priv = attr_key_prefix(MAIL_ATTRIBUTE_TYPE_PRIVATE, guid);
	const char *shared = attr_key_prefix(MAIL_ATTRIBUTE_TYPE_SHARED, guid);
	unsigned int before = array_count(&kvs);
	for (unsigned int i = array_count(&kvs); i > 0; i--) {
		const char *key = array_idx(&kvs, i - 1)->key;
		if (strncmp(key, priv, strlen(priv)) == 0 ||
		    strncmp(key, shared, strlen(shared)) == 0)
			array_delete(&kvs, i - 1, 1);
	}
	if (array_count(&kvs) == before)
		file_dotlock_delete(&dotlock);
	else
		(void)attr_write(box, path, &dotlock, &kvs);
out:
	if (box->error_string != NULL && box->error != MAIL_ERROR_NONE)
		i_error("Removing the attributes of deleted mailbox %s: %s", guid,
			mailbox_get_last_error(box, &error));
	mailbox_free(&box);
}
