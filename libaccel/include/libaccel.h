/* SPDX-License-Identifier: MIT */
/*
 * libaccel: the userspace library of the llmaccel ternary-LLM accelerator.
 *
 * Applications use this header and never an ioctl or a register.  The
 * command semantics are those of the hardware contract (llmaccel_hw.h,
 * docs/hw-spec.md); this library adds devices, buffers, a checked
 * command-buffer builder, asynchronous submission with fences, error
 * decoding, counters and weight packing.  docs/libaccel.md is the guide.
 *
 * Conventions
 *  - Every function that can fail returns 0 (or a count) on success and a
 *    negative errno on failure: -EINVAL bad argument, -ENOMEM, -ENOSPC
 *    device memory exhausted, -ENODEV no device or backend, -EXDEV handle
 *    of another device, -E2BIG command buffer full, -EOPNOTSUPP opcode not
 *    supported, -ETIMEDOUT, -EBUSY job not done, -EIO job failed on the
 *    device, -ESHUTDOWN device closed.  After a
 *    failure accel_last_error() holds a message for the calling thread
 *    that names the function and the bad argument or field, for example
 *    "accel_cmd_tlmm: k must be between 1 and 65536 (got 0)".
 *  - Handles are opaque.  Passing NULL where a handle is required is
 *    -EINVAL; a handle that was already freed is undefined behaviour.
 *  - Backends: "kernel" (the llmaccel DRM driver, /dev/accel/accel*; the
 *    default) and "sim" (the bit-exact rtl-model in process, with the
 *    device's validation, faults and modeled cycles).  The backend is
 *    chosen by an ACCEL_OPEN_* flag, else by the environment variable
 *    LIBACCEL_BACKEND=kernel|sim, else "kernel".
 *
 * Thread safety
 *  - A device may be used from many threads at once: buffer allocation and
 *    freeing, submission, fence waits and counter queries take the
 *    device's locks.  Any number of threads may submit concurrently.
 *  - A command buffer (accel_cmdbuf) and a tensor belong to one thread at
 *    a time: do not append to or submit the same command buffer from two
 *    threads at once.  Different command buffers need no coordination.
 *  - A fence may be waited on from several threads at once; it is
 *    released once, by its owner, after the waits have returned.
 *  - Buffers are reference counted internally: freeing a buffer (or
 *    destroying a command buffer) that a submitted job still uses is
 *    safe; the memory is reclaimed when the job completes.
 *  - accel_device_close() waits for every submitted job to finish.  Other
 *    handles of the device stay valid and must still be released: fences
 *    can be waited on and read, buffers mapped; new allocations and
 *    submissions fail with -ESHUTDOWN.
 *  - The host mapping of a buffer is shared with the device: host writes
 *    made before accel_submit() are seen by the job; device writes are
 *    visible to the host once accel_fence_wait() returned for the job.
 */
#ifndef LIBACCEL_H
#define LIBACCEL_H

#include <errno.h>		/* the -E* codes every function returns */
#include <stddef.h>
#include <stdint.h>
#include "llmaccel_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LIBACCEL_VERSION_MAJOR	0
#define LIBACCEL_VERSION_MINOR	1
/* Version of the library actually loaded: (major << 16) | minor. */
uint32_t accel_version(void);

/* ------------------------------------------------------------------ */
/* Handles                                                             */
/* ------------------------------------------------------------------ */
typedef struct accel_device accel_device;	/* an open device */
typedef struct accel_bo accel_bo;		/* device buffer object */
typedef struct accel_tensor accel_tensor;	/* typed view of a BO */
typedef struct accel_cmdbuf accel_cmdbuf;	/* command-buffer builder */
typedef struct accel_fence accel_fence;		/* completion of one job */
/* A BitNet model loaded into device buffers ("Model runner" below). */
typedef struct accel_model accel_model;

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */
/* Text of a negative (or positive) errno returned by this library. */
const char *accel_strerror(int err);
/*
 * The message of the last failure in the calling thread ("" if none).
 * Valid until the thread's next libaccel call that fails.
 */
const char *accel_last_error(void);
/*
 * Job status codes (enum lla_error, or ACCEL_STATUS_*): "MMU_FAULT",
 * "no translation for device address"; "UNKNOWN" for other values.
 */
const char *accel_hw_error_name(uint32_t status);
const char *accel_hw_error_text(uint32_t status);

/* ------------------------------------------------------------------ */
/* Devices                                                             */
/* ------------------------------------------------------------------ */
enum accel_backend {
	ACCEL_BACKEND_KERNEL = 1,	/* the llmaccel DRM driver */
	ACCEL_BACKEND_SIM = 2,		/* the rtl-model in process */
};

/* Open flags: at most one backend flag (else LIBACCEL_BACKEND, else kernel). */
#define ACCEL_OPEN_KERNEL	(1u << 0)
#define ACCEL_OPEN_SIM		(1u << 1)

const char *accel_backend_name(uint32_t backend);	/* "kernel", "sim" */

struct accel_device_info {
	uint32_t index;		/* for accel_device_open_index() */
	uint32_t backend;	/* enum accel_backend */
	char path[64];		/* "/dev/accel/accel0", "sim:0" */
	char name[64];		/* human-readable description */
	char bus[32];		/* PCI address, "" for the simulator */
};

/*
 * List the devices of the selected backend (flags as for open).  Fills
 * up to @max entries of @infos (which may be NULL when @max is 0) and
 * stores the number of devices present in *@count, which may exceed
 * @max.  Kernel backend: every /dev/accel/accel* bound to the llmaccel
 * driver.  Sim backend: LIBACCEL_SIM_DEVICES (default 1) devices.
 */
int accel_enumerate(uint32_t flags, struct accel_device_info *infos,
		    uint32_t max, uint32_t *count);

/*
 * Open a device.  @spec: NULL or "first" (the first device), a decimal
 * index ("1"), a path ("/dev/accel/accel0", kernel backend) or "sim" /
 * "sim:N" (sim backend, whatever the flags and environment say).
 * Returns -ENODEV (with a message) when no such device exists or the
 * backend is unavailable.  Sim backend: every open creates an independent
 * simulated device (its own memory, queues, clock and counters).
 */
int accel_device_open(const char *spec, uint32_t flags, accel_device **out);
int accel_device_open_index(uint32_t index, uint32_t flags,
			    accel_device **out);
/*
 * Wait for every submitted job, then drop the device handle (NULL is a
 * no-op).  The device is freed with its last buffer, fence or command
 * buffer.
 */
void accel_device_close(accel_device *dev);

struct accel_caps {
	uint32_t backend;		/* enum accel_backend */
	uint32_t hw_version;		/* LLA_VERSION(major, minor) */
	uint32_t caps;			/* LLA_CAP_* */
	uint32_t num_queues;		/* submission queues, 1..LLA_MAX_QUEUES */
	uint32_t opcodes;		/* bit n: opcode n supported */
	uint32_t wformats;		/* bit n: enum lla_wfmt n supported */
	uint32_t max_m, max_n, max_k, max_ctx;
	uint32_t max_cmdbuf;		/* bytes per command buffer */
	uint32_t clock_khz;		/* modeled clock: cycles -> time */
	uint32_t preset;		/* LLA_PRESET_* of the cycle model */
	uint32_t result_fields;		/* ACCEL_RESULT_*: what jobs report */
	uint64_t mem_size;		/* device memory for BOs, 0 = unknown */
	uint64_t max_bo_size;		/* largest accel_bo_alloc() size */
	char name[64];
	char path[64];
	char preset_name[32];
};
int accel_device_caps(accel_device *dev, struct accel_caps *caps);

/*
 * Fields of struct accel_job_result a backend fills beyond status,
 * cmd_index, opcode, fault_iova, cycles and wall_ns (always reported).
 */
#define ACCEL_RESULT_FAULT_WRITE	(1u << 0)	/* fault_write */
#define ACCEL_RESULT_CLOCK		(1u << 1)	/* start/end_cycle */
#define ACCEL_RESULT_TRAFFIC		(1u << 2)	/* macs, bytes_* */

/* Per-queue counters, as the device's LLA_Q_CNT_* registers define them. */
struct accel_queue_counters {
	uint64_t jobs;
	uint64_t commands;
	uint64_t errors;
	uint64_t busy_cycles;
	uint64_t macs;
	uint64_t dma_rd_bytes;
	uint64_t dma_wr_bytes;
};
struct accel_counters {
	uint32_t num_queues;
	uint32_t reserved0;
	uint64_t device_cycles;		/* modeled device clock */
	uint64_t faults;		/* jobs ended by MMU/DMA faults */
	uint64_t hangs;			/* jobs found hung by the driver */
	uint64_t resets;		/* device or queue resets */
	struct accel_queue_counters total;
	struct accel_queue_counters queue[LLA_MAX_QUEUES];
};
int accel_device_counters(accel_device *dev, struct accel_counters *c);

/* ------------------------------------------------------------------ */
/* Buffer objects                                                      */
/* ------------------------------------------------------------------ */
/* The device may only read the buffer (weights, tables): writes fault. */
#define ACCEL_BO_DEVICE_RO	(1u << 0)

/*
 * Allocate @size bytes (1 .. 2^40) of zeroed device memory, mapped for
 * the host.  The device address is page aligned and stays fixed.
 */
int accel_bo_alloc(accel_device *dev, uint64_t size, uint32_t flags,
		   accel_bo **out);
/* Drop the handle (NULL is a no-op); in-flight jobs keep the memory alive. */
void accel_bo_free(accel_bo *bo);
/* Host pointer to the whole buffer, valid until accel_bo_free(). */
int accel_bo_map(accel_bo *bo, void **ptr);
uint64_t accel_bo_iova(const accel_bo *bo);	/* device address, 0 if NULL */
uint64_t accel_bo_size(const accel_bo *bo);	/* requested size, 0 if NULL */
/* Bounds-checked copies through the mapping. */
int accel_bo_write(accel_bo *bo, uint64_t offset, const void *src,
		   uint64_t len);
int accel_bo_read(accel_bo *bo, uint64_t offset, void *dst, uint64_t len);

/*
 * An operand of a command: @offset bytes into @bo.  With @bo NULL,
 * @offset is an absolute device address (not bounds-checked against a
 * buffer; for advanced use and tests), and {NULL, 0} means "absent"
 * for optional operands.
 */
struct accel_addr {
	accel_bo *bo;
	uint64_t offset;
};
static inline struct accel_addr accel_at(accel_bo *bo, uint64_t offset)
{
	struct accel_addr a = { bo, offset };

	return a;
}
static inline struct accel_addr accel_raw(uint64_t iova)
{
	struct accel_addr a = { NULL, iova };

	return a;
}

/* ------------------------------------------------------------------ */
/* Tensors: dtype, shape and strides over a region of a BO             */
/* ------------------------------------------------------------------ */
enum accel_dtype {
	ACCEL_DTYPE_F32 = LLA_DTYPE_F32,
	ACCEL_DTYPE_F16 = LLA_DTYPE_F16,
	ACCEL_DTYPE_I8 = LLA_DTYPE_I8,
	ACCEL_DTYPE_I32 = 16,
	ACCEL_DTYPE_U32 = 17,
	ACCEL_DTYPE_U64 = 18,
	ACCEL_DTYPE_T2 = 32,	/* ternary rows packed as LLA_WFMT_T2 */
	ACCEL_DTYPE_T5 = 33,	/* ternary rows packed as LLA_WFMT_T5 */
};
#define ACCEL_TENSOR_MAX_DIMS	4

/*
 * A view of @bo at @offset with @ndim (1..4) dimensions @shape (each >= 1,
 * outermost first) and byte @strides (NULL: packed).  The innermost
 * dimension is contiguous; for T2/T5 it is the number of weights, packed
 * into lla_wfmt_row_bytes() bytes.  The whole extent must lie inside
 * the buffer.  The tensor holds a reference to the buffer.
 */
int accel_tensor_create(accel_bo *bo, uint64_t offset, uint32_t dtype,
			uint32_t ndim, const uint64_t *shape,
			const uint64_t *strides, accel_tensor **out);
void accel_tensor_destroy(accel_tensor *t);
uint32_t accel_tensor_dtype(const accel_tensor *t);
uint32_t accel_tensor_ndim(const accel_tensor *t);
uint64_t accel_tensor_dim(const accel_tensor *t, uint32_t i);	/* 0 if bad */
uint64_t accel_tensor_stride(const accel_tensor *t, uint32_t i);
uint64_t accel_tensor_extent(const accel_tensor *t);	/* bytes spanned */
struct accel_addr accel_tensor_addr(const accel_tensor *t);
/* Host pointer to the first element (NULL if @t is NULL). */
void *accel_tensor_host(const accel_tensor *t);

/* ------------------------------------------------------------------ */
/* Command buffers                                                     */
/* ------------------------------------------------------------------ */
/*
 * A command buffer is built on the host, one checked command at a time,
 * and can be submitted any number of times (a decode step built once per
 * session and re-submitted as is).  Changing it after a submission never
 * affects jobs already submitted.
 */
int accel_cmdbuf_create(accel_device *dev, accel_cmdbuf **out);
void accel_cmdbuf_destroy(accel_cmdbuf *cb);
/* Remove every command (and buffer reference). */
int accel_cmdbuf_reset(accel_cmdbuf *cb);
uint32_t accel_cmdbuf_count(const accel_cmdbuf *cb);	/* commands */
uint32_t accel_cmdbuf_bytes(const accel_cmdbuf *cb);	/* encoded size */
/* The encoded commands (llmaccel_hw.h layout), accel_cmdbuf_bytes() long. */
const void *accel_cmdbuf_data(const accel_cmdbuf *cb);
/*
 * Declare that the jobs of @cb use @bo (for commands built with raw
 * addresses); buffers named through accel_addr are tracked already.
 */
int accel_cmdbuf_use_bo(accel_cmdbuf *cb, accel_bo *bo);

/*
 * Append one encoded command (header included, @len == hdr.size).  It is
 * checked with the device's validator unless ACCEL_RAW_UNCHECKED is set,
 * which exists to exercise the device's own validation.
 */
#define ACCEL_RAW_UNCHECKED	(1u << 0)
int accel_cmd_raw(accel_cmdbuf *cb, const void *cmd, uint32_t len,
		  uint32_t flags);

/*
 * One builder per opcode.  Each checks every field (ranges, strides,
 * alignment, enums, required operands, operand extents against their
 * buffers), then runs the device's validator on the encoded command, and
 * appends it only if all passed; else -EINVAL with a message naming the
 * field.  Strides of 0 mean "packed" (the row size); float fields are
 * plain floats.  Field meanings are those of the lla_cmd_* structures.
 */
int accel_cmd_nop(accel_cmdbuf *cb);

struct accel_epilogue {
	struct accel_addr bias;		/* fp32 [n], optional */
	struct accel_addr gate;		/* fp32 [m] rows, optional */
	struct accel_addr residual;	/* fp32 [m] rows, optional */
	struct accel_addr y_scale;	/* fp32 [m]: exactly for I8 output */
	uint32_t gate_stride;		/* 0 = 4 * n */
	uint32_t residual_stride;	/* 0 = 4 * n */
	uint8_t act;			/* enum lla_act */
	uint8_t out_dtype;		/* enum lla_dtype of y */
};

/* Y[m,n] = epi(sum_k Xq[m,k] * W[n,k] / x_scale[m] * w_scale) */
struct accel_tlmm {
	struct accel_addr x;		/* int8 [m] rows of k */
	struct accel_addr x_scale;	/* fp32 [m], factors s of NORM_QUANT */
	struct accel_addr w;		/* [n] rows of k ternary weights */
	struct accel_addr y;		/* [m] rows of n out_dtype */
	uint32_t m, n, k;
	uint32_t x_stride, w_stride, y_stride;	/* bytes, 0 = packed */
	float w_scale;			/* gamma of the matrix */
	uint8_t wfmt;			/* LLA_WFMT_T2 or LLA_WFMT_T5 */
	struct accel_epilogue epi;
};
int accel_cmd_tlmm(accel_cmdbuf *cb, const struct accel_tlmm *a);

struct accel_qmm {
	struct accel_addr x;		/* I8: int8 rows; F16: fp32 rows */
	struct accel_addr x_scale;	/* I8: fp32 [m]; F16: absent */
	struct accel_addr w;		/* I8: int8 [n][k]; F16: fp16 [n][k] */
	struct accel_addr w_scale;	/* I8: fp32 [n]; F16: absent */
	struct accel_addr y;
	uint32_t m, n, k;
	uint32_t x_stride, w_stride, y_stride;
	uint8_t wfmt;			/* LLA_WFMT_I8 or LLA_WFMT_F16 */
	struct accel_epilogue epi;
};
int accel_cmd_qmm(accel_cmdbuf *cb, const struct accel_qmm *a);

struct accel_norm_quant {
	struct accel_addr x;		/* fp32 [m] rows of k */
	struct accel_addr gamma;	/* fp32 [k], optional, norm only */
	struct accel_addr q;		/* int8 rows (with quant) */
	struct accel_addr scale;	/* fp32 [m] (with quant) */
	struct accel_addr y;		/* fp32 rows (with f32out) */
	uint32_t m, k;
	uint32_t x_stride, q_stride, y_stride;	/* 0 = packed when used */
	float eps;			/* RMSNorm epsilon (norm only) */
	uint32_t flags;			/* LLA_NQ_F_* */
};
int accel_cmd_norm_quant(accel_cmdbuf *cb, const struct accel_norm_quant *a);

struct accel_rope {
	struct accel_addr x;		/* fp32 [m] rows, rotated in place */
	struct accel_addr table;	/* fp32 [table_len][head_dim/2][2] */
	struct accel_addr pos_addr;	/* u32 position in memory, optional */
	uint32_t m, n_head, head_dim, x_stride;
	uint32_t pos;			/* when pos_addr is absent */
	uint32_t table_len;
};
int accel_cmd_rope(accel_cmdbuf *cb, const struct accel_rope *a);

struct accel_eltwise {
	struct accel_addr a, b, y;	/* fp32 [count]; b for ADD/MUL only */
	uint32_t count;
	uint8_t op;			/* enum lla_elt_op */
	float imm;			/* SCALE only */
};
int accel_cmd_eltwise(accel_cmdbuf *cb, const struct accel_eltwise *a);

struct accel_embed {
	struct accel_addr table;	/* [vocab] rows of dim dtype */
	struct accel_addr ids;		/* int32 [m] */
	struct accel_addr y;		/* fp32 [m] rows of dim */
	uint32_t vocab, dim, m;
	uint32_t table_stride, y_stride;
	uint8_t dtype;			/* LLA_DTYPE_F32 or LLA_DTYPE_F16 */
};
int accel_cmd_embed(accel_cmdbuf *cb, const struct accel_embed *a);

struct accel_argmax {
	struct accel_addr x;		/* fp32 [m] rows of n */
	struct accel_addr y;		/* int32 [m] */
	uint32_t m, n, x_stride;
};
int accel_cmd_argmax(accel_cmdbuf *cb, const struct accel_argmax *a);

struct accel_topk {
	struct accel_addr x;		/* fp32 [n] */
	struct accel_addr idx;		/* int32 [k] */
	struct accel_addr val;		/* fp32 [k], optional */
	uint32_t n, k;
};
int accel_cmd_topk(accel_cmdbuf *cb, const struct accel_topk *a);

struct accel_sample {
	struct accel_addr logits;	/* fp32 [n] */
	struct accel_addr out;		/* int32 token */
	struct accel_addr counter_addr;	/* u64 RNG counter, optional */
	uint64_t seed;
	uint64_t counter;		/* when counter_addr is absent */
	uint32_t n;
	uint32_t top_k;			/* 0 = LLA_MAX_TOPK */
	float temperature;		/* 0 = greedy */
	float top_p;			/* (0, 1] */
	uint32_t flags;			/* LLA_SAMPLE_F_ADVANCE */
};
int accel_cmd_sample(accel_cmdbuf *cb, const struct accel_sample *a);

struct accel_attn {
	struct accel_addr q;		/* fp32 [m] rows of n_head*head_dim */
	struct accel_addr k, v;		/* fp32 [m] rows of n_kv_head*head_dim */
	struct accel_addr k_cache, v_cache;	/* fp16 [max_ctx][n_kv][hd] */
	struct accel_addr o;		/* fp32 [m] rows of n_head*head_dim */
	struct accel_addr pos_addr;	/* u32 position in memory, optional */
	uint32_t m, n_head, n_kv_head, head_dim, max_ctx, pos;
	uint32_t q_stride, kv_stride, o_stride;	/* 0 = packed */
	float scale;			/* 0 = 1/sqrt(head_dim) */
};
/* ATTN_PREFILL (m tokens) and ATTN_DECODE (m must be 1). */
int accel_cmd_attn_prefill(accel_cmdbuf *cb, const struct accel_attn *a);
int accel_cmd_attn_decode(accel_cmdbuf *cb, const struct accel_attn *a);

int accel_cmd_copy(accel_cmdbuf *cb, struct accel_addr dst,
		   struct accel_addr src, uint64_t len);
int accel_cmd_fill(accel_cmdbuf *cb, struct accel_addr dst, uint64_t len,
		   uint32_t value);
int accel_cmd_timestamp(accel_cmdbuf *cb, struct accel_addr dst);
/* @op: enum lla_sem_op (signal) / enum lla_sem_cond (wait); @flags LLA_SEM_F_32BIT */
int accel_cmd_sem_signal(accel_cmdbuf *cb, struct accel_addr cell,
			 uint32_t op, uint64_t value, uint32_t flags);
int accel_cmd_sem_wait(accel_cmdbuf *cb, struct accel_addr cell,
		       uint32_t cond, uint64_t value, uint32_t flags);

/* ------------------------------------------------------------------ */
/* Submission and fences                                               */
/* ------------------------------------------------------------------ */
#define ACCEL_PRIO_LOW		0
#define ACCEL_PRIO_NORMAL	1
#define ACCEL_PRIO_HIGH		2	/* kernel backend: needs CAP_SYS_NICE */

struct accel_submit_opts {
	uint32_t queue;			/* 0 .. caps.num_queues - 1 */
	uint32_t priority;		/* ACCEL_PRIO_*; opts NULL: NORMAL */
	accel_fence *const *deps;	/* jobs that must complete first */
	uint32_t ndeps;			/* <= ACCEL_MAX_DEPS */
	uint32_t flags;			/* must be 0 */
};
#define ACCEL_MAX_DEPS		64

/*
 * Submit the commands of @cb as one job.  @opts NULL: queue 0, normal
 * priority, no dependencies.  Jobs of one queue run in submission order;
 * a job starts only after all its dependencies (fences of the same
 * device) completed.  A dependency orders only: a failed dependency does
 * not cancel the job.  *@fence (if @fence is not NULL) receives the
 * job's fence, which the caller releases.
 */
int accel_submit(accel_cmdbuf *cb, const struct accel_submit_opts *opts,
		 accel_fence **fence);

/*
 * Wait up to @timeout_ns (< 0: forever, 0: poll) for the job.  Returns 0
 * if it completed successfully, -EIO if it completed with a device error
 * (accel_last_error() then describes it), -ETIMEDOUT if still running.
 */
int accel_fence_wait(accel_fence *f, int64_t timeout_ns);
void accel_fence_release(accel_fence *f);

/*
 * Job outcomes decided by the driver rather than the device, beside the
 * enum lla_error values (same numbers as the kernel UAPI's).
 */
#define ACCEL_STATUS_CANCELED		0x100	/* context banned, not run */
#define ACCEL_STATUS_BAD_COMPLETION	0x101	/* corrupt completion record */
#define ACCEL_STATUS_DEVICE_LOST	0x102	/* device removed */

/* The completion record of a job. */
struct accel_job_result {
	uint32_t status;	/* enum lla_error or ACCEL_STATUS_*; 0 = OK */
	uint32_t cmd_index;	/* failing command, or commands executed */
	uint64_t fault_iova;	/* MMU_FAULT / MMU_PERM / DMA: the address */
	uint32_t fault_write;	/* the faulting access was a write (*) */
	uint32_t opcode;	/* opcode of the failing command, or 0xff */
	uint64_t cycles;	/* modeled device cycles of the job */
	uint64_t start_cycle, end_cycle;	/* device clock (*) */
	uint64_t macs;				/* (*) */
	uint64_t bytes_read, bytes_written;	/* (*) */
	uint64_t wall_ns;	/* submit to completion, host clock */
};
/* (*) 0 unless the backend reports it: see accel_caps.result_fields. */
/* -EBUSY while the job has not completed. */
int accel_fence_result(accel_fence *f, struct accel_job_result *res);
/*
 * Readable description of a result, e.g. "command 3 (TLMM) failed:
 * MMU_FAULT (no translation for device address) at 0x5000 (write)".
 * Returns the length snprintf would have written.
 */
int accel_job_describe(const struct accel_job_result *res, char *buf,
		       size_t len);

/* ------------------------------------------------------------------ */
/* Weight packing                                                      */
/* ------------------------------------------------------------------ */
/*
 * Ternary quantization with BitNet b1.58 absmean, per matrix.  @w is
 * [n][k] fp32 (output rows, PyTorch/GGUF order), rows @ld floats apart.
 * The exact rule:
 *   mean  = (float)(sum over rows ascending, then k ascending, of
 *                   (double)|w|, divided by (double)(n * k))
 *   gamma = max(mean, ACCEL_ABSMEAN_EPS)
 *   q     = w / gamma (fp32 division)
 *   code  = clamp(round_half_even(q), -1, 1), i.e. +1 if q > 0.5,
 *           -1 if q < -0.5, else 0 (so +-0.5 gives 0)
 * *@gamma receives gamma, the matrix's w_scale.  Every w must be finite.
 */
#define ACCEL_ABSMEAN_EPS	1e-5f
int accel_ternary_quantize(const float *w, uint32_t n, uint32_t k,
			   uint32_t ld, int8_t *codes, float *gamma);
/* Bytes of one packed row of @k weights (0 for a bad format or k). */
uint32_t accel_weight_row_bytes(uint32_t wfmt, uint32_t k);
/*
 * Pack [n][k] codes in {-1, 0, 1} into T2 or T5 device rows of
 * @dst_stride bytes (0 = row bytes), the layout TLMM reads (section 8.3
 * of docs/hw-spec.md).  Bytes between rows are left untouched.
 */
int accel_ternary_pack(uint32_t wfmt, const int8_t *codes, uint32_t n,
		       uint32_t k, void *dst, uint32_t dst_stride);
int accel_ternary_unpack(uint32_t wfmt, const void *src, uint32_t n,
			 uint32_t k, uint32_t src_stride, int8_t *codes);
/* Quantize (absmean) and pack in one step. */
int accel_weights_pack(uint32_t wfmt, const float *w, uint32_t n,
		       uint32_t k, uint32_t ld, void *dst,
		       uint32_t dst_stride, float *gamma);

/* ------------------------------------------------------------------ */
/* Host helpers with the device's numerics (hw-spec section 8)         */
/* ------------------------------------------------------------------ */
/* IEEE binary16, round to nearest even (lla_f32_to_f16); exact back. */
uint16_t accel_f32_to_f16(float f);
float accel_f16_to_f32(uint16_t h);
/*
 * The activation quantization of NORM_QUANT on the host: per row of @k
 * floats (rows @ld apart, 0 = k), q = clamp(rne(x * s), -128, 127) with
 * s = 127 / max(max|x|, 1e-5), into @q ([m][k]) and @s ([m]).
 */
int accel_quantize_rows(const float *x, uint32_t m, uint32_t k, uint32_t ld,
			int8_t *q, float *s);
/*
 * The NEOX RoPE angle table ROPE reads: fp32 [len][head_dim/2][2] =
 * {cos, sin} of p * theta^(-2i/head_dim) (lla_rope_table).  @head_dim
 * even, @theta finite and > 0.
 */
int accel_rope_table(float *table, uint32_t len, uint32_t head_dim,
		     float theta);

/* ------------------------------------------------------------------ */
/* Model runner: BitNet b1.58 GGUF models on a device                  */
/* ------------------------------------------------------------------ */
/*
 * A BitNet GGUF file (architecture "bitnet", "bitnet-25", "bitnet-b1.58"
 * or "llmaccel-bitnet"; docs/model-files.md) with ternary matrices as
 * TQ1_0, TQ2_0, I2_S or F32/F16/BF16 (already ternary, {-d, 0, +d}, as
 * llama.cpp's converter writes them: taken as they are; latent weights:
 * absmean-ternarized at load and counted in absmean_matrices) is
 * converted once and uploaded to device buffers: the weights
 * (read-only), the fp16 KV cache of max_ctx positions and the
 * activations.  A session then runs with ONE submission per prompt
 * (prefill: every prompt token, then the next token sampled on the
 * device) and ONE submission per generated token (decode: a command
 * buffer built once per session and re-submitted as is).  Sampling
 * happens on the device with the SAMPLE command's rule, so a run is
 * reproducible from its seed on any backend.
 *
 * A model belongs to one thread at a time; different models (also of the
 * same device) need no coordination.  Free a model before closing its
 * device: after accel_device_close() it can only be freed.
 *
 * docs/libaccel.md, "Running a model", has a complete program.
 */
/* Options of accel_model_load() (NULL: all defaults). */
#define ACCEL_MODEL_REQUANTIZE	(1u << 0)	/* TQ1_0/TQ2_0 blocks with
						 * different scales: absmean
						 * again instead of failing */
#define ACCEL_MODEL_HEAD_I8	(1u << 1)	/* int8 output head (QMM I8,
						 * per-row scales), not fp16 */
/*
 * Loading progress: @done of @total tensor bytes converted, @what the
 * tensor just finished ("done" at the end).  Called from the loading
 * thread, inside accel_model_load().
 */
typedef void (*accel_progress_fn)(void *ud, uint64_t done, uint64_t total,
				  const char *what);
struct accel_model_opts {
	uint32_t max_ctx;	/* KV positions; 0: min(context_length, 512) */
	uint32_t batch;		/* prompt rows per pass; 0: min(max_ctx, 128) */
	uint8_t wfmt;		/* LLA_WFMT_T2 (also 0, the default) or T5 */
	uint32_t flags;		/* ACCEL_MODEL_* */
	accel_progress_fn progress;	/* may be NULL */
	void *progress_ud;
};

/*
 * Open the GGUF file at @path, convert it, upload it to @dev and load
 * its tokenizer.  A file that is not a usable BitNet model gives -EINVAL
 * with a message naming the problem (tensor, key, offset); a missing
 * file the errno of open(); device memory too small -ENOSPC.
 */
int accel_model_load(accel_device *dev, const char *path,
		     const struct accel_model_opts *opts, accel_model **out);
/* Free the model's buffers and command buffers (NULL is a no-op). */
void accel_model_free(accel_model *m);

struct accel_model_info {
	char arch[32];		/* general.architecture ("bitnet", ...) */
	char name[64];		/* general.name, "" if absent */
	uint32_t n_layer, n_embd, n_ff;
	uint32_t n_head, n_head_kv, head_dim;
	uint32_t n_vocab;
	uint32_t n_ctx_train;	/* the file's context_length */
	float rope_theta, rms_eps;
	uint32_t ffn_act;	/* LLA_ACT_RELU2 or LLA_ACT_SILU */
	uint32_t max_ctx;	/* positions of this session's KV cache */
	uint32_t batch;		/* prompt rows per pass */
	uint32_t wfmt;		/* LLA_WFMT_T2 / T5 of the ternary matrices */
	uint32_t head_wfmt;	/* LLA_WFMT_F16 / I8 of the output head */
	uint32_t embd_dtype;	/* LLA_DTYPE_F16 / F32 of the embedding */
	uint64_t weight_bytes;	/* device memory: weights */
	uint64_t kv_bytes;	/*   KV cache */
	uint64_t act_bytes;	/*   activations and logits */
	/* The decode step's command buffer (both 0 before a session). */
	uint32_t decode_commands;	/* commands */
	uint32_t decode_cmdbuf_bytes;	/* encoded bytes */
	/*
	 * Matrices the loader ternarized with absmean itself: float weights
	 * that were latent (not {-d, 0, +d}), or ACCEL_MODEL_REQUANTIZE'd
	 * blocks.  0 when the file's ternary weights were taken as stored.
	 */
	uint32_t absmean_matrices;
	/*
	 * Bytes of weight_bytes one decode step reads: every layer's
	 * matrices and norms, the final norm, the whole output head (with
	 * its int8 scales), one embedding row and one RoPE row.  The KV
	 * cache it reads (position-dependent) is not included.
	 */
	uint64_t decode_weight_bytes;
};
int accel_model_info(const accel_model *m, struct accel_model_info *info);

/* Sampling of a session, done on the device (SAMPLE / ARGMAX). */
struct accel_sampling {
	float temperature;	/* 0: greedy (first index of the max logit) */
	uint32_t top_k;		/* 0: LLA_MAX_TOPK */
	float top_p;		/* (0, 1]; 0 is taken as 1 */
	uint64_t seed;		/* with the step counter: the RNG stream */
};

/*
 * Start a session: the KV cache is empty (position 0), the RNG counter
 * 0, and the decode command buffer is built for @s (NULL: greedy).  May
 * be called again at any time to start over.
 */
int accel_model_start(accel_model *m, const struct accel_sampling *s);
/*
 * Process @n prompt tokens at the current position in ONE submission
 * and store the token sampled after the last one in *@next (may be
 * NULL).  Several prefills may follow each other in a session (a second
 * prompt continues the context).  -ENOSPC if the context would overflow,
 * -EINVAL for an id outside the vocabulary.
 */
int accel_model_prefill(accel_model *m, const int32_t *ids, uint32_t n,
			int32_t *next);
/*
 * One decode step, ONE submission: feeds the token sampled last (the
 * device keeps it, the host does not pass it back) and stores the next
 * one in *@next.  Needs a prefill first; -ENOSPC when the context is
 * full.  After a failed prefill or decode (-EIO: the job failed on the
 * device) start a new session with accel_model_start().
 */
int accel_model_decode(accel_model *m, int32_t *next);
/*
 * The logits (n_vocab floats) of the last processed position, read
 * through the host mapping; valid until the next prefill or decode.
 * NULL if @m is NULL.
 */
const float *accel_model_logits(const accel_model *m);

/* Figures of the session since accel_model_start(). */
struct accel_model_stats {
	uint32_t pos;			/* tokens in the KV cache */
	uint32_t clock_khz;		/* the device's modeled clock */
	uint64_t submissions;		/* accel_submit() calls, total */
	uint64_t prefill_tokens;
	uint64_t prefill_cycles;	/* modeled device cycles */
	uint64_t prefill_wall_ns;	/* host clock, submit to completion */
	uint64_t decode_steps;
	uint64_t decode_cycles, decode_wall_ns;
	uint64_t decode_submissions;	/* made by decode steps */
	uint32_t last_step_submissions;	/* of the last prefill/decode: 1 */
	uint32_t reserved0;
	uint64_t last_cycles, last_wall_ns;	/* of the last prefill/decode */
};
int accel_model_stats(const accel_model *m, struct accel_model_stats *st);

/*
 * The model's tokenizer (SentencePiece "llama" or BPE "gpt2").
 * accel_model_tokenize: @len bytes of @text (not NUL-terminated), BOS
 * first if @add_bos (accel_model_add_bos() says what the model wants);
 * writes up to @max ids and the count to *@n; -ENOSPC when @max is too
 * small (*@n then holds the count needed).
 * accel_model_token_piece: the bytes token @id adds to the text; writes
 * up to @cap bytes (no NUL) and returns the piece's length, which may
 * exceed @cap; -EINVAL for a bad id.
 * Both return -ENODEV if the file had no tokenizer.
 */
int accel_model_tokenize(const accel_model *m, const char *text, size_t len,
			 int add_bos, int32_t *ids, size_t max, size_t *n);
int accel_model_token_piece(const accel_model *m, int32_t id, char *buf,
			    size_t cap);
int32_t accel_model_eos(const accel_model *m);	/* -1 if none */
int accel_model_add_bos(const accel_model *m);	/* 1: prompts start with BOS */

#ifdef __cplusplus
}
#endif

#endif /* LIBACCEL_H */
