/* SPDX-License-Identifier: MIT */
/*
 * llmaccel hardware contract: the one definition of the device.
 *
 * Included by the rtl-model, the QEMU device, the kernel driver and
 * libaccel.  Plain C, fixed-width types only, no dependencies beyond them.
 * All multi-byte fields are little-endian.  Every structure has explicit
 * padding; every reserved field must be zero and is checked by the device.
 * docs/hw-spec.md explains this file for humans; keep the two in step.
 */
#ifndef LLMACCEL_HW_H
#define LLMACCEL_HW_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* ------------------------------------------------------------------ */
/* PCI identity                                                         */
/* ------------------------------------------------------------------ */
/*
 * 1af4:10f0..10ff is set aside by QEMU's docs/specs/pci-ids.rst for
 * experimental devices without registration; nothing else claims it
 * (virtio-pci stops at 1af4:107f).  Silicon brings its own IDs: the QEMU
 * device lets them be set (vendor-id, device-id, revision, class).
 */
#define LLA_PCI_VENDOR_ID	0x1af4	/* Red Hat, Inc. (experimental range) */
#define LLA_PCI_DEVICE_ID	0x10f0	/* llmaccel ternary LLM accelerator */
#define LLA_PCI_CLASS		0x1200	/* processing accelerator (base, sub) */
#define LLA_PCI_REVISION	0x01
#define LLA_BAR_REGS		0	/* 64-bit, non-prefetchable */
#define LLA_BAR_REGS_SIZE	0x10000
#define LLA_BAR_MSIX		2	/* MSI-X table and PBA, exclusive */

#define LLA_ID_MAGIC		0x414d4c4cu	/* "LLMA" read little-endian */
#define LLA_VERSION_MAJOR	1
#define LLA_VERSION_MINOR	0
#define LLA_VERSION(maj, min)	(((uint32_t)(maj) << 16) | (uint32_t)(min))
#define LLA_VERSION_GET_MAJOR(v)	((uint32_t)(v) >> 16)
#define LLA_VERSION_GET_MINOR(v)	((uint32_t)(v) & 0xffffu)

/* Architectural limits (the device reports them in capability registers). */
#define LLA_MAX_QUEUES		8
#define LLA_MAX_AS		64	/* address spaces (contexts) */
#define LLA_RING_LOG2_MIN	1
#define LLA_RING_LOG2_MAX	12	/* 4096 descriptors */
#define LLA_MAX_CMDBUF_BYTES	(1u << 20)
#define LLA_MAX_M		4096u	/* rows of a matmul / tokens of a prefill */
#define LLA_MAX_K		65536u	/* reduction dimension */
#define LLA_MAX_N		262144u	/* output columns; also vocabulary size */
#define LLA_MAX_HEADS		256u
#define LLA_MAX_HEAD_DIM	256u
#define LLA_MAX_CTX		131072u
#define LLA_MAX_TOPK		256u
#define LLA_MAX_COPY_BYTES	(1ull << 30)
#define LLA_MAX_ELEMS		(1ull << 30)	/* elements in any one operand */
#define LLA_ATTN_TILE		64u	/* keys per online-softmax tile */

/* MSI-X vectors: one per queue, then one for errors and faults. */
#define LLA_MSIX_VEC_QUEUE(q)	(q)
#define LLA_MSIX_VEC_ERROR(nq)	(nq)

/* ------------------------------------------------------------------ */
/* BAR0 register map (32-bit registers; 64-bit values as LO/HI pairs)  */
/* ------------------------------------------------------------------ */
/* Identity and capabilities (read-only) */
#define LLA_REG_ID		0x0000	/* LLA_ID_MAGIC */
#define LLA_REG_VERSION		0x0004	/* LLA_VERSION(major, minor) */
#define LLA_REG_CAPS		0x0008	/* LLA_CAP_* */
#define LLA_REG_NUM_QUEUES	0x000c
#define LLA_REG_NUM_AS		0x0010
#define LLA_REG_OPCODES		0x0014	/* bit n set: opcode n supported */
#define LLA_REG_WFORMATS	0x0018	/* bit n set: weight format n */
#define LLA_REG_MAX_M		0x001c
#define LLA_REG_MAX_N		0x0020
#define LLA_REG_MAX_K		0x0024
#define LLA_REG_CLOCK_KHZ	0x0028	/* modeled core clock */
#define LLA_REG_PRESET		0x002c	/* LLA_PRESET_* of the cycle model */
#define LLA_REG_MAX_CMDBUF	0x0030	/* bytes */
#define LLA_REG_RING_LOG2_MAX	0x0034
#define LLA_REG_MAX_CTX		0x0038
#define LLA_REG_SCRATCH		0x003c	/* read/write, no effect */

#define LLA_CAP_MMU		(1u << 0)
#define LLA_CAP_LUT_TLMM	(1u << 1)
#define LLA_CAP_ATTN		(1u << 2)
#define LLA_CAP_SAMPLE		(1u << 3)
#define LLA_CAP_SEM		(1u << 4)
#define LLA_CAP_QUEUE_RESET	(1u << 5)
#define LLA_CAP_FAULT_INJECT	(1u << 6)	/* emulator only */

#define LLA_PRESET_DEFAULT	0
#define LLA_PRESET_TELLME_KV260	1

/* Control and liveness */
#define LLA_REG_CONTROL		0x0100	/* LLA_CONTROL_* */
#define LLA_REG_STATUS		0x0104	/* LLA_STATUS_*, read-only */
#define LLA_REG_RESET		0x0108	/* write LLA_RESET_MAGIC: global reset */
#define LLA_REG_RESET_COUNT	0x010c	/* resets performed since power-on */
#define LLA_REG_HEARTBEAT_LO	0x0110	/* progress counter, see hw-spec */
#define LLA_REG_HEARTBEAT_HI	0x0114
#define LLA_REG_CYCLES_LO	0x0118	/* modeled device clock */
#define LLA_REG_CYCLES_HI	0x011c

#define LLA_CONTROL_ENABLE	(1u << 0)
#define LLA_STATUS_READY	(1u << 0)
#define LLA_STATUS_BUSY		(1u << 1)
#define LLA_STATUS_RESETTING	(1u << 2)
#define LLA_RESET_MAGIC		0x52534554u	/* "RSET" */

/* Interrupts: bit q = queue q completion, bit 31 = error/fault */
#define LLA_REG_IRQ_STATUS	0x0200	/* write 1 to clear */
#define LLA_REG_IRQ_MASK	0x0204	/* 1 = enabled */
#define LLA_IRQ_QUEUE(q)	(1u << (q))
#define LLA_IRQ_ERROR		(1u << 31)

/* Error and fault record: the first fault latched, later ones counted */
#define LLA_REG_FAULT_STATUS	0x0300	/* LLA_FAULT_STATUS_*, write 1 clears */
#define LLA_REG_FAULT_AS	0x0304
#define LLA_REG_FAULT_IOVA_LO	0x0308
#define LLA_REG_FAULT_IOVA_HI	0x030c
#define LLA_REG_FAULT_INFO	0x0310	/* LLA_FAULT_INFO_* fields */
#define LLA_REG_FAULT_COUNT	0x0314	/* faults since reset */
#define LLA_REG_ERROR_COUNT	0x0318	/* failed jobs since reset */

#define LLA_FAULT_STATUS_VALID		(1u << 0)
#define LLA_FAULT_STATUS_OVERFLOW	(1u << 1)
#define LLA_FAULT_INFO_WRITE		(1u << 0)	/* access was a write */
#define LLA_FAULT_INFO_QUEUE_SHIFT	8
#define LLA_FAULT_INFO_QUEUE_MASK	0xffu
#define LLA_FAULT_INFO_CODE_SHIFT	16	/* enum lla_error */
#define LLA_FAULT_INFO_CODE_MASK	0xffffu

/* Device MMU */
#define LLA_REG_MMU_INVALIDATE	0x0400	/* write AS id, or LLA_MMU_INV_ALL */
#define LLA_MMU_INV_ALL		0xffffffffu
#define LLA_REG_MMU_AS(as)	(0x0800 + (as) * 0x10)
#define LLA_MMU_AS_ROOT_LO	0x00	/* bus address of the level-3 table */
#define LLA_MMU_AS_ROOT_HI	0x04
#define LLA_MMU_AS_CONFIG	0x08	/* LLA_MMU_AS_ENABLE */
#define LLA_MMU_AS_ENABLE	(1u << 0)

/* Queues */
#define LLA_REG_QUEUE(q)	(0x1000 + (q) * 0x100)
#define LLA_Q_RING_LO		0x00	/* bus address of the descriptor ring */
#define LLA_Q_RING_HI		0x04
#define LLA_Q_RING_LOG2		0x08	/* entries = 1 << value */
#define LLA_Q_CONTROL		0x0c	/* LLA_Q_CONTROL_* */
#define LLA_Q_HEAD		0x10	/* read-only: next descriptor to fetch */
#define LLA_Q_TAIL		0x14	/* doorbell: one past the last valid */
#define LLA_Q_STATUS		0x18	/* LLA_Q_STATUS_*, read-only */
#define LLA_Q_RESET		0x1c	/* write LLA_RESET_MAGIC: queue reset */
#define LLA_Q_COMPL_LO		0x20	/* bus address of the completion ring */
#define LLA_Q_COMPL_HI		0x24
#define LLA_Q_DONE_SEQ_LO	0x28	/* sequence number of the last job done */
#define LLA_Q_DONE_SEQ_HI	0x2c
/* Per-queue performance counters, 64-bit LO/HI, cleared by reset */
#define LLA_Q_CNT_BUSY_CYCLES	0x40
#define LLA_Q_CNT_JOBS		0x48
#define LLA_Q_CNT_COMMANDS	0x50
#define LLA_Q_CNT_MACS		0x58
#define LLA_Q_CNT_DMA_RD_BYTES	0x60
#define LLA_Q_CNT_DMA_WR_BYTES	0x68
#define LLA_Q_CNT_ERRORS	0x70

#define LLA_Q_CONTROL_ENABLE		(1u << 0)
#define LLA_Q_CONTROL_PRIO_SHIFT	8	/* 0 low .. 3 high */
#define LLA_Q_CONTROL_PRIO_MASK		0x3u
#define LLA_Q_STATUS_BUSY		(1u << 0)
#define LLA_Q_STATUS_STOPPED		(1u << 1)	/* ring misprogrammed */

/* ------------------------------------------------------------------ */
/* Rings (host memory, bus addresses, not translated by the MMU)       */
/* ------------------------------------------------------------------ */
struct lla_ring_desc {
	uint64_t cmdbuf_iova;	/* in address space @asid, 8-byte aligned */
	uint32_t cmdbuf_len;	/* bytes, multiple of 8, <= MAX_CMDBUF */
	uint16_t asid;
	uint16_t flags;		/* LLA_DESC_F_* */
	uint64_t seq;		/* echoed in the completion, DONE_SEQ */
	uint64_t reserved[5];
};

#define LLA_DESC_F_IRQ		(1u << 0)	/* interrupt on completion */

struct lla_completion {
	uint64_t seq;
	uint32_t status;	/* enum lla_error, LLA_OK on success */
	uint32_t cmd_index;	/* failing command (or count on success) */
	uint64_t fault_iova;	/* for MMU/DMA errors: the address */
	uint64_t cycles;	/* modeled device cycles of the job */
	uint64_t start_cycle;	/* device clock at job start / end */
	uint64_t end_cycle;
	uint32_t flags;		/* LLA_COMPL_F_* */
	uint32_t reserved0;
	uint64_t reserved1;
};

#define LLA_COMPL_F_VALID	(1u << 0)
#define LLA_COMPL_F_FAULT_WRITE	(1u << 1)
/*
 * Written alone (no VALID) into the job's completion slot before any of
 * its commands takes effect: after a reset, a slot with STARTED or VALID
 * that software did not retire holds a job that had begun.  Such a job
 * is never run again (its commands may not be idempotent); software fails
 * it with LLA_ERR_RESET.  Jobs whose slots show neither were not started
 * and may be submitted again.
 */
#define LLA_COMPL_F_STARTED	(1u << 2)

/* ------------------------------------------------------------------ */
/* Device MMU page tables (host memory, bus addresses)                 */
/* ------------------------------------------------------------------ */
/* 4 levels of 512 64-bit entries, 4 KiB pages, 48-bit IOVA. */
#define LLA_IOVA_BITS		48
#define LLA_IOVA_LIMIT		(1ull << LLA_IOVA_BITS)
#define LLA_PAGE_SHIFT		12
#define LLA_PAGE_SIZE		(1ull << LLA_PAGE_SHIFT)
#define LLA_PT_LEVELS		4
#define LLA_PT_ENTRIES		512
#define LLA_PT_INDEX(iova, level) \
	(((uint64_t)(iova) >> (LLA_PAGE_SHIFT + 9 * (level))) & 0x1ffu)
#define LLA_PTE_VALID		(1ull << 0)
#define LLA_PTE_READ		(1ull << 1)	/* leaf only */
#define LLA_PTE_WRITE		(1ull << 2)	/* leaf only */
#define LLA_PTE_ADDR_MASK	0x000ffffffffff000ull
/*
 * Device page 0 is never a valid operand: an IOVA of 0 in a command means
 * "operand absent", and any operand starting below LLA_IOVA_MIN or ending
 * beyond LLA_IOVA_LIMIT is rejected with LLA_ERR_IOVA_RANGE.
 */
#define LLA_IOVA_MIN		LLA_PAGE_SIZE

/* ------------------------------------------------------------------ */
/* Error codes: completion status and FAULT_INFO code                  */
/* ------------------------------------------------------------------ */
enum lla_error {
	LLA_OK = 0,
	LLA_ERR_BAD_OPCODE = 1,		/* opcode not in LLA_REG_OPCODES */
	LLA_ERR_BAD_SIZE = 2,		/* header size wrong for the opcode */
	LLA_ERR_BAD_VERSION = 3,	/* command version not supported */
	LLA_ERR_BAD_FLAGS = 4,		/* unknown flag bits */
	LLA_ERR_RESERVED = 5,		/* a reserved field is not zero */
	LLA_ERR_ZERO_DIM = 6,		/* a dimension is zero */
	LLA_ERR_DIM_TOO_LARGE = 7,	/* a dimension exceeds its limit */
	LLA_ERR_OVERFLOW = 8,		/* operand elements > LLA_MAX_ELEMS */
	LLA_ERR_BAD_STRIDE = 9,		/* stride smaller than a row */
	LLA_ERR_MISALIGNED = 10,	/* address or stride not aligned */
	LLA_ERR_IOVA_RANGE = 11,	/* operand outside the 48-bit space */
	LLA_ERR_BAD_FORMAT = 12,	/* unknown dtype/weight format/op */
	LLA_ERR_UNSUPPORTED = 13,	/* valid encoding, not implemented */
	LLA_ERR_BAD_PARAM = 14,		/* a scalar parameter out of range */
	LLA_ERR_CMDBUF = 15,		/* buffer truncated, misaligned, too big */
	LLA_ERR_INDEX = 16,		/* data-dependent index out of range */
	LLA_ERR_MMU_FAULT = 17,		/* no valid translation */
	LLA_ERR_MMU_PERM = 18,		/* translation forbids the access */
	LLA_ERR_DMA = 19,		/* bus error reading/writing memory */
	LLA_ERR_TIMEOUT = 20,		/* SEM_WAIT never satisfied */
	LLA_ERR_HANG = 21,		/* job stopped making progress */
	LLA_ERR_RESET = 22,		/* job aborted by a reset */
	LLA_ERR_BAD_AS = 23,		/* address space id not enabled */
	LLA_ERR_NOMEM = 24,		/* emulator could not allocate buffers */
	LLA_ERR_COUNT
};

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */
/*
 * A command buffer is a sequence of commands, each 8-byte aligned and
 * starting with this header.  @size is the whole command in bytes and
 * must equal the size of the opcode's structure for @version (0 today).
 */
struct lla_cmd_hdr {
	uint8_t opcode;		/* enum lla_opcode */
	uint8_t version;	/* 0 */
	uint16_t flags;		/* per opcode; unknown bits rejected */
	uint32_t size;
};

enum lla_opcode {
	LLA_OP_NOP = 0,
	LLA_OP_TLMM = 1,
	LLA_OP_QMM = 2,
	LLA_OP_NORM_QUANT = 3,
	LLA_OP_ROPE = 4,
	LLA_OP_ELTWISE = 5,
	LLA_OP_EMBED = 6,
	LLA_OP_ARGMAX = 7,
	LLA_OP_TOPK = 8,
	LLA_OP_SAMPLE = 9,
	LLA_OP_ATTN_PREFILL = 10,
	LLA_OP_ATTN_DECODE = 11,
	LLA_OP_COPY = 12,
	LLA_OP_FILL = 13,
	LLA_OP_TIMESTAMP = 14,
	LLA_OP_SEM_SIGNAL = 15,
	LLA_OP_SEM_WAIT = 16,
	LLA_OP_COUNT
};

/* Ternary and matmul weight formats */
enum lla_wfmt {
	LLA_WFMT_T2 = 0,	/* 4 weights/byte, 2-bit code = w + 1 */
	LLA_WFMT_T5 = 1,	/* 5 weights/byte, base 3, digit = w + 1 */
	LLA_WFMT_I8 = 2,	/* QMM: int8, fp32 scale per output row */
	LLA_WFMT_F16 = 3,	/* QMM: IEEE binary16 */
	LLA_WFMT_COUNT
};

/* Element types */
enum lla_dtype {
	LLA_DTYPE_F32 = 0,
	LLA_DTYPE_F16 = 1,
	LLA_DTYPE_I8 = 2,	/* with an fp32 scale per row */
	LLA_DTYPE_COUNT
};

enum lla_act {
	LLA_ACT_NONE = 0,
	LLA_ACT_RELU = 1,
	LLA_ACT_RELU2 = 2,	/* relu(x)^2, BitNet b1.58 FFN */
	LLA_ACT_SILU = 3,
	LLA_ACT_COUNT
};

/*
 * Fused epilogue of TLMM and QMM, applied per output element in this
 * order: y = acc-derived value; y += bias[n]; y = act(y);
 * y *= gate[m][n]; y += residual[m][n]; then conversion to @out_dtype.
 * Zero IOVAs disable bias, gate and residual.  For LLA_DTYPE_I8 output
 * each row is quantized like NORM_QUANT and its scale stored at
 * @y_scale_iova (fp32 [M]); otherwise @y_scale_iova must be zero.
 */
struct lla_epilogue {
	uint64_t bias_iova;	/* fp32 [N] */
	uint64_t gate_iova;	/* fp32 rows of @gate_stride bytes */
	uint64_t residual_iova;	/* fp32 rows of @residual_stride bytes */
	uint64_t y_scale_iova;	/* fp32 [M], int8 output only */
	uint32_t gate_stride;
	uint32_t residual_stride;
	uint8_t act;		/* enum lla_act */
	uint8_t out_dtype;	/* enum lla_dtype */
	uint16_t reserved0;
	uint32_t reserved1;
};

struct lla_cmd_nop {
	struct lla_cmd_hdr hdr;
};

/*
 * TLMM: Y[M,N] = epilogue(sum_k Xq[m,k] * W[n,k] / x_scale[m] * w_scale).
 * Xq int8 rows of @x_stride bytes; x_scale fp32 [M] (the quantization
 * factor s of NORM_QUANT); W has N rows of @w_stride bytes, each holding
 * K weights in @wfmt (T2 or T5).  Y rows of @y_stride bytes.
 */
struct lla_cmd_tlmm {
	struct lla_cmd_hdr hdr;
	uint64_t x_iova;
	uint64_t x_scale_iova;
	uint64_t w_iova;
	uint64_t y_iova;
	uint64_t w_group_scale_iova;	/* reserved: per-group scales */
	uint32_t m, n, k;
	uint32_t x_stride;
	uint32_t w_stride;
	uint32_t y_stride;
	uint32_t w_scale;	/* fp32 bits: gamma of the matrix */
	uint8_t wfmt;		/* LLA_WFMT_T2 or LLA_WFMT_T5 */
	uint8_t group_size;	/* reserved: 0 */
	uint16_t reserved0;
	struct lla_epilogue epi;
};

/*
 * QMM: higher-precision matmul (output head, kept layers).
 * LLA_WFMT_I8: X is int8 with fp32 x_scale [M] like TLMM; W int8 [N rows],
 *   w_scale fp32 [N]; y = acc / x_scale[m] * w_scale[n].
 * LLA_WFMT_F16: X is fp32 rows; W fp16 [N rows]; y = sum_k x*w in fp32,
 *   k ascending; x_scale_iova and w_scale_iova must be zero.
 */
struct lla_cmd_qmm {
	struct lla_cmd_hdr hdr;
	uint64_t x_iova;
	uint64_t x_scale_iova;
	uint64_t w_iova;
	uint64_t w_scale_iova;
	uint64_t y_iova;
	uint32_t m, n, k;
	uint32_t x_stride;
	uint32_t w_stride;
	uint32_t y_stride;
	uint8_t wfmt;		/* LLA_WFMT_I8 or LLA_WFMT_F16 */
	uint8_t reserved0;
	uint16_t reserved1;
	uint32_t reserved2;
	struct lla_epilogue epi;
};

/*
 * NORM_QUANT: per row of K fp32 values: optional RMSNorm with optional
 * gamma, then optional output of the fp32 result (@y_iova) and/or its
 * int8 absmax quantization (@q_iova, factor s into @scale_iova).
 */
#define LLA_NQ_F_NORM	(1u << 0)	/* apply RMSNorm */
#define LLA_NQ_F_QUANT	(1u << 1)	/* write q and scale */
#define LLA_NQ_F_F32OUT	(1u << 2)	/* write the fp32 result to y */
struct lla_cmd_norm_quant {
	struct lla_cmd_hdr hdr;
	uint64_t x_iova;
	uint64_t gamma_iova;	/* fp32 [K], 0 = no gamma */
	uint64_t q_iova;
	uint64_t scale_iova;
	uint64_t y_iova;
	uint32_t m, k;
	uint32_t x_stride;
	uint32_t q_stride;
	uint32_t y_stride;
	uint32_t eps;		/* fp32 bits, RMSNorm epsilon */
};

/*
 * ROPE (NEOX style), in place on M rows of n_head * head_dim fp32:
 * element i < head_dim/2 pairs with i + head_dim/2.  The angle table is
 * fp32 [table_len][head_dim/2][2] = {cos, sin}; row m uses position
 * pos + m where pos is read as a u32 from @pos_iova when non-zero.
 */
struct lla_cmd_rope {
	struct lla_cmd_hdr hdr;
	uint64_t x_iova;
	uint64_t table_iova;
	uint64_t pos_iova;
	uint32_t m;
	uint32_t n_head;
	uint32_t head_dim;	/* even */
	uint32_t x_stride;
	uint32_t pos;
	uint32_t table_len;
};

enum lla_elt_op {
	LLA_ELT_ADD = 0,	/* y = a + b */
	LLA_ELT_MUL = 1,	/* y = a * b */
	LLA_ELT_SCALE = 2,	/* y = a * imm */
	LLA_ELT_RELU = 3,
	LLA_ELT_RELU2 = 4,
	LLA_ELT_SILU = 5,
	LLA_ELT_COUNT
};

/* ELTWISE: @count fp32 elements; @b_iova used by ADD and MUL only. */
struct lla_cmd_eltwise {
	struct lla_cmd_hdr hdr;
	uint64_t a_iova;
	uint64_t b_iova;
	uint64_t y_iova;
	uint32_t count;
	uint8_t op;		/* enum lla_elt_op */
	uint8_t reserved0;
	uint16_t reserved1;
	uint32_t imm;		/* fp32 bits, SCALE only */
	uint32_t reserved2;
};

/* EMBED: y[m] = table[ids[m]] as fp32; ids int32 [M]; runtime index check. */
struct lla_cmd_embed {
	struct lla_cmd_hdr hdr;
	uint64_t table_iova;
	uint64_t ids_iova;
	uint64_t y_iova;
	uint32_t vocab;
	uint32_t dim;
	uint32_t m;
	uint32_t table_stride;
	uint32_t y_stride;
	uint8_t dtype;		/* LLA_DTYPE_F32 or LLA_DTYPE_F16 */
	uint8_t reserved0;
	uint16_t reserved1;
};

/* ARGMAX: y[m] = first index of the largest non-NaN x[m][.] (int32). */
struct lla_cmd_argmax {
	struct lla_cmd_hdr hdr;
	uint64_t x_iova;
	uint64_t y_iova;
	uint32_t m;
	uint32_t n;
	uint32_t x_stride;
	uint32_t reserved0;
};

/* TOPK: the k largest of x[N], descending, ties to the lower index. */
struct lla_cmd_topk {
	struct lla_cmd_hdr hdr;
	uint64_t x_iova;
	uint64_t idx_iova;	/* int32 [k] */
	uint64_t val_iova;	/* fp32 [k], 0 = not written */
	uint32_t n;
	uint32_t k;
};

/*
 * SAMPLE: one token from logits[N] (temperature, top-k, top-p) with a
 * counter-based RNG: u = rng(seed, counter).  The counter is read as a
 * u64 from @counter_iova when non-zero (else @counter), and with
 * LLA_SAMPLE_F_ADVANCE written back plus one.  temperature 0 = greedy.
 */
#define LLA_SAMPLE_F_ADVANCE	(1u << 0)
struct lla_cmd_sample {
	struct lla_cmd_hdr hdr;
	uint64_t logits_iova;
	uint64_t out_iova;	/* int32 token */
	uint64_t counter_iova;
	uint64_t seed;
	uint64_t counter;
	uint32_t n;
	uint32_t top_k;		/* 1..LLA_MAX_TOPK, 0 = LLA_MAX_TOPK */
	uint32_t temperature;	/* fp32 bits, >= 0, finite */
	uint32_t top_p;		/* fp32 bits, in (0, 1] */
};

enum lla_mask_mode {
	LLA_MASK_CAUSAL = 0,
	LLA_MASK_SLIDING = 1,	/* reserved: window + sinks */
	LLA_MASK_TREE = 2,	/* reserved: explicit tree mask */
	LLA_MASK_COUNT
};

/*
 * ATTN_PREFILL / ATTN_DECODE: M new tokens at positions pos..pos+M-1
 * (pos read as u32 from @pos_iova when non-zero).  Their K/V rows (fp32,
 * n_kv_head * head_dim each) are converted to fp16 and stored in the
 * caches, laid out [max_ctx][n_kv_head][head_dim]; then each query head h
 * attends causally over cache rows 0..pos+m with KV head
 * h / (n_head / n_kv_head), scores scaled by @scale, online softmax in
 * tiles of LLA_ATTN_TILE keys.  ATTN_DECODE requires M == 1.
 */
struct lla_cmd_attn {
	struct lla_cmd_hdr hdr;
	uint64_t q_iova;	/* fp32 rows of @q_stride, n_head*head_dim */
	uint64_t k_iova;	/* fp32 rows of @kv_stride */
	uint64_t v_iova;
	uint64_t k_cache_iova;
	uint64_t v_cache_iova;
	uint64_t o_iova;	/* fp32 rows of @o_stride */
	uint64_t pos_iova;
	uint32_t m;
	uint32_t n_head;
	uint32_t n_kv_head;
	uint32_t head_dim;
	uint32_t max_ctx;
	uint32_t pos;
	uint32_t q_stride;
	uint32_t kv_stride;
	uint32_t o_stride;
	uint32_t scale;		/* fp32 bits, finite, > 0 */
	uint8_t kv_dtype;	/* LLA_DTYPE_F16 */
	uint8_t mask_mode;	/* LLA_MASK_CAUSAL */
	uint16_t reserved0;
	uint32_t window;	/* reserved: sliding window */
	uint32_t sinks;		/* reserved: attention sinks */
	uint32_t reserved1;
};

struct lla_cmd_copy {
	struct lla_cmd_hdr hdr;
	uint64_t src_iova;
	uint64_t dst_iova;
	uint64_t len;		/* bytes, 1..LLA_MAX_COPY_BYTES */
};

struct lla_cmd_fill {
	struct lla_cmd_hdr hdr;
	uint64_t dst_iova;	/* 4-byte aligned */
	uint64_t len;		/* bytes, multiple of 4 */
	uint32_t value;
	uint32_t reserved0;
};

/* TIMESTAMP: write the device clock (u64 cycles) at this point. */
struct lla_cmd_timestamp {
	struct lla_cmd_hdr hdr;
	uint64_t dst_iova;	/* 8-byte aligned */
};

enum lla_sem_op {
	LLA_SEM_SET = 0,	/* *iova = value */
	LLA_SEM_ADD = 1,	/* *iova += value (wrapping) */
	LLA_SEM_COUNT
};
enum lla_sem_cond {
	LLA_SEM_GE = 0,		/* wait until *iova >= value */
	LLA_SEM_EQ = 1,		/* wait until *iova == value */
	LLA_SEM_COND_COUNT
};
#define LLA_SEM_F_32BIT	(1u << 0)	/* operate on a u32 (default u64) */

struct lla_cmd_sem {
	struct lla_cmd_hdr hdr;	/* SEM_SIGNAL or SEM_WAIT */
	uint64_t iova;		/* naturally aligned */
	uint64_t value;
	uint8_t op;		/* SIGNAL: enum lla_sem_op; WAIT: lla_sem_cond */
	uint8_t reserved0;
	uint16_t reserved1;
	uint32_t reserved2;
};

/*
 * Step arguments: a small block a persistent decode command buffer reads
 * through pos_iova/counter_iova/ids_iova so it can be re-submitted as is.
 * This layout is a convention of libaccel, not enforced by the device.
 */
struct lla_step_args {
	uint32_t pos;
	int32_t token;
	uint64_t rng_counter;
};

#define LLA_STATIC_ASSERT(e, m) _Static_assert(e, m)
LLA_STATIC_ASSERT(sizeof(struct lla_ring_desc) == 64, "ring desc");
LLA_STATIC_ASSERT(sizeof(struct lla_completion) == 64, "completion");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_hdr) == 8, "cmd hdr");
LLA_STATIC_ASSERT(sizeof(struct lla_epilogue) == 48, "epilogue");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_tlmm) == 128, "tlmm");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_qmm) == 128, "qmm");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_norm_quant) == 72, "norm_quant");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_rope) == 56, "rope");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_eltwise) == 48, "eltwise");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_embed) == 56, "embed");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_argmax) == 40, "argmax");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_topk) == 40, "topk");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_sample) == 64, "sample");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_attn) == 120, "attn");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_copy) == 32, "copy");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_fill) == 32, "fill");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_timestamp) == 16, "timestamp");
LLA_STATIC_ASSERT(sizeof(struct lla_cmd_sem) == 32, "sem");
LLA_STATIC_ASSERT(sizeof(struct lla_step_args) == 16, "step args");

#endif /* LLMACCEL_HW_H */
