/* RFC 5256 section 2.1 base subject extraction. The text is casemapped
   first, so every ASCII letter is upper case when the decorations are
   matched. */

#include "lib.h"
#include "imap-base-subject.h"
#include "rfc2047.h"
#include "str.h"
#include "unicode-casemap.h"

struct subject {
	const char *s; /* casemapped, whitespace packed */
	size_t start, end;
	/* remove_leader() found no "re"/"fw" after the blobs from start up
	   to leader_fail: while start stays within them (only blobs are
	   removed) it would fail again, so the blob loop stays linear */
	size_t leader_fail;
	bool leader_fail_set;
	bool reply;
};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One space for each run of whitespace. */
static void pack_whitespace(const string_t *src, string_t *dest)
{
	const char *p = str_c(src);
	size_t i, len = str_len(src);
	bool space = false;

	for (i = 0; i < len; i++) {
		if (is_wsp(p[i])) {
			space = true;
			continue;
		}
		if (space)
			str_append_c(dest, ' ');
		space = false;
		str_append_c(dest, p[i]);
	}
	if (space)
		str_append_c(dest, ' ');
}

static size_t subj_len(const struct subject *subj)
{
	return subj->end - subj->start;
}

static bool has_prefix(const struct subject *subj, size_t pos, const char *prefix)
{
	size_t n = strlen(prefix);

	return subj->end - pos >= n && memcmp(subj->s + pos, prefix, n) == 0;
}

/* (2) trailing "(fwd)" and whitespace */
static void remove_trailers(struct subject *subj)
{
	while (subj->end > subj->start) {
		if (subj->s[subj->end - 1] == ' ') {
			subj->end--;
		} else if (subj_len(subj) >= 5 && memcmp(subj->s + subj->end - 5, "(FWD)", 5) == 0) {
			subj->end -= 5;
			subj->reply = true;
		} else {
			break;
		}
	}
}

/* subj-blob = "[" *BLOBCHAR "]" *WSP at pos: returns the position after
   it, or 0 when there is none. */
static size_t skip_blob(const struct subject *subj, size_t pos)
{
	if (pos >= subj->end || subj->s[pos] != '[')
		return 0;
	for (pos++; pos < subj->end; pos++) {
		if (subj->s[pos] == '[')
			return 0;
		if (subj->s[pos] == ']')
			break;
	}
	if (pos >= subj->end)
		return 0;
	for (pos++; pos < subj->end && subj->s[pos] == ' '; pos++)
		;
	return pos;
}

/* (3) subj-leader = (*subj-blob subj-refwd) / WSP, where
   subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" */
static bool remove_leader(struct subject *subj)
{
	size_t pos = subj->start, next;

	if (pos < subj->end && subj->s[pos] == ' ') {
		subj->start++;
		return true;
	}
	if (subj->leader_fail_set && pos <= subj->leader_fail)
		return false;
	while ((next = skip_blob(subj, pos)) != 0)
		pos = next;
	size_t after_blobs = pos;
	if (has_prefix(subj, pos, "RE"))
		pos += 2;
	else if (has_prefix(subj, pos, "FWD"))
		pos += 3;
	else if (has_prefix(subj, pos, "FW"))
		pos += 2;
	else
		pos = subj->end;
	while (pos < subj->end && subj->s[pos] == ' ')
		pos++;
	if ((next = skip_blob(subj, pos)) != 0)
		pos = next;
	if (pos >= subj->end || subj->s[pos] != ':') {
		subj->leader_fail = after_blobs;
		subj->leader_fail_set = true;
		return false;
	}
	subj->start = pos + 1;
	subj->reply = true;
	return true;
}

/* (4) a leading subj-blob, if the base subject is not empty without it */
static bool remove_blob(struct subject *subj)
{
	size_t next = skip_blob(subj, subj->start);

	if (next == 0 || next >= subj->end)
		return false;
	subj->start = next;
	return true;
}

/* (6) subj-fwd-hdr subject subj-fwd-trl: "[fwd:" ... "]" */
static bool remove_fwd_wrapper(struct subject *subj)
{
	if (subj_len(subj) < 6 || !has_prefix(subj, subj->start, "[FWD:") ||
	    subj->s[subj->end - 1] != ']')
		return false;
	subj->start += 5;
	subj->end--;
	subj->reply = true;
	return true;
}

const char *imap_base_subject(pool_t pool, const void *value, size_t size, bool *reply_or_fwd_r)
{
	string_t *utf8 = str_new(pool_temp, size + 16);
	string_t *mapped = str_new(pool_temp, size + 16);
	string_t *packed = str_new(pool_temp, size + 16);
	struct subject subj;
	bool changed;

	/* (1) decoded, casemapped, whitespace packed */
	rfc2047_decode_utf8(value, size, utf8);
	uni_utf8_casemap(str_data(utf8), str_len(utf8), mapped);
	pack_whitespace(mapped, packed);
	memset(&subj, 0, sizeof(subj));
	subj.s = str_c(packed);
	subj.end = str_len(packed);
	do {
		subj.leader_fail_set = false;
		remove_trailers(&subj);
		/* (5) repeat (3) and (4) until nothing changes */
		do {
			changed = false;
			while (remove_leader(&subj))
				changed = true;
			if (remove_blob(&subj))
				changed = true;
		} while (changed);
	} while (remove_fwd_wrapper(&subj));
	if (reply_or_fwd_r != NULL)
		*reply_or_fwd_r = subj.reply;
	return p_strndup(pool, subj.s + subj.start, subj_len(&subj));
}
