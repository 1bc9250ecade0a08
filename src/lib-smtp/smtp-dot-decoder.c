#include "lib.h"
#include "smtp-dot-decoder.h"

enum dot_state {
	DOT_STATE_BOL,    /* at the start of a line */
	DOT_STATE_DOT,    /* "." at the start of a line */
	DOT_STATE_DOT_CR, /* ".\r" at the start of a line */
	DOT_STATE_MID,
	DOT_STATE_CR,     /* "\r" inside a line */
};

struct smtp_dot_decoder {
	enum dot_state state;
};

struct smtp_dot_decoder *smtp_dot_decoder_create(void)
{
	return i_new(struct smtp_dot_decoder, 1);
}

void smtp_dot_decoder_destroy(struct smtp_dot_decoder **decoder)
{
	i_free(*decoder);
}

void smtp_dot_decoder_reset(struct smtp_dot_decoder *decoder)
{
	decoder->state = DOT_STATE_BOL;
}

static enum dot_state next_state(unsigned char c)
{
	return c == '\n' ? DOT_STATE_BOL : c == '\r' ? DOT_STATE_CR : DOT_STATE_MID;
}

size_t smtp_dot_decoder_feed(struct smtp_dot_decoder *decoder, const void *data, size_t size,
			     buffer_t *dest, bool *done_r)
{
	const unsigned char *p = data;
	size_t i, run_start = 0;

	*done_r = false;
	for (i = 0; i < size; i++) {
		unsigned char c = p[i];

		switch (decoder->state) {
		case DOT_STATE_BOL:
			if (c == '.') {
				/* hold the dot back: unstuffed or the end */
				buffer_append(dest, p + run_start, i - run_start);
				run_start = i + 1;
				decoder->state = DOT_STATE_DOT;
			} else {
				decoder->state = next_state(c);
			}
			break;
		case DOT_STATE_DOT:
			if (c == '\n') {
				*done_r = true;
				decoder->state = DOT_STATE_BOL;
				return i + 1;
			}
			if (c == '\r') {
				run_start = i + 1;
				decoder->state = DOT_STATE_DOT_CR;
			} else {
				/* a stuffed dot: the dot itself is dropped */
				run_start = i;
				decoder->state = next_state(c);
			}
			break;
		case DOT_STATE_DOT_CR:
			if (c == '\n') {
				*done_r = true;
				decoder->state = DOT_STATE_BOL;
				return i + 1;
			}
			/* ".\r" followed by something else: keep the CR */
			buffer_append(dest, "\r", 1);
			run_start = i;
			decoder->state = c == '\r' ? DOT_STATE_CR : DOT_STATE_MID;
			break;
		case DOT_STATE_MID:
		case DOT_STATE_CR:
			decoder->state = next_state(c);
			break;
		}
	}
	if (decoder->state != DOT_STATE_DOT && decoder->state != DOT_STATE_DOT_CR)
		buffer_append(dest, p + run_start, size - run_start);
	return size;
}
