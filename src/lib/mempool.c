/* Pools: pool_system wraps malloc(); alloconly pools carve allocations from
   a chain of blocks, so freeing a connection is one call. */
#include "lib.h"

#include <stdlib.h>

#define POOL_ALIGN 16
#define ALIGN_UP(n) (((n) + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1))

size_t i_mul_size(size_t size, size_t count)
{
	size_t r;

	if (__builtin_mul_overflow(size, count, &r))
		i_panic("size overflow: %zu * %zu", size, count);
	return r;
}

size_t i_add_size(size_t a, size_t b)
{
	size_t r;

	if (__builtin_add_overflow(a, b, &r))
		i_panic("size overflow: %zu + %zu", a, b);
	return r;
}

static void *oom(size_t size)
{
	i_panic("Out of memory allocating %zu bytes", size);
}

/* system pool */
static void *system_malloc(pool_t pool, size_t size)
{
	void *mem = calloc(1, size == 0 ? 1 : size);

	return mem != NULL ? mem : oom(size);
}

static void *system_realloc(pool_t pool, void *mem, size_t old_size, size_t new_size)
{
	unsigned char *p = realloc(mem, new_size == 0 ? 1 : new_size);

	if (p == NULL)
		return oom(new_size);
	if (new_size > old_size)
		memset(p + old_size, 0, new_size - old_size);
	return p;
}

static void system_free(pool_t pool, void *mem)
{
	free(mem);
}

static void system_destroy(pool_t pool)
{
}

static const struct pool_vfuncs system_vfuncs = {
	system_malloc, system_realloc, system_free, system_destroy,
};
static struct pool system_pool_struct = { &system_vfuncs, "system", 1, false };
pool_t pool_system = &system_pool_struct;

/* alloconly pool */
struct pool_block {
	struct pool_block *prev;
	size_t size, used;
	unsigned char data[];
};

struct alloconly_pool {
	struct pool pool;
	struct pool_block *block;
	size_t initial_size;
	void *last_alloc;
	size_t last_alloc_size;
};

static struct pool_block *block_new(size_t size, struct pool_block *prev)
{
	struct pool_block *block = malloc(i_add_size(sizeof(*block), size));

	if (block == NULL)
		return oom(size);
	block->prev = prev;
	block->size = size;
	block->used = 0;
	return block;
}

static void *alloconly_malloc(pool_t pool, size_t size)
{
	struct alloconly_pool *apool = (struct alloconly_pool *)pool;
	struct pool_block *block = apool->block;
	size_t asize = ALIGN_UP(size == 0 ? 1 : size);
	void *mem;

	if (block->size - block->used < asize) {
		size_t bsize = block->size * 2;

		while (bsize < asize)
			bsize = i_mul_size(bsize, 2);
		block = apool->block = block_new(bsize, block);
	}
	mem = block->data + block->used;
	block->used += asize;
	memset(mem, 0, size);
	apool->last_alloc = mem;
	apool->last_alloc_size = asize;
	return mem;
}

static void *alloconly_realloc(pool_t pool, void *mem, size_t old_size, size_t new_size)
{
	struct alloconly_pool *apool = (struct alloconly_pool *)pool;
	struct pool_block *block = apool->block;
	void *new_mem;

	if (new_size <= old_size)
		return mem;
	/* grow in place when this was the last allocation */
	if (mem != NULL && mem == apool->last_alloc) {
		size_t need = ALIGN_UP(new_size) - apool->last_alloc_size;

		if (block->size - block->used >= need) {
			block->used += need;
			apool->last_alloc_size += need;
			memset((unsigned char *)mem + old_size, 0, new_size - old_size);
			return mem;
		}
	}
	new_mem = alloconly_malloc(pool, new_size);
	if (mem != NULL)
		memcpy(new_mem, mem, old_size);
	return new_mem;
}

static void alloconly_free(pool_t pool, void *mem)
{
}

static void alloconly_free_blocks(struct alloconly_pool *apool, bool keep_first)
{
	struct pool_block *block = apool->block, *prev;

	while (block != NULL) {
		prev = block->prev;
		if (prev == NULL && keep_first) {
			block->used = 0;
			apool->block = block;
			break;
		}
		free(block);
		block = prev;
	}
	apool->last_alloc = NULL;
}

static void alloconly_destroy(pool_t pool)
{
	struct alloconly_pool *apool = (struct alloconly_pool *)pool;

	alloconly_free_blocks(apool, false);
	free(apool);
}

static const struct pool_vfuncs alloconly_vfuncs = {
	alloconly_malloc, alloconly_realloc, alloconly_free, alloconly_destroy,
};

pool_t pool_alloconly_create(const char *name, size_t initial_size)
{
	struct alloconly_pool *apool = calloc(1, sizeof(*apool));

	if (apool == NULL)
		return oom(sizeof(*apool));
	apool->pool.v = &alloconly_vfuncs;
	apool->pool.name = name;
	apool->pool.refcount = 1;
	apool->pool.alloconly = true;
	apool->initial_size = ALIGN_UP(initial_size < 64 ? 64 : initial_size);
	apool->block = block_new(apool->initial_size, NULL);
	return &apool->pool;
}

void pool_clear(pool_t pool)
{
	i_assert(pool->alloconly);
	alloconly_free_blocks((struct alloconly_pool *)pool, true);
}

void pool_ref(pool_t pool)
{
	i_assert(pool->refcount > 0);
	pool->refcount++;
}

void pool_unref(pool_t *_pool)
{
	pool_t pool = *_pool;

	if (pool == NULL)
		return;
	*_pool = NULL;
	i_assert(pool->refcount > 0);
	if (--pool->refcount == 0)
		pool->v->destroy(pool);
}

void *p_malloc(pool_t pool, size_t size)
{
	return pool->v->malloc(pool, size);
}

void *p_realloc(pool_t pool, void *mem, size_t old_size, size_t new_size)
{
	return pool->v->realloc(pool, mem, old_size, new_size);
}

void p_free(pool_t pool, void *mem)
{
	if (mem != NULL)
		pool->v->free(pool, mem);
}

static struct pool *temp_pool_instance;

static void *temp_malloc(pool_t pool, size_t size)
{
	if (temp_pool_instance == NULL)
		temp_pool_instance = pool_alloconly_create("temp", 16384);
	return p_malloc(temp_pool_instance, size);
}

static void *temp_realloc(pool_t pool, void *mem, size_t old_size, size_t new_size)
{
	if (temp_pool_instance == NULL)
		temp_pool_instance = pool_alloconly_create("temp", 16384);
	return p_realloc(temp_pool_instance, mem, old_size, new_size);
}

static const struct pool_vfuncs temp_vfuncs = {
	temp_malloc, temp_realloc, alloconly_free, system_destroy,
};
static struct pool temp_pool_struct = { &temp_vfuncs, "temp", 1, true };
pool_t pool_temp = &temp_pool_struct;

void pool_temp_clear(void)
{
	if (temp_pool_instance != NULL)
		pool_clear(temp_pool_instance);
}
