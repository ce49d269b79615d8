/* SPDX-License-Identifier: MIT */
/*
 * Scaffolding shared by the per-opcode tests: a flat memory image with a
 * bump allocator, an execution context for calling lla_op_* directly, a
 * check that every issued command passes the validator, and a seeded
 * xorshift generator (define TEST_SEED before including).
 */
#ifndef LLA_TEST_ENV_H
#define LLA_TEST_ENV_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/internal.h"
#include "tap.h"

#ifndef TEST_SEED
#define TEST_SEED	0x9e3779b97f4a7c15ull
#endif

#define MEM_BASE	0x100000ull

struct env {
	struct lla_flat_mem flat;
	struct lla_mem mem;
	struct lla_job_result res;
	struct lla_exec x;
	uint64_t next;
};

static inline void env_init(struct env *e, uint64_t size)
{
	memset(e, 0, sizeof(*e));
	e->flat.data = calloc(1, size);
	if (!e->flat.data) {
		perror("calloc");
		exit(2);
	}
	e->flat.base = MEM_BASE;
	e->flat.size = size;
	lla_flat_mem_init(&e->mem, &e->flat);
	e->x.mem = &e->mem;
	e->x.res = &e->res;
	e->next = MEM_BASE;
}

static inline void env_free(struct env *e)
{
	free(e->flat.data);
}

static inline uint64_t env_alloc(struct env *e, uint64_t bytes)
{
	uint64_t a = e->next;

	e->next = (a + bytes + 63) & ~63ull;
	if (e->next > MEM_BASE + e->flat.size) {
		fprintf(stderr, "test memory exhausted\n");
		exit(2);
	}
	return a;
}

static inline void *P(struct env *e, uint64_t iova)
{
	return e->flat.data + (iova - MEM_BASE);
}

static inline uint64_t env_end(const struct env *e)
{
	return MEM_BASE + e->flat.size;
}

/*
 * Every command a test issues must be one the validator accepts (an
 * immediate position past the end is rejected there as INDEX as well):
 * the ops are only specified for validated commands.
 */
static int invalid_cmds;

static inline void note_cmd(const void *cmd, size_t size)
{
	const struct lla_cmd_hdr *h = cmd;
	int r = lla_validate_cmd(h, size);

	if (r != LLA_OK && r != LLA_ERR_INDEX) {
		invalid_cmds++;
		tap_diag("opcode %u rejected by the validator: %d",
			 h->opcode, r);
	}
}

static inline void check_valid_cmds(void)
{
	tap_ok(invalid_cmds == 0,
	       "every command issued passes lla_validate_cmd (%d did not)",
	       invalid_cmds);
}

static uint64_t rng_state = TEST_SEED;

static inline uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static inline float rndf(float lo, float hi)
{
	return lo + (hi - lo) * (float)((rnd() >> 40) * (1.0 / 16777216.0));
}

#endif /* LLA_TEST_ENV_H */
