#include "test-common.h"
#include "mail-index.h"
#include "mail-index-private.h"
#include "mail-cache.h"

#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <sys/stat.h>

static const struct mail_index_settings test_set = {
	.fsync_mode = MAIL_FSYNC_NEVER,
	.lock_method = FILE_LOCK_METHOD_FCNTL,
	.file_mode = 0600,
	.file_gid = (gid_t)-1,
	.lock_timeout_secs = 5,
};

static const char *new_dir(void)
{
	static unsigned int n;
	const char *dir = p_strdup_printf(test_pool, "%s/idx%u", test_tmpdir(), ++n);
	if (mkdir(dir, 0700) < 0)
		i_fatal("mkdir(%s): %m", dir);
	return dir;
}

static void lock_or_die(struct mail_index *index)
{
	const char *error;
	if (mail_index_lock(index, &error) <= 0)
		i_fatal("lock: %s", error);
}

/* Creates an index with uids 1..count named m<uid>. */
static struct mail_index *make_index(const char *dir, unsigned int count)
{
	struct mail_index *index = mail_index_alloc(dir, &test_set);
	const char *error;

	test_assert(mail_index_open(index, &error) >= 0);
	lock_or_die(index);
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	mail_index_reset(t, 1234, 0);
	for (unsigned int uid = 1; uid <= count; uid++) {
		struct mail_index_record rec = { .uid = uid, .physical_size = uid * 10 };
		mail_index_append(t, &rec, t_strdup_printf("m%u", uid));
	}
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);
	return index;
}

static void test_index_create_reopen(void)
{
	const char *dir = new_dir(), *error;

	test_begin("index create, update, reopen with log replay");
	struct mail_index *index = make_index(dir, 5);
	test_assert(mail_index_count(index) == 5);
	test_assert(mail_index_get_header(index)->uid_validity == 1234);
	test_assert(mail_index_get_header(index)->next_uid == 6);
	uint64_t modseq0 = mail_index_get_header(index)->highest_modseq;

	lock_or_die(index);
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	mail_index_update_flags(t, 2, 0x08, 0x3);
	mail_index_update_name(t, 2, "m2:2,S");
	mail_index_expunge(t, 4);
	struct mail_index_record rec = { .uid = 7, .physical_size = 70 };
	mail_index_append(t, &rec, "m7");
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);
	uint64_t modseq1 = mail_index_get_header(index)->highest_modseq;
	test_assert(modseq1 == modseq0 + 1);

	/* a second handle reads snapshot + log */
	struct mail_index *index2 = mail_index_alloc(dir, &test_set);
	test_assert(mail_index_open(index2, &error) == 1);
	test_assert(mail_index_count(index2) == 5);
	uint32_t seq = mail_index_lookup_uid(index2, 2);
	test_assert(seq == 2);
	const struct mail_index_record *r = mail_index_lookup(index2, seq);
	test_assert(r->flags == 0x08 && r->keywords == 3 && r->modseq == modseq1);
	test_assert_strcmp(mail_index_record_name(index2, r), "m2:2,S");
	test_assert(mail_index_lookup_uid(index2, 4) == 0);
	test_assert(mail_index_get_header(index2)->next_uid == 8);
	unsigned int exp_count;
	const struct mail_index_expunge *exp = mail_index_get_expunges(index2, &exp_count);
	test_assert(exp_count == 1 && exp[0].uid == 4 && exp[0].modseq == modseq1);

	/* index2 sees index's later changes through refresh */
	lock_or_die(index);
	t = mail_index_transaction_begin(index);
	mail_index_update_flags(t, 1, 0x02, 0);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);
	test_assert(mail_index_refresh(index2, &error) == 1);
	test_assert(mail_index_lookup(index2, 1)->flags == 0x02);
	test_assert(mail_index_refresh(index2, &error) == 0);

	/* compaction: index2 follows the rotation */
	lock_or_die(index);
	test_assert(mail_index_compact(index, &error) == 0);
	t = mail_index_transaction_begin(index);
	mail_index_update_flags(t, 3, 0x04, 0);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);
	test_assert(mail_index_refresh(index2, &error) == 1);
	test_assert(mail_index_lookup(index2, mail_index_lookup_uid(index2, 3))->flags == 0x04);
	test_assert_strcmp(mail_index_record_name(index2, mail_index_lookup(index2, 2)),
			   "m2:2,S");
	test_assert(mail_index_count(index2) == 5);
	mail_index_free(&index);
	mail_index_free(&index2);
	test_end();
}

static void corrupt_file(const char *path, off_t offset, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, data, size, offset) != (ssize_t)size)
		i_fatal("corrupt %s: %m", path);
	close(fd);
}

static void test_index_corrupted(void)
{
	const char *dir = new_dir(), *error;

	test_begin("index: corrupted or truncated snapshot means rebuild");
	struct mail_index *index = make_index(dir, 3);
	mail_index_free(&index);
	const char *path = t_strdup_printf("%s/roost.index", dir);

	/* bad magic */
	corrupt_file(path, 0, "XXXX", 4);
	index = mail_index_alloc(dir, &test_set);
	test_assert(mail_index_open(index, &error) == 0);
	test_assert(mail_index_is_broken(index));
	test_assert(mail_index_count(index) == 0);
	mail_index_free(&index);

	/* truncated */
	index = make_index(dir, 3);
	mail_index_free(&index);
	test_assert(truncate(path, 100) == 0);
	index = mail_index_alloc(dir, &test_set);
	test_assert(mail_index_open(index, &error) == 0);
	test_assert(mail_index_is_broken(index));
	mail_index_free(&index);

	/* a header field flipped: checksum */
	index = make_index(dir, 3);
	mail_index_free(&index);
	uint32_t bad = 99;
	corrupt_file(path, 20, &bad, sizeof(bad));
	index = mail_index_alloc(dir, &test_set);
	test_assert(mail_index_open(index, &error) == 0);
	mail_index_free(&index);

	/* a record's uid broken (records have no checksum: structure checks) */
	index = make_index(dir, 3);
	mail_index_free(&index);
	uint32_t zero = 0;
	corrupt_file(path, sizeof(struct mail_index_disk_header) + 64, &zero, sizeof(zero));
	index = mail_index_alloc(dir, &test_set);
	test_assert(mail_index_open(index, &error) == 0);
	test_assert(mail_index_is_broken(index));
	/* a rebuild keeps modseqs growing */
	lock_or_die(index);
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	mail_index_reset(t, 77, 500);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);
	test_assert(mail_index_get_header(index)->highest_modseq >= 500);
	test_assert(!mail_index_is_broken(index));
	mail_index_free(&index);
	index = mail_index_alloc(dir, &test_set);
	test_assert(mail_index_open(index, &error) == 1);
	test_assert(mail_index_get_header(index)->uid_validity == 77);
	mail_index_free(&index);
	test_end();
}

static void test_index_torn_log(void)
{
	const char *dir = new_dir(), *error;

	test_begin("index: a torn log tail is ignored, then cut by the next writer");
	struct mail_index *index = make_index(dir, 2);
	lock_or_die(index);
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	mail_index_update_flags(t, 1, 0x08, 0);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);
	mail_index_free(&index);

	const char *log_path = t_strdup_printf("%s/roost.index.log", dir);
	struct stat st;
	test_assert(stat(log_path, &st) == 0);
	off_t good_size = st.st_size;
	/* a complete-looking entry with a bad checksum, then junk */
	uint32_t garbage[16] = { 56, 0xdeadbeef, 5, 0, 1, 2 };
	corrupt_file(log_path, good_size, garbage, sizeof(garbage));

	index = mail_index_alloc(dir, &test_set);
	test_assert(mail_index_open(index, &error) == 1);
	test_assert(mail_index_lookup(index, 1)->flags == 0x08);
	lock_or_die(index);
	test_assert(stat(log_path, &st) == 0 && st.st_size == good_size);
	t = mail_index_transaction_begin(index);
	mail_index_update_flags(t, 2, 0x01, 0);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);
	mail_index_free(&index);

	index = mail_index_alloc(dir, &test_set);
	test_assert(mail_index_open(index, &error) == 1);
	test_assert(mail_index_lookup(index, 2)->flags == 0x01);
	mail_index_free(&index);

	/* a log from an older snapshot generation is ignored */
	index = make_index(dir, 2);
	mail_index_free(&index);
	test_end();
}

static void test_index_rotate(void)
{
	const char *dir = new_dir(), *error;
	struct mail_index_settings set = test_set;

	test_begin("index: log rotation keeps everything");
	set.log_rotate_size = 1024;
	struct mail_index *index = mail_index_alloc(dir, &set);
	test_assert(mail_index_open(index, &error) == 0);
	lock_or_die(index);
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	mail_index_reset(t, 5, 0);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);
	for (uint32_t uid = 1; uid <= 300; uid++) {
		lock_or_die(index);
		t = mail_index_transaction_begin(index);
		struct mail_index_record rec = { .uid = uid };
		mail_index_append(t, &rec, t_strdup_printf("name-%u", uid));
		if (uid > 1)
			mail_index_update_flags(t, uid - 1, (uid - 1) % 32, uid - 1);
		test_assert(mail_index_transaction_commit(&t, &error) == 0);
		mail_index_unlock(index);
	}
	struct mail_index *index2 = mail_index_alloc(dir, &set);
	test_assert(mail_index_open(index2, &error) == 1);
	test_assert(mail_index_count(index2) == 300);
	for (uint32_t seq = 1; seq < 300; seq++) {
		const struct mail_index_record *r = mail_index_lookup(index2, seq);
		if (r->uid != seq || r->flags != seq % 32 || r->keywords != seq) {
			i_error("seq %u: uid %u flags %u kw %llu", seq, r->uid, r->flags,
				(unsigned long long)r->keywords);
			test_assert_idx(false, seq);
			break;
		}
		test_assert_idx(strcmp(mail_index_record_name(index2, r),
				       t_strdup_printf("name-%u", seq)) == 0, seq);
	}
	test_assert(mail_index_get_header(index2)->highest_modseq ==
		    mail_index_get_header(index)->highest_modseq);
	mail_index_free(&index);
	mail_index_free(&index2);
	test_end();
}

static void test_cache(void)
{
	const char *dir = new_dir(), *error;

	test_begin("cache: add, merge, lookup, stale offsets");
	struct mail_index *index = make_index(dir, 2);
	struct mail_cache *cache = mail_cache_alloc(index);
	lock_or_die(index);
	struct mail_index_header_info hdr = *mail_index_get_header(index);
	hdr.cache_file_seq = 1;
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	mail_index_update_header(t, &hdr);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);

	struct mail_cache_value v1 = { MAIL_CACHE_FIELD_ENVELOPE, "(env)", 5 };
	uint32_t off1, off2;
	test_assert(mail_cache_add(cache, 0, 1, &v1, 1, &off1, &error) == 0);
	struct mail_cache_value v2 = { MAIL_CACHE_FIELD_BODYSTRUCTURE, "(bs)", 4 };
	test_assert(mail_cache_add(cache, off1, 1, &v2, 1, &off2, &error) == 0);
	t = mail_index_transaction_begin(index);
	mail_index_update_cache(t, 1, off2);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	mail_index_unlock(index);

	const void *data;
	size_t size;
	uint32_t off = mail_index_lookup(index, 1)->cache_offset;
	test_assert(mail_cache_lookup(cache, off, 1, MAIL_CACHE_FIELD_ENVELOPE, &data, &size,
				      &error) == 1);
	test_assert(size == 5 && memcmp(data, "(env)", 5) == 0);
	test_assert(mail_cache_lookup(cache, off, 1, MAIL_CACHE_FIELD_BODYSTRUCTURE, &data,
				      &size, &error) == 1);
	test_assert(size == 4 && memcmp(data, "(bs)", 4) == 0);
	test_assert(mail_cache_lookup(cache, off, 1, MAIL_CACHE_FIELD_HEADERS, &data, &size,
				      &error) == 0);
	/* wrong uid, bad offset */
	test_assert(mail_cache_lookup(cache, off, 2, MAIL_CACHE_FIELD_ENVELOPE, &data, &size,
				      &error) == 0);
	test_assert(mail_cache_lookup(cache, 100000, 1, MAIL_CACHE_FIELD_ENVELOPE, &data, &size,
				      &error) == 0);
	/* a corrupted entry reads as not cached */
	corrupt_file(t_strdup_printf("%s/roost.index.cache", dir), off + 20, "X", 1);
	mail_cache_free(&cache);
	cache = mail_cache_alloc(index);
	test_assert(mail_cache_lookup(cache, off, 1, MAIL_CACHE_FIELD_ENVELOPE, &data, &size,
				      &error) == 0);
	mail_cache_free(&cache);
	mail_index_free(&index);
	test_end();
}


/* The totals recomputed from the records. */
static void check_counts(struct mail_index *index, const char *dir, unsigned int idx)
{
	const struct mail_index_header_info *hdr = mail_index_get_header(index);
	struct mail_index_counts want = { 0 };
	unsigned int count = mail_index_count(index);
	const char *error;

	for (uint32_t seq = 1; seq <= count; seq++) {
		const struct mail_index_record *rec = mail_index_lookup(index, seq);
		want.messages++;
		want.seen += (rec->flags & MAIL_INDEX_FLAG_SEEN) != 0;
		want.recent += rec->uid >= hdr->first_recent_uid;
		want.deleted += (rec->flags & MAIL_INDEX_FLAG_DELETED) != 0;
		want.virtual_size += rec->virtual_size == (uint64_t)-1 ? rec->physical_size :
									 rec->virtual_size;
		want.physical_size += rec->physical_size;
	}
	const struct mail_index_counts *c = mail_index_get_counts(index);
	test_assert_idx(c->messages == want.messages && c->seen == want.seen &&
			c->recent == want.recent && c->deleted == want.deleted &&
			c->virtual_size == want.virtual_size &&
			c->physical_size == want.physical_size, idx);
	/* the header and log alone say the same */
	struct mail_index *peek = mail_index_alloc(dir, &test_set);
	struct mail_index_header_info phdr;
	struct mail_index_counts pc;
	test_assert_idx(mail_index_peek_header(peek, &phdr, &pc, &error) == 1, idx);
	test_assert_idx(memcmp(&pc, &want, sizeof(pc)) == 0, idx);
	test_assert_idx(phdr.next_uid == hdr->next_uid &&
			phdr.uid_validity == hdr->uid_validity &&
			phdr.highest_modseq == hdr->highest_modseq &&
			phdr.first_recent_uid == hdr->first_recent_uid, idx);
	mail_index_free(&peek);
}

static void test_index_counts(void)
{
	const char *dir = new_dir(), *error;
	struct mail_index_settings set = test_set;

	test_begin("index: totals, and the same from the header and log alone");
	set.log_rotate_size = 4096; /* rotations happen on the way */
	struct mail_index *index = mail_index_alloc(dir, &set);
	test_assert(mail_index_open(index, &error) == 0);
	lock_or_die(index);
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	mail_index_reset(t, 42, 1);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	/* a new mailbox's highest modseq is 1, its first change gets 2 */
	test_assert(mail_index_get_header(index)->highest_modseq == 1);
	unsigned int step = 0;
	uint32_t next_uid = 1;
	for (unsigned int round = 0; round < 40; round++) {
		t = mail_index_transaction_begin(index);
		for (unsigned int i = 0; i < 5; i++, next_uid++) {
			struct mail_index_record rec = {
				.uid = next_uid, .flags = next_uid % 3 == 0 ? MAIL_INDEX_FLAG_SEEN : 0,
				.physical_size = next_uid * 7,
				.virtual_size = next_uid % 5 == 0 ? (uint64_t)-1 : next_uid * 8,
			};
			mail_index_append(t, &rec, t_strdup_printf("m%u", next_uid));
		}
		if (round == 0)
			test_assert(mail_index_transaction_get_modseq(t) == 2);
		test_assert(mail_index_transaction_commit(&t, &error) == 0);
		check_counts(index, dir, step++);

		t = mail_index_transaction_begin(index);
		unsigned int count = mail_index_count(index);
		/* flag flips, a size change, two expunges */
		for (uint32_t seq = 1; seq <= count; seq += 4) {
			const struct mail_index_record *rec = mail_index_lookup(index, seq);
			mail_index_update_flags(t, rec->uid, rec->flags ^ MAIL_INDEX_FLAG_SEEN, 1);
		}
		const struct mail_index_record *mid = mail_index_lookup(index, count / 2 + 1);
		mail_index_update_sizes(t, mid->uid, mid->physical_size + 3, 99);
		mail_index_expunge(t, mail_index_lookup(index, 1)->uid);
		if (count > 3)
			mail_index_expunge(t, mail_index_lookup(index, 3)->uid);
		test_assert(mail_index_transaction_commit(&t, &error) == 0);
		check_counts(index, dir, step++);

		if (round % 10 == 9) {
			/* a session claims the \Recent ones */
			struct mail_index_header_info hdr = *mail_index_get_header(index);
			hdr.first_recent_uid = hdr.next_uid;
			t = mail_index_transaction_begin(index);
			mail_index_update_header(t, &hdr);
			test_assert(mail_index_transaction_commit(&t, &error) == 0);
			test_assert(mail_index_get_counts(index)->recent == 0);
			check_counts(index, dir, step++);
		}
	}
	mail_index_unlock(index);
	/* a reader replaying the log from scratch agrees */
	struct mail_index *index2 = mail_index_alloc(dir, &set);
	test_assert(mail_index_open(index2, &error) == 1);
	test_assert(memcmp(mail_index_get_counts(index2), mail_index_get_counts(index),
			   sizeof(struct mail_index_counts)) == 0);
	mail_index_free(&index2);
	mail_index_free(&index);
	test_end();
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1000000.0;
}

static void test_index_expunge_many(void)
{
	const char *dir = new_dir(), *error;
	const unsigned int count = 100000;
	struct mail_index_settings set = test_set;

	test_begin("index: expunging N of M messages is O(N + M)");
	set.log_rotate_size = 64 * 1024 * 1024; /* the log holds every change */
	struct mail_index *index = mail_index_alloc(dir, &set);
	test_assert(mail_index_open(index, &error) == 0);
	lock_or_die(index);
	struct mail_index_transaction *t = mail_index_transaction_begin(index);
	mail_index_reset(t, 7, 1);
	for (uint32_t uid = 1; uid <= count; uid++) {
		struct mail_index_record rec = { .uid = uid, .physical_size = 10 };
		mail_index_append(t, &rec, "");
	}
	test_assert(mail_index_transaction_commit(&t, &error) == 0);

	/* half of them, every other one, in one transaction */
	double start = now_ms();
	t = mail_index_transaction_begin(index);
	for (uint32_t uid = 1; uid <= count; uid += 2)
		mail_index_expunge(t, uid);
	test_assert(mail_index_transaction_commit(&t, &error) == 0);
	double one = now_ms() - start;
	test_assert(mail_index_count(index) == count / 2);
	/* then 2000 transactions of 5 (a client expunging as it goes) */
	start = now_ms();
	for (uint32_t i = 0; i < 2000; i++) {
		t = mail_index_transaction_begin(index);
		for (uint32_t k = 0; k < 5; k++)
			mail_index_expunge(t, 2 + (i * 5 + k) * 2);
		test_assert(mail_index_transaction_commit(&t, &error) == 0);
	}
	double many = now_ms() - start;
	mail_index_unlock(index);
	test_assert(mail_index_count(index) == count / 2 - 10000);
	test_assert(mail_index_lookup(index, 1)->uid == 20002);
	unsigned int exp_count;
	const struct mail_index_expunge *exp = mail_index_get_expunges(index, &exp_count);
	test_assert(exp_count == count / 2 + 10000);
	for (unsigned int i = 1; i < exp_count; i++)
		test_assert_idx(exp[i - 1].uid < exp[i].uid, i);

	/* a reader replays those 2001 entries in one pass too */
	start = now_ms();
	struct mail_index *index2 = mail_index_alloc(dir, &set);
	test_assert(mail_index_open(index2, &error) == 1);
	double replay = now_ms() - start;
	test_assert(mail_index_count(index2) == count / 2 - 10000);
	test_assert(mail_index_get_counts(index2)->messages == count / 2 - 10000);
	mail_index_free(&index2);
	mail_index_free(&index);
	printf("    %u messages: 50000 expunged in one commit %.1f ms, 10000 in 2000 commits "
	       "%.1f ms, replay of it all %.1f ms\n", count, one, many, replay);
	/* O(N * M) took minutes here; generous for sanitizer builds */
	test_assert(one < 2000 && replay < 5000);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_index_create_reopen,
		test_index_corrupted,
		test_index_torn_log,
		test_index_rotate,
		test_cache,
		test_index_counts,
		test_index_expunge_many,
		NULL,
	};
	log_init_stderr("test-mail-index");
	return test_run(tests);
}
