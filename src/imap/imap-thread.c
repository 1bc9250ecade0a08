/* THREAD tree building and writing (see imap-thread.h). Everything is
   iterative: a 100,000-message reply chain costs no stack depth. */

#include "lib.h"
#include "imap-thread.h"
#include "str.h"

#include <stdlib.h>

struct tnode {
	uint32_t parent; /* the message-id links; 0 = none */
	/* an ancestor on the way to the top (find_top()'s shortcut), valid
	   when top_gen is the context's generation */
	uint32_t top, top_gen;
	int32_t msg;     /* index into msgs, -1 = a message not in the set */
	/* the tree that is written */
	uint32_t first_child, next_sibling;
	const char *id;
};

struct troot {
	uint32_t idx;
	uint32_t uid;
	time_t date;
	uint32_t parent_root1; /* subject merging: 1 + index in roots */
	bool dummy, ignore, reply;
};

/* string -> uint32 with open addressing */
struct strhash {
	struct strhash_slot {
		const char *key;
		uint32_t value;
	} *slots;
	uint32_t size, count;
};

struct thread_ctx {
	const struct imap_thread_msg *msgs;
	struct tnode *nodes;
	uint32_t nodes_count, nodes_size;
	struct troot *roots;
	uint32_t roots_count, roots_size;
	/* find_top(): links removed since a shortcut was taken bump the
	   generation; the walk's path */
	uint32_t gen;
	uint32_t *path;
	uint32_t path_size;
	pool_t pool;
};

static uint32_t str_hash_value(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void strhash_init(struct strhash *hash, uint32_t expected)
{
	hash->size = 16;
	while (hash->size < expected * 2)
		hash->size *= 2;
	hash->slots = i_new(struct strhash_slot, hash->size);
	hash->count = 0;
}

static void strhash_deinit(struct strhash *hash)
{
	i_free(hash->slots);
}

/* The slot of key: its value, or an empty one to fill. */
static struct strhash_slot *strhash_slot(struct strhash *hash, const char *key)
{
	uint32_t i = str_hash_value(key) & (hash->size - 1);

	while (hash->slots[i].key != NULL && strcmp(hash->slots[i].key, key) != 0)
		i = (i + 1) & (hash->size - 1);
	return &hash->slots[i];
}

static void strhash_grow(struct strhash *hash)
{
	struct strhash old = *hash;

	hash->size *= 2;
	hash->slots = i_new(struct strhash_slot, hash->size);
	for (uint32_t i = 0; i < old.size; i++) {
		if (old.slots[i].key != NULL)
			*strhash_slot(hash, old.slots[i].key) = old.slots[i];
	}
	i_free(old.slots);
}

static void strhash_insert(struct strhash *hash, struct strhash_slot *slot, const char *key,
			   uint32_t value)
{
	slot->key = key;
	slot->value = value;
	if (++hash->count * 2 > hash->size)
		strhash_grow(hash);
}

static uint32_t node_new(struct thread_ctx *ctx, const char *id, int32_t msg)
{
	if (ctx->nodes_count == ctx->nodes_size) {
		uint32_t size = ctx->nodes_size * 2;

		ctx->nodes = i_realloc(ctx->nodes, sizeof(*ctx->nodes) * ctx->nodes_size,
				       sizeof(*ctx->nodes) * size);
		ctx->nodes_size = size;
	}
	struct tnode *node = &ctx->nodes[ctx->nodes_count];
	memset(node, 0, sizeof(*node));
	node->id = id;
	node->msg = msg;
	return ctx->nodes_count++;
}

static struct troot *root_new(struct thread_ctx *ctx)
{
	if (ctx->roots_count == ctx->roots_size) {
		uint32_t size = ctx->roots_size * 2;

		ctx->roots = i_realloc(ctx->roots, sizeof(*ctx->roots) * ctx->roots_size,
				       sizeof(*ctx->roots) * size);
		ctx->roots_size = size;
	}
	struct troot *root = &ctx->roots[ctx->roots_count++];
	memset(root, 0, sizeof(*root));
	return root;
}

static uint32_t id_node(struct thread_ctx *ctx, struct strhash *ids, const char *id)
{
	struct strhash_slot *slot = strhash_slot(ids, id);

	if (slot->key != NULL)
		return slot->value;
	uint32_t idx = node_new(ctx, id, -1);
	strhash_insert(ids, slot, id, idx);
	return idx;
}

/* The topmost ancestor of idx. Links are only added within a
   generation, so a remembered shortcut still leads upwards; every node
   on the way remembers the top found (path compression): a long reply
   chain costs O(n log n), not O(n^2). */
static uint32_t find_top(struct thread_ctx *ctx, uint32_t idx)
{
	uint32_t n = 0, x = idx, next;

	for (;;) {
		const struct tnode *node = &ctx->nodes[x];

		if (node->top_gen == ctx->gen && node->top != x && node->top != 0)
			next = node->top;
		else if (node->parent != 0)
			next = node->parent;
		else
			break;
		if (n == ctx->path_size) {
			uint32_t size = ctx->path_size * 2 + 64;

			ctx->path = i_realloc(ctx->path, sizeof(*ctx->path) * ctx->path_size,
					      sizeof(*ctx->path) * size);
			ctx->path_size = size;
		}
		ctx->path[n++] = x;
		x = next;
	}
	while (n > 0) {
		struct tnode *node = &ctx->nodes[ctx->path[--n]];

		node->top = x;
		node->top_gen = ctx->gen;
	}
	return x;
}

static void link_ids(struct thread_ctx *ctx, uint32_t parent, uint32_t child)
{
	/* the first parent given stays */
	if (ctx->nodes[child].parent != 0)
		return;
	/* a link that would make a loop (or to itself) is ignored: child
	   has no parent, so it is an ancestor of parent only as its top */
	if (find_top(ctx, parent) == child)
		return;
	ctx->nodes[child].parent = parent;
}

static void build_links(struct thread_ctx *ctx, unsigned int count)
{
	struct strhash ids;

	strhash_init(&ids, count * 2);
	for (unsigned int i = 0; i < count; i++) {
		const struct imap_thread_msg *msg = &ctx->msgs[i];
		uint32_t idx = 0, parent = 0;

		if (msg->message_id != NULL) {
			idx = id_node(ctx, &ids, msg->message_id);
			if (ctx->nodes[idx].msg < 0)
				ctx->nodes[idx].msg = (int32_t)i;
			else
				idx = 0; /* duplicate Message-ID: a message of its own */
		}
		if (idx == 0)
			idx = node_new(ctx, NULL, (int32_t)i);
		for (const char *const *ref = msg->refs; ref != NULL && *ref != NULL; ref++) {
			uint32_t n = id_node(ctx, &ids, *ref);

			if (parent != 0)
				link_ids(ctx, parent, n);
			parent = n;
		}
		/* the message's own references decide its parent */
		if (ctx->nodes[idx].parent != parent && ctx->nodes[idx].parent != 0) {
			ctx->nodes[idx].parent = 0;
			ctx->gen++;
		}
		if (parent != 0)
			link_ids(ctx, parent, idx);
	}
	strhash_deinit(&ids);
}

static void add_child(struct thread_ctx *ctx, uint32_t parent, uint32_t child)
{
	ctx->nodes[child].next_sibling = ctx->nodes[parent].first_child;
	ctx->nodes[parent].first_child = child;
}

/* (2), (3): the roots, and each message under its nearest ancestor that
   is in the set (or the topmost one when none is). */
static void build_tree(struct thread_ctx *ctx)
{
	for (uint32_t idx = 1; idx < ctx->nodes_count; idx++) {
		const struct tnode *node = &ctx->nodes[idx];

		if (node->parent == 0) {
			struct troot *root = root_new(ctx);

			root->idx = idx;
			root->dummy = node->msg < 0;
			continue;
		}
		if (node->msg < 0)
			continue;
		uint32_t p = node->parent;
		while (ctx->nodes[p].msg < 0 && ctx->nodes[p].parent != 0)
			p = ctx->nodes[p].parent;
		add_child(ctx, p, idx);
	}
}

static int node_cmp(const struct thread_ctx *ctx, uint32_t a, uint32_t b)
{
	const struct imap_thread_msg *m1 = &ctx->msgs[ctx->nodes[a].msg];
	const struct imap_thread_msg *m2 = &ctx->msgs[ctx->nodes[b].msg];

	if (m1->date != m2->date)
		return m1->date < m2->date ? -1 : 1;
	return m1->uid < m2->uid ? -1 : (m1->uid > m2->uid ? 1 : 0);
}

static const struct thread_ctx *sort_ctx;

static int node_qsort_cmp(const void *p1, const void *p2)
{
	return node_cmp(sort_ctx, *(const uint32_t *)p1, *(const uint32_t *)p2);
}

/* The children of idx ordered by date, then UID. */
static uint32_t *sorted_children(struct thread_ctx *ctx, uint32_t idx, unsigned int *count_r)
{
	unsigned int n = 0;
	uint32_t c;

	for (c = ctx->nodes[idx].first_child; c != 0; c = ctx->nodes[c].next_sibling)
		n++;
	uint32_t *kids = p_new(ctx->pool, uint32_t, n + 1);
	n = 0;
	for (c = ctx->nodes[idx].first_child; c != 0; c = ctx->nodes[c].next_sibling)
		kids[n++] = c;
	if (n > 1) {
		sort_ctx = ctx;
		qsort(kids, n, sizeof(*kids), node_qsort_cmp);
	}
	*count_r = n;
	return kids;
}

static void root_fill(struct thread_ctx *ctx, struct troot *root)
{
	const struct imap_thread_msg *msg = &ctx->msgs[ctx->nodes[root->idx].msg];

	root->uid = msg->uid;
	root->date = msg->date;
}

static int root_cmp(const void *p1, const void *p2)
{
	const struct troot *r1 = p1, *r2 = p2;

	if (r1->date != r2->date)
		return r1->date < r2->date ? -1 : 1;
	return r1->uid < r2->uid ? -1 : (r1->uid > r2->uid ? 1 : 0);
}

/* REFERENCES (4): roots ordered; a missing root takes the date of its
   oldest child, or is replaced by it when it is the only one. */
static void sort_roots(struct thread_ctx *ctx)
{
	for (uint32_t i = 0; i < ctx->roots_count; i++) {
		struct troot *root = &ctx->roots[i];

		if (root->ignore)
			continue;
		if (!root->dummy) {
			root_fill(ctx, root);
			continue;
		}
		if (ctx->nodes[root->idx].first_child == 0) {
			root->ignore = true;
			continue;
		}
		unsigned int n;
		uint32_t *kids = sorted_children(ctx, root->idx, &n);
		if (n == 1) {
			root->idx = kids[0];
			root->dummy = false;
			root_fill(ctx, root);
		} else {
			const struct imap_thread_msg *msg = &ctx->msgs[ctx->nodes[kids[0]].msg];

			root->uid = msg->uid;
			root->date = msg->date;
		}
	}
	qsort(ctx->roots, ctx->roots_count, sizeof(*ctx->roots), root_cmp);
}

/* REFERENCES (5)(B): the subject table */
static void gather_subjects(struct thread_ctx *ctx)
{
	struct strhash subjects;

	strhash_init(&subjects, ctx->roots_count);
	for (uint32_t i = 0; i < ctx->roots_count; i++) {
		struct troot *root = &ctx->roots[i];
		uint32_t idx;

		root->parent_root1 = 0;
		if (root->ignore)
			continue;
		if (!root->dummy) {
			idx = root->idx;
		} else {
			unsigned int n;
			idx = sorted_children(ctx, root->idx, &n)[0];
		}
		const struct imap_thread_msg *msg = &ctx->msgs[ctx->nodes[idx].msg];
		if (msg->subject == NULL || msg->subject[0] == '\0')
			continue;
		struct strhash_slot *slot = strhash_slot(&subjects, msg->subject);
		if (slot->key == NULL) {
			strhash_insert(&subjects, slot, msg->subject, i);
		} else {
			struct troot *other = &ctx->roots[slot->value];

			if (!other->dummy &&
			    (root->dummy || (other->reply && !msg->reply_or_fwd))) {
				other->parent_root1 = i + 1;
				slot->value = i;
			} else {
				root->parent_root1 = slot->value + 1;
			}
		}
		root->reply = msg->reply_or_fwd;
	}
	strhash_deinit(&subjects);
}

/* REFERENCES (5)(C): merging threads of the same subject */
static bool merge_subjects(struct thread_ctx *ctx)
{
	uint32_t count = ctx->roots_count;
	bool changed = false;

	for (uint32_t i = 0; i < count; i++) {
		if (ctx->roots[i].parent_root1 == 0 || ctx->roots[i].ignore)
			continue;
		uint32_t top = i;
		do {
			top = ctx->roots[top].parent_root1 - 1;
		} while (ctx->roots[top].parent_root1 != 0);
		struct troot *cur = &ctx->roots[i], *root = &ctx->roots[top];

		changed = true;
		if (cur->dummy) {
			/* both missing: the children become siblings */
			uint32_t c = ctx->nodes[cur->idx].first_child;
			while (c != 0) {
				uint32_t next = ctx->nodes[c].next_sibling;
				add_child(ctx, root->idx, c);
				c = next;
			}
			ctx->nodes[cur->idx].first_child = 0;
			cur->ignore = true;
		} else if (root->dummy || (cur->reply && !root->reply)) {
			add_child(ctx, root->idx, cur->idx);
			cur->ignore = true;
		} else {
			uint32_t dummy = node_new(ctx, NULL, -1);
			uint32_t root_idx = root->idx, cur_idx = cur->idx;

			add_child(ctx, dummy, root_idx);
			add_child(ctx, dummy, cur_idx);
			root->parent_root1 = ctx->roots_count + 1;
			root->ignore = true;
			cur->ignore = true;
			struct troot *new_root = root_new(ctx);
			new_root->idx = dummy;
			new_root->dummy = true;
		}
	}
	return changed;
}

/* REFS: threads ordered by their newest message */
static void sort_roots_refs(struct thread_ctx *ctx)
{
	uint32_t *root_of = i_new(uint32_t, ctx->nodes_count);

	for (uint32_t i = 0; i < ctx->roots_count; i++) {
		struct troot *root = &ctx->roots[i];

		root_of[root->idx] = i + 1;
		root->date = 0;
		root->uid = root->dummy ? 0 : ctx->msgs[ctx->nodes[root->idx].msg].uid;
		if (root->dummy && ctx->nodes[root->idx].first_child == 0)
			root->ignore = true;
	}
	for (uint32_t idx = 1; idx < ctx->nodes_count; idx++) {
		if (ctx->nodes[idx].msg < 0)
			continue;
		uint32_t top = find_top(ctx, idx);
		struct troot *root = &ctx->roots[root_of[top] - 1];
		time_t date = ctx->msgs[ctx->nodes[idx].msg].date;
		if (root->date < date)
			root->date = date;
	}
	i_free(root_of);
	qsort(ctx->roots, ctx->roots_count, sizeof(*ctx->roots), root_cmp);
}

/* ORDEREDSUBJECT: one thread per base subject */
static const char *subject_or_empty(const struct imap_thread_msg *msg)
{
	return msg->subject == NULL ? "" : msg->subject;
}

static int subject_cmp(const void *p1, const void *p2)
{
	const struct imap_thread_msg *m1 = &sort_ctx->msgs[*(const uint32_t *)p1];
	const struct imap_thread_msg *m2 = &sort_ctx->msgs[*(const uint32_t *)p2];
	int ret = strcmp(subject_or_empty(m1), subject_or_empty(m2));

	if (ret != 0)
		return ret;
	if (m1->date != m2->date)
		return m1->date < m2->date ? -1 : 1;
	return m1->uid < m2->uid ? -1 : (m1->uid > m2->uid ? 1 : 0);
}

static void build_ordered_subject(struct thread_ctx *ctx, unsigned int count)
{
	uint32_t *order = i_new(uint32_t, count + 1);
	struct troot *root = NULL;

	for (unsigned int i = 0; i < count; i++) {
		order[i] = i;
		(void)node_new(ctx, NULL, (int32_t)i); /* node i + 1 */
	}
	sort_ctx = ctx;
	qsort(order, count, sizeof(*order), subject_cmp);
	for (unsigned int i = 0; i < count; i++) {
		const struct imap_thread_msg *msg = &ctx->msgs[order[i]];

		if (root != NULL && strcmp(subject_or_empty(&ctx->msgs[order[i - 1]]),
					   subject_or_empty(msg)) == 0) {
			add_child(ctx, root->idx, order[i] + 1);
			continue;
		}
		root = root_new(ctx);
		root->idx = order[i] + 1;
		root_fill(ctx, root);
	}
	i_free(order);
	qsort(ctx->roots, ctx->roots_count, sizeof(*ctx->roots), root_cmp);
}

/* ---- writing ---- */

enum task_type {
	TASK_CHILDREN, /* the children of a node, not at the top */
	TASK_SINGLE,   /* an only child: "uid [children]" */
	TASK_ITEM,     /* "(uid)" or "(uid children)" */
	TASK_CLOSE,
};

struct task {
	enum task_type type;
	uint32_t idx;
};

struct task_stack {
	struct task *tasks;
	unsigned int count, size;
};

static void task_push(struct task_stack *stack, enum task_type type, uint32_t idx)
{
	if (stack->count == stack->size) {
		unsigned int size = stack->size * 2;

		stack->tasks = i_realloc(stack->tasks, sizeof(*stack->tasks) * stack->size,
					 sizeof(*stack->tasks) * size);
		stack->size = size;
	}
	stack->tasks[stack->count].type = type;
	stack->tasks[stack->count++].idx = idx;
}

static void write_num(struct thread_ctx *ctx, uint32_t idx, bool uid, string_t *dest)
{
	const struct imap_thread_msg *msg = &ctx->msgs[ctx->nodes[idx].msg];

	str_printfa(dest, "%u", uid ? msg->uid : msg->seq);
}

static void write_tree(struct thread_ctx *ctx, bool uid, string_t *dest)
{
	struct task_stack stack = { .size = 64 };
	unsigned int n;

	stack.tasks = i_new(struct task, stack.size);
	for (uint32_t i = ctx->roots_count; i > 0; i--) {
		const struct troot *root = &ctx->roots[i - 1];

		if (!root->ignore && (!root->dummy || ctx->nodes[root->idx].first_child != 0))
			task_push(&stack, TASK_ITEM, root->idx);
	}
	while (stack.count > 0) {
		struct task task = stack.tasks[--stack.count];
		const struct tnode *node = &ctx->nodes[task.idx];

		switch (task.type) {
		case TASK_CHILDREN: {
			uint32_t *kids = sorted_children(ctx, task.idx, &n);
			if (n == 1) {
				task_push(&stack, TASK_SINGLE, kids[0]);
				break;
			}
			while (n > 0)
				task_push(&stack, TASK_ITEM, kids[--n]);
			break;
		}
		case TASK_SINGLE:
			write_num(ctx, task.idx, uid, dest);
			if (node->first_child != 0) {
				str_append_c(dest, ' ');
				task_push(&stack, TASK_CHILDREN, task.idx);
			}
			break;
		case TASK_ITEM:
			str_append_c(dest, '(');
			if (node->msg >= 0) {
				write_num(ctx, task.idx, uid, dest);
				if (node->first_child == 0) {
					str_append_c(dest, ')');
					break;
				}
				str_append_c(dest, ' ');
			}
			task_push(&stack, TASK_CLOSE, 0);
			task_push(&stack, TASK_CHILDREN, task.idx);
			break;
		case TASK_CLOSE:
			str_append_c(dest, ')');
			break;
		}
	}
	i_free(stack.tasks);
}

void imap_thread_write(enum imap_thread_algorithm alg, const struct imap_thread_msg *msgs,
		       unsigned int count, bool uid, string_t *dest)
{
	struct thread_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.msgs = msgs;
	ctx.nodes_size = count + 16;
	ctx.nodes = i_new(struct tnode, ctx.nodes_size);
	ctx.nodes_count = 1; /* 0 is "none" */
	ctx.roots_size = 16;
	ctx.roots = i_new(struct troot, ctx.roots_size);
	ctx.pool = pool_alloconly_create("thread", 4096);
	ctx.gen = 1;

	switch (alg) {
	case IMAP_THREAD_ORDEREDSUBJECT:
		build_ordered_subject(&ctx, count);
		break;
	case IMAP_THREAD_REFERENCES:
		build_links(&ctx, count);
		build_tree(&ctx);
		sort_roots(&ctx);
		gather_subjects(&ctx);
		if (merge_subjects(&ctx))
			sort_roots(&ctx);
		break;
	case IMAP_THREAD_REFS:
		build_links(&ctx, count);
		build_tree(&ctx);
		sort_roots_refs(&ctx);
		break;
	}
	write_tree(&ctx, uid, dest);
	pool_unref(&ctx.pool);
	i_free(ctx.nodes);
	i_free(ctx.roots);
	i_free(ctx.path);
}
