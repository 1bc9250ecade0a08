/* FETCH BINARY: see imap-binary.h. The decoding rules are lib-mail's
   (message-binary.h); this file reads the message and keeps the protocol:
   the size goes out before the data, the partial window, literal8. */

#include "lib.h"
#include "imap-binary.h"
#include "message-binary.h"
#include "message-parser.h"
#include "str.h"
#include "strfuncs.h"

#include <unistd.h>

#define BINARY_CHUNK (32 * 1024)

/* ---- parsing ---- */

static int parse_partial(const char *p, struct imap_fetch_item *item, const char **error_r)
{
	const char *dot = strchr(p, '.'), *close = strchr(p, '>');

	if (dot == NULL || close == NULL || dot > close || close[1] != '\0' ||
	    str_to_uint64(p_strndup(pool_temp, p + 1, (size_t)(dot - p - 1)),
			  &item->partial_offset) < 0 ||
	    str_to_uint64(p_strndup(pool_temp, dot + 1, (size_t)(close - dot - 1)),
			  &item->partial_size) < 0 ||
	    item->partial_size == 0) {
		*error_r = "Invalid partial";
		return -1;
	}
	item->partial = true;
	return 0;
}

int imap_binary_parse_item(pool_t pool, const char *atom, ARRAY_TYPE(imap_fetch_item) *items,
			   const char **error_r)
{
	struct imap_fetch_item item;
	const char *p, *end, *spec, *what;
	string_t *name;

	memset(&item, 0, sizeof(item));
	item.type = IMAP_FETCH_BINARY;
	what = "BINARY";
	if (strncasecmp(atom, "BINARY.PEEK", 11) == 0) {
		item.peek = true;
		p = atom + 11;
	} else if (strncasecmp(atom, "BINARY.SIZE", 11) == 0) {
		item.type = IMAP_FETCH_BINARY_SIZE;
		item.peek = true;
		what = "BINARY.SIZE";
		p = atom + 11;
	} else {
		p = atom + 6;
	}
	if (*p != '[') {
		*error_r = "Invalid BINARY[..] parameter: Missing '['";
		return -1;
	}
	p++;
	end = strchr(p, ']');
	if (end == NULL) {
		*error_r = "Invalid BINARY[..] parameter: Missing ']'";
		return -1;
	}
	/* section-binary: part numbers only (RFC 3516 section 5) */
	spec = p_strndup(pool, p, (size_t)(end - p));
	if (message_section_parse(pool, spec, &item.section, error_r) < 0 ||
	    (item.section.type != MESSAGE_SECTION_WHOLE &&
	     item.section.type != MESSAGE_SECTION_PART)) {
		*error_r = "Invalid BINARY[..] parameter: Invalid part number";
		return -1;
	}
	name = str_new(pool, 32);
	str_printfa(name, "%s[%s]", what, spec);
	p = end + 1;
	if (*p == '<' && item.type == IMAP_FETCH_BINARY) {
		if (parse_partial(p, &item, error_r) < 0)
			return -1;
		str_printfa(name, "<%llu>", (unsigned long long)item.partial_offset);
	} else if (*p != '\0') {
		*error_r = "Invalid BINARY[..] parameter: Junk after ']'";
		return -1;
	}
	item.name = str_c(name);
	array_push(items, &item);
	return 0;
}

/* ---- fetching ---- */

struct binary_item {
	bool binary; /* a BINARY item (the others are not ours) */
	struct message_binary_plan plan;
	/* the whole section's decoded size */
	uint64_t size;
};

struct imap_binary_fetch {
	/* per message, indexed like the FETCH items */
	ARRAY(struct binary_item) items;

	/* the literal being sent */
	const struct binary_item *cur;
	bool streaming;
	unsigned int seg_idx;
	uint64_t seg_pos;
	struct message_binary_decoder *dec;
	/* decoded, not yet sent; and the partial window still to apply */
	buffer_t *out;
	size_t out_pos;
	uint64_t skip, left;
	unsigned char *readbuf;
};

struct imap_binary_fetch *imap_binary_fetch_create(void)
{
	struct imap_binary_fetch *bf = i_new(struct imap_binary_fetch, 1);

	bf->out = buffer_create_dynamic(pool_system, BINARY_CHUNK * 2);
	bf->readbuf = i_malloc(BINARY_CHUNK);
	return bf;
}

void imap_binary_fetch_reset(struct imap_binary_fetch *bf)
{
	message_binary_decoder_destroy(&bf->dec);
	memset(&bf->items, 0, sizeof(bf->items));
	bf->cur = NULL;
	bf->streaming = false;
	buffer_reset(bf->out);
	bf->out_pos = 0;
}

void imap_binary_fetch_destroy(struct imap_binary_fetch **_bf)
{
	struct imap_binary_fetch *bf = *_bf;

	if (bf == NULL)
		return;
	*_bf = NULL;
	imap_binary_fetch_reset(bf);
	buffer_free(&bf->out);
	i_free(bf->readbuf);
	i_free(bf);
}

/* Reads up to BINARY_CHUNK bytes of seg from seg_pos. Returns the count,
   0 when the file ended early, -1 on error (logged). */
static ssize_t read_segment(struct imap_binary_fetch *bf, int fd,
			    const struct message_binary_segment *seg, uint64_t seg_pos)
{
	size_t n = (size_t)MIN(BINARY_CHUNK, seg->size - seg_pos);
	ssize_t ret;

	ret = pread(fd, bf->readbuf, n, (off_t)(seg->offset + seg_pos));
	if (ret < 0)
		i_error("pread(message) failed: %m");
	return ret;
}

/* The decoded size of a planned section: one decoding pass. */
static int measure(struct imap_binary_fetch *bf, int fd, struct binary_item *bi, bool *errors_r)
{
	buffer_t *scratch = bf->out;
	ssize_t ret;

	*errors_r = false;
	bi->size = 0;
	array_foreach(&bi->plan.segments, seg)
	{
		struct message_binary_decoder *dec = message_binary_decoder_create(seg);

		for (uint64_t pos = 0; pos < seg->size; pos += (uint64_t)ret) {
			ret = read_segment(bf, fd, seg, pos);
			if (ret <= 0) {
				if (ret == 0)
					i_error("message is shorter than its parts say");
				message_binary_decoder_destroy(&dec);
				return -1;
			}
			buffer_reset(scratch);
			message_binary_decoder_feed(dec, bf->readbuf, (size_t)ret, scratch);
			bi->size += scratch->used;
		}
		buffer_reset(scratch);
		message_binary_decoder_finish(dec, scratch);
		bi->size += scratch->used;
		*errors_r = *errors_r || message_binary_decoder_had_errors(dec);
		message_binary_decoder_destroy(&dec);
		if (*errors_r)
			break;
	}
	buffer_reset(scratch);
	return 0;
}

int imap_binary_fetch_prepare(struct imap_binary_fetch *bf, pool_t pool, int fd,
			      const struct message_part *root,
			      const ARRAY_TYPE(imap_fetch_item) *items, const char **error_r)
{
	enum message_binary_plan_result result;
	struct binary_item *bi;
	bool errors;

	imap_binary_fetch_reset(bf);
	p_array_init(&bf->items, pool, array_count(items));
	array_foreach(items, item)
	{
		bi = array_append_space(&bf->items);
		if (item->type != IMAP_FETCH_BINARY && item->type != IMAP_FETCH_BINARY_SIZE)
			continue;
		bi->binary = true;
		result = message_binary_plan(pool, root, item->section.path, item->section.path_len,
					     &bi->plan);
		if (result == MESSAGE_BINARY_PLAN_UNKNOWN_CTE) {
			*error_r = "[UNKNOWN-CTE] Unknown Content-Transfer-Encoding.";
			return -1;
		}
		if (result == MESSAGE_BINARY_PLAN_NO_PART) {
			/* empty, as BODY[] of a part that is not there */
			bi->plan.copy_only = true;
			bi->plan.copy_only_size = 0;
		}
		if (bi->plan.copy_only) {
			bi->size = bi->plan.copy_only_size;
			continue;
		}
		if (measure(bf, fd, bi, &errors) < 0)
			return -2;
		if (errors) {
			*error_r = "[PARSE] Invalid data in MIME part.";
			return -1;
		}
	}
	return 0;
}

void imap_binary_fetch_send_item(struct imap_binary_fetch *bf, const struct imap_fetch_item *item,
				 unsigned int idx, struct ostream *output)
{
	const struct binary_item *bi = array_idx(&bf->items, idx);
	uint64_t window = bi->size;

	i_assert(bi->binary);
	if (item->type == IMAP_FETCH_BINARY_SIZE) {
		(void)ostream_send_str(output, t_strdup_printf("%s %llu", item->name,
							       (unsigned long long)bi->size));
		return;
	}
	bf->skip = 0;
	if (item->partial) {
		bf->skip = item->partial_offset;
		window = item->partial_offset >= bi->size
			     ? 0
			     : MIN(item->partial_size, bi->size - item->partial_offset);
	}
	(void)ostream_send_str(output, t_strdup_printf("%s %s{%llu}\r\n", item->name,
						       bi->plan.literal8 ? "~" : "",
						       (unsigned long long)window));
	bf->cur = bi;
	bf->seg_idx = 0;
	bf->seg_pos = 0;
	bf->out_pos = 0;
	buffer_reset(bf->out);
	bf->left = window;
	bf->streaming = window > 0;
}

bool imap_binary_fetch_is_streaming(const struct imap_binary_fetch *bf)
{
	return bf->streaming;
}

/* Sends what of bf->out falls in the partial window. */
static void send_out(struct imap_binary_fetch *bf, struct ostream *output)
{
	size_t avail = bf->out->used - bf->out_pos, n;
	const unsigned char *data = (const unsigned char *)bf->out->data + bf->out_pos;

	if (bf->skip > 0) {
		n = (size_t)MIN(bf->skip, avail);
		bf->skip -= n;
		data += n;
		avail -= n;
		bf->out_pos += n;
	}
	n = (size_t)MIN(bf->left, avail);
	if (n > 0)
		(void)ostream_send(output, data, n);
	bf->left -= n;
	bf->out_pos += avail;
	if (bf->out_pos == bf->out->used) {
		buffer_reset(bf->out);
		bf->out_pos = 0;
	}
}

/* The file ended or failed under us: the literal's size is announced, so
   pad it to stay in sync (the client sees spaces; the log says why). */
static void pad_rest(struct imap_binary_fetch *bf, struct ostream *output)
{
	char spaces[1024];

	memset(spaces, ' ', sizeof(spaces));
	while (bf->left > 0) {
		size_t n = (size_t)MIN(bf->left, sizeof(spaces));

		(void)ostream_send(output, spaces, n);
		bf->left -= n;
	}
}

int imap_binary_fetch_stream(struct imap_binary_fetch *bf, int fd, struct ostream *output)
{
	const struct message_binary_segment *seg;
	ssize_t ret;

	if (bf->out_pos < bf->out->used) {
		send_out(bf, output);
		return 0;
	}
	if (bf->left == 0 || bf->seg_idx >= array_count(&bf->cur->plan.segments)) {
		/* done (or the message got shorter than measured) */
		pad_rest(bf, output);
		message_binary_decoder_destroy(&bf->dec);
		bf->streaming = false;
		return 1;
	}
	seg = array_idx(&bf->cur->plan.segments, bf->seg_idx);
	if (bf->dec == NULL)
		bf->dec = message_binary_decoder_create(seg);
	if (bf->seg_pos < seg->size) {
		ret = read_segment(bf, fd, seg, bf->seg_pos);
		if (ret <= 0) {
			if (ret == 0)
				i_error("message is shorter than its parts say");
			bf->seg_idx = array_count(&bf->cur->plan.segments);
			return 0;
		}
		bf->seg_pos += (uint64_t)ret;
		message_binary_decoder_feed(bf->dec, bf->readbuf, (size_t)ret, bf->out);
	}
	if (bf->seg_pos >= seg->size) {
		message_binary_decoder_finish(bf->dec, bf->out);
		message_binary_decoder_destroy(&bf->dec);
		bf->seg_idx++;
		bf->seg_pos = 0;
	}
	send_out(bf, output);
	return 0;
}
