/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * llmaccel_accel.h: userspace interface of the llmaccel DRM accel driver
 * (/dev/accel/accelN).  docs/uapi.md documents every ioctl, field and
 * errno.
 *
 * Rules shared by every ioctl:
 *  - all structures are 64-bit clean: explicit padding, __u64 for
 *    pointers and sizes, no implicit holes;
 *  - every field named pad/reserved must be zero and every flag bit that
 *    is not defined below must be zero, otherwise the ioctl fails with
 *    -EINVAL and changes nothing;
 *  - arrays are passed as {pointer, count, element size}: the kernel
 *    accepts element sizes from the first published size up to any larger
 *    size whose extra bytes are zero, so structures can grow.
 */
#ifndef _UAPI_DRM_LLMACCEL_ACCEL_H_
#define _UAPI_DRM_LLMACCEL_ACCEL_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_LLMACCEL_QUERY		0x00
#define DRM_LLMACCEL_BO_CREATE		0x01
#define DRM_LLMACCEL_BO_INFO		0x02
#define DRM_LLMACCEL_SUBMIT		0x03
#define DRM_LLMACCEL_WAIT		0x04
#define DRM_LLMACCEL_JOB_STATUS		0x05

#define DRM_IOCTL_LLMACCEL_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_LLMACCEL_QUERY, \
		 struct drm_llmaccel_query)
#define DRM_IOCTL_LLMACCEL_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_LLMACCEL_BO_CREATE, \
		 struct drm_llmaccel_bo_create)
#define DRM_IOCTL_LLMACCEL_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_LLMACCEL_BO_INFO, \
		 struct drm_llmaccel_bo_info)
#define DRM_IOCTL_LLMACCEL_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_LLMACCEL_SUBMIT, \
		 struct drm_llmaccel_submit)
#define DRM_IOCTL_LLMACCEL_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_LLMACCEL_WAIT, \
		struct drm_llmaccel_wait)
#define DRM_IOCTL_LLMACCEL_JOB_STATUS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_LLMACCEL_JOB_STATUS, \
		 struct drm_llmaccel_job_status)

/* ------------------------------------------------------------------ */
/* QUERY                                                                */
/* ------------------------------------------------------------------ */

/* Query ids (drm_llmaccel_query.query) */
#define DRM_LLMACCEL_QUERY_DEVICE_INFO	0	/* struct drm_llmaccel_device_info */
#define DRM_LLMACCEL_QUERY_COUNTERS	1	/* struct drm_llmaccel_counters */

/**
 * struct drm_llmaccel_query - size-negotiating information query
 * @query: DRM_LLMACCEL_QUERY_*
 * @size: in: bytes available at @data; out: bytes the kernel has for this
 *        query (the full size, also when less was copied)
 * @data: user pointer, or 0 to learn the size only
 * @flags: must be 0
 * @pad: must be 0
 *
 * With @data == 0 or @size == 0 nothing is copied and @size returns the
 * needed size.  Otherwise min(@size, needed) bytes are copied, so a
 * program built against an older, shorter structure keeps working.
 */
struct drm_llmaccel_query {
	__u32 query;
	__u32 size;
	__u64 data;
	__u32 flags;
	__u32 pad;
};

/**
 * struct drm_llmaccel_device_info - DRM_LLMACCEL_QUERY_DEVICE_INFO
 *
 * Identity, capabilities and limits, read from the device's capability
 * registers (see docs/hw-spec.md section 3.1), plus the driver's own
 * limits.
 */
struct drm_llmaccel_device_info {
	__u32 hw_version;	/* LLA_VERSION(major, minor) */
	__u32 caps;		/* LLA_CAP_* */
	__u32 num_queues;	/* valid drm_llmaccel_submit.queue < this */
	__u32 num_as;		/* address spaces = concurrent open files */
	__u32 opcodes;		/* bit n: opcode n supported */
	__u32 wformats;		/* bit n: weight format n supported */
	__u32 max_m;
	__u32 max_n;
	__u32 max_k;
	__u32 max_ctx;
	__u32 clock_khz;	/* modeled core clock */
	__u32 preset;		/* LLA_PRESET_* */
	__u32 max_cmdbuf;	/* bytes, largest drm_llmaccel_submit.cmdbuf_size */
	__u32 ring_entries;	/* descriptors per hardware ring */
	__u32 pci_vendor;
	__u32 pci_device;
	__u64 iova_min;		/* lowest device address the driver maps */
	__u64 iova_limit;	/* one past the highest device address */
	__u64 max_bo_size;	/* largest drm_llmaccel_bo_create.size */
	__u32 max_jobs_pending;	/* per file, see drm_llmaccel_submit */
	__u32 driver_version;	/* (major << 16) | minor of the driver */
};

/* Per-queue counters; the element of drm_llmaccel_counters.queues */
struct drm_llmaccel_queue_counters {
	__u64 busy_cycles;	/* modeled device cycles of completed jobs */
	__u64 jobs;		/* jobs completed by the device, any status */
	__u64 commands;		/* commands completed successfully */
	__u64 macs;
	__u64 dma_rd_bytes;
	__u64 dma_wr_bytes;
	__u64 errors;		/* jobs completed with an error */
	__u64 submitted;	/* jobs the driver wrote to the ring */
	__u64 busy_ns;		/* wall time with at least one job on the ring */
};

/**
 * struct drm_llmaccel_counters - DRM_LLMACCEL_QUERY_COUNTERS
 *
 * Device-wide counters followed by @num_queues elements of
 * @queue_elem_size bytes each (struct drm_llmaccel_queue_counters).  The
 * counters are accumulated by the driver and are not cleared by device
 * resets.
 */
struct drm_llmaccel_counters {
	__u64 reset_count;	/* resets performed by the driver */
	__u64 hw_reset_count;	/* LLA_REG_RESET_COUNT */
	__u64 heartbeat;	/* LLA_REG_HEARTBEAT (progress counter) */
	__u64 cycles;		/* LLA_REG_CYCLES (modeled device clock) */
	__u64 faults;		/* MMU/DMA faults reported by the device */
	__u64 hangs;		/* jobs found hung by the driver */
	__u32 num_queues;
	__u32 queue_elem_size;	/* sizeof(struct drm_llmaccel_queue_counters) */
	/* struct drm_llmaccel_queue_counters queues[num_queues] follows */
};

/* ------------------------------------------------------------------ */
/* Buffer objects                                                      */
/* ------------------------------------------------------------------ */

/* The device may only read the buffer (LLA_PTE_WRITE clear). */
#define DRM_LLMACCEL_BO_DEVICE_READ_ONLY	0x00000001u
#define DRM_LLMACCEL_BO_FLAGS			DRM_LLMACCEL_BO_DEVICE_READ_ONLY

/**
 * struct drm_llmaccel_bo_create - create a buffer object
 * @size: in: bytes, 1..max_bo_size, rounded up to the page size
 * @flags: in: DRM_LLMACCEL_BO_*
 * @handle: out: GEM handle
 * @iova: out: device address of the buffer in this file's address space
 *
 * The buffer is backed by shmem, pinned and mapped into the calling
 * file's device address space for its whole life.
 *
 * Pinned bytes are limited per file and per device (module parameters
 * pin_limit_file_mb and pin_limit_mb, in force in sysfs pinned_limit).
 * A buffer that would take the file's or the device's total beyond its
 * limit fails with -ENOSPC and changes nothing.  A buffer's bytes count
 * against both limits until the buffer is freed, which is when its last
 * reference (handle, mmap, job, exported dma-buf) goes away.
 */
struct drm_llmaccel_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u64 iova;
};

/**
 * struct drm_llmaccel_bo_info - information about a buffer object
 * @handle: in: GEM handle of this file
 * @flags: in: must be 0
 * @mmap_offset: out: offset for mmap() on the device file
 * @size: out: size in bytes (page aligned)
 * @iova: out: device address
 * @bo_flags: out: the DRM_LLMACCEL_BO_* flags it was created with
 * @pad: out: 0
 */
struct drm_llmaccel_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 mmap_offset;
	__u64 size;
	__u64 iova;
	__u32 bo_flags;
	__u32 pad;
};

/* ------------------------------------------------------------------ */
/* Jobs                                                                 */
/* ------------------------------------------------------------------ */

#define DRM_LLMACCEL_PRIO_LOW		0
#define DRM_LLMACCEL_PRIO_NORMAL	1
#define DRM_LLMACCEL_PRIO_HIGH		2	/* needs CAP_SYS_NICE */

/* Element of drm_llmaccel_submit.bos */
struct drm_llmaccel_bo_ref {
	__u32 handle;
	__u32 flags;		/* must be 0 */
};

/* Element of drm_llmaccel_submit.in_syncs */
struct drm_llmaccel_sync {
	__u32 handle;		/* syncobj handle */
	__u32 flags;		/* must be 0 */
	__u64 point;		/* timeline point, 0 for a binary syncobj */
};

/**
 * struct drm_llmaccel_submit - queue one job
 * @cmdbuf_handle: BO holding the command buffer
 * @flags: must be 0
 * @cmdbuf_offset: byte offset of the commands in the BO, 8-byte aligned
 * @cmdbuf_size: bytes, a non-zero multiple of 8, <= max_cmdbuf, and
 *               @cmdbuf_offset + @cmdbuf_size <= BO size
 * @queue: hardware queue, < num_queues
 * @priority: DRM_LLMACCEL_PRIO_*
 * @bos: user pointer to @bo_count elements of @bo_elem_size bytes
 *       (struct drm_llmaccel_bo_ref): buffers the job uses; they stay
 *       resident until the job is done (the command buffer BO is always
 *       kept and need not be listed)
 * @bo_count: 0..DRM_LLMACCEL_MAX_BOS
 * @bo_elem_size: >= sizeof(struct drm_llmaccel_bo_ref) when @bo_count
 * @in_syncs: user pointer to @in_sync_count drm_llmaccel_sync elements:
 *            the job starts after all of them signal
 * @in_sync_count: 0..DRM_LLMACCEL_MAX_SYNCS
 * @in_sync_elem_size: >= sizeof(struct drm_llmaccel_sync) when a count
 * @out_sync: syncobj handle signalled when the job is done, 0 for none
 * @pad: must be 0
 * @out_sync_point: timeline point for @out_sync, 0 to replace its fence
 * @job_id: out: identifies the job for WAIT and JOB_STATUS (never 0)
 * @max_runtime_ms: the job is stopped with
 *                  DRM_LLMACCEL_STATUS_RUNTIME_EXCEEDED once it has run
 *                  this long on the device; 0 or more than the module
 *                  parameter max_job_ms means max_job_ms (docs/uapi.md)
 * @pad1: must be 0
 * @reserved: must be 0
 */
struct drm_llmaccel_submit {
	__u32 cmdbuf_handle;
	__u32 flags;
	__u64 cmdbuf_offset;
	__u32 cmdbuf_size;
	__u32 queue;
	__u32 priority;
	__u32 bo_count;
	__u64 bos;
	__u32 bo_elem_size;
	__u32 in_sync_count;
	__u64 in_syncs;
	__u32 in_sync_elem_size;
	__u32 out_sync;
	__u64 out_sync_point;
	__u64 job_id;
	__u32 max_runtime_ms;
	__u32 pad1;
	__u64 reserved;
};

#define DRM_LLMACCEL_MAX_BOS		4096
/*
 * Largest syncobj array of one call: SUBMIT's in_syncs, and the handles of
 * the core's DRM_IOCTL_SYNCOBJ_{WAIT,RESET,SIGNAL,TIMELINE_WAIT,QUERY,
 * TIMELINE_SIGNAL} on this node (more is -EINVAL).
 */
#define DRM_LLMACCEL_MAX_SYNCS		256

/**
 * struct drm_llmaccel_wait - wait for a job of this file
 * @job_id: from drm_llmaccel_submit.job_id
 * @timeout_ns: absolute CLOCK_MONOTONIC deadline in ns; a deadline in the
 *              past (for example 0) only polls
 * @flags: must be 0
 * @pad: must be 0
 *
 * Returns 0 once the job is done (successfully or not: read the outcome
 * with JOB_STATUS), -ETIME when the deadline passes first.
 */
struct drm_llmaccel_wait {
	__u64 job_id;
	__s64 timeout_ns;
	__u32 flags;
	__u32 pad;
};

/* drm_llmaccel_job_status.state */
#define DRM_LLMACCEL_JOB_PENDING	0	/* queued or running */
#define DRM_LLMACCEL_JOB_DONE		1

/*
 * drm_llmaccel_job_status.status: an enum lla_error value of the hardware
 * contract (LLA_OK, LLA_ERR_MMU_FAULT, LLA_ERR_HANG, ...) or one of these
 * driver codes.
 */
#define DRM_LLMACCEL_STATUS_CANCELED	0x100	/* context banned, not run */
#define DRM_LLMACCEL_STATUS_BAD_COMPLETION 0x101 /* corrupt completion record */
#define DRM_LLMACCEL_STATUS_DEVICE_LOST	0x102	/* device removed */
/* stopped after its maximum runtime; the context is not banned */
#define DRM_LLMACCEL_STATUS_RUNTIME_EXCEEDED 0x103

/**
 * struct drm_llmaccel_job_status - outcome of a job of this file
 * @job_id: in
 * @flags: in: must be 0
 * @state: out: DRM_LLMACCEL_JOB_*
 * @status: out: valid when DONE, see above
 * @cmd_index: out: failing command, or number of commands on success
 * @pad: out: 0
 * @fault_iova: out: failing device address for MMU/DMA errors, else 0
 * @cycles: out: modeled device cycles the job took
 * @duration_ns: out: wall time from the doorbell to the completion
 * @result_flags: out: DRM_LLMACCEL_RESULT_* (driver 1.1; 0 from 1.0, whose
 *                reserved[0] this was)
 * @pad: out: 0
 * @start_cycle: out: device clock (LLA_REG_CYCLES) when the job started,
 *               valid with DRM_LLMACCEL_RESULT_CLOCK; the job ended at
 *               @start_cycle + @cycles (driver 1.1; was reserved[1])
 */
struct drm_llmaccel_job_status {
	__u64 job_id;
	__u32 flags;
	__u32 state;
	__u32 status;
	__u32 cmd_index;
	__u64 fault_iova;
	__u64 cycles;
	__u64 duration_ns;
	__u32 result_flags;
	__u32 pad;
	__u64 start_cycle;
};

/* drm_llmaccel_job_status.result_flags */
/* The access at fault_iova was a write (else a read). */
#define DRM_LLMACCEL_RESULT_FAULT_WRITE	0x00000001u
/* start_cycle is valid: the device's completion record gave the clock. */
#define DRM_LLMACCEL_RESULT_CLOCK	0x00000002u

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_LLMACCEL_ACCEL_H_ */
