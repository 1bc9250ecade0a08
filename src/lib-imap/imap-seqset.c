#include "lib.h"
#include "imap-seqset.h"

static int parse_number(const char **p, uint32_t *num_r)
{
	uint64_t n = 0;
	const char *s = *p;

	if (*s == '*') {
		*num_r = IMAP_SEQ_STAR;
		*p = s + 1;
		return 0;
	}
	if (*s < '1' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n >= IMAP_SEQ_STAR)
			return -1;
	}
	*num_r = (uint32_t)n;
	*p = s;
	return 0;
}

int imap_seq_set_parse(const char *str, ARRAY_TYPE(imap_seq_range) *dest, bool *is_saved_r,
		       const char **error_r)
{
	const char *p = str;
	struct imap_seq_range range;

	*is_saved_r = false;
	if (strcmp(str, "$") == 0) {
		*is_saved_r = true;
		return 0;
	}
	for (;;) {
		if (parse_number(&p, &range.seq1) < 0) {
			*error_r = "Invalid sequence set";
			return -1;
		}
		range.seq2 = range.seq1;
		if (*p == ':') {
			p++;
			if (parse_number(&p, &range.seq2) < 0) {
				*error_r = "Invalid sequence range";
				return -1;
			}
		}
		array_push(dest, &range);
		if (*p == '\0')
			return 0;
		if (*p != ',') {
			*error_r = "Invalid sequence set";
			return -1;
		}
		p++;
	}
}

bool imap_seq_set_contains(const ARRAY_TYPE(imap_seq_range) *set, uint32_t num, uint32_t max)
{
	array_foreach(set, r) {
		uint32_t a = r->seq1 == IMAP_SEQ_STAR ? max : r->seq1;
		uint32_t b = r->seq2 == IMAP_SEQ_STAR ? max : r->seq2;

		if ((num >= a && num <= b) || (num >= b && num <= a))
			return true;
	}
	return false;
}

static int range_cmp(const void *a, const void *b)
{
	const struct imap_seq_range *ra = a, *rb = b;

	return ra->seq1 < rb->seq1 ? -1 : ra->seq1 > rb->seq1 ? 1 : 0;
}

void imap_seq_set_write(string_t *dest, const ARRAY_TYPE(imap_seq_range) *set)
{
	unsigned int count = array_count(set);
	struct imap_seq_range *ranges = i_new(struct imap_seq_range, count + 1);
	unsigned int n = 0;

	array_foreach(set, r) {
		ranges[n].seq1 = MIN(r->seq1, r->seq2);
		ranges[n].seq2 = MAX(r->seq1, r->seq2);
		n++;
	}
	qsort(ranges, n, sizeof(*ranges), range_cmp);
	for (unsigned int i = 0; i < n;) {
		struct imap_seq_range cur = ranges[i++];

		while (i < n && (cur.seq2 == IMAP_SEQ_STAR || ranges[i].seq1 <= cur.seq2 + 1)) {
			cur.seq2 = MAX(cur.seq2, ranges[i].seq2);
			i++;
		}
		if (str_len(dest) > 0 && str_data(dest)[str_len(dest) - 1] != ' ')
			str_append_c(dest, ',');
		if (cur.seq1 == IMAP_SEQ_STAR)
			str_append_c(dest, '*');
		else
			str_printfa(dest, "%u", cur.seq1);
		if (cur.seq2 != cur.seq1) {
			if (cur.seq2 == IMAP_SEQ_STAR)
				str_append(dest, ":*");
			else
				str_printfa(dest, ":%u", cur.seq2);
		}
	}
	i_free(ranges);
}
