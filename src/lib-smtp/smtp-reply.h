#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

/* SMTP/LMTP replies: "250 2.1.0 Ok", multi-line "250-..." replies. The
   text may hold several lines separated by '\n'; each becomes a reply
   line. enh may be NULL (no enhanced status code, e.g. the greeting). */
void smtp_reply_append(string_t *dest, unsigned int code, const char *enh, const char *text);

#endif
