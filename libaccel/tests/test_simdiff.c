// SPDX-License-Identifier: MIT
/*
 * Differential suite of the sim backend's device emulation.  Jobs built
 * from the rtl-model's sample commands, relocated into one buffer and
 * mutated field by field (addresses into, across and past the buffer,
 * dimensions, strides, enums, flags, reserved fields), are submitted
 * unchecked through libaccel and also run by lla_run_job() directly on a
 * snapshot whose memory is exactly that buffer.  The completion records
 * (status, failing command, fault address and direction, cycles) and the
 * buffer contents must be identical: the simulator's MMU, permissions and
 * job engine behave as the device model says.  Sim backend only: the
 * kernel backend's address-space layout differs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "cmd_samples.h"

#define JOBS 400
#define BO_SIZE 0x400000ull	/* covers the samples' R(0)..R(38) */

static uint64_t bo_iova;

/* Exactly one mapped region; the first failing byte is reported. */
static int one_read(void *o, uint64_t iova, void *dst, uint64_t len,
		    uint64_t *fault)
{
	uint8_t *base = o;

	if (iova < bo_iova || iova - bo_iova >= BO_SIZE) {
		*fault = iova;
		return LLA_ERR_MMU_FAULT;
	}
	if (len > BO_SIZE - (iova - bo_iova)) {
		*fault = bo_iova + BO_SIZE;
		return LLA_ERR_MMU_FAULT;
	}
	memcpy(dst, base + (iova - bo_iova), len);
	return LLA_OK;
}

static int one_write(void *o, uint64_t iova, const void *src, uint64_t len,
		     uint64_t *fault)
{
	uint8_t *base = o;

	if (iova < bo_iova || iova - bo_iova >= BO_SIZE) {
		*fault = iova;
		return LLA_ERR_MMU_FAULT;
	}
	if (len > BO_SIZE - (iova - bo_iova)) {
		*fault = bo_iova + BO_SIZE;
		return LLA_ERR_MMU_FAULT;
	}
	memcpy(base + (iova - bo_iova), src, len);
	return LLA_OK;
}

/* The direct run: command buffer at a far address, the buffer as is. */
struct two {
	uint8_t *bo;
	const uint8_t *cmds;
	uint64_t cmd_iova, cmd_len;
};

static int two_read(void *o, uint64_t iova, void *dst, uint64_t len,
		    uint64_t *fault)
{
	struct two *t = o;

	if (iova >= t->cmd_iova && iova - t->cmd_iova < t->cmd_len &&
	    len <= t->cmd_len - (iova - t->cmd_iova)) {
		memcpy(dst, t->cmds + (iova - t->cmd_iova), len);
		return LLA_OK;
	}
	return one_read(t->bo, iova, dst, len, fault);
}

static int two_write(void *o, uint64_t iova, const void *src, uint64_t len,
		     uint64_t *fault)
{
	struct two *t = o;

	return one_write(t->bo, iova, src, len, fault);
}

static uint32_t sample(unsigned int op, void *buf)
{
	const struct lla_cmd_desc *d = lla_cmd_desc_get(op);
	uint32_t size = smp_cmd(op, buf);

	/* Relocate the sample's addresses into the buffer. */
	for (uint32_t i = 0; i < d->nfields; i++) {
		const struct lla_field_desc *f = &d->fields[i];
		uint64_t v = 0;

		if (f->kind != LLA_FK_IOVA)
			continue;
		memcpy(&v, (uint8_t *)buf + f->offset, f->size);
		if (v)
			v = v - R(0) + bo_iova;
		memcpy((uint8_t *)buf + f->offset, &v, f->size);
	}
	return size;
}

static uint64_t mutant(const struct lla_field_desc *f, uint64_t v)
{
	switch (f->kind) {
	case LLA_FK_IOVA: {
		uint64_t end = bo_iova + BO_SIZE;

		switch (rnd() % 8) {
		case 0:
			return 0;
		case 1:
			return end - (rnd() % 64) * 4;
		case 2:
			return end + (rnd() % 1024) * 4;	/* guard page */
		case 3:
			return LLA_IOVA_LIMIT - 64;
		case 4:
			return v + 1;
		case 5:
			return bo_iova - LLA_PAGE_SIZE + (rnd() % 256) * 8;
		default:
			return bo_iova + (rnd() % (BO_SIZE / 8)) * 8;
		}
	}
	case LLA_FK_U:
		switch (rnd() % 8) {
		case 0:
			return 0;
		case 1:
			return v + 1;
		case 2:
			return v ? v - 1 : 0;
		case 3:
			return v * 2;
		case 4:
			return v + 64;
		case 5:
			return 1u << (rnd() % 20);
		case 6:
			return 0xffffffffu;
		default:
			return rnd() % 100;
		}
	case LLA_FK_F32: {
		static const float fv[] = { 0.0f, -0.0f, 1.0f, -1.0f, 0.5f,
					    2.0f, 1e-40f };

		return rnd() % 8 ? smp_f32(fv[rnd() % 7]) : 0x7fc00000u;
	}
	case LLA_FK_ENUM:
		return rnd() % 6;
	case LLA_FK_RSVD:
		return rnd() % 4 ? 0 : 1;
	default:
		return rnd() % 8;
	}
}

/* Opcodes whose effect does not depend on time or other queues. */
static unsigned int pick_op(void)
{
	for (;;) {
		unsigned int op = rnd() % LLA_OP_COUNT;

		if (op != LLA_OP_SEM_WAIT)
			return op;
	}
}

int main(void)
{
	struct accel_job_result res;
	struct lla_job_result dr;
	accel_cmdbuf *cb = NULL;
	accel_bo *bo = NULL;
	uint8_t *pristine, *mine;
	int same_rec = 0, same_mem = 0, failed = 0, faults = 0, ran = 0;
	int at_end = 0, writes = 0;

	if (accel_device_open("first", 0, &dev) ||
	    accel_device_caps(dev, &caps)) {
		tap_ok(0, "open the device: %s", accel_last_error());
		return tap_done();
	}
	if (caps.backend != ACCEL_BACKEND_SIM) {
		tap_ok(1, "# SKIP the differential suite is for the sim backend");
		accel_device_close(dev);
		return tap_done();
	}
	/* The first buffer of a fresh device; a guard page follows it. */
	if (accel_bo_alloc(dev, BO_SIZE, 0, &bo) ||
	    accel_cmdbuf_create(dev, &cb)) {
		tap_ok(0, "setup: %s", accel_last_error());
		return tap_done();
	}
	bo_iova = accel_bo_iova(bo);
	pristine = malloc(BO_SIZE);
	mine = malloc(BO_SIZE);
	for (uint64_t i = 0; i < BO_SIZE; i++)
		pristine[i] = (uint8_t)rnd();
	/* The samples read token ids, counters and semaphores as integers. */
	memset(pristine + (SMP_IDS - R(0)), 0, 0x10000);
	memset(pristine + (SMP_COUNTER - R(0)), 0, 0x10000);
	memset(pristine + (SMP_SEM - R(0)), 0, 0x10000);

	for (int j = 0; j < JOBS; j++) {
		uint64_t cmdbuf[32];
		const struct lla_cmd_desc *d;
		unsigned int op = pick_op();
		struct two t;
		struct lla_mem mem = { &t, two_read, two_write, NULL, NULL };
		struct lla_exec_opts o;
		uint32_t size;
		int err;

		accel_cmdbuf_reset(cb);
		size = sample(pick_op(), cmdbuf);
		err = accel_cmd_raw(cb, cmdbuf, size, ACCEL_RAW_UNCHECKED);
		size = sample(op, cmdbuf);
		d = lla_cmd_desc_get(op);
		for (int k = 0, n = 1 + (int)(rnd() % 2); k < n && d->nfields; k++) {
			const struct lla_field_desc *f =
				&d->fields[rnd() % d->nfields];
			uint64_t v = 0;

			memcpy(&v, (uint8_t *)cmdbuf + f->offset, f->size);
			v = mutant(f, v);
			memcpy((uint8_t *)cmdbuf + f->offset, &v, f->size);
		}
		err |= accel_cmd_raw(cb, cmdbuf, size, ACCEL_RAW_UNCHECKED);
		memcpy(map(bo), pristine, BO_SIZE);
		memcpy(mine, pristine, BO_SIZE);
		if (!err) {
			int w = submit_wait(cb, 0, &res);

			err = w == -EIO ? 0 : w;	/* failed jobs are fine */
		}
		if (err) {
			tap_diag("job %d: %s", j, accel_last_error());
			break;
		}
		t = (struct two){ mine, accel_cmdbuf_data(cb),
				  SNAP_CMD_IOVA, accel_cmdbuf_bytes(cb) };
		memset(&o, 0, sizeof(o));
		o.uarch = lla_uarch_preset_id(caps.preset);
		o.use_lut = (caps.caps & LLA_CAP_LUT_TLMM) ? 1 : 0;
		o.start_cycle = res.start_cycle;
		lla_run_job(&mem, SNAP_CMD_IOVA, accel_cmdbuf_bytes(cb), &o, &dr);
		dr.cycles += o.uarch->job_overhead_cycles;	/* the device's */
		ran++;
		failed += res.status != LLA_OK;
		faults += res.status == LLA_ERR_MMU_FAULT;
		at_end += res.status == LLA_ERR_MMU_FAULT &&
			  res.fault_iova == bo_iova + BO_SIZE;
		writes += res.status == LLA_ERR_MMU_FAULT && res.fault_write;
		if (res.status == dr.status && res.cmd_index == dr.cmd_index &&
		    res.fault_iova == dr.fault_iova &&
		    res.fault_write == dr.fault_write &&
		    res.cycles == dr.cycles && res.macs == dr.macs)
			same_rec++;
		else if (ran - same_rec <= 5)
			tap_diag("job %d (%s): sim %s #%u @%#llx w%u %llu cyc, model %s #%u @%#llx w%u %llu cyc",
				 j, d->name, accel_hw_error_name(res.status),
				 res.cmd_index,
				 (unsigned long long)res.fault_iova,
				 res.fault_write,
				 (unsigned long long)res.cycles,
				 lla_error_name((int)dr.status), dr.cmd_index,
				 (unsigned long long)dr.fault_iova,
				 dr.fault_write,
				 (unsigned long long)dr.cycles);
		if (!memcmp(map(bo), mine, BO_SIZE))
			same_mem++;
		else if (ran - same_mem <= 5)
			tap_diag("job %d (%s): memory differs", j, d->name);
	}
	tap_ok(ran == JOBS, "%d mutated jobs ran (%d failed, %d MMU faults)",
	       ran, failed, faults);
	tap_ok(failed > ran / 5 && failed < ran * 4 / 5 && faults > ran / 20 &&
	       at_end > 0 && writes > 0,
	       "the mutations reach success, validation errors and faults (%d running off the end, %d on writes)",
	       at_end, writes);
	tap_ok(same_rec == ran,
	       "completion records equal the rtl-model's (%d of %d)",
	       same_rec, ran);
	tap_ok(same_mem == ran,
	       "buffer contents equal the rtl-model's (%d of %d)", same_mem,
	       ran);
	free(pristine);
	free(mine);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(bo);
	accel_device_close(dev);
	return tap_done();
}
