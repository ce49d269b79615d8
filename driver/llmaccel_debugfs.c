// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * llmaccel_debugfs.c: /sys/kernel/debug/accel/<minor>/
 *   rings     per-queue ring state and registers
 *   contexts  open contexts: address space, pid, banned, jobs, pinned
 *             BO bytes
 *   counters  driver and device counters
 *   reset     write 1 to request a device reset (recovery path)
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "llmaccel_drv.h"

static struct llmaccel_device *llmaccel_seq_dev(struct seq_file *m)
{
	struct drm_debugfs_entry *entry = m->private;

	return to_llmaccel(entry->dev);
}

static int llmaccel_rings_show(struct seq_file *m, void *data)
{
	struct llmaccel_device *ldev = llmaccel_seq_dev(m);
	unsigned int i;
	int idx;

	if (!drm_dev_enter(&ldev->drm, &idx))
		return -ENODEV;
	seq_printf(m, "control 0x%x status 0x%x irq_status 0x%x irq_mask 0x%x heartbeat %llu running %d\n",
		   lla_rd(ldev, LLA_REG_CONTROL), lla_rd(ldev, LLA_REG_STATUS),
		   lla_rd(ldev, LLA_REG_IRQ_STATUS),
		   lla_rd(ldev, LLA_REG_IRQ_MASK),
		   llmaccel_rd64(ldev, LLA_REG_HEARTBEAT_LO), ldev->hw_running);
	for (i = 0; i < ldev->num_queues; i++) {
		struct llmaccel_queue *q = &ldev->queues[i];
		unsigned long flags;
		u32 tail, retire;
		u64 seq;

		spin_lock_irqsave(&q->lock, flags);
		tail = q->tail;
		retire = q->retire;
		seq = q->next_seq;
		spin_unlock_irqrestore(&q->lock, flags);
		seq_printf(m, "q%u: entries %u sw_tail %u sw_retire %u next_seq %llu hw_head %u hw_tail %u hw_status 0x%x done_seq %llu control 0x%x\n",
			   i, q->entries, tail, retire, seq,
			   lla_qrd(q, LLA_Q_HEAD), lla_qrd(q, LLA_Q_TAIL),
			   lla_qrd(q, LLA_Q_STATUS),
			   llmaccel_rd64(ldev, LLA_REG_QUEUE(i) +
					 LLA_Q_DONE_SEQ_LO),
			   lla_qrd(q, LLA_Q_CONTROL));
	}
	drm_dev_exit(idx);
	return 0;
}

static int llmaccel_contexts_show(struct seq_file *m, void *data)
{
	struct llmaccel_device *ldev = llmaccel_seq_dev(m);
	struct llmaccel_ctx *ctx;

	mutex_lock(&ldev->ctx_lock);
	list_for_each_entry(ctx, &ldev->ctx_list, node)
		seq_printf(m, "as %u pid %d banned %d next_job_id %llu root 0x%llx pinned %llu\n",
			   ctx->asid, ctx->pid, READ_ONCE(ctx->banned),
			   ctx->next_job_id, (u64)ctx->mmu.root.dma,
			   llmaccel_ctx_pinned(ctx));
	mutex_unlock(&ldev->ctx_lock);
	return 0;
}

static int llmaccel_counters_show(struct seq_file *m, void *data)
{
	struct llmaccel_device *ldev = llmaccel_seq_dev(m);
	u64 cnt[LLMACCEL_QCNT_NUM];
	unsigned int i;

	seq_printf(m, "resets %lld hangs %lld faults %lld pinned %llu\n",
		   (long long)atomic64_read(&ldev->reset_count),
		   (long long)atomic64_read(&ldev->hangs),
		   (long long)atomic64_read(&ldev->faults),
		   llmaccel_dev_pinned(ldev));
	for (i = 0; i < ldev->num_queues; i++) {
		llmaccel_queue_counters(&ldev->queues[i], cnt);
		seq_printf(m, "q%u: busy_cycles %llu jobs %llu commands %llu macs %llu dma_rd %llu dma_wr %llu errors %llu busy_ns %llu\n",
			   i, cnt[LLMACCEL_QCNT_BUSY_CYCLES],
			   cnt[LLMACCEL_QCNT_JOBS], cnt[LLMACCEL_QCNT_COMMANDS],
			   cnt[LLMACCEL_QCNT_MACS], cnt[LLMACCEL_QCNT_DMA_RD],
			   cnt[LLMACCEL_QCNT_DMA_WR], cnt[LLMACCEL_QCNT_ERRORS],
			   llmaccel_queue_busy_ns(&ldev->queues[i]));
	}
	return 0;
}

static ssize_t llmaccel_reset_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *pos)
{
	struct llmaccel_device *ldev = file->private_data;
	bool yes;
	int ret;

	ret = kstrtobool_from_user(buf, count, &yes);
	if (ret)
		return ret;
	if (yes) {
		llmaccel_request_reset(ldev);
		flush_work(&ldev->reset_work);
	}
	return count;
}

static const struct file_operations llmaccel_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = llmaccel_reset_write,
	.llseek = noop_llseek,
};

static const struct drm_debugfs_info llmaccel_debugfs_list[] = {
	{ "rings", llmaccel_rings_show, 0 },
	{ "contexts", llmaccel_contexts_show, 0 },
	{ "counters", llmaccel_counters_show, 0 },
};

void llmaccel_debugfs_init(struct llmaccel_device *ldev)
{
	drm_debugfs_add_files(&ldev->drm, llmaccel_debugfs_list,
			      ARRAY_SIZE(llmaccel_debugfs_list));
	debugfs_create_file("reset", 0200, ldev->drm.debugfs_root, ldev,
			    &llmaccel_reset_fops);
}
