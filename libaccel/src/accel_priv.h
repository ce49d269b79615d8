/* SPDX-License-Identifier: MIT */
/* libaccel internals: handle layouts and the backend operations table. */
#ifndef ACCEL_PRIV_H
#define ACCEL_PRIV_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "libaccel.h"

#define ACCEL_EXPORT __attribute__((visibility("default")))
#define ACCEL_FMT(a, b) __attribute__((format(printf, a, b)))

#define ACCEL_BO_MAX_SIZE	(1ull << 40)
#define ACCEL_BO_FLAGS		ACCEL_BO_DEVICE_RO

/* Per-thread last error: set a message and return @err (negative). */
int accel_err(int err, const char *fmt, ...) ACCEL_FMT(2, 3);
void accel_err_clear(void);

/* What a backend needs to submit one job: the kernel UAPI's SUBMIT. */
struct accel_be_submit {
	accel_bo *cmd_bo;		/* command buffer, device read-only */
	uint64_t cmd_offset;
	uint32_t cmd_len;
	uint32_t queue;
	uint32_t priority;
	uint32_t nbos;
	accel_bo *const *bos;		/* every BO the job uses */
	accel_fence *const *deps;	/* in-fences, same device */
	uint32_t ndeps;
};

struct accel_backend_ops {
	const char *name;
	uint32_t id;			/* enum accel_backend */
	int (*enumerate)(struct accel_device_info *infos, uint32_t max,
			 uint32_t *count);
	/* Open device @index (or @path when not NULL); fill dev->caps. */
	int (*open)(accel_device *dev, uint32_t index, const char *path);
	/* Stop accepting work and wait for every job (accel_device_close). */
	void (*close)(accel_device *dev);
	/* Free the backend state: the last handle of the device is gone. */
	void (*release)(accel_device *dev);
	/* Fill bo->iova, bo->map, bo->handle for bo->size / bo->flags. */
	int (*bo_create)(accel_device *dev, accel_bo *bo);
	void (*bo_destroy)(accel_device *dev, accel_bo *bo);
	/* Queue a job; on success the backend owns the completion of @f. */
	int (*submit)(accel_device *dev, const struct accel_be_submit *s,
		      accel_fence *f);
	/* 0 completed, -ETIMEDOUT; fills f->result on completion. */
	int (*fence_wait)(accel_device *dev, accel_fence *f,
			  int64_t timeout_ns);
	void (*fence_fini)(accel_device *dev, accel_fence *f);
	int (*counters)(accel_device *dev, struct accel_counters *c);
};

extern const struct accel_backend_ops accel_sim_ops;
extern const struct accel_backend_ops accel_kernel_ops;

struct accel_device {
	atomic_int refs;		/* user handle + every child handle */
	atomic_bool closed;
	const struct accel_backend_ops *ops;
	struct accel_caps caps;
	void *priv;			/* backend state */
};

struct accel_bo {
	atomic_int refs;		/* user handle, cmdbufs, jobs, tensors */
	accel_device *dev;
	uint64_t size;			/* requested */
	uint64_t alloc_size;		/* page rounded */
	uint64_t iova;
	uint32_t flags;
	uint32_t handle;		/* kernel GEM handle */
	void *map;
	void *priv;
};

struct accel_tensor {
	accel_bo *bo;
	uint64_t offset;
	uint32_t dtype;
	uint32_t ndim;
	uint64_t shape[ACCEL_TENSOR_MAX_DIMS];
	uint64_t strides[ACCEL_TENSOR_MAX_DIMS];
	uint64_t extent;
};

struct accel_cmdbuf {
	accel_device *dev;
	uint8_t *data;
	uint32_t len, cap;
	uint32_t ncmds;
	accel_bo **bos;			/* referenced, one ref each */
	uint32_t nbos, capbos;
	accel_bo *dbo;			/* uploaded copy of data[] */
	uint32_t dbo_len;		/* bytes valid in dbo */
	bool dirty;			/* data changed since the upload */
};

struct accel_fence {
	atomic_int refs;		/* user handle + backend */
	accel_device *dev;
	atomic_bool done;
	struct accel_job_result result;
	uint64_t submit_ns;
	uint32_t queue;
	uint32_t cmd_len;
	void *priv;			/* the command buffer BO */
	void *be;			/* backend job state */
};

/*
 * Backends call this when a job completed, after filling f->result and
 * before setting f->done: decodes the failing opcode, sets wall_ns.
 */
void accel_fence_finalize(accel_fence *f);

void accel_device_get(accel_device *dev);
void accel_device_put(accel_device *dev);
void accel_bo_get(accel_bo *bo);
void accel_bo_put(accel_bo *bo);
void accel_fence_get(accel_fence *f);
void accel_fence_put(accel_fence *f);

uint64_t accel_now_ns(void);
/* Fill the parts of struct accel_caps every backend shares. */
void accel_caps_defaults(struct accel_caps *c);

#endif /* ACCEL_PRIV_H */
