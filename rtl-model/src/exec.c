// SPDX-License-Identifier: MIT
/*
 * The job engine: validate a whole command buffer, then run its commands
 * in order, advancing the modeled device clock by each command's cycles.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static int dispatch(struct lla_exec *x, const struct lla_cmd_hdr *h)
{
	const void *c = h;

	switch (h->opcode) {
	case LLA_OP_NOP:
		return LLA_OK;
	case LLA_OP_TLMM:
		return lla_op_tlmm(x, c);
	case LLA_OP_QMM:
		return lla_op_qmm(x, c);
	case LLA_OP_NORM_QUANT:
		return lla_op_norm_quant(x, c);
	case LLA_OP_ROPE:
		return lla_op_rope(x, c);
	case LLA_OP_ELTWISE:
		return lla_op_eltwise(x, c);
	case LLA_OP_EMBED:
		return lla_op_embed(x, c);
	case LLA_OP_ARGMAX:
		return lla_op_argmax(x, c);
	case LLA_OP_TOPK:
		return lla_op_topk(x, c);
	case LLA_OP_SAMPLE:
		return lla_op_sample(x, c);
	case LLA_OP_ATTN_PREFILL:
	case LLA_OP_ATTN_DECODE:
		return lla_op_attn(x, c);
	case LLA_OP_COPY:
		return lla_op_copy(x, c);
	case LLA_OP_FILL:
		return lla_op_fill(x, c);
	case LLA_OP_TIMESTAMP:
		return lla_op_timestamp(x, c);
	case LLA_OP_SEM_SIGNAL:
		return lla_op_sem_signal(x, c);
	case LLA_OP_SEM_WAIT:
		return lla_op_sem_wait(x, c);
	default:
		return LLA_ERR_BAD_OPCODE;	/* unreachable after validation */
	}
}

/*
 * Cycles of one executed command.  ROPE and attention cost depends on the
 * sequence position, which the op may have read from memory (x->pos).
 */
static uint64_t cmd_cycles(const struct lla_exec *x,
			   const struct lla_cmd_hdr *h, uint64_t *macs)
{
	if (h->opcode == LLA_OP_ROPE || h->opcode == LLA_OP_ATTN_PREFILL ||
	    h->opcode == LLA_OP_ATTN_DECODE)
		return lla_cmd_cycles_at_pos(x->uarch, h, x->pos, macs);
	return lla_cmd_cycles(x->uarch, h, macs);
}

int lla_execute(const void *cmds, size_t len, const struct lla_mem *mem,
		const struct lla_exec_opts *opts, struct lla_job_result *res)
{
	static const struct lla_exec_opts defaults;
	const uint8_t *p = cmds;
	struct lla_exec x;
	uint32_t idx = 0;
	size_t off = 0;
	int err;

	if (!opts)
		opts = &defaults;
	memset(res, 0, sizeof(*res));
	err = lla_validate(cmds, len, &res->cmd_index);
	if (err) {
		res->status = err;
		return err;
	}
	x.mem = mem;
	x.res = res;
	x.uarch = opts->uarch ? opts->uarch : lla_uarch_preset("default");
	x.now_cycle = opts->start_cycle;
	x.use_lut = opts->use_lut;
	x.threads = opts->threads;
	x.pos = 0;
	x.progress = opts->progress;
	x.progress_arg = opts->progress_arg;

	for (; off < len; idx++) {
		const struct lla_cmd_hdr *h = (const void *)(p + off);
		uint64_t macs = 0, cyc;

		off += h->size;
		if (idx < opts->first_cmd)
			continue;
		err = dispatch(&x, h);
		if (err) {
			res->status = err;
			res->cmd_index = idx;
			return err;
		}
		cyc = cmd_cycles(&x, h, &macs);
		res->commands++;
		res->cycles += cyc;
		res->macs += macs;
		x.now_cycle += cyc;
	}
	res->status = LLA_OK;
	res->cmd_index = idx;
	return LLA_OK;
}

int lla_run_job(const struct lla_mem *mem, uint64_t cmdbuf_iova,
		uint64_t cmdbuf_len, const struct lla_exec_opts *opts,
		struct lla_job_result *res)
{
	uint64_t fault = cmdbuf_iova;
	void *buf;
	int err;

	memset(res, 0, sizeof(*res));
	if (!cmdbuf_len || cmdbuf_len % 8 || cmdbuf_len > LLA_MAX_CMDBUF_BYTES ||
	    cmdbuf_iova % 8 || cmdbuf_iova < LLA_IOVA_MIN ||
	    cmdbuf_iova > LLA_IOVA_LIMIT - cmdbuf_len) {
		res->status = LLA_ERR_CMDBUF;
		return res->status;
	}
	buf = malloc(cmdbuf_len);
	if (!buf) {
		res->status = LLA_ERR_NOMEM;
		return res->status;
	}
	err = mem->read(mem->opaque, cmdbuf_iova, buf, cmdbuf_len, &fault);
	if (err) {
		free(buf);
		res->status = err;
		res->fault_iova = fault;
		return err;
	}
	err = lla_execute(buf, cmdbuf_len, mem, opts, res);
	res->bytes_read += cmdbuf_len;
	free(buf);
	return err;
}

void lla_job_result_add(struct lla_job_result *acc,
			const struct lla_job_result *r)
{
	acc->status = r->status;
	acc->cmd_index = r->cmd_index;
	acc->fault_iova = r->fault_iova;
	acc->fault_write = r->fault_write;
	acc->commands += r->commands;
	acc->cycles += r->cycles;
	acc->macs += r->macs;
	acc->bytes_read += r->bytes_read;
	acc->bytes_written += r->bytes_written;
}

static const struct {
	const char *name;
	const char *text;
} errors[LLA_ERR_COUNT] = {
	[LLA_OK] = { "OK", "success" },
	[LLA_ERR_BAD_OPCODE] = { "BAD_OPCODE", "unknown opcode" },
	[LLA_ERR_BAD_SIZE] = { "BAD_SIZE", "command size wrong for opcode" },
	[LLA_ERR_BAD_VERSION] = { "BAD_VERSION", "unsupported command version" },
	[LLA_ERR_BAD_FLAGS] = { "BAD_FLAGS", "unknown flag bits" },
	[LLA_ERR_RESERVED] = { "RESERVED", "reserved field not zero" },
	[LLA_ERR_ZERO_DIM] = { "ZERO_DIM", "a dimension is zero" },
	[LLA_ERR_DIM_TOO_LARGE] = { "DIM_TOO_LARGE", "a dimension exceeds its limit" },
	[LLA_ERR_OVERFLOW] = { "OVERFLOW", "operand size exceeds the element limit" },
	[LLA_ERR_BAD_STRIDE] = { "BAD_STRIDE", "stride smaller than a row" },
	[LLA_ERR_MISALIGNED] = { "MISALIGNED", "address or stride misaligned" },
	[LLA_ERR_IOVA_RANGE] = { "IOVA_RANGE", "operand outside the device address space" },
	[LLA_ERR_BAD_FORMAT] = { "BAD_FORMAT", "unknown data type, format or operation" },
	[LLA_ERR_UNSUPPORTED] = { "UNSUPPORTED", "valid encoding not supported" },
	[LLA_ERR_BAD_PARAM] = { "BAD_PARAM", "parameter out of range" },
	[LLA_ERR_CMDBUF] = { "CMDBUF", "command buffer truncated, misaligned or too large" },
	[LLA_ERR_INDEX] = { "INDEX", "index or position out of range" },
	[LLA_ERR_MMU_FAULT] = { "MMU_FAULT", "no translation for device address" },
	[LLA_ERR_MMU_PERM] = { "MMU_PERM", "access not permitted by the page table" },
	[LLA_ERR_DMA] = { "DMA", "bus error on memory access" },
	[LLA_ERR_TIMEOUT] = { "TIMEOUT", "semaphore wait timed out" },
	[LLA_ERR_HANG] = { "HANG", "job stopped making progress" },
	[LLA_ERR_RESET] = { "RESET", "job aborted by a reset" },
	[LLA_ERR_BAD_AS] = { "BAD_AS", "address space not enabled" },
	[LLA_ERR_NOMEM] = { "NOMEM", "emulator out of memory" },
};

const char *lla_error_name(int err)
{
	if (err == LLA_EXEC_BLOCKED)
		return "BLOCKED";
	if (err < 0 || err >= LLA_ERR_COUNT || !errors[err].name)
		return "UNKNOWN";
	return errors[err].name;
}

const char *lla_error_text(int err)
{
	if (err == LLA_EXEC_BLOCKED)
		return "waiting on a semaphore";
	if (err < 0 || err >= LLA_ERR_COUNT || !errors[err].text)
		return "unknown error";
	return errors[err].text;
}
