#include "lib.h"
#include "charset-utf8.h"
#include "message-cte.h"
#include "rfc822-parser.h"
#include "rfc2047.h"

#include <strings.h>

/* a charset name longer than this is not one */
#define RFC2047_MAX_CHARSET_LEN 64

struct encoded_word {
	const unsigned char *charset;
	size_t charset_len;
	unsigned char encoding;
	const unsigned char *text;
	size_t text_len;
	/* the whole word */
	size_t size;
};

struct rfc2047_decode_ctx {
	string_t *dest;
	/* decoded bytes of the current run of words in one charset */
	buffer_t *run;
	char charset[RFC2047_MAX_CHARSET_LEN + 1];
	/* the raw bytes of the run, for unknown charsets */
	const unsigned char *run_start, *run_end;
};

/* Where the next "?=" is: each byte is searched once, even when many
   "=?x?q?" starts share one end (or have none). */
struct end_cache {
	const unsigned char *from;
	const unsigned char *end; /* NULL: no "?=" at or after from */
};

static const unsigned char *find_end(struct end_cache *cache, const unsigned char *p,
				     const unsigned char *end)
{
	if (cache->from != NULL && p >= cache->from && (cache->end == NULL || p <= cache->end))
		return cache->end;
	cache->from = p;
	cache->end = NULL;
	for (; p + 1 < end; p++) {
		p = memchr(p, '?', (size_t)(end - p - 1));
		if (p == NULL)
			break;
		if (p[1] == '=') {
			cache->end = p;
			break;
		}
	}
	return cache->end;
}

/* Parses the encoded word at data ("=?" already checked). Returns false if
   it is not one. */
static bool encoded_word_parse(const unsigned char *data, const unsigned char *end,
			       struct end_cache *cache, struct encoded_word *w_r)
{
	size_t size = (size_t)(end - data), i = 2;

	/* charset: token characters up to '?' */
	while (i < size && data[i] != '?' && rfc822_is_token_char(data[i]) &&
	       i - 2 <= RFC2047_MAX_CHARSET_LEN)
		i++;
	if (i == 2 || i >= size || data[i] != '?' || i - 2 > RFC2047_MAX_CHARSET_LEN)
		return false;
	w_r->charset = data + 2;
	w_r->charset_len = i - 2;
	if (i + 2 >= size || data[i + 2] != '?')
		return false;
	w_r->encoding = data[i + 1];
	if (w_r->encoding != 'B' && w_r->encoding != 'b' && w_r->encoding != 'Q' &&
	    w_r->encoding != 'q')
		return false;
	i += 3;
	w_r->text = data + i;
	const unsigned char *text_end = find_end(cache, w_r->text, end);

	if (text_end == NULL)
		return false;
	w_r->text_len = (size_t)(text_end - w_r->text);
	w_r->size = (size_t)(text_end + 2 - data);
	return true;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void decode_q(const unsigned char *text, size_t size, buffer_t *dest)
{
	for (size_t i = 0; i < size; i++) {
		int hi, lo;

		if (text[i] == '_') {
			buffer_append_c(dest, ' ');
		} else if (text[i] == '=' && i + 2 < size && (hi = hex_value(text[i + 1])) >= 0 &&
			   (lo = hex_value(text[i + 2])) >= 0) {
			buffer_append_c(dest, (unsigned char)(hi * 16 + lo));
			i += 2;
		} else {
			buffer_append_c(dest, text[i]);
		}
	}
}

static void run_flush(struct rfc2047_decode_ctx *ctx)
{
	if (ctx->run_start == NULL)
		return;
	if (charset_to_utf8_str(ctx->charset, ctx->run->data, ctx->run->used, ctx->dest) ==
	    CHARSET_RET_UNKNOWN)
		str_append_data(ctx->dest, ctx->run_start, (size_t)(ctx->run_end - ctx->run_start));
	buffer_reset(ctx->run);
	ctx->run_start = ctx->run_end = NULL;
}

static void run_add(struct rfc2047_decode_ctx *ctx, const unsigned char *start,
		    const struct encoded_word *w)
{
	char charset[RFC2047_MAX_CHARSET_LEN + 1];
	size_t len = w->charset_len;
	const unsigned char *star = memchr(w->charset, '*', len);

	/* RFC 2231 section 5: charset*language */
	if (star != NULL)
		len = (size_t)(star - w->charset);
	memcpy(charset, w->charset, len);
	charset[len] = '\0';

	if (ctx->run_start != NULL && strcasecmp(charset, ctx->charset) != 0)
		run_flush(ctx);
	if (ctx->run_start == NULL) {
		memcpy(ctx->charset, charset, len + 1);
		ctx->run_start = start;
	}
	ctx->run_end = start + w->size;
	if (w->encoding == 'B' || w->encoding == 'b')
		message_cte_decode_base64(w->text, w->text_len, ctx->run);
	else
		decode_q(w->text, w->text_len, ctx->run);
}

static bool is_lwsp_only(const unsigned char *p, const unsigned char *end)
{
	for (; p < end; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	}
	return true;
}

void rfc2047_decode_utf8(const void *_data, size_t size, string_t *dest)
{
	const unsigned char *data = _data, *end = data + size;
	const unsigned char *p = data, *plain = data;
	struct rfc2047_decode_ctx ctx;
	struct encoded_word w;
	struct end_cache cache = { NULL, NULL };

	memset(&ctx, 0, sizeof(ctx));
	ctx.dest = dest;
	ctx.run = buffer_create_dynamic(pool_system, 128);
	while (p < end) {
		const unsigned char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq == NULL)
			break;
		if (eq + 1 < end && eq[1] == '?' && encoded_word_parse(eq, end, &cache, &w)) {
			/* whitespace between two words is dropped */
			if (ctx.run_start == NULL || !is_lwsp_only(plain, eq)) {
				run_flush(&ctx);
				(void)charset_utf8_append_valid(dest, plain, (size_t)(eq - plain));
			}
			run_add(&ctx, eq, &w);
			p = plain = eq + w.size;
		} else {
			p = eq + 1;
		}
	}
	run_flush(&ctx);
	(void)charset_utf8_append_valid(dest, plain, (size_t)(end - plain));
	buffer_free(&ctx.run);
}

bool rfc2047_has_encoded_words(const void *_data, size_t size)
{
	const unsigned char *data = _data, *end = data + size, *p = data;
	struct encoded_word w;
	struct end_cache cache = { NULL, NULL };

	while (p < end) {
		const unsigned char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq == NULL)
			return false;
		if (eq + 1 < end && eq[1] == '?' && encoded_word_parse(eq, end, &cache, &w))
			return true;
		p = eq + 1;
	}
	return false;
}
