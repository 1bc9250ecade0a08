#ifndef MESSAGE_CTE_H
#define MESSAGE_CTE_H

/* Content-Transfer-Encoding (RFC 2045 section 6) decoders, streaming and
   lenient, for IMAP BINARY and for searching bodies.

   Mail in the wild is often not quite right, so the decoders never fail:
   - base64: characters outside the alphabet (line ends, spaces, junk) are
     skipped; "=" ends a 4-character group early, after which decoding goes
     on with a fresh group (concatenated base64 blocks); a group cut short
     at the end yields the bytes it holds.
   - quoted-printable: "=XX" (either case of hex digit) decodes; "=" before
     a line end (with optional whitespace between) is a soft line break;
     whitespace at the end of a line is removed (RFC 2045 rule 3); an "="
     that starts no valid sequence is kept as it is, with what follows it.
     Line ends are passed on as they are (CRLF or LF).
   - 7bit, 8bit, binary and unknown encodings pass data through.
   had_errors tells whether anything had to be skipped or kept raw, which
   IMAP BINARY may want to report. Data may be split anywhere between
   calls; the output is the same. */

enum message_cte {
	MESSAGE_CTE_UNKNOWN = 0,
	MESSAGE_CTE_7BIT,
	MESSAGE_CTE_8BIT,
	MESSAGE_CTE_BINARY,
	MESSAGE_CTE_QP,
	MESSAGE_CTE_BASE64,
};

/* Parses a Content-Transfer-Encoding value (case-insensitive, surrounding
   whitespace and comments ignored). NULL (no header) means 7bit. */
enum message_cte message_cte_parse(const char *value);

struct message_cte_decoder;

struct message_cte_decoder *message_cte_decoder_create(enum message_cte cte);
void message_cte_decoder_destroy(struct message_cte_decoder **dec);
/* Decodes size bytes and appends the result to dest. */
void message_cte_decoder_decode(struct message_cte_decoder *dec, const void *data, size_t size,
				buffer_t *dest);
/* End of input: flushes what is held back. The decoder can then be
   reused for new input. */
void message_cte_decoder_finish(struct message_cte_decoder *dec, buffer_t *dest);
bool message_cte_decoder_had_errors(const struct message_cte_decoder *dec);

/* One-shot helpers. */
void message_cte_decode_base64(const void *data, size_t size, buffer_t *dest);
void message_cte_decode_qp(const void *data, size_t size, buffer_t *dest);

#endif
