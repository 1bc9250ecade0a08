#ifndef TEST_MAIL_COMMON_H
#define TEST_MAIL_COMMON_H

/* Helpers shared by the lib-mail unit tests and the fuzz target: run the
   parsers over input fed in pieces and describe the result as text, so
   that "whole" and "split at every byte" can be compared with strcmp(). */

struct message_part;

/* Feeds the header parser data split at the given offsets (sorted; none
   for whole) and returns one line per field plus the header size. */
const char *test_mail_header_dump(pool_t pool, const void *data, size_t size,
				  const size_t *splits, unsigned int split_count);
/* The same with one byte per feed. */
const char *test_mail_header_dump_bytewise(pool_t pool, const void *data, size_t size);

/* Feeds the MIME parser the same way and returns a description of every
   block (body data of a part joined together) followed by the part tree.
   *root_r (if not NULL) gets the tree, allocated from pool. */
const char *test_mail_parse_dump(pool_t pool, const void *data, size_t size,
				 const size_t *splits, unsigned int split_count,
				 struct message_part **root_r);
const char *test_mail_parse_dump_bytewise(pool_t pool, const void *data, size_t size);

/* The part tree only. */
const char *test_mail_part_tree_dump(pool_t pool, const struct message_part *root);

/* BODYSTRUCTURE/BODY/ENVELOPE of a parsed message as FETCH shows them
   (with the outer parentheses). */
const char *test_mail_bodystructure(pool_t pool, const struct message_part *root, bool extended);
const char *test_mail_envelope(pool_t pool, const struct message_part *root);

#endif
