#ifndef SMTP_DOT_DECODER_H
#define SMTP_DOT_DECODER_H

/* DATA body decoding: removes dot-stuffing and finds the terminating
   "<CRLF>.<CRLF>" (a bare LF instead of CRLF is tolerated, as Postfix and
   Dovecot do). Works on raw bytes in any chunking, so message lines are
   not limited by the command line length. Line endings pass through as
   received. */

struct smtp_dot_decoder;

struct smtp_dot_decoder *smtp_dot_decoder_create(void);
void smtp_dot_decoder_destroy(struct smtp_dot_decoder **decoder);
void smtp_dot_decoder_reset(struct smtp_dot_decoder *decoder);

/* Decodes from data into dest. Returns the number of input bytes used:
   all of them, unless the end of the body was found, in which case
   *done_r is set and the bytes after the terminating line are left
   (the next command). */
size_t smtp_dot_decoder_feed(struct smtp_dot_decoder *decoder, const void *data, size_t size,
			     buffer_t *dest, bool *done_r);

#endif
