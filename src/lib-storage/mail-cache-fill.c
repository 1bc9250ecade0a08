/* Cached fields: parse a message once with lib-mail, store the IMAP texts
   in roost.index.cache. */

#include "lib.h"
#include "mail-storage-private.h"
#include "mail-cache-fill.h"
#include "message-parser.h"
#include "message-part-data.h"
#include "imap-envelope.h"
#include "imap-bodystructure.h"

#include <sys/mman.h>

void mail_cache_fill_parse(const void *data, size_t size, string_t *envelope,
			   string_t *bodystructure, string_t *body)
{
	pool_t pool = pool_alloconly_create("message parts", 4096);
	struct message_part *part = message_parse_buffer(pool, data, size, NULL);

	str_append_c(envelope, '(');
	imap_envelope_write(envelope, part->data == NULL ? NULL : part->data->envelope);
	str_append_c(envelope, ')');
	str_append_c(bodystructure, '(');
	imap_bodystructure_write(bodystructure, part, true);
	str_append_c(bodystructure, ')');
	str_append_c(body, '(');
	imap_bodystructure_write(body, part, false);
	str_append_c(body, ')');
	pool_unref(&pool);
}

static int cache_field_of(enum mail_fetch_field field)
{
	switch (field) {
	case MAIL_FETCH_ENVELOPE:
		return MAIL_CACHE_FIELD_ENVELOPE;
	case MAIL_FETCH_BODYSTRUCTURE:
		return MAIL_CACHE_FIELD_BODYSTRUCTURE;
	case MAIL_FETCH_BODY:
		return MAIL_CACHE_FIELD_BODY;
	}
	i_unreached();
}

int mailbox_mail_get_cached(struct mailbox *box, uint32_t seq, enum mail_fetch_field field,
			    pool_t pool, const char **value_r)
{
	uint32_t uid = mailbox_seq_to_uid(box, seq);
	uint32_t iseq = uid == 0 ? 0 : mail_index_lookup_uid(box->index, uid);
	const char *error;
	const void *data;
	size_t size;

	if (iseq == 0) {
		mailbox_set_error(box, MAIL_ERROR_EXPUNGED, "Message was expunged");
		return -1;
	}
	const struct mail_index_record *rec = mail_index_lookup(box->index, iseq);
	int ret = mail_cache_lookup(box->cache, rec->cache_offset, uid,
				    (enum mail_cache_field)cache_field_of(field), &data, &size,
				    &error);
	if (ret < 0)
		i_error("Mailbox %s: %s", box->vname, error);
	if (ret > 0) {
		*value_r = p_strndup(pool, data, size);
		return 0;
	}
	/* not cached: parse the message once, cache all three */
	int fd;
	uint64_t fsize;
	if (mailbox_mail_open(box, seq, &fd, &fsize) < 0)
		return -1;
	void *map = fsize == 0 ? NULL : mmap(NULL, (size_t)fsize, PROT_READ, MAP_PRIVATE, fd, 0);
	i_close_fd(&fd);
	if (map == MAP_FAILED) {
		mailbox_set_critical(box, "mmap() of a message failed: %s", strerror(errno));
		return -1;
	}
	string_t *env = str_new(pool_temp, 512), *bs = str_new(pool_temp, 512),
		 *body = str_new(pool_temp, 512);
	mail_cache_fill_parse(map == NULL ? "" : map, (size_t)fsize, env, bs, body);
	if (map != NULL)
		(void)munmap(map, (size_t)fsize);
	string_t *values[] = { env, bs, body };
	*value_r = p_strdup(pool, str_c(values[cache_field_of(field) - 1]));

	/* caching is an optimisation: failures are logged, not returned */
	if (mail_index_lock(box->index, &error) <= 0)
		return 0;
	iseq = mail_index_lookup_uid(box->index, uid);
	if (iseq != 0) {
		struct mail_cache_value cv[] = {
			{ MAIL_CACHE_FIELD_ENVELOPE, str_data(env), str_len(env) },
			{ MAIL_CACHE_FIELD_BODYSTRUCTURE, str_data(bs), str_len(bs) },
			{ MAIL_CACHE_FIELD_BODY, str_data(body), str_len(body) },
		};
		uint32_t offset;
		rec = mail_index_lookup(box->index, iseq);
		if (mail_cache_add(box->cache, rec->cache_offset, uid, cv, N_ELEMENTS(cv), &offset,
				   &error) < 0) {
			i_error("Mailbox %s: caching failed: %s", box->vname, error);
		} else {
			struct mail_index_transaction *t = mail_index_transaction_begin(box->index);
			mail_index_update_cache(t, uid, offset);
			if (mail_index_transaction_commit(&t, &error) < 0)
				i_error("Mailbox %s: %s", box->vname, error);
		}
	}
	mail_index_unlock(box->index);
	return 0;
}
