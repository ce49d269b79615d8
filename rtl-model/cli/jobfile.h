/* SPDX-License-Identifier: MIT */
/* Job files: a memory image, a command buffer and what to report. */
#ifndef LLA_JOBFILE_H
#define LLA_JOBFILE_H

#include <stdint.h>
#include <stdio.h>
#include "llmaccel_model.h"

#define JOB_MAX_MEMORY	(256ull << 20)
#define JOB_MAX_CHECKS	64
#define JOB_NAME_LEN	32

struct job_check {
	char name[JOB_NAME_LEN];
	uint64_t iova;
	uint64_t len;
	int has_expect;
	uint64_t expect;	/* FNV-1a 64 of the region */
};

struct job {
	char preset[JOB_NAME_LEN];
	struct lla_flat_mem mem;
	uint64_t cmdbuf_iova;
	uint8_t *cmds;		/* 8-byte aligned, LLA_MAX_CMDBUF_BYTES */
	uint32_t cmds_len;
	uint32_t ncmds;
	struct job_check checks[JOB_MAX_CHECKS];
	uint32_t nchecks;
	int has_expect_status;
	int expect_status;
	uint32_t expect_index;
};

/*
 * Parse a job file.  Returns 0, or -1 after printing "file:line: why" to
 * @err.  The job owns its buffers until job_free().
 */
int job_load(struct job *job, const char *path, FILE *err);
void job_free(struct job *job);
/* Write the assembled command buffer into the image at cmdbuf_iova. */
int job_place_cmdbuf(struct job *job, FILE *err);
uint64_t job_checksum(const struct job *job, const struct job_check *c);

#endif /* LLA_JOBFILE_H */
