/* SPDX-License-Identifier: MIT */
/*
 * llmaccel rtl-model: the bit-exact reference of the device.
 *
 * A library with no I/O.  Its only process-wide state is the kernels'
 * instruction set (chosen once) and the worker pool that lets
 * lla_exec_opts.threads host threads share a command.  Device memory
 * is reached only through struct lla_mem, so the QEMU device plugs in
 * its MMU walker and tests plug in a bounded flat buffer.  Three parts:
 *   validate  - pure checks of every field of every command;
 *   execute   - reference arithmetic (and the table-lookup TLMM engine);
 *   timing    - a cycle model driven by micro-architecture parameters.
 */
#ifndef LLMACCEL_MODEL_H
#define LLMACCEL_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "llmaccel_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------- memory interface ---------------- */
/*
 * read/write return LLA_OK, or LLA_ERR_MMU_FAULT / LLA_ERR_MMU_PERM /
 * LLA_ERR_DMA with *fault_iova set to the first failing address.
 * A failed access may have transferred part of the data.
 *
 * map_read (optional, NULL: every read copies through read()) is a read
 * without the copy, used for the TLMM/QMM weights: on LLA_OK the @len
 * bytes at @iova are described by *nspans (>= 1 when len > 0) spans of
 * host memory, in order, that the engine reads in place until it calls
 * unmap(opaque, *cookie) (unmap may be NULL if there is nothing to
 * release).  Spans are split only at LLA_PAGE_SIZE boundaries of the
 * IOVA, so @max_spans = lla_mem_max_spans(iova, len) always suffices;
 * a memory that is contiguous in the host returns one span.  The
 * checks, error codes, *fault_iova and every observable effect of the
 * access (counters, fault injection, order) are exactly read()'s for
 * the same range; on error there is nothing to unmap.  While a mapping
 * is held the memory must stay valid (the QEMU device counts it as one
 * access in flight, so an MMU invalidate waits for its unmap).  Bytes
 * that others write concurrently are as racy as they are for read().
 */
struct lla_span {
	const uint8_t *p;
	uint64_t len;
};

struct lla_mem {
	void *opaque;
	int (*read)(void *opaque, uint64_t iova, void *dst, uint64_t len,
		    uint64_t *fault_iova);
	int (*write)(void *opaque, uint64_t iova, const void *src,
		     uint64_t len, uint64_t *fault_iova);
	int (*map_read)(void *opaque, uint64_t iova, uint64_t len,
			struct lla_span *spans, uint32_t max_spans,
			uint32_t *nspans, void **cookie, uint64_t *fault_iova);
	void (*unmap)(void *opaque, void *cookie);
};

/* Pages of LLA_PAGE_SIZE that [iova, iova + len) touches (0 if len 0). */
static inline uint64_t lla_mem_max_spans(uint64_t iova, uint64_t len)
{
	uint64_t off = iova & (LLA_PAGE_SIZE - 1);

	return len ? (off + len - 1) / LLA_PAGE_SIZE + 1 : 0;
}

/*
 * A bounded flat memory image at [base, base + size): for tests/CLI.
 * lla_flat_mem_init() sets read, write and map_read (one span, in place).
 */
struct lla_flat_mem {
	uint8_t *data;
	uint64_t base;
	uint64_t size;
};
void lla_flat_mem_init(struct lla_mem *mem, struct lla_flat_mem *flat);

/* ---------------- micro-architecture / cycle model ---------------- */
struct lla_uarch {
	const char *name;
	uint32_t preset_id;		/* LLA_PRESET_* */
	uint32_t clock_mhz;		/* core clock */
	uint32_t tlmm_lanes;		/* output columns computed in parallel */
	uint32_t tlmm_group;		/* activations per LUT group */
	uint32_t tlmm_luts_per_lane;	/* table look-ups per lane per cycle */
	uint32_t weight_buf_kib;	/* on-chip weight buffer */
	uint32_t dram_mbps;		/* sustained DRAM bandwidth, MB/s */
	uint32_t dram_latency_cycles;	/* per burst/stream start */
	uint32_t attn_macs_per_cycle;	/* attention unit width */
	uint32_t elt_per_cycle;		/* element-wise/norm unit width */
	uint32_t sample_per_cycle;	/* logits scanned per cycle */
	uint32_t cmd_overhead_cycles;	/* decode + dispatch per command */
	uint32_t job_overhead_cycles;	/* descriptor fetch, completion */
};

const struct lla_uarch *lla_uarch_preset(const char *name);
const struct lla_uarch *lla_uarch_preset_id(uint32_t preset_id);
/* NULL-terminated list of preset names. */
const char *const *lla_uarch_preset_names(void);

/*
 * Modeled cycles of one command that passed validation.  Shapes only:
 * data-dependent fields read from memory (positions) use the command's
 * immediate value.  @macs, when non-NULL, receives the multiply-adds.
 */
uint64_t lla_cmd_cycles(const struct lla_uarch *u,
			const struct lla_cmd_hdr *cmd, uint64_t *macs);

/*
 * lla_cmd_cycles() with the position of ROPE/ATTN commands that read it
 * from memory (pos_iova != 0) taken from @pos, the value the executor
 * read; other commands as lla_cmd_cycles().  For lla_execute() and the
 * persistent decode buffer, whose immediate pos is 0.
 */
uint64_t lla_cmd_cycles_at_pos(const struct lla_uarch *u,
			       const struct lla_cmd_hdr *cmd, uint32_t pos,
			       uint64_t *macs);

/* ---------------- validate and execute ---------------- */
#define LLA_EXEC_BLOCKED	0x100	/* SEM_WAIT not yet satisfied */

struct lla_job_result {
	uint32_t status;	/* enum lla_error, or LLA_EXEC_BLOCKED */
	uint32_t cmd_index;	/* failing/blocked command, else count */
	uint64_t fault_iova;
	uint32_t fault_write;	/* 1 if the failing access was a write */
	uint32_t commands;	/* commands completed by this call */
	uint64_t cycles;	/* modeled cycles spent by this call */
	uint64_t macs;
	uint64_t bytes_read;
	uint64_t bytes_written;
};

struct lla_exec_opts {
	const struct lla_uarch *uarch;	/* NULL: "default" */
	uint64_t start_cycle;		/* device clock at start (TIMESTAMP) */
	uint32_t first_cmd;		/* resume index after LLA_EXEC_BLOCKED */
	uint32_t use_lut;		/* TLMM through the table-lookup engine */
	/*
	 * Host threads that share the arithmetic of one TLMM/QMM (0 and 1:
	 * the calling thread alone; at most 64 are used).  Results are
	 * bit-identical for every value; memory is accessed only from the
	 * calling thread.  The threads are a process-wide pool, started on
	 * first use and kept; a command that finds the pool busy with
	 * another caller's command runs on its own thread.
	 */
	uint32_t threads;
	/*
	 * Optional: called during long computations with the number of
	 * multiply-accumulates done since the last call, so a device can
	 * show progress (its heartbeat) in proportion to work done, not to
	 * time; a slow host then never makes a busy engine look hung.
	 */
	void (*progress)(void *arg, uint64_t macs);
	void *progress_arg;
};

/*
 * Validate a command buffer held in host memory.  Returns LLA_OK or the
 * error code; *bad_index gets the index of the first bad command.
 * Touches no device memory.
 */
int lla_validate(const void *cmds, size_t len, uint32_t *bad_index);

/* Validate a single command of at most @avail bytes. */
int lla_validate_cmd(const struct lla_cmd_hdr *cmd, size_t avail);

/*
 * Validate the whole buffer, then execute its commands from
 * opts->first_cmd in order.  Returns res->status.
 */
int lla_execute(const void *cmds, size_t len, const struct lla_mem *mem,
		const struct lla_exec_opts *opts, struct lla_job_result *res);

/*
 * What the device does for one descriptor: check and fetch the command
 * buffer through @mem, then lla_execute().  The cycles are the commands';
 * the per-job overhead (uarch->job_overhead_cycles: descriptor fetch and
 * completion) is added once per job by the device, which may call this
 * again to resume a job blocked in SEM_WAIT.
 */
int lla_run_job(const struct lla_mem *mem, uint64_t cmdbuf_iova,
		uint64_t cmdbuf_len, const struct lla_exec_opts *opts,
		struct lla_job_result *res);

/*
 * Fold the result of a resumed run (@r) into the job's total (@acc): the
 * status, failing command and fault are @r's, the counters add up.
 */
void lla_job_result_add(struct lla_job_result *acc,
			const struct lla_job_result *r);

const char *lla_error_name(int err);
const char *lla_error_text(int err);

/* ---------------- command introspection ---------------- */
enum lla_field_kind {
	LLA_FK_IOVA,	/* device address */
	LLA_FK_U,	/* unsigned integer (dims, strides, counts) */
	LLA_FK_ENUM,	/* small enumeration */
	LLA_FK_F32,	/* fp32 bits */
	LLA_FK_RSVD,	/* reserved, must be zero */
	LLA_FK_FLAGS,	/* the header flags */
};

struct lla_field_desc {
	const char *name;
	uint16_t offset;
	uint8_t size;		/* 1, 2, 4 or 8 */
	uint8_t kind;		/* enum lla_field_kind */
};

struct lla_cmd_desc {
	const char *name;
	uint8_t opcode;
	uint16_t valid_flags;
	uint32_t size;
	const struct lla_field_desc *fields;	/* excluding the header */
	uint32_t nfields;
};

const struct lla_cmd_desc *lla_cmd_desc_get(unsigned int opcode);
const struct lla_cmd_desc *lla_cmd_desc_find(const char *name);

/* ---------------- numerics (shared by every implementation) ---------------- */
uint16_t lla_f32_to_f16(float f);	/* IEEE RNE, NaN stays NaN */
float lla_f16_to_f32(uint16_t h);	/* exact */
float lla_bits_f32(uint32_t bits);
uint32_t lla_f32_bits(float f);

/*
 * The QMM F16 dot product of fp32 @x[k] and binary16 @w[k] (native
 * byte order) in the contract's order (hw-spec section 7.4; also the
 * attention score dot, section 7.12): lane
 * j < LLA_F16_LANES sums x[i] * w[i] for i = j, j + 16, j + 32, ... in
 * ascending i, from +0.0f, one rounding per product and per sum; then
 * lane j + 8 is added to lane j (j < 8), j + 4 to j (j < 4), j + 2 to
 * j, and lane 1 to lane 0, which is the result.
 */
#define LLA_F16_LANES	16
float lla_dot_f16(const float *x, const uint16_t *w, uint32_t k);

/*
 * RMSNorm of NORM_QUANT (hw-spec section 7.5).  lla_sumsq_f32 is
 * sum x[i] * x[i] in the lanes and tree of lla_dot_f16 (products
 * x[i] * x[i]); lla_rms_scale is r = 1.0f / sqrtf(ss / (float)k + eps);
 * lla_rms_norm writes y[i] = x[i] * r, then y[i] = y[i] * gamma[i] when
 * @gamma is not NULL (@y may be @x).
 */
float lla_sumsq_f32(const float *x, uint32_t k);
float lla_rms_scale(float ss, uint32_t k, float eps);
void lla_rms_norm(const float *x, uint32_t k, float eps, const float *gamma,
		  float *y);

/* Absmax int8 quantization of one row: returns s = 127 / max(amax, 1e-5). */
float lla_quant_row(const float *x, uint32_t k, int8_t *q);
/* Round half to even, then clamp to [-128, 127]. */
int8_t lla_quant_one(float v);

float lla_expf(float x);		/* deterministic, portable */
float lla_act(uint8_t act, float x);	/* enum lla_act */

/* Counter-based RNG: a uniform float in [0, 1) with 24 bits. */
float lla_rng_uniform(uint64_t seed, uint64_t counter);

/* Ternary weight packing (device formats); w in {-1, 0, 1}. */
uint32_t lla_wfmt_row_bytes(uint8_t wfmt, uint32_t k);
void lla_pack_row(uint8_t wfmt, const int8_t *w, uint32_t k, uint8_t *dst);
void lla_unpack_row(uint8_t wfmt, const uint8_t *src, uint32_t k, int8_t *w);

/* Host helper: NEOX RoPE angle table fp32 [len][head_dim/2][2]. */
void lla_rope_table(float *table, uint32_t len, uint32_t head_dim,
		    float theta);

#ifdef __cplusplus
}
#endif

#endif /* LLMACCEL_MODEL_H */
