#include "lib.h"
#include "rfc822-parser.h"
#include "message-cte.h"

#include <strings.h>

/* quoted-printable whitespace runs longer than this are passed on without
   waiting to see whether they end the line */
#define QP_MAX_PENDING_WS 1024

enum qp_state {
	QP_STATE_TEXT = 0,
	QP_STATE_CR,
	QP_STATE_EQ,
	QP_STATE_EQ_HEX1,
	QP_STATE_EQ_WS,
	QP_STATE_EQ_CR,
};

struct message_cte_decoder {
	enum message_cte cte;
	bool had_errors;

	/* base64 */
	uint32_t b64_quantum;
	unsigned int b64_count;

	/* quoted-printable */
	enum qp_state qp_state;
	unsigned char qp_hex1;
	buffer_t *qp_ws;    /* whitespace that may be trailing */
	buffer_t *qp_eq_ws; /* whitespace after "=" */
};

static const signed char b64_table[256] = {
#define X64 -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
	X64, X64,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	X64, X64, X64, X64, X64, X64, X64, X64,
#undef X64
};

enum message_cte message_cte_parse(const char *value)
{
	struct rfc822_parser_context parser;
	enum message_cte cte = MESSAGE_CTE_UNKNOWN;

	if (value == NULL)
		return MESSAGE_CTE_7BIT;
	string_t *str = str_new(pool_system, 32);

	rfc822_parser_init(&parser, value, strlen(value), NULL);
	if (rfc822_skip_lwsp(&parser) > 0 && rfc822_parse_mime_token(&parser, str) >= 0 &&
	    parser.data == parser.end) {
		const char *s = str_c(str);

		if (strcasecmp(s, "7bit") == 0)
			cte = MESSAGE_CTE_7BIT;
		else if (strcasecmp(s, "8bit") == 0)
			cte = MESSAGE_CTE_8BIT;
		else if (strcasecmp(s, "binary") == 0)
			cte = MESSAGE_CTE_BINARY;
		else if (strcasecmp(s, "quoted-printable") == 0)
			cte = MESSAGE_CTE_QP;
		else if (strcasecmp(s, "base64") == 0)
			cte = MESSAGE_CTE_BASE64;
	}
	str_free(&str);
	return cte;
}

struct message_cte_decoder *message_cte_decoder_create(enum message_cte cte)
{
	struct message_cte_decoder *dec = i_new(struct message_cte_decoder, 1);

	dec->cte = cte;
	if (cte == MESSAGE_CTE_QP) {
		dec->qp_ws = buffer_create_dynamic(pool_system, 64);
		dec->qp_eq_ws = buffer_create_dynamic(pool_system, 16);
	}
	return dec;
}

void message_cte_decoder_destroy(struct message_cte_decoder **_dec)
{
	struct message_cte_decoder *dec = *_dec;

	if (dec == NULL)
		return;
	*_dec = NULL;
	if (dec->qp_ws != NULL) {
		buffer_free(&dec->qp_ws);
		buffer_free(&dec->qp_eq_ws);
	}
	i_free(dec);
}

bool message_cte_decoder_had_errors(const struct message_cte_decoder *dec)
{
	return dec->had_errors;
}

/* base64 */

static void b64_flush_partial(struct message_cte_decoder *dec, buffer_t *dest)
{
	unsigned char out[2];
	uint32_t q = dec->b64_quantum;

	switch (dec->b64_count) {
	case 0:
		break;
	case 1:
		/* 6 bits are not a byte */
		dec->had_errors = true;
		break;
	case 2:
		out[0] = (unsigned char)(q >> 4);
		buffer_append(dest, out, 1);
		break;
	case 3:
		out[0] = (unsigned char)(q >> 10);
		out[1] = (unsigned char)(q >> 2);
		buffer_append(dest, out, 2);
		break;
	}
	dec->b64_quantum = 0;
	dec->b64_count = 0;
}

static void b64_decode(struct message_cte_decoder *dec, const unsigned char *data, size_t size,
		       buffer_t *dest)
{
	unsigned char out[768];
	size_t out_len = 0;
	uint32_t q = dec->b64_quantum;
	unsigned int n = dec->b64_count;

	for (size_t i = 0; i < size; i++) {
		int v = b64_table[data[i]];

		if (v >= 0) {
			q = (q << 6) | (uint32_t)v;
			if (++n == 4) {
				out[out_len++] = (unsigned char)(q >> 16);
				out[out_len++] = (unsigned char)(q >> 8);
				out[out_len++] = (unsigned char)q;
				q = 0;
				n = 0;
				if (out_len == sizeof(out)) {
					buffer_append(dest, out, out_len);
					out_len = 0;
				}
			}
		} else if (data[i] == '=') {
			/* padding: the group ends here */
			buffer_append(dest, out, out_len);
			out_len = 0;
			dec->b64_quantum = q;
			dec->b64_count = n;
			b64_flush_partial(dec, dest);
			q = 0;
			n = 0;
		} else if (data[i] != '\r' && data[i] != '\n' && data[i] != ' ' &&
			   data[i] != '\t') {
			dec->had_errors = true;
		}
	}
	buffer_append(dest, out, out_len);
	dec->b64_quantum = q;
	dec->b64_count = n;
}

/* quoted-printable */

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void qp_flush_ws(struct message_cte_decoder *dec, buffer_t *dest)
{
	if (dec->qp_ws->used > 0) {
		buffer_append(dest, dec->qp_ws->data, dec->qp_ws->used);
		buffer_reset(dec->qp_ws);
	}
}

/* An "=" that did not start a valid sequence: output it as it was. */
static void qp_invalid_eq(struct message_cte_decoder *dec, buffer_t *dest)
{
	dec->had_errors = true;
	buffer_append_c(dest, '=');
	switch (dec->qp_state) {
	case QP_STATE_EQ_HEX1:
		buffer_append_c(dest, dec->qp_hex1);
		break;
	case QP_STATE_EQ_WS:
		buffer_append(dest, dec->qp_eq_ws->data, dec->qp_eq_ws->used);
		break;
	case QP_STATE_EQ_CR:
		buffer_append(dest, dec->qp_eq_ws->data, dec->qp_eq_ws->used);
		buffer_append_c(dest, '\r');
		break;
	default:
		break;
	}
	buffer_reset(dec->qp_eq_ws);
	dec->qp_state = QP_STATE_TEXT;
}

static void qp_decode(struct message_cte_decoder *dec, const unsigned char *data, size_t size,
		      buffer_t *dest)
{
	size_t i = 0;

	while (i < size) {
		unsigned char c = data[i];

		switch (dec->qp_state) {
		case QP_STATE_TEXT: {
			/* fast path: a run of ordinary characters */
			size_t start = i;

			while (i < size && data[i] != '=' && data[i] != ' ' && data[i] != '\t' &&
			       data[i] != '\r' && data[i] != '\n')
				i++;
			if (i > start) {
				qp_flush_ws(dec, dest);
				buffer_append(dest, data + start, i - start);
				continue;
			}
			i++;
			if (c == ' ' || c == '\t') {
				if (dec->qp_ws->used >= QP_MAX_PENDING_WS)
					qp_flush_ws(dec, dest);
				buffer_append_c(dec->qp_ws, c);
			} else if (c == '\r') {
				dec->qp_state = QP_STATE_CR;
			} else if (c == '\n') {
				/* trailing whitespace is dropped */
				buffer_reset(dec->qp_ws);
				buffer_append_c(dest, '\n');
			} else {
				qp_flush_ws(dec, dest);
				dec->qp_state = QP_STATE_EQ;
			}
			break;
		}
		case QP_STATE_CR:
			dec->qp_state = QP_STATE_TEXT;
			if (c == '\n') {
				buffer_reset(dec->qp_ws);
				buffer_append(dest, "\r\n", 2);
				i++;
			} else {
				/* a lone CR is data */
				qp_flush_ws(dec, dest);
				buffer_append_c(dest, '\r');
			}
			break;
		case QP_STATE_EQ:
			if (hex_value(c) >= 0) {
				dec->qp_hex1 = c;
				dec->qp_state = QP_STATE_EQ_HEX1;
				i++;
			} else if (c == ' ' || c == '\t') {
				buffer_append_c(dec->qp_eq_ws, c);
				dec->qp_state = QP_STATE_EQ_WS;
				i++;
			} else if (c == '\r') {
				dec->qp_state = QP_STATE_EQ_CR;
				i++;
			} else if (c == '\n') {
				/* soft line break */
				dec->qp_state = QP_STATE_TEXT;
				i++;
			} else {
				qp_invalid_eq(dec, dest);
			}
			break;
		case QP_STATE_EQ_HEX1: {
			int hi = hex_value(dec->qp_hex1), lo = hex_value(c);

			if (lo < 0) {
				qp_invalid_eq(dec, dest);
				break;
			}
			buffer_append_c(dest, (unsigned char)(hi * 16 + lo));
			dec->qp_state = QP_STATE_TEXT;
			i++;
			break;
		}
		case QP_STATE_EQ_WS:
			if ((c == ' ' || c == '\t') && dec->qp_eq_ws->used < QP_MAX_PENDING_WS) {
				buffer_append_c(dec->qp_eq_ws, c);
				i++;
			} else if (c == '\r') {
				dec->qp_state = QP_STATE_EQ_CR;
				i++;
			} else if (c == '\n') {
				buffer_reset(dec->qp_eq_ws);
				dec->qp_state = QP_STATE_TEXT;
				i++;
			} else {
				qp_invalid_eq(dec, dest);
			}
			break;
		case QP_STATE_EQ_CR:
			if (c == '\n') {
				buffer_reset(dec->qp_eq_ws);
				dec->qp_state = QP_STATE_TEXT;
				i++;
			} else {
				qp_invalid_eq(dec, dest);
			}
			break;
		}
	}
}

static void qp_finish(struct message_cte_decoder *dec, buffer_t *dest)
{
	switch (dec->qp_state) {
	case QP_STATE_TEXT:
		/* whitespace at the end of the last line is trailing too */
		buffer_reset(dec->qp_ws);
		break;
	case QP_STATE_CR:
		qp_flush_ws(dec, dest);
		buffer_append_c(dest, '\r');
		break;
	case QP_STATE_EQ:
	case QP_STATE_EQ_WS:
	case QP_STATE_EQ_CR:
		/* "=" at the very end: a soft line break without a line */
		buffer_reset(dec->qp_eq_ws);
		break;
	case QP_STATE_EQ_HEX1:
		qp_invalid_eq(dec, dest);
		break;
	}
	dec->qp_state = QP_STATE_TEXT;
}

void message_cte_decoder_decode(struct message_cte_decoder *dec, const void *data, size_t size,
				buffer_t *dest)
{
	switch (dec->cte) {
	case MESSAGE_CTE_BASE64:
		b64_decode(dec, data, size, dest);
		break;
	case MESSAGE_CTE_QP:
		qp_decode(dec, data, size, dest);
		break;
	default:
		buffer_append(dest, data, size);
		break;
	}
}

void message_cte_decoder_finish(struct message_cte_decoder *dec, buffer_t *dest)
{
	switch (dec->cte) {
	case MESSAGE_CTE_BASE64:
		b64_flush_partial(dec, dest);
		break;
	case MESSAGE_CTE_QP:
		qp_finish(dec, dest);
		break;
	default:
		break;
	}
}

void message_cte_decode_base64(const void *data, size_t size, buffer_t *dest)
{
	struct message_cte_decoder *dec = message_cte_decoder_create(MESSAGE_CTE_BASE64);

	message_cte_decoder_decode(dec, data, size, dest);
	message_cte_decoder_finish(dec, dest);
	message_cte_decoder_destroy(&dec);
}

void message_cte_decode_qp(const void *data, size_t size, buffer_t *dest)
{
	struct message_cte_decoder *dec = message_cte_decoder_create(MESSAGE_CTE_QP);

	message_cte_decoder_decode(dec, data, size, dest);
	message_cte_decoder_finish(dec, dest);
	message_cte_decoder_destroy(&dec);
}
