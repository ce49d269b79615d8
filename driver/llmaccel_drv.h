/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * llmaccel_drv.h: the driver's shared structures and the functions each
 * file exports to the others.
 */
#ifndef LLMACCEL_DRV_H
#define LLMACCEL_DRV_H

#include <linux/atomic.h>
#include <linux/dma-fence.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mm.h>
#include <drm/gpu_scheduler.h>

#include "llmaccel_hw.h"
#include "drm/llmaccel_accel.h"

#define DRIVER_NAME		"llmaccel"
#define DRIVER_DESC		"llmaccel ternary LLM accelerator"
#define DRIVER_MAJOR		1
#define DRIVER_MINOR		1

/* Per-file job records kept for JOB_STATUS/WAIT (a power of two). */
#define LLMACCEL_JOB_RECORDS	1024
#define LLMACCEL_MAX_BO_SIZE	SZ_4G
#define LLMACCEL_NUM_PRIO	3

/* Hardware counters of a queue, in register order (LLA_Q_CNT_*). */
enum llmaccel_qcnt {
	LLMACCEL_QCNT_BUSY_CYCLES,
	LLMACCEL_QCNT_JOBS,
	LLMACCEL_QCNT_COMMANDS,
	LLMACCEL_QCNT_MACS,
	LLMACCEL_QCNT_DMA_RD,
	LLMACCEL_QCNT_DMA_WR,
	LLMACCEL_QCNT_ERRORS,
	LLMACCEL_QCNT_NUM
};

struct llmaccel_device;
struct llmaccel_job;

/* One hardware queue: its rings, its scheduler and its interrupt. */
struct llmaccel_queue {
	struct llmaccel_device *ldev;
	unsigned int idx;
	char name[16];

	struct drm_gpu_scheduler sched;
	u64 fence_context;
	spinlock_t fence_lock;		/* the hardware fences' lock */

	spinlock_t lock;		/* everything below */
	struct lla_ring_desc *ring;	/* DMA coherent */
	dma_addr_t ring_dma;
	struct lla_completion *compl;	/* DMA coherent */
	dma_addr_t compl_dma;
	u32 entries;
	u32 tail;			/* next slot the driver writes */
	u32 retire;			/* oldest slot not yet completed */
	u64 next_seq;
	struct llmaccel_job **jobs;	/* slot -> job on the ring */
	struct llmaccel_job **scratch;	/* reset: jobs to re-queue */

	/* Watchdog samples (reset workqueue only). */
	u64 wd_heartbeat;
	u64 wd_done_seq;

	/* Counters that survive device resets (lock). */
	u64 cnt_base[LLMACCEL_QCNT_NUM];
	u64 submitted;
	u64 busy_ns;
	ktime_t busy_since;		/* 0 when the ring is empty */
	ktime_t head_since;		/* the oldest ring job's start */
};

struct llmaccel_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *regs;

	/* Identity and capabilities, read once at probe. */
	u32 hw_version;
	u32 caps;
	u32 num_queues;
	u32 num_as;
	u32 opcodes;
	u32 wformats;
	u32 max_m, max_n, max_k, max_ctx;
	u32 clock_khz;
	u32 preset;
	u32 max_cmdbuf;
	u32 ring_log2;
	u64 max_bo_size;		/* LLMACCEL_MAX_BO_SIZE or RAM / 2 */

	/* Pinned BO bytes, for the limits of llmaccel_gem.c. */
	spinlock_t pin_lock;		/* pinned, and every ctx->pinned */
	u64 pinned;

	struct llmaccel_queue queues[LLA_MAX_QUEUES];
	struct drm_gpu_scheduler *sched_list[LLA_MAX_QUEUES];

	struct ida as_ida;
	struct mutex ctx_lock;		/* ctx_list, AS registers */
	struct list_head ctx_list;

	/* Every BO with its DMA mapping, so unbind can undo them all. */
	struct mutex bo_lock;		/* bo_list */
	struct list_head bo_list;

	/* Recovery: timeouts and resets run on this ordered workqueue. */
	struct workqueue_struct *reset_wq;
	struct work_struct reset_work;	/* debugfs or error-IRQ request */
	atomic_t reset_requested;
	atomic64_t reset_count;
	atomic64_t hangs;
	atomic64_t faults;
	atomic64_t hw_reset_base;	/* RESET_COUNT before a lost device */
	ktime_t load_time;
	bool hw_running;		/* false after remove() */
};

/* A device address space: the page tables of one context. */
struct llmaccel_pt {
	__le64 *cpu;
	dma_addr_t dma;
	struct llmaccel_pt **child;	/* NULL in leaf tables */
};

struct llmaccel_mmu {
	struct device *dev;
	struct mutex lock;		/* the tables below root, released */
	struct llmaccel_pt root;
	bool released;			/* tables freed: nothing maps any more */
};

/* What JOB_STATUS and WAIT know about one job. */
struct llmaccel_job_rec {
	u64 job_id;			/* 0: slot unused */
	struct dma_fence *done;		/* the scheduler's finished fence */
	u32 state;			/* DRM_LLMACCEL_JOB_* */
	u32 status;
	u32 cmd_index;
	u64 fault_iova;
	u64 cycles;
	u64 duration_ns;
	u32 result_flags;		/* DRM_LLMACCEL_RESULT_* */
	u64 start_cycle;
};

/* One open file: an address space, scheduler entities, job records. */
struct llmaccel_ctx {
	struct kref ref;
	struct llmaccel_device *ldev;
	struct list_head node;		/* ldev->ctx_list */
	u32 asid;
	pid_t pid;
	struct llmaccel_mmu mmu;

	struct mutex mm_lock;		/* mm */
	struct drm_mm mm;		/* device addresses */

	/*
	 * The address space (its id and page tables) is needed while the
	 * file is open or one of its jobs may still run on the device, not
	 * for as long as a BO outlives the file (mmap, dma-buf): as_users
	 * counts the file and the jobs, and the last one gives it back.
	 */
	struct kref as_users;

	struct mutex lock;		/* submit: entities, arm + push */
	struct drm_sched_entity entity[LLA_MAX_QUEUES][LLMACCEL_NUM_PRIO];
	bool entity_ready[LLA_MAX_QUEUES][LLMACCEL_NUM_PRIO];
	bool banned;
	bool closed;			/* file closed: jobs are cancelled */

	spinlock_t rec_lock;		/* recs, next_job_id */
	u64 next_job_id;
	struct llmaccel_job_rec *recs;

	atomic64_t busy_ns[LLA_MAX_QUEUES];	/* fdinfo drm-engine-* */
	u64 pinned;			/* BO bytes charged (ldev->pin_lock) */
	struct work_struct free_work;
};

/* Jobs of a banned context, or of a closed file, are not run any more. */
static inline bool llmaccel_ctx_dead(struct llmaccel_ctx *ctx)
{
	return READ_ONCE(ctx->banned) || READ_ONCE(ctx->closed);
}

struct llmaccel_bo {
	struct drm_gem_shmem_object base;
	struct llmaccel_ctx *ctx;	/* the address space it is mapped in */
	struct drm_mm_node node;
	u64 pinned;			/* bytes charged to ctx and device */
	u32 flags;			/* DRM_LLMACCEL_BO_* */
	struct list_head dev_node;	/* ldev->bo_list (bo_lock) */
};

static inline struct llmaccel_bo *to_llmaccel_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct llmaccel_bo,
			    base);
}

struct llmaccel_job {
	struct drm_sched_job base;
	struct kref ref;		/* free_job + the hardware fence */
	struct llmaccel_device *ldev;	/* referenced until the job's release */
	struct llmaccel_ctx *ctx;	/* referenced until free_job */
	struct llmaccel_queue *q;
	struct dma_fence hw_fence;
	bool hw_fence_init;

	struct drm_gem_object **bos;	/* resident while the job lives */
	u32 bo_count;
	u64 cmdbuf_iova;
	u32 cmdbuf_len;

	u64 job_id;
	u64 seq;			/* ring sequence number */
	u32 result_flags;		/* of the completion record */
	u64 start_cycle;
	bool cancel;			/* reset: run as a no-op, report */
	u32 max_runtime_ms;		/* 0: no limit */
	ktime_t start;
	struct work_struct release_work;
	struct rcu_head rcu;
};

static inline struct llmaccel_device *to_llmaccel(struct drm_device *drm)
{
	return container_of(drm, struct llmaccel_device, drm);
}

/* Register access (BAR0, 32-bit only). */
static inline u32 lla_rd(struct llmaccel_device *ldev, u32 reg)
{
	return readl(ldev->regs + reg);
}

static inline void lla_wr(struct llmaccel_device *ldev, u32 reg, u32 val)
{
	writel(val, ldev->regs + reg);
}

static inline u32 lla_qrd(struct llmaccel_queue *q, u32 reg)
{
	return lla_rd(q->ldev, LLA_REG_QUEUE(q->idx) + reg);
}

static inline void lla_qwr(struct llmaccel_queue *q, u32 reg, u32 val)
{
	lla_wr(q->ldev, LLA_REG_QUEUE(q->idx) + reg, val);
}

/* llmaccel_hw.c */
u64 llmaccel_rd64(struct llmaccel_device *ldev, u32 reg_lo);
int llmaccel_hw_probe(struct llmaccel_device *ldev);
int llmaccel_hw_init(struct llmaccel_device *ldev);
void llmaccel_hw_start(struct llmaccel_device *ldev);
void llmaccel_hw_queue_start(struct llmaccel_queue *q);
void llmaccel_hw_stop(struct llmaccel_device *ldev);
int llmaccel_hw_reset(struct llmaccel_device *ldev);
void llmaccel_hw_as_enable(struct llmaccel_device *ldev, u32 asid, u64 root);
void llmaccel_hw_as_disable(struct llmaccel_device *ldev, u32 asid);
void llmaccel_hw_mmu_invalidate(struct llmaccel_device *ldev, u32 asid);
int llmaccel_irq_init(struct llmaccel_device *ldev);
void llmaccel_irq_sync(struct llmaccel_device *ldev);
void llmaccel_queue_retire(struct llmaccel_queue *q);
void llmaccel_queue_write_desc(struct llmaccel_queue *q,
			       struct llmaccel_job *job);
void llmaccel_queue_counters(struct llmaccel_queue *q, u64 *cnt);
void llmaccel_queue_save_counters(struct llmaccel_queue *q);
u64 llmaccel_queue_busy_ns(struct llmaccel_queue *q);

void llmaccel_hw_release_dma(struct llmaccel_device *ldev);
void llmaccel_gem_release_dma(struct llmaccel_device *ldev);

/* llmaccel_ioctl.c */
extern const struct file_operations llmaccel_fops;

/* llmaccel_mmu.c */
int llmaccel_mmu_init(struct llmaccel_mmu *mmu, struct device *dev);
void llmaccel_mmu_release(struct llmaccel_mmu *mmu);
void llmaccel_mmu_fini(struct llmaccel_mmu *mmu);
int llmaccel_mmu_map_sgt(struct llmaccel_mmu *mmu, u64 iova,
			 struct sg_table *sgt, u64 size, bool writable);
bool llmaccel_mmu_unmap(struct llmaccel_mmu *mmu, u64 iova, u64 size);

/* llmaccel_gem.c */
bool llmaccel_is_bo(struct drm_gem_object *obj);
struct drm_gem_object *llmaccel_gem_create_object(struct drm_device *drm,
						  size_t size);
int llmaccel_bo_create_ioctl(struct drm_device *drm, void *data,
			     struct drm_file *file);
int llmaccel_bo_info_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file);
void llmaccel_pin_limits(u64 *dev_limit, u64 *file_limit);
u64 llmaccel_dev_pinned(struct llmaccel_device *ldev);
u64 llmaccel_ctx_pinned(struct llmaccel_ctx *ctx);

/* llmaccel_job.c */
int llmaccel_sched_init(struct llmaccel_device *ldev);
void llmaccel_sched_fini(struct llmaccel_device *ldev);
void llmaccel_job_done(struct llmaccel_job *job, u32 status, u32 cmd_index,
		       u64 fault_iova, u64 cycles);
int llmaccel_submit_ioctl(struct drm_device *drm, void *data,
			  struct drm_file *file);
int llmaccel_wait_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file);
int llmaccel_job_status_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file);
void llmaccel_ctx_entities_fini(struct llmaccel_ctx *ctx);

/* llmaccel_recovery.c */
enum drm_gpu_sched_stat llmaccel_timedout_job(struct drm_sched_job *sjob);
void llmaccel_reset_work(struct work_struct *work);
void llmaccel_request_reset(struct llmaccel_device *ldev);
void llmaccel_recovery_unplug(struct llmaccel_device *ldev);

/* llmaccel_drv.c */
void llmaccel_ctx_put(struct llmaccel_ctx *ctx);
void llmaccel_ctx_get(struct llmaccel_ctx *ctx);
void llmaccel_ctx_as_get(struct llmaccel_ctx *ctx);
void llmaccel_ctx_as_put(struct llmaccel_ctx *ctx);
void llmaccel_job_alive(struct llmaccel_job *job);
void llmaccel_job_dead(struct llmaccel_job *job);

/* llmaccel_debugfs.c, llmaccel_sysfs.c */
void llmaccel_debugfs_init(struct llmaccel_device *ldev);
int llmaccel_sysfs_init(struct llmaccel_device *ldev);

#endif /* LLMACCEL_DRV_H */
