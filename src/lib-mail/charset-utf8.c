#include "lib.h"
#include "charset-utf8.h"

#include <iconv.h>
#include <strings.h>

/* bytes kept back when a chunk ends inside a character; no charset that
   iconv knows has characters longer than this */
#define CHARSET_MAX_PENDING 16

struct charset_translation {
	iconv_t cd; /* (iconv_t)-1 for UTF-8 input */
	unsigned char pending[CHARSET_MAX_PENDING];
	size_t pending_len;
};

bool charset_is_utf8(const char *charset)
{
	return strcasecmp(charset, "utf-8") == 0 || strcasecmp(charset, "utf8") == 0 ||
	       strcasecmp(charset, "us-ascii") == 0 || strcasecmp(charset, "ascii") == 0;
}

static iconv_t charset_open(const char *charset)
{
	return iconv_open("UTF-8", charset);
}

bool charset_is_known(const char *charset)
{
	if (charset_is_utf8(charset))
		return true;
	iconv_t cd = charset_open(charset);

	if (cd == (iconv_t)-1)
		return false;
	iconv_close(cd);
	return true;
}

int charset_utf8_char_len(const unsigned char *p, size_t size)
{
	unsigned char c = p[0];
	unsigned int len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return -1;
	/* the second byte's range excludes overlongs, surrogates and
	   values above U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		if (i >= size)
			return 0;
		if (p[i] < lo || p[i] > hi)
			return -1;
		lo = 0x80;
		hi = 0xbf;
	}
	return (int)len;
}

/* Appends the valid prefix; returns how many bytes were consumed. Stops
   before a cut character at the end when hold_tail is set. */
static size_t utf8_append(string_t *dest, const unsigned char *data, size_t size, bool hold_tail,
			  bool *invalid)
{
	size_t i = 0, start = 0;

	while (i < size) {
		if (data[i] < 0x80) {
			i++;
			continue;
		}
		int len = charset_utf8_char_len(data + i, size - i);

		if (len > 0) {
			i += (size_t)len;
			continue;
		}
		str_append_data(dest, data + start, i - start);
		if (len == 0 && hold_tail)
			return i;
		str_append(dest, CHARSET_UNICODE_REPLACEMENT);
		*invalid = true;
		i++;
		/* skip the continuation bytes of the broken sequence */
		while (i < size && (data[i] & 0xc0) == 0x80 && len != 0)
			i++;
		if (len == 0)
			i = size;
		start = i;
	}
	str_append_data(dest, data + start, i - start);
	return i;
}

bool charset_utf8_append_valid(string_t *dest, const void *data, size_t size)
{
	bool invalid = false;

	(void)utf8_append(dest, data, size, false, &invalid);
	return !invalid;
}

/* Converts with iconv; returns bytes consumed. With hold_tail a cut
   character at the end is left unconsumed. */
static size_t iconv_append(iconv_t cd, string_t *dest, const unsigned char *data, size_t size,
			   bool hold_tail, bool *invalid)
{
	char outbuf[1024];
	char *in = (char *)data;
	size_t inleft = size;

	while (inleft > 0) {
		char *out = outbuf;
		size_t outleft = sizeof(outbuf);
		size_t ret = iconv(cd, &in, &inleft, &out, &outleft);

		str_append_data(dest, outbuf, sizeof(outbuf) - outleft);
		if (ret != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && hold_tail)
			break;
		/* EILSEQ, or EINVAL at the very end: replace one byte */
		str_append(dest, CHARSET_UNICODE_REPLACEMENT);
		*invalid = true;
		in++;
		inleft--;
		(void)iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* flush a shift state (ISO-2022-JP and friends) */
	if (!hold_tail) {
		char *out = outbuf;
		size_t outleft = sizeof(outbuf);

		if (iconv(cd, NULL, NULL, &out, &outleft) != (size_t)-1)
			str_append_data(dest, outbuf, sizeof(outbuf) - outleft);
	}
	return size - inleft;
}

enum charset_result charset_to_utf8_str(const char *charset, const void *data, size_t size,
					string_t *dest)
{
	bool invalid = false;

	if (charset_is_utf8(charset)) {
		(void)utf8_append(dest, data, size, false, &invalid);
	} else {
		iconv_t cd = charset_open(charset);

		if (cd == (iconv_t)-1)
			return CHARSET_RET_UNKNOWN;
		(void)iconv_append(cd, dest, data, size, false, &invalid);
		iconv_close(cd);
	}
	return invalid ? CHARSET_RET_INVALID_INPUT : CHARSET_RET_OK;
}

struct charset_translation *charset_translation_create(const char *charset)
{
	iconv_t cd = (iconv_t)-1;

	if (!charset_is_utf8(charset)) {
		cd = charset_open(charset);
		if (cd == (iconv_t)-1)
			return NULL;
	}
	struct charset_translation *t = i_new(struct charset_translation, 1);

	t->cd = cd;
	return t;
}

void charset_translation_destroy(struct charset_translation **_t)
{
	struct charset_translation *t = *_t;

	if (t == NULL)
		return;
	*_t = NULL;
	if (t->cd != (iconv_t)-1)
		iconv_close(t->cd);
	i_free(t);
}

static size_t translate(struct charset_translation *t, const unsigned char *data, size_t size,
			bool hold_tail, string_t *dest, bool *invalid)
{
	if (t->cd == (iconv_t)-1)
		return utf8_append(dest, data, size, hold_tail, invalid);
	return iconv_append(t->cd, dest, data, size, hold_tail, invalid);
}

enum charset_result charset_translation_add(struct charset_translation *t, const void *_data,
					    size_t size, string_t *dest)
{
	const unsigned char *data = _data;
	bool invalid = false;

	/* complete a character cut at the end of the previous chunk: feed
	   the pending bytes plus a few new ones */
	while (t->pending_len > 0 && size > 0) {
		unsigned char tmp[CHARSET_MAX_PENDING * 2];
		size_t old = t->pending_len, add = MIN(size, CHARSET_MAX_PENDING);

		memcpy(tmp, t->pending, old);
		memcpy(tmp + old, data, add);
		size_t used = translate(t, tmp, old + add, true, dest, &invalid);

		if (used >= old) {
			/* done with the pending bytes; the rest of the new
			   bytes are converted below */
			t->pending_len = 0;
			data += used - old;
			size -= used - old;
			break;
		}
		size_t keep = old + add - used;

		data += add;
		size -= add;
		if (keep > CHARSET_MAX_PENDING) {
			/* no real charset has such characters */
			str_append(dest, CHARSET_UNICODE_REPLACEMENT);
			invalid = true;
			t->pending_len = 0;
		} else {
			memmove(t->pending, tmp + used, keep);
			t->pending_len = keep;
		}
	}
	if (size > 0) {
		size_t used = translate(t, data, size, true, dest, &invalid);
		size_t keep = size - used;

		if (keep > CHARSET_MAX_PENDING) {
			str_append(dest, CHARSET_UNICODE_REPLACEMENT);
			invalid = true;
		} else {
			memcpy(t->pending, data + used, keep);
			t->pending_len = keep;
		}
	}
	return invalid ? CHARSET_RET_INVALID_INPUT : CHARSET_RET_OK;
}

enum charset_result charset_translation_finish(struct charset_translation *t, string_t *dest)
{
	bool invalid = false;

	if (t->pending_len > 0) {
		(void)translate(t, t->pending, t->pending_len, false, dest, &invalid);
		t->pending_len = 0;
	} else if (t->cd != (iconv_t)-1) {
		(void)iconv_append(t->cd, dest, NULL, 0, false, &invalid);
	}
	return invalid ? CHARSET_RET_INVALID_INPUT : CHARSET_RET_OK;
}
