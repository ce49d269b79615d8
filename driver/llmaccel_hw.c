// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_hw.c: registers, queue programming, reset and interrupts.
 *
 * Ring protocol (docs/hw-spec.md section 4): the driver writes a
 * descriptor at its software tail, then the TAIL doorbell.  The device
 * writes the completion record into the slot of the same index, then
 * DONE_SEQ.  Jobs on one queue complete in order, so every job whose
 * sequence number is <= DONE_SEQ is done and its record is valid.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/iopoll.h>
#include <linux/moduleparam.h>
#include <drm/drm_drv.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>

#include "llmaccel_drv.h"

static unsigned int ring_log2 = 8;
module_param(ring_log2, uint, 0444);
MODULE_PARM_DESC(ring_log2, "log2 of the descriptors per hardware ring (1..12, default 8)");

static unsigned int queue_prio = 2;
module_param(queue_prio, uint, 0444);
MODULE_PARM_DESC(queue_prio, "hardware priority of every queue (0..3, default 2)");

#define LLA_RESET_TIMEOUT_US	2000000

static u64 lla_le64(u64 v)
{
	return (__force u64)cpu_to_le64(v);
}

static u32 lla_le32(u32 v)
{
	return (__force u32)cpu_to_le32(v);
}

static u16 lla_le16(u16 v)
{
	return (__force u16)cpu_to_le16(v);
}

static u64 lla_cpu64(u64 v)
{
	return le64_to_cpu((__force __le64)v);
}

static u32 lla_cpu32(u32 v)
{
	return le32_to_cpu((__force __le32)v);
}

/*
 * A 64-bit counter from a LO/HI pair: the halves are not latched, so
 * read HI, LO, HI and retry when HI moved (hw-spec.md section 1).
 */
u64 llmaccel_rd64(struct llmaccel_device *ldev, u32 reg_lo)
{
	u32 hi, lo, hi2;
	int tries = 3;

	do {
		hi = lla_rd(ldev, reg_lo + 4);
		lo = lla_rd(ldev, reg_lo);
		hi2 = lla_rd(ldev, reg_lo + 4);
	} while (hi != hi2 && --tries);
	return ((u64)hi2 << 32) | (hi == hi2 ? lo : 0);
}

static u64 lla_qrd64(struct llmaccel_queue *q, u32 reg_lo)
{
	return llmaccel_rd64(q->ldev, LLA_REG_QUEUE(q->idx) + reg_lo);
}

/* Identity and capability checks; refuses devices we cannot drive. */
int llmaccel_hw_probe(struct llmaccel_device *ldev)
{
	struct drm_device *drm = &ldev->drm;
	u32 id = lla_rd(ldev, LLA_REG_ID);
	u32 max_log2;

	if (id != LLA_ID_MAGIC) {
		drm_err(drm, "not an llmaccel device: ID register 0x%08x, expected 0x%08x\n",
			id, LLA_ID_MAGIC);
		return -ENODEV;
	}
	ldev->hw_version = lla_rd(ldev, LLA_REG_VERSION);
	if (LLA_VERSION_GET_MAJOR(ldev->hw_version) != LLA_VERSION_MAJOR) {
		drm_err(drm, "unsupported hardware version %u.%u: this driver supports major version %u only\n",
			LLA_VERSION_GET_MAJOR(ldev->hw_version),
			LLA_VERSION_GET_MINOR(ldev->hw_version),
			LLA_VERSION_MAJOR);
		return -ENODEV;
	}
	ldev->caps = lla_rd(ldev, LLA_REG_CAPS);
	ldev->num_queues = lla_rd(ldev, LLA_REG_NUM_QUEUES);
	ldev->num_as = lla_rd(ldev, LLA_REG_NUM_AS);
	ldev->opcodes = lla_rd(ldev, LLA_REG_OPCODES);
	ldev->wformats = lla_rd(ldev, LLA_REG_WFORMATS);
	ldev->max_m = lla_rd(ldev, LLA_REG_MAX_M);
	ldev->max_n = lla_rd(ldev, LLA_REG_MAX_N);
	ldev->max_k = lla_rd(ldev, LLA_REG_MAX_K);
	ldev->max_ctx = lla_rd(ldev, LLA_REG_MAX_CTX);
	ldev->clock_khz = lla_rd(ldev, LLA_REG_CLOCK_KHZ);
	ldev->preset = lla_rd(ldev, LLA_REG_PRESET);
	ldev->max_cmdbuf = min_t(u32, lla_rd(ldev, LLA_REG_MAX_CMDBUF),
				 LLA_MAX_CMDBUF_BYTES);
	max_log2 = lla_rd(ldev, LLA_REG_RING_LOG2_MAX);

	if (!(ldev->caps & LLA_CAP_MMU)) {
		drm_err(drm, "device without an MMU (caps 0x%x): unsupported\n",
			ldev->caps);
		return -ENODEV;
	}
	if (!ldev->num_queues || ldev->num_queues > LLA_MAX_QUEUES ||
	    !ldev->num_as || ldev->num_as > LLA_MAX_AS || !ldev->max_cmdbuf ||
	    max_log2 < LLA_RING_LOG2_MIN || max_log2 > LLA_RING_LOG2_MAX) {
		drm_err(drm, "bad capability registers: %u queues, %u address spaces, ring log2 max %u, max cmdbuf %u\n",
			ldev->num_queues, ldev->num_as, max_log2,
			ldev->max_cmdbuf);
		return -ENODEV;
	}
	ldev->ring_log2 = clamp_t(u32, ring_log2, LLA_RING_LOG2_MIN, max_log2);
	drm_info(drm, "llmaccel %u.%u: %u queues of %u descriptors, %u address spaces, caps 0x%x, %u kHz\n",
		 LLA_VERSION_GET_MAJOR(ldev->hw_version),
		 LLA_VERSION_GET_MINOR(ldev->hw_version), ldev->num_queues,
		 1u << ldev->ring_log2, ldev->num_as, ldev->caps,
		 ldev->clock_khz);
	return 0;
}

static void llmaccel_queue_free_rings(struct llmaccel_queue *q)
{
	struct device *dev = q->ldev->drm.dev;
	size_t ring = q->entries * sizeof(struct lla_ring_desc);
	size_t compl = q->entries * sizeof(struct lla_completion);

	if (q->ring)
		dma_free_coherent(dev, ring, q->ring, q->ring_dma);
	if (q->compl)
		dma_free_coherent(dev, compl, q->compl, q->compl_dma);
	q->ring = NULL;
	q->compl = NULL;
}

static void llmaccel_free_coherent(struct drm_device *drm, void *arg)
{
	struct llmaccel_queue *q = arg;

	llmaccel_queue_free_rings(q);
	kvfree(q->jobs);
	kvfree(q->scratch);
}

/*
 * remove(), after llmaccel_recovery_unplug(): the device is stopped and
 * every job on a ring completed, and nothing reaches the hardware any
 * more (drm_dev_enter() fails, hw_running is false).  DMA memory must not
 * outlive the driver's binding (the DMA API checks it at unbind), so the
 * rings go now; the drm_device, kept by open files, no longer needs them.
 */
void llmaccel_hw_release_dma(struct llmaccel_device *ldev)
{
	unsigned int i;

	for (i = 0; i < ldev->num_queues; i++)
		llmaccel_queue_free_rings(&ldev->queues[i]);
}

/*
 * Allocate the rings.  They live until unbind (llmaccel_hw_release_dma())
 * or, when probe fails, until the drm_device is released.
 */
int llmaccel_hw_init(struct llmaccel_device *ldev)
{
	struct device *dev = ldev->drm.dev;
	unsigned int i;
	int ret;

	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];

		q->ldev = ldev;
		q->idx = i;
		snprintf(q->name, sizeof(q->name), "llmaccel-q%u", i);
		spin_lock_init(&q->lock);
		spin_lock_init(&q->fence_lock);
		q->fence_context = dma_fence_context_alloc(1);
		q->entries = 1u << ldev->ring_log2;
		q->ring = dma_alloc_coherent(dev, q->entries *
					     sizeof(struct lla_ring_desc),
					     &q->ring_dma, GFP_KERNEL);
		q->compl = dma_alloc_coherent(dev, q->entries *
					      sizeof(struct lla_completion),
					      &q->compl_dma, GFP_KERNEL);
		q->jobs = kvcalloc(q->entries, sizeof(*q->jobs), GFP_KERNEL);
		q->scratch = kvcalloc(q->entries, sizeof(*q->scratch),
				      GFP_KERNEL);
		ret = drmm_add_action_or_reset(&ldev->drm,
					       llmaccel_free_coherent, q);
		if (ret)
			return ret;
		if (!q->ring || !q->compl || !q->jobs || !q->scratch)
			return -ENOMEM;
	}
	return 0;
}

/*
 * (Re)program an idle queue: empty rings, enabled.  Also after a queue
 * reset, which may clear the ring registers (the emulator does).
 */
void llmaccel_hw_queue_start(struct llmaccel_queue *q)
{
	u32 prio = min_t(u32, queue_prio, LLA_Q_CONTROL_PRIO_MASK);

	lla_qwr(q, LLA_Q_CONTROL, 0);
	memset(q->compl, 0, q->entries * sizeof(*q->compl));
	lla_qwr(q, LLA_Q_RING_LO, lower_32_bits(q->ring_dma));
	lla_qwr(q, LLA_Q_RING_HI, upper_32_bits(q->ring_dma));
	lla_qwr(q, LLA_Q_RING_LOG2, ilog2(q->entries));
	lla_qwr(q, LLA_Q_COMPL_LO, lower_32_bits(q->compl_dma));
	lla_qwr(q, LLA_Q_COMPL_HI, upper_32_bits(q->compl_dma));
	lla_qwr(q, LLA_Q_CONTROL, LLA_Q_CONTROL_ENABLE |
		(prio << LLA_Q_CONTROL_PRIO_SHIFT));
}

/*
 * Program a freshly reset device: rings (empty: HEAD = TAIL = 0),
 * interrupts, enable.  Address spaces are the caller's (ctx_lock).
 */
void llmaccel_hw_start(struct llmaccel_device *ldev)
{
	u32 mask = LLA_IRQ_ERROR;
	unsigned int i;

	lockdep_assert_held(&ldev->ctx_lock);
	for (i = 0; i < ldev->num_queues; i++) {
		llmaccel_hw_queue_start(&ldev->queues[i]);
		mask |= LLA_IRQ_QUEUE(i);
	}
	lla_wr(ldev, LLA_REG_IRQ_STATUS, ~0u);
	lla_wr(ldev, LLA_REG_FAULT_STATUS, ~0u);
	lla_wr(ldev, LLA_REG_IRQ_MASK, mask);
	lla_wr(ldev, LLA_REG_CONTROL, LLA_CONTROL_ENABLE);
	ldev->hw_running = true;
}

/* Stop fetching and interrupts; the caller resets or removes next. */
void llmaccel_hw_stop(struct llmaccel_device *ldev)
{
	lla_wr(ldev, LLA_REG_CONTROL, 0);
	lla_wr(ldev, LLA_REG_IRQ_MASK, 0);
	llmaccel_irq_sync(ldev);
}

/* Global reset (hw-spec.md section 4.6); every register is cleared. */
int llmaccel_hw_reset(struct llmaccel_device *ldev)
{
	u32 st;
	int ret;

	lla_wr(ldev, LLA_REG_RESET, LLA_RESET_MAGIC);
	ret = readl_poll_timeout(ldev->regs + LLA_REG_STATUS, st,
				 (st & LLA_STATUS_READY) &&
				 !(st & LLA_STATUS_RESETTING),
				 100, LLA_RESET_TIMEOUT_US);
	if (ret)
		drm_err(&ldev->drm, "device did not come out of reset (status 0x%x)\n",
			st);
	ldev->hw_running = false;
	return ret;
}

void llmaccel_hw_as_enable(struct llmaccel_device *ldev, u32 asid, u64 root)
{
	u32 base = LLA_REG_MMU_AS(asid);

	lla_wr(ldev, base + LLA_MMU_AS_ROOT_LO, lower_32_bits(root));
	lla_wr(ldev, base + LLA_MMU_AS_ROOT_HI, upper_32_bits(root));
	lla_wr(ldev, base + LLA_MMU_AS_CONFIG, LLA_MMU_AS_ENABLE);
}

void llmaccel_hw_as_disable(struct llmaccel_device *ldev, u32 asid)
{
	u32 base = LLA_REG_MMU_AS(asid);

	lla_wr(ldev, base + LLA_MMU_AS_CONFIG, 0);
	lla_wr(ldev, base + LLA_MMU_AS_ROOT_LO, 0);
	lla_wr(ldev, base + LLA_MMU_AS_ROOT_HI, 0);
	llmaccel_hw_mmu_invalidate(ldev, asid);
}

/* Drop cached translations; complete when a later register read returns. */
void llmaccel_hw_mmu_invalidate(struct llmaccel_device *ldev, u32 asid)
{
	lla_wr(ldev, LLA_REG_MMU_INVALIDATE, asid);
	lla_rd(ldev, LLA_REG_STATUS);
}

/* Hardware counters plus what earlier resets cleared. */
void llmaccel_queue_counters(struct llmaccel_queue *q, u64 *cnt)
{
	struct llmaccel_device *ldev = q->ldev;
	unsigned long flags;
	unsigned int i;
	int idx;
	bool hw = ldev->hw_running && drm_dev_enter(&ldev->drm, &idx);

	spin_lock_irqsave(&q->lock, flags);
	for (i = 0; i < LLMACCEL_QCNT_NUM; i++) {
		cnt[i] = q->cnt_base[i];
		if (hw)
			cnt[i] += lla_qrd64(q, LLA_Q_CNT_BUSY_CYCLES + 8 * i);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	if (hw)
		drm_dev_exit(idx);
}

/* Before a reset clears them (q->lock held, device present). */
void llmaccel_queue_save_counters(struct llmaccel_queue *q)
{
	unsigned int i;

	lockdep_assert_held(&q->lock);
	for (i = 0; i < LLMACCEL_QCNT_NUM; i++)
		q->cnt_base[i] += lla_qrd64(q, LLA_Q_CNT_BUSY_CYCLES + 8 * i);
}

u64 llmaccel_queue_busy_ns(struct llmaccel_queue *q)
{
	unsigned long flags;
	u64 ns;

	spin_lock_irqsave(&q->lock, flags);
	ns = q->busy_ns;
	if (q->busy_since)
		ns += ktime_to_ns(ktime_sub(ktime_get(), q->busy_since));
	spin_unlock_irqrestore(&q->lock, flags);
	return ns;
}

/*
 * Put @job on the ring at the software tail and ring the doorbell
 * (q->lock held, ring not full: the scheduler's credit limit is
 * entries - 1).  A job marked @cancel goes down as a descriptor with a
 * zero length: the device rejects it at once (LLA_ERR_CMDBUF) without
 * touching memory, and its completion keeps the fences in order.
 */
void llmaccel_queue_write_desc(struct llmaccel_queue *q,
			       struct llmaccel_job *job)
{
	struct lla_ring_desc *d = &q->ring[q->tail];
	bool idle = q->retire == q->tail;
	u32 mask = q->entries - 1;

	lockdep_assert_held(&q->lock);
	memset(&q->compl[q->tail], 0, sizeof(q->compl[q->tail]));
	memset(d, 0, sizeof(*d));
	d->cmdbuf_iova = lla_le64(job->cmdbuf_iova);
	d->cmdbuf_len = lla_le32(job->cancel ? 0 : job->cmdbuf_len);
	d->asid = lla_le16(job->ctx->asid);
	d->flags = lla_le16(LLA_DESC_F_IRQ);
	d->seq = lla_le64(job->seq);
	q->jobs[q->tail] = job;
	q->tail = (q->tail + 1) & mask;
	job->start = ktime_get();
	if (idle)
		q->head_since = job->start;
	if (!q->busy_since)
		q->busy_since = job->start;
	q->submitted++;
	/* writel() orders the descriptor before the doorbell. */
	lla_qwr(q, LLA_Q_TAIL, q->tail);
}

/*
 * The fault direction and the device clock of a valid record, for
 * JOB_STATUS.  The clock is reported only when the record's end is
 * start + cycles, the one end JOB_STATUS can express.
 */
static void llmaccel_compl_extra(struct llmaccel_job *job,
				 const struct lla_completion *c, u32 flags,
				 u64 cycles)
{
	u64 start = lla_cpu64(READ_ONCE(c->start_cycle));
	u64 end = lla_cpu64(READ_ONCE(c->end_cycle));

	job->result_flags = 0;
	if (flags & LLA_COMPL_F_FAULT_WRITE)
		job->result_flags |= DRM_LLMACCEL_RESULT_FAULT_WRITE;
	job->start_cycle = 0;
	if (end == start + cycles) {
		job->result_flags |= DRM_LLMACCEL_RESULT_CLOCK;
		job->start_cycle = start;
	}
}

static u32 llmaccel_compl_status(struct llmaccel_queue *q,
				 struct llmaccel_job *job,
				 const struct lla_completion *c,
				 u32 *cmd_index, u64 *fault_iova, u64 *cycles)
{
	u32 flags = lla_cpu32(READ_ONCE(c->flags));
	u64 seq = lla_cpu64(READ_ONCE(c->seq));
	u32 status;

	if (!(flags & LLA_COMPL_F_VALID) || seq != job->seq) {
		dev_warn_ratelimited(q->ldev->drm.dev,
				     "%s: corrupt completion record for seq %llu (flags 0x%x, seq %llu)\n",
				     q->name, job->seq, flags, seq);
		return DRM_LLMACCEL_STATUS_BAD_COMPLETION;
	}
	status = lla_cpu32(READ_ONCE(c->status));
	*cmd_index = lla_cpu32(READ_ONCE(c->cmd_index));
	*fault_iova = lla_cpu64(READ_ONCE(c->fault_iova));
	*cycles = lla_cpu64(READ_ONCE(c->cycles));
	llmaccel_compl_extra(job, c, flags, *cycles);
	if (job->cancel && status != LLA_OK)
		return DRM_LLMACCEL_STATUS_CANCELED;
	return status;
}

/*
 * Complete every job the device has finished on @q, in order.  Called
 * from the queue's interrupt, from the watchdog (a dropped interrupt
 * must not look like a hang) and before a reset.
 */
void llmaccel_queue_retire(struct llmaccel_queue *q)
{
	struct llmaccel_device *ldev = q->ldev;
	u32 mask = q->entries - 1, retire0;
	unsigned long flags;
	u64 done;

	spin_lock_irqsave(&q->lock, flags);
	if (!ldev->hw_running) {
		spin_unlock_irqrestore(&q->lock, flags);
		return;
	}
	retire0 = q->retire;
	done = lla_qrd64(q, LLA_Q_DONE_SEQ_LO);
	/* DONE_SEQ is written after the record: read the record after it. */
	dma_rmb();
	while (q->retire != q->tail) {
		struct llmaccel_job *job = q->jobs[q->retire];
		u32 status, cmd_index = 0;
		u64 fault_iova = 0, cycles = 0;

		if ((s64)(done - job->seq) < 0)
			break;
		status = llmaccel_compl_status(q, job, &q->compl[q->retire],
					       &cmd_index, &fault_iova,
					       &cycles);
		q->compl[q->retire].flags = 0;
		q->jobs[q->retire] = NULL;
		q->retire = (q->retire + 1) & mask;
		llmaccel_job_done(job, status, cmd_index, fault_iova, cycles);
	}
	/* The next job starts now: its runtime counts from here. */
	if (q->retire != retire0 && q->retire != q->tail)
		q->head_since = ktime_get();
	if (q->retire == q->tail && q->busy_since) {
		q->busy_ns += ktime_to_ns(ktime_sub(ktime_get(),
						    q->busy_since));
		q->busy_since = 0;
	}
	spin_unlock_irqrestore(&q->lock, flags);
}

static irqreturn_t llmaccel_queue_irq(int irq, void *arg)
{
	struct llmaccel_queue *q = arg;

	/* Clear first: a completion during the scan interrupts again. */
	lla_wr(q->ldev, LLA_REG_IRQ_STATUS, LLA_IRQ_QUEUE(q->idx));
	llmaccel_queue_retire(q);
	return IRQ_HANDLED;
}

static irqreturn_t llmaccel_error_irq(int irq, void *arg)
{
	struct llmaccel_device *ldev = arg;
	u32 fs, info;
	unsigned int i;

	lla_wr(ldev, LLA_REG_IRQ_STATUS, LLA_IRQ_ERROR);
	fs = lla_rd(ldev, LLA_REG_FAULT_STATUS);
	if (fs & LLA_FAULT_STATUS_VALID) {
		info = lla_rd(ldev, LLA_REG_FAULT_INFO);
		drm_dbg_driver(&ldev->drm,
			       "fault: AS %u IOVA 0x%llx %s queue %u code %u%s\n",
			       lla_rd(ldev, LLA_REG_FAULT_AS),
			       llmaccel_rd64(ldev, LLA_REG_FAULT_IOVA_LO),
			       info & LLA_FAULT_INFO_WRITE ? "write" : "read",
			       (info >> LLA_FAULT_INFO_QUEUE_SHIFT) &
			       LLA_FAULT_INFO_QUEUE_MASK,
			       (info >> LLA_FAULT_INFO_CODE_SHIFT) &
			       LLA_FAULT_INFO_CODE_MASK,
			       fs & LLA_FAULT_STATUS_OVERFLOW ?
			       " (more faults counted)" : "");
		lla_wr(ldev, LLA_REG_FAULT_STATUS, fs);
	}
	for (i = 0; i < ldev->num_queues; i++) {
		if (lla_qrd(&ldev->queues[i], LLA_Q_STATUS) &
		    LLA_Q_STATUS_STOPPED) {
			drm_err_ratelimited(&ldev->drm, "queue %u stopped by the device: resetting\n",
					    i);
			llmaccel_request_reset(ldev);
		}
	}
	return IRQ_HANDLED;
}

/* One MSI-X vector per queue plus the error vector (hw-spec.md sec. 2). */
int llmaccel_irq_init(struct llmaccel_device *ldev)
{
	struct pci_dev *pdev = ldev->pdev;
	unsigned int nvec = ldev->num_queues + 1;
	unsigned int i;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX);
	if (ret < 0) {
		drm_err(&ldev->drm, "cannot enable %u MSI-X vectors: %d\n",
			nvec, ret);
		return ret;
	}
	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];

		ret = devm_request_irq(&pdev->dev,
				       pci_irq_vector(pdev,
						      LLA_MSIX_VEC_QUEUE(i)),
				       llmaccel_queue_irq, 0, q->name, q);
		if (ret)
			return ret;
	}
	return devm_request_irq(&pdev->dev,
				pci_irq_vector(pdev, LLA_MSIX_VEC_ERROR(i)),
				llmaccel_error_irq, 0, "llmaccel-err", ldev);
}

void llmaccel_irq_sync(struct llmaccel_device *ldev)
{
	unsigned int i;

	for (i = 0; i <= ldev->num_queues; i++)
		synchronize_irq(pci_irq_vector(ldev->pdev, i));
}
