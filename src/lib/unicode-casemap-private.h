#ifndef UNICODE_CASEMAP_PRIVATE_H
#define UNICODE_CASEMAP_PRIVATE_H

/* The generated table (unicode-casemap-data.c), sorted by code point.
   len 0: the code point maps to the one code point in value; else to len
   code points at uni_casemap_multi[value]. */
struct uni_casemap_entry {
	uint32_t cp;
	uint32_t value;
	uint32_t len;
};

extern const unsigned int uni_casemap_max_len;
extern const uint32_t uni_casemap_multi[];
extern const struct uni_casemap_entry uni_casemap_entries[];
extern const unsigned int uni_casemap_entries_count;

#endif
