#ifndef MESSAGE_SIZE_H
#define MESSAGE_SIZE_H

/* Sizes of a message or of a part of it, counted in one pass.

   The physical size is the number of bytes as stored. The virtual size is
   the size the same bytes have when every line ends in CRLF: a LF that is
   not preceded by CR counts as two bytes. IMAP reports virtual sizes
   (RFC822.SIZE, the sizes in BODYSTRUCTURE), since that is what a client
   receives. A lone CR is one byte in both. lines is the number of LFs. */

struct message_size {
	uint64_t physical_size;
	uint64_t virtual_size;
	uint64_t lines;
};

/* Streaming counter: *last_cr carries "the previous byte was CR" between
   calls, so the data may be split anywhere (start with false). Adds size
   bytes of data to *msize. Linear, no allocation. */
void message_size_add(struct message_size *msize, bool *last_cr, const void *data, size_t size);
/* The sizes of a whole buffer. */
void message_size_get(const void *data, size_t size, struct message_size *msize_r);
/* dest += src */
void message_size_sum(struct message_size *dest, const struct message_size *src);
/* dest = a - b (b must be an earlier point of the same counter as a). */
void message_size_diff(const struct message_size *a, const struct message_size *b,
		       struct message_size *dest_r);

#endif
