/* SPDX-License-Identifier: MIT */
/*
 * llmaccel: PCI Express ternary-LLM accelerator for QEMU 10.0.
 *
 * Implements the hardware contract of llmaccel_hw.h: BAR0 registers,
 * MSI-X (one vector per queue plus an error vector, exclusive BAR 2),
 * descriptor and completion rings in guest memory, a 4-level device MMU
 * per address space, and one worker thread per queue that runs jobs
 * through the bit-exact rtl-model (lla_run_job) with the BQL released.
 * A short job runs on the vCPU thread that rang the doorbell instead
 * (llmaccel_try_inline), its interrupt sent at once.
 *
 * Locking: s->lock protects every register and the queue state.  The BQL
 * is taken before s->lock (MMIO handlers run with the BQL held); workers
 * never take the BQL: they hand interrupts to the main loop through a
 * bottom half, and do their DMA with s->lock released, to RAM only (a
 * DMA that hits MMIO fails, see llmaccel_dma_read).
 *
 * Queue protocol: HEAD and TAIL are slot indices in [0, 1 << RING_LOG2).
 * The ring is empty when HEAD == TAIL; the device fetches the descriptor
 * at HEAD, runs it, writes its completion record into the completion
 * ring slot of the same index, updates DONE_SEQ, then advances HEAD.
 * Ring geometry registers (RING_*, COMPL_*) are writable only while the
 * queue is disabled; writing RING_LO/HI/LOG2 also sets HEAD = TAIL = 0.
 * A misprogrammed ring (log2 out of range, zero or unaligned bases, TAIL
 * out of range) sets Q_STATUS.STOPPED and raises the error interrupt;
 * a queue reset or re-enabling the queue clears it.
 *
 * Fault injection (properties, all counted from power-on or the last
 * global reset, 1-based, 0 = off):
 *   inject-drop-irq=N       the Nth completion interrupt message is not
 *                           sent (IRQ_STATUS is still set);
 *   inject-hang-queue=Q     jobs of queue Q are fetched but never
 *                           complete until a reset aborts them (-1 = off);
 *   inject-dma-fail=N       the Nth data transfer of a job's memory
 *                           accesses (one per page chunk, including the
 *                           command buffer fetch) fails with LLA_ERR_DMA;
 *   inject-corrupt-compl=N  the Nth completion record is written with its
 *                           seq field inverted (~seq);
 *   inject-dma-delay-us=U   every transfer through the MMU waits U us
 *                           between its translation and the transfer (at
 *                           most 100000), so tests can race invalidates
 *                           against accesses in flight.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include "qemu/timer.h"
#include "qemu/main-loop.h"
#include "qemu/bswap.h"
#include "qemu/rcu.h"
#include "system/dma.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "hw/resettable.h"
#include "migration/vmstate.h"
#include "qom/object.h"

#include "llmaccel_hw.h"
#include "llmaccel_model.h"

#define TYPE_LLMACCEL "llmaccel"
OBJECT_DECLARE_SIMPLE_TYPE(LlmaccelState, LLMACCEL)

/* Per-queue counters, in register order from LLA_Q_CNT_BUSY_CYCLES. */
enum {
    LLA_CNT_BUSY_CYCLES,
    LLA_CNT_JOBS,
    LLA_CNT_COMMANDS,
    LLA_CNT_MACS,
    LLA_CNT_DMA_RD,
    LLA_CNT_DMA_WR,
    LLA_CNT_ERRORS,
    LLA_CNT_NUM
};

/* How long a global or queue reset waits for a worker to stop (ms). */
#define LLA_RESET_WAIT_MS       500
/* Polling period of a job blocked in SEM_WAIT (ms). */
#define LLA_SEM_POLL_MS         1
/* The heartbeat ticks once per this many bytes moved by a long job. */
#define LLA_HEARTBEAT_BYTES     (64 * 1024)
/*
 * ... and once per this many multiply-accumulates computed, so a long
 * stretch of computation shows progress in proportion to the work done,
 * whatever the host's speed (hw-spec 4.7).
 */
#define LLA_HEARTBEAT_MACS      (1u << 20)
/*
 * A paced job sleeps in slices of this length (ms) and ticks the
 * heartbeat once per slice, so a job that waits for its modeled time
 * never looks hung to a driver that samples the heartbeat.
 */
#define LLA_PACE_SLICE_MS       5

typedef struct LlmaccelQueue {
    struct LlmaccelState *s;
    unsigned int idx;
    QemuThread thread;
    QemuCond cond;          /* work arrived, abort, quit */
    bool thread_started;

    /* Registers (s->lock) */
    uint64_t ring_base;
    uint64_t compl_base;
    uint32_t ring_log2;
    uint32_t control;
    uint32_t head;
    uint32_t tail;
    uint32_t status;
    uint64_t done_seq;
    uint64_t cnt[LLA_CNT_NUM];

    /* Worker state (s->lock) */
    bool busy;              /* a descriptor is being processed */
    uint32_t gen;           /* bumped by every reset of this queue */
    int abort;              /* atomic: stop the running job */
} LlmaccelQueue;

typedef struct LlmaccelAS {
    uint64_t root;
    uint32_t config;
} LlmaccelAS;

struct LlmaccelState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    QemuMutex lock;
    QemuCond idle_cond;     /* a worker went idle */
    QEMUBH *irq_bh;
    bool quit;

    /* Properties */
    uint32_t num_queues;
    char *preset_name;
    /* PCI identity, properties so a silicon ID can be modelled. */
    uint16_t pci_vendor_id;
    uint16_t pci_device_id;
    uint8_t pci_revision;
    uint16_t pci_class;
    bool pace;
    bool use_lut;
    bool inline_short;
    uint64_t inline_jobs;   /* run on a vCPU thread (QOM "inline-jobs") */
    /* Host threads per TLMM/QMM; 0 until realize: the online CPUs. */
    uint32_t threads;
    uint32_t sem_timeout_ms;
    uint32_t inject_drop_irq;
    int32_t inject_hang_queue;
    uint32_t inject_dma_fail;
    uint32_t inject_dma_delay_us;
    uint32_t inject_corrupt_compl;

    const struct lla_uarch *uarch;

    /* Registers (s->lock unless noted) */
    uint32_t control;
    uint32_t scratch;
    uint32_t reset_count;
    uint64_t heartbeat;     /* atomic */
    uint64_t cycles;        /* modeled device clock */
    uint32_t irq_status;
    uint32_t irq_mask;
    uint32_t pending_vecs;  /* MSI-X messages for the bottom half */
    uint32_t fault_status;
    uint32_t fault_as;
    uint64_t fault_iova;
    uint32_t fault_info;
    uint32_t fault_count;
    uint32_t error_count;
    uint32_t mmu_gen;       /* atomic: bumped by MMU_INVALIDATE */
    /* atomic: MMU accesses in progress, by the parity of their mmu_gen */
    uint32_t mmu_inflight[2];
    LlmaccelAS as[LLA_MAX_AS];
    LlmaccelQueue q[LLA_MAX_QUEUES];

    /* Fault injection event counters (atomic) */
    uint32_t n_irq;
    uint32_t n_dma;
    uint32_t n_compl;
};

/* Memory context of one job: the MMU walker behind struct lla_mem. */
typedef struct LlmaccelJob {
    LlmaccelState *s;
    LlmaccelQueue *q;
    uint32_t asid;
    uint32_t gen;           /* queue generation the job belongs to */
    /* One-entry TLB, valid while mmu_gen is unchanged. */
    bool tlb_valid;
    uint32_t tlb_gen;
    uint64_t tlb_vpage;
    uint64_t tlb_pte;
    uint64_t moved;         /* bytes since the last heartbeat tick */
    uint64_t macs;          /* computation since the last tick */
} LlmaccelJob;

/* ------------------------------------------------------------------ */
/* Interrupts and faults                                               */
/* ------------------------------------------------------------------ */

/* BQL held: send the queued messages (MSI-X) or set the INTx level. */
static void llmaccel_irq_send(LlmaccelState *s, uint32_t vecs, bool level)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    unsigned int v;

    if (msix_enabled(pdev)) {
        for (v = 0; v <= s->num_queues; v++) {
            if (vecs & (1u << v)) {
                msix_notify(pdev, v);
            }
        }
        pci_set_irq(pdev, 0);
    } else {
        pci_set_irq(pdev, level);
    }
}

/* Main loop, BQL held: send what the workers queued. */
static void llmaccel_irq_bh(void *opaque)
{
    LlmaccelState *s = opaque;
    uint32_t vecs;
    bool level;

    qemu_mutex_lock(&s->lock);
    vecs = s->pending_vecs;
    s->pending_vecs = 0;
    level = (s->irq_status & s->irq_mask) != 0;
    qemu_mutex_unlock(&s->lock);
    llmaccel_irq_send(s, vecs, level);
}

/*
 * Set IRQ_STATUS bits and queue their messages (s->lock held).  @send is
 * false for a dropped (fault-injected) message.
 */
static void llmaccel_raise_locked(LlmaccelState *s, uint32_t bits, bool send)
{
    unsigned int q;

    s->irq_status |= bits;
    if (send) {
        for (q = 0; q < s->num_queues; q++) {
            if (bits & s->irq_mask & LLA_IRQ_QUEUE(q)) {
                s->pending_vecs |= 1u << LLA_MSIX_VEC_QUEUE(q);
            }
        }
        if (bits & s->irq_mask & LLA_IRQ_ERROR) {
            s->pending_vecs |= 1u << LLA_MSIX_VEC_ERROR(s->num_queues);
        }
    }
    if (bql_locked()) {
        /*
         * A register write or a job run inline on the vCPU thread: send
         * now, not a main-loop wake-up later.  MSI-X and INTx delivery
         * never reach back into this device, so s->lock may be held.
         */
        uint32_t vecs = s->pending_vecs;

        s->pending_vecs = 0;
        llmaccel_irq_send(s, vecs, (s->irq_status & s->irq_mask) != 0);
        return;
    }
    qemu_bh_schedule(s->irq_bh);
}

/* Latch the first fault, count the rest (s->lock held). */
static void llmaccel_fault_locked(LlmaccelState *s, unsigned int qidx,
                                  uint32_t asid, uint64_t iova,
                                  uint32_t code, bool write)
{
    s->fault_count++;
    if (s->fault_status & LLA_FAULT_STATUS_VALID) {
        s->fault_status |= LLA_FAULT_STATUS_OVERFLOW;
    } else {
        s->fault_status = LLA_FAULT_STATUS_VALID;
        s->fault_as = asid;
        s->fault_iova = iova;
        s->fault_info = (write ? LLA_FAULT_INFO_WRITE : 0) |
            ((qidx & LLA_FAULT_INFO_QUEUE_MASK) << LLA_FAULT_INFO_QUEUE_SHIFT) |
            ((code & LLA_FAULT_INFO_CODE_MASK) << LLA_FAULT_INFO_CODE_SHIFT);
    }
    llmaccel_raise_locked(s, LLA_IRQ_ERROR, true);
}

/* ------------------------------------------------------------------ */
/* Device MMU and the lla_mem callbacks                                */
/* ------------------------------------------------------------------ */

/*
 * Device DMA (worker threads, no lock held).  It targets RAM only: the
 * "memory" attribute makes an access that hits MMIO (a BAR, this
 * device's own included) fail with MEMTX_ACCESS_ERROR instead of being
 * dispatched.  Dispatching MMIO would take the BQL on the worker thread,
 * and the unplug path joins the workers with the BQL held: a guest that
 * pointed jobs at a BAR could deadlock QEMU (make fuzz-device hangs
 * without this; test dma-to-mmio).
 */
static MemTxResult llmaccel_dma_read(PCIDevice *pdev, dma_addr_t addr,
                                     void *buf, dma_addr_t len)
{
    MemTxAttrs attrs = { .memory = 1 };

    return pci_dma_rw(pdev, addr, buf, len, DMA_DIRECTION_TO_DEVICE, attrs);
}

static MemTxResult llmaccel_dma_write(PCIDevice *pdev, dma_addr_t addr,
                                      const void *buf, dma_addr_t len)
{
    MemTxAttrs attrs = { .memory = 1 };

    return pci_dma_rw(pdev, addr, (void *)buf, len,
                      DMA_DIRECTION_FROM_DEVICE, attrs);
}

/* Must the running job of @q (generation @gen) stop?  Any thread. */
static bool llmaccel_aborted(LlmaccelQueue *q, uint32_t gen)
{
    return qatomic_read(&q->abort) || qatomic_read(&q->gen) != gen ||
           qatomic_read(&q->s->quit);
}

static void llmaccel_heartbeat_tick(LlmaccelJob *j, uint64_t bytes)
{
    j->moved += bytes;
    if (j->moved >= LLA_HEARTBEAT_BYTES) {
        j->moved = 0;
        qatomic_add(&j->s->heartbeat, 1);
    }
}

/* lla_exec_opts.progress: computation done by the rtl-model. */
static void llmaccel_compute_tick(void *opaque, uint64_t macs)
{
    LlmaccelJob *j = opaque;

    j->macs += macs;
    if (j->macs >= LLA_HEARTBEAT_MACS) {
        qatomic_add(&j->s->heartbeat, j->macs / LLA_HEARTBEAT_MACS);
        j->macs %= LLA_HEARTBEAT_MACS;
    }
}

/*
 * Translate @iova for an access (@write) into a bus address.  Walks the
 * 4-level table of the job's address space with llmaccel_dma_read.
 */
static int llmaccel_translate(LlmaccelJob *j, uint64_t iova, bool write,
                              uint32_t gen, uint64_t *pa)
{
    LlmaccelState *s = j->s;
    PCIDevice *pdev = PCI_DEVICE(s);
    uint64_t vpage = iova >> LLA_PAGE_SHIFT;
    uint64_t table, pte = 0;
    uint32_t config;
    int level;

    if (iova >= LLA_IOVA_LIMIT) {
        return LLA_ERR_MMU_FAULT;
    }
    if (!(j->tlb_valid && j->tlb_gen == gen && j->tlb_vpage == vpage)) {
        qemu_mutex_lock(&s->lock);
        table = s->as[j->asid].root;
        config = s->as[j->asid].config;
        qemu_mutex_unlock(&s->lock);
        if (!(config & LLA_MMU_AS_ENABLE)) {
            return LLA_ERR_MMU_FAULT;
        }
        table &= LLA_PTE_ADDR_MASK;
        for (level = LLA_PT_LEVELS - 1; level >= 0; level--) {
            uint64_t addr = table + LLA_PT_INDEX(iova, level) * 8;

            if (llmaccel_dma_read(pdev, addr, &pte, sizeof(pte)) != MEMTX_OK) {
                return LLA_ERR_DMA;
            }
            pte = le64_to_cpu(pte);
            if (!(pte & LLA_PTE_VALID)) {
                return LLA_ERR_MMU_FAULT;
            }
            table = pte & LLA_PTE_ADDR_MASK;
        }
        j->tlb_valid = true;
        j->tlb_gen = gen;
        j->tlb_vpage = vpage;
        j->tlb_pte = pte;
    }
    pte = j->tlb_pte;
    if (!(pte & (write ? LLA_PTE_WRITE : LLA_PTE_READ))) {
        return LLA_ERR_MMU_PERM;
    }
    *pa = (pte & LLA_PTE_ADDR_MASK) | (iova & (LLA_PAGE_SIZE - 1));
    return LLA_OK;
}

/*
 * An access through the MMU (translation and transfer) is counted in
 * mmu_inflight under the MMU generation it translated with, so that an
 * invalidate can wait for the accesses that may use the old entries
 * (llmaccel_mmu_drain).  Returns that generation.  An in-place read
 * (llmaccel_mem_map_read) is one such access from its map to its unmap.
 */
static uint32_t llmaccel_mmu_enter(LlmaccelState *s)
{
    for (;;) {
        uint32_t gen = qatomic_read(&s->mmu_gen);

        qatomic_inc(&s->mmu_inflight[gen & 1]);
        if (qatomic_read(&s->mmu_gen) == gen) {
            return gen;
        }
        /* An invalidate came in between: count under the new one. */
        qatomic_dec(&s->mmu_inflight[gen & 1]);
    }
}

static void llmaccel_mmu_exit(LlmaccelState *s, uint32_t gen)
{
    qatomic_dec(&s->mmu_inflight[gen & 1]);
}

/*
 * After a register write moved mmu_gen on from @old: return only when no
 * access that translated under @old is still running (hw-spec 5: no
 * later access uses a stale entry, so the driver may free the pages).
 * Such an access is one page, or an in-place read of one weight block
 * (at most 256 KiB, held while the engine computes on it for at most 8
 * activation rows: op_matmul.c MM_MAP_ROWS), so the wait is short.  Called
 * without s->lock (translations take it); workers never need the BQL.
 */
static void llmaccel_mmu_drain(LlmaccelState *s, uint32_t old)
{
    while (qatomic_read(&s->mmu_inflight[old & 1])) {
        sched_yield();
    }
}

/* One access of @len bytes, split at page boundaries. */
static int llmaccel_access(LlmaccelJob *j, uint64_t iova, uint8_t *rd,
                           const uint8_t *wr, uint64_t len,
                           uint64_t *fault_iova)
{
    LlmaccelState *s = j->s;
    PCIDevice *pdev = PCI_DEVICE(s);
    bool write = wr != NULL;
    uint64_t done = 0;

    while (len) {
        uint64_t chunk = LLA_PAGE_SIZE - (iova & (LLA_PAGE_SIZE - 1));
        uint64_t pa;
        MemTxResult r;
        uint32_t n, gen;
        int err;

        if (chunk > len) {
            chunk = len;
        }
        *fault_iova = iova;
        if (llmaccel_aborted(j->q, j->gen)) {
            return LLA_ERR_RESET;
        }
        gen = llmaccel_mmu_enter(s);
        err = llmaccel_translate(j, iova, write, gen, &pa);
        if (err) {
            llmaccel_mmu_exit(s, gen);
            return err;
        }
        n = qatomic_fetch_inc(&s->n_dma) + 1;
        if (s->inject_dma_fail && n == s->inject_dma_fail) {
            llmaccel_mmu_exit(s, gen);
            return LLA_ERR_DMA;
        }
        if (s->inject_dma_delay_us) {
            /* Widens the window between translation and transfer. */
            g_usleep(s->inject_dma_delay_us);
        }
        if (write) {
            r = llmaccel_dma_write(pdev, pa, wr + done, chunk);
        } else {
            r = llmaccel_dma_read(pdev, pa, rd + done, chunk);
        }
        llmaccel_mmu_exit(s, gen);
        if (r != MEMTX_OK) {
            return LLA_ERR_DMA;
        }
        llmaccel_heartbeat_tick(j, chunk);
        done += chunk;
        len -= chunk;
        /* Wraps only past 2^64; the limit check above stops it first. */
        iova += chunk;
    }
    return LLA_OK;
}

static int llmaccel_mem_read(void *opaque, uint64_t iova, void *dst,
                             uint64_t len, uint64_t *fault_iova)
{
    return llmaccel_access(opaque, iova, dst, NULL, len, fault_iova);
}

static int llmaccel_mem_write(void *opaque, uint64_t iova, const void *src,
                              uint64_t len, uint64_t *fault_iova)
{
    return llmaccel_access(opaque, iova, NULL, src, len, fault_iova);
}

/*
 * In-place reads (lla_mem.map_read): the TLMM/QMM weights are read
 * where they are in guest RAM instead of being copied.  One mapping is
 * one access in flight: it enters the MMU once (llmaccel_mmu_enter) and
 * exits when it is unmapped, so an MMU_INVALIDATE written meanwhile
 * waits for the engine to be done with the pages (llmaccel_mmu_drain),
 * as it waits for a copy.  Each page keeps the MemoryRegion reference
 * address_space_map took until the unmap.
 */
typedef struct LlmaccelMapPage {
    void *host;
    uint64_t len;
    bool bounce;            /* a copy (not plain RAM): g_free it */
} LlmaccelMapPage;

typedef struct LlmaccelMap {
    uint32_t gen;           /* MMU generation entered */
    uint32_t npages;
    LlmaccelMapPage pg[];
} LlmaccelMap;

/*
 * Host address of the @len bytes of guest RAM at bus address @pa (within
 * one page), with a reference held; NULL when they are not plain RAM
 * (the caller copies them with llmaccel_dma_read, which fails on MMIO as
 * before: the "memory" attribute), so no bounce buffer is ever made and
 * nothing is dispatched.
 */
static void *llmaccel_map_page(LlmaccelState *s, uint64_t pa, uint64_t len)
{
    AddressSpace *as = pci_get_address_space(PCI_DEVICE(s));
    MemTxAttrs attrs = { .memory = 1 };
    dma_addr_t plen = len;
    hwaddr xlat, l = len;
    MemoryRegion *mr;
    ram_addr_t off;
    void *p;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(as, pa, &xlat, &l, false, attrs);
    if (l < len || !memory_region_is_ram(mr) ||
        memory_region_is_ram_device(mr)) {
        return NULL;
    }
    p = dma_memory_map(as, pa, &plen, DMA_DIRECTION_TO_DEVICE, attrs);
    if (!p) {
        return NULL;
    }
    mr = memory_region_from_host(p, &off);
    if (plen < len || !mr || !memory_region_is_ram(mr) ||
        memory_region_is_ram_device(mr)) {
        /* The memory map changed under us: copy instead. */
        dma_memory_unmap(as, p, plen, DMA_DIRECTION_TO_DEVICE, 0);
        return NULL;
    }
    return p;
}

static void llmaccel_map_release(LlmaccelState *s, LlmaccelMap *m)
{
    AddressSpace *as = pci_get_address_space(PCI_DEVICE(s));
    uint32_t i;

    for (i = 0; i < m->npages; i++) {
        if (m->pg[i].bounce) {
            g_free(m->pg[i].host);
        } else {
            dma_memory_unmap(as, m->pg[i].host, m->pg[i].len,
                             DMA_DIRECTION_TO_DEVICE, m->pg[i].len);
        }
    }
    /* Only now may an invalidate waiting for this access complete. */
    llmaccel_mmu_exit(s, m->gen);
    g_free(m);
}

/*
 * The same page-by-page sequence as llmaccel_access for a read (abort
 * check, translation and permission, DMA-failure injection and delay,
 * one transfer count and heartbeat tick per page), so status, fault
 * address and every counter are the same; pages whose host addresses
 * follow each other form one span.
 */
static int llmaccel_mem_map_read(void *opaque, uint64_t iova, uint64_t len,
                                 struct lla_span *spans, uint32_t max_spans,
                                 uint32_t *nspans, void **cookie,
                                 uint64_t *fault_iova)
{
    LlmaccelJob *j = opaque;
    LlmaccelState *s = j->s;
    PCIDevice *pdev = PCI_DEVICE(s);
    uint64_t npg = lla_mem_max_spans(iova, len);
    LlmaccelMap *m;
    uint32_t n = 0;
    int err = LLA_OK;

    *nspans = 0;
    *cookie = NULL;
    if (!len) {
        return LLA_OK;
    }
    if (npg > max_spans) {
        /* The engine promises room for a span per page. */
        *fault_iova = iova;
        return LLA_ERR_DMA;
    }
    m = g_malloc(sizeof(*m) + npg * sizeof(m->pg[0]));
    m->npages = 0;
    m->gen = llmaccel_mmu_enter(s);
    while (len) {
        uint64_t chunk = LLA_PAGE_SIZE - (iova & (LLA_PAGE_SIZE - 1));
        LlmaccelMapPage *pg = &m->pg[m->npages];
        uint64_t pa;
        uint32_t k;

        if (chunk > len) {
            chunk = len;
        }
        *fault_iova = iova;
        if (llmaccel_aborted(j->q, j->gen)) {
            err = LLA_ERR_RESET;
            break;
        }
        err = llmaccel_translate(j, iova, false, m->gen, &pa);
        if (err) {
            break;
        }
        k = qatomic_fetch_inc(&s->n_dma) + 1;
        if (s->inject_dma_fail && k == s->inject_dma_fail) {
            err = LLA_ERR_DMA;
            break;
        }
        if (s->inject_dma_delay_us) {
            g_usleep(s->inject_dma_delay_us);
        }
        pg->len = chunk;
        pg->bounce = false;
        pg->host = llmaccel_map_page(s, pa, chunk);
        if (!pg->host) {
            pg->host = g_malloc(chunk);
            pg->bounce = true;
            if (llmaccel_dma_read(pdev, pa, pg->host, chunk) != MEMTX_OK) {
                g_free(pg->host);
                err = LLA_ERR_DMA;
                break;
            }
        }
        m->npages++;
        llmaccel_heartbeat_tick(j, chunk);
        if (n && !pg->bounce && !pg[-1].bounce &&
            spans[n - 1].p + spans[n - 1].len == (uint8_t *)pg->host) {
            spans[n - 1].len += chunk;
        } else {
            spans[n].p = pg->host;
            spans[n].len = chunk;
            n++;
        }
        len -= chunk;
        iova += chunk;
    }
    if (err) {
        llmaccel_map_release(s, m);
        return err;
    }
    *nspans = n;
    *cookie = m;
    return LLA_OK;
}

static void llmaccel_mem_unmap(void *opaque, void *cookie)
{
    LlmaccelJob *j = opaque;

    if (cookie) {
        llmaccel_map_release(j->s, cookie);
    }
}

/* ------------------------------------------------------------------ */
/* Job execution (worker thread, s->lock NOT held)                      */
/* ------------------------------------------------------------------ */

static uint64_t llmaccel_now_ms(void)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

/*
 * Wait up to @ms for an abort (s->lock NOT held on entry or exit).
 * Returns true when the job was aborted.
 */
static bool llmaccel_sleep(LlmaccelQueue *q, uint32_t gen, uint64_t ms)
{
    LlmaccelState *s = q->s;
    uint64_t end = llmaccel_now_ms() + ms;
    bool aborted;

    qemu_mutex_lock(&s->lock);
    for (;;) {
        uint64_t now = llmaccel_now_ms();

        aborted = llmaccel_aborted(q, gen);
        if (aborted || now >= end) {
            break;
        }
        qemu_cond_timedwait(&q->cond, &s->lock, (int)MIN(end - now, 1000));
    }
    qemu_mutex_unlock(&s->lock);
    return aborted;
}

/*
 * Pacing: sleep until @until (realtime ms) in slices, one heartbeat tick
 * per slice.  Returns true when the job was aborted.
 */
static bool llmaccel_pace_sleep(LlmaccelQueue *q, uint32_t gen,
                                uint64_t until)
{
    for (;;) {
        uint64_t now = llmaccel_now_ms();

        if (now >= until) {
            return false;
        }
        if (llmaccel_sleep(q, gen, MIN(until - now, LLA_PACE_SLICE_MS))) {
            return true;
        }
        qatomic_inc(&q->s->heartbeat);
    }
}

/* Modeled cycles as wall milliseconds at the preset's clock. */
static uint64_t llmaccel_cycles_ms(LlmaccelState *s, uint64_t cycles)
{
    uint64_t khz = (uint64_t)MAX(s->uarch->clock_mhz, 1u) * 1000;

    return cycles / khz + (cycles % khz ? 1 : 0);
}

/*
 * Run the job of descriptor @d on queue @q; the result goes to @res.
 * SEM_WAIT that is not yet satisfied is retried (other queues keep
 * running meanwhile) until sem-timeout-ms passes: LLA_ERR_TIMEOUT.
 */
static void llmaccel_run(LlmaccelQueue *q, uint32_t gen,
                         const struct lla_ring_desc *d,
                         uint64_t start_cycle, struct lla_job_result *res)
{
    LlmaccelState *s = q->s;
    LlmaccelJob job = { .s = s, .q = q, .asid = d->asid, .gen = gen };
    struct lla_mem mem = {
        .opaque = &job,
        .read = llmaccel_mem_read,
        .write = llmaccel_mem_write,
        .map_read = llmaccel_mem_map_read,
        .unmap = llmaccel_mem_unmap,
    };
    struct lla_exec_opts opts = {
        .uarch = s->uarch,
        .use_lut = s->use_lut,
        /*
         * The rtl-model's workers only compute: every lla_mem access
         * (translation, DMA, map and unmap) stays on this thread, and the
         * weights they read in place stay mapped until it unmaps them
         * after they are done, so no QEMU API runs off this thread.
         */
        .threads = s->threads,
        .progress = llmaccel_compute_tick,
        .progress_arg = &job,
    };
    uint64_t t0 = llmaccel_now_ms();
    uint64_t deadline = t0 + s->sem_timeout_ms;
    uint32_t config;

    memset(res, 0, sizeof(*res));
    if (d->flags & ~LLA_DESC_F_IRQ) {
        res->status = LLA_ERR_BAD_FLAGS;
        return;
    }
    if (d->reserved[0] | d->reserved[1] | d->reserved[2] | d->reserved[3] |
        d->reserved[4]) {
        res->status = LLA_ERR_RESERVED;
        return;
    }
    if (d->asid >= LLA_MAX_AS) {
        res->status = LLA_ERR_BAD_AS;
        return;
    }
    qemu_mutex_lock(&s->lock);
    config = s->as[d->asid].config;
    qemu_mutex_unlock(&s->lock);
    if (!(config & LLA_MMU_AS_ENABLE)) {
        res->status = LLA_ERR_BAD_AS;
        return;
    }

    /*
     * An empty or malformed command buffer is rejected before the job
     * starts (lla_run_job checks it the same way), so it cannot hang:
     * the driver uses zero-length descriptors to cancel queued jobs.
     */
    if (!d->cmdbuf_len || d->cmdbuf_len % 8 ||
        d->cmdbuf_len > LLA_MAX_CMDBUF_BYTES) {
        res->status = LLA_ERR_CMDBUF;
        return;
    }

    if (s->inject_hang_queue >= 0 &&
        q->idx == (unsigned)s->inject_hang_queue) {
        /* Never completes: only a reset (abort) ends it. */
        while (!llmaccel_sleep(q, gen, 1000)) {
            /* no progress, no heartbeat */
        }
        res->status = LLA_ERR_RESET;
        return;
    }

    for (;;) {
        struct lla_job_result r;

        opts.start_cycle = start_cycle + res->cycles;
        lla_run_job(&mem, d->cmdbuf_iova, d->cmdbuf_len, &opts, &r);
        lla_job_result_add(res, &r);
        qatomic_add(&s->heartbeat, r.commands);
        if (r.status != LLA_EXEC_BLOCKED) {
            break;
        }
        /*
         * Blocked in SEM_WAIT at r.cmd_index: let other work run.  Each
         * check of the semaphore is progress for the heartbeat: the job
         * is alive, only waiting (a hung job never gets here).
         */
        qatomic_inc(&s->heartbeat);
        if (llmaccel_now_ms() >= deadline) {
            res->status = LLA_ERR_TIMEOUT;
            break;
        }
        if (llmaccel_sleep(q, gen, LLA_SEM_POLL_MS)) {
            res->status = LLA_ERR_RESET;
            break;
        }
        opts.first_cmd = r.cmd_index;
    }

    /* Descriptor fetch and completion: the device's share of the job. */
    res->cycles += s->uarch->job_overhead_cycles;

    if (s->pace && res->status == LLA_OK) {
        uint64_t want = t0 + llmaccel_cycles_ms(s, res->cycles);

        if (llmaccel_pace_sleep(q, gen, want)) {
            res->status = LLA_ERR_RESET;
        }
    }
    if (llmaccel_aborted(q, gen) && res->status != LLA_OK) {
        /* Whatever broke the job, the reset is why it stopped. */
        res->status = LLA_ERR_RESET;
    }
}

static void llmaccel_write_completion(LlmaccelState *s,
                                      const struct lla_ring_desc *d,
                                      const struct lla_job_result *res,
                                      uint64_t start_cycle,
                                      struct lla_completion *c)
{
    uint32_t n = qatomic_fetch_inc(&s->n_compl) + 1;
    uint64_t seq = d->seq;

    if (s->inject_corrupt_compl && n == s->inject_corrupt_compl) {
        seq = ~seq;
    }
    memset(c, 0, sizeof(*c));
    c->seq = cpu_to_le64(seq);
    c->status = cpu_to_le32(res->status);
    c->cmd_index = cpu_to_le32(res->cmd_index);
    c->fault_iova = cpu_to_le64(res->fault_iova);
    c->cycles = cpu_to_le64(res->cycles);
    c->start_cycle = cpu_to_le64(start_cycle);
    c->end_cycle = cpu_to_le64(start_cycle + res->cycles);
    c->flags = cpu_to_le32(LLA_COMPL_F_VALID |
                           (res->fault_write ? LLA_COMPL_F_FAULT_WRITE : 0));
}

static bool llmaccel_is_fault(uint32_t status)
{
    return status == LLA_ERR_MMU_FAULT || status == LLA_ERR_MMU_PERM ||
           status == LLA_ERR_DMA;
}

/* Is the ring of @q usable?  (s->lock held) */
static bool llmaccel_ring_ok(LlmaccelQueue *q)
{
    return q->ring_log2 >= LLA_RING_LOG2_MIN &&
           q->ring_log2 <= LLA_RING_LOG2_MAX &&
           q->ring_base && !(q->ring_base & 63) &&
           q->compl_base && !(q->compl_base & 63) &&
           q->tail < (1u << q->ring_log2) &&
           q->head < (1u << q->ring_log2);
}

static bool llmaccel_has_work(LlmaccelState *s, LlmaccelQueue *q)
{
    return !qatomic_read(&q->abort) &&
           (s->control & LLA_CONTROL_ENABLE) &&
           (q->control & LLA_Q_CONTROL_ENABLE) &&
           !(q->status & LLA_Q_STATUS_STOPPED) &&
           q->head != q->tail;
}

static void llmaccel_stop_queue_locked(LlmaccelState *s, LlmaccelQueue *q,
                                       uint64_t addr, bool write)
{
    q->status |= LLA_Q_STATUS_STOPPED;
    llmaccel_fault_locked(s, q->idx, 0xffffffffu, addr, LLA_ERR_DMA, write);
}

/*
 * Run the job at @q's head and write its completion (s->lock held; it is
 * dropped while the job runs).  The caller made sure there is one and
 * that the ring is usable.
 */
static void llmaccel_process_one(LlmaccelState *s, LlmaccelQueue *q)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    struct lla_ring_desc d;
    struct lla_completion c;
    struct lla_job_result res;
    uint64_t ring, compl, start_cycle;
    uint32_t slot, gen, n, mask;
    bool ok, send, compl_failed = false;

    slot = q->head;
    mask = (1u << q->ring_log2) - 1;
    gen = q->gen;
    ring = q->ring_base + (uint64_t)slot * sizeof(d);
    compl = q->compl_base + (uint64_t)slot * sizeof(c);
    start_cycle = s->cycles;
    q->busy = true;
    q->status |= LLA_Q_STATUS_BUSY;
    qemu_mutex_unlock(&s->lock);

    /* Descriptor fetch: bus address, not translated. */
    ok = llmaccel_dma_read(pdev, ring, &d, sizeof(d)) == MEMTX_OK;
    if (ok) {
        d.cmdbuf_iova = le64_to_cpu(d.cmdbuf_iova);
        d.cmdbuf_len = le32_to_cpu(d.cmdbuf_len);
        d.asid = le16_to_cpu(d.asid);
        d.flags = le16_to_cpu(d.flags);
        d.seq = le64_to_cpu(d.seq);
        /*
         * Mark the job started before any command takes effect, so
         * software never runs it again after a reset (hw-spec 4.6).
         */
        memset(&c, 0, sizeof(c));
        c.seq = cpu_to_le64(d.seq);
        c.flags = cpu_to_le32(LLA_COMPL_F_STARTED);
        if (llmaccel_dma_write(pdev, compl, &c, sizeof(c)) != MEMTX_OK) {
            ok = false;
            compl_failed = true;
        }
    }
    if (ok) {
        llmaccel_run(q, gen, &d, start_cycle, &res);
        llmaccel_write_completion(s, &d, &res, start_cycle, &c);
    }

    qemu_mutex_lock(&s->lock);
    q->busy = false;
    q->status &= ~LLA_Q_STATUS_BUSY;
    qemu_cond_broadcast(&s->idle_cond);
    if (gen != q->gen) {
        /*
         * Reset while we ran and nobody waited for us: discard, and
         * never write into a ring software has programmed again.
         * The write below is under the lock for that reason; DMA
         * here reaches memory only, never our own registers.
         */
        return;
    }
    if (ok && llmaccel_dma_write(pdev, compl, &c, sizeof(c)) != MEMTX_OK) {
        ok = false;
        compl_failed = true;
    }
    if (!ok) {
        llmaccel_stop_queue_locked(s, q, compl_failed ? compl : ring,
                                   compl_failed);
        return;
    }
    q->done_seq = d.seq;
    q->head = (slot + 1) & mask;
    s->cycles = MAX(s->cycles, start_cycle + res.cycles);
    q->cnt[LLA_CNT_BUSY_CYCLES] += res.cycles;
    q->cnt[LLA_CNT_JOBS]++;
    q->cnt[LLA_CNT_COMMANDS] += res.commands;
    q->cnt[LLA_CNT_MACS] += res.macs;
    q->cnt[LLA_CNT_DMA_RD] += res.bytes_read;
    q->cnt[LLA_CNT_DMA_WR] += res.bytes_written;
    if (res.status != LLA_OK) {
        q->cnt[LLA_CNT_ERRORS]++;
        s->error_count++;
        if (llmaccel_is_fault(res.status)) {
            llmaccel_fault_locked(s, q->idx, d.asid, res.fault_iova,
                                  res.status, res.fault_write);
        }
    }
    /*
     * A failed job always interrupts (hw-spec 3.3): software that
     * batches jobs without LLA_DESC_F_IRQ still hears of an error.
     */
    if ((d.flags & LLA_DESC_F_IRQ) || res.status != LLA_OK) {
        n = ++s->n_irq;
        send = !(s->inject_drop_irq && n == s->inject_drop_irq);
        llmaccel_raise_locked(s, LLA_IRQ_QUEUE(q->idx), send);
    }
}

/*
 * Short jobs run inline, on the vCPU thread whose doorbell write queued
 * them: a worker wake-up, a main-loop wake-up for the interrupt and a
 * vCPU kick cost far more than a job of a few small commands (a null job
 * took ~160 us in the guest against ~9 us on the host's sim backend).
 * "Short" is decided from the commands, never from time: only NOP,
 * TIMESTAMP, SEM_SIGNAL and FILL/COPY of at most a page, in a command
 * buffer of at most LLA_INLINE_CMDBUF_MAX bytes, so the vCPU is held for
 * microseconds.  Anything else, and every run with pacing or fault
 * injection (whose counts assume the worker), goes to the queue's worker.
 */
#define LLA_INLINE_CMDBUF_MAX   64
#define LLA_INLINE_BYTES_MAX    LLA_PAGE_SIZE

/* Is every command in @buf (@len bytes) one of the short ones? */
static bool llmaccel_cmds_short(const uint8_t *buf, uint32_t len)
{
    uint32_t off = 0;

    while (off < len) {
        struct lla_cmd_hdr h;
        uint64_t bytes;

        if (len - off < sizeof(h)) {
            return false;
        }
        memcpy(&h, buf + off, sizeof(h));
        h.size = le32_to_cpu(h.size);
        if (h.size < sizeof(h) || h.size % 8 || h.size > len - off) {
            return false;
        }
        switch (h.opcode) {
        case LLA_OP_NOP:
        case LLA_OP_TIMESTAMP:
        case LLA_OP_SEM_SIGNAL:
            break;
        case LLA_OP_FILL:
            if (h.size < sizeof(struct lla_cmd_fill)) {
                return false;
            }
            memcpy(&bytes, buf + off + offsetof(struct lla_cmd_fill, len),
                   sizeof(bytes));
            if (le64_to_cpu(bytes) > LLA_INLINE_BYTES_MAX) {
                return false;
            }
            break;
        case LLA_OP_COPY:
            if (h.size < sizeof(struct lla_cmd_copy)) {
                return false;
            }
            memcpy(&bytes, buf + off + offsetof(struct lla_cmd_copy, len),
                   sizeof(bytes));
            if (le64_to_cpu(bytes) > LLA_INLINE_BYTES_MAX) {
                return false;
            }
            break;
        default:
            return false;
        }
        off += h.size;
    }
    return true;
}

/*
 * Look at the job whose descriptor is at bus address @ring (s->lock not
 * held): is it short?  Reads only; a job that cannot be read here is not
 * short, and the worker reports what is wrong with it.
 */
static bool llmaccel_job_short(LlmaccelState *s, LlmaccelQueue *q,
                               uint64_t ring, uint32_t gen)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    LlmaccelJob j = { .s = s, .q = q, .gen = gen };
    uint8_t buf[LLA_INLINE_CMDBUF_MAX];
    struct lla_ring_desc d;
    uint64_t iova, pa;
    uint32_t len, mgen;
    bool ok;

    if (llmaccel_dma_read(pdev, ring, &d, sizeof(d)) != MEMTX_OK) {
        return false;
    }
    iova = le64_to_cpu(d.cmdbuf_iova);
    len = le32_to_cpu(d.cmdbuf_len);
    j.asid = le16_to_cpu(d.asid);
    if (!len || len > sizeof(buf) || len % 8 || j.asid >= LLA_MAX_AS ||
        (iova & (LLA_PAGE_SIZE - 1)) + len > LLA_PAGE_SIZE) {
        return false;
    }
    mgen = llmaccel_mmu_enter(s);
    ok = llmaccel_translate(&j, iova, false, mgen, &pa) == LLA_OK &&
         llmaccel_dma_read(pdev, pa, buf, len) == MEMTX_OK;
    llmaccel_mmu_exit(s, mgen);
    return ok && llmaccel_cmds_short(buf, len);
}

/* May a TAIL write run its job inline? */
static bool llmaccel_inline_enabled(LlmaccelState *s)
{
    return s->inline_short && !s->pace && !s->inject_drop_irq &&
           s->inject_hang_queue < 0 && !s->inject_dma_fail &&
           !s->inject_dma_delay_us && !s->inject_corrupt_compl;
}

/*
 * After a TAIL write (BQL held, s->lock not): run the job at the head
 * here if the queue is idle and the job is short.  q->busy claims the
 * head while we look, so the worker leaves it alone.
 */
static void llmaccel_try_inline(LlmaccelState *s, LlmaccelQueue *q)
{
    uint32_t slot, gen;
    uint64_t ring;
    bool is_short;

    qemu_mutex_lock(&s->lock);
    if (!llmaccel_inline_enabled(s) || q->busy ||
        !llmaccel_has_work(s, q) || !llmaccel_ring_ok(q)) {
        /* The worker runs it, or reports the ring unusable. */
        qemu_cond_broadcast(&q->cond);
        qemu_mutex_unlock(&s->lock);
        return;
    }
    q->busy = true;
    slot = q->head;
    gen = q->gen;
    ring = q->ring_base + (uint64_t)slot * sizeof(struct lla_ring_desc);
    qemu_mutex_unlock(&s->lock);

    is_short = llmaccel_job_short(s, q, ring, gen);

    qemu_mutex_lock(&s->lock);
    q->busy = false;
    if (is_short && gen == q->gen && q->head == slot &&
        llmaccel_has_work(s, q) && llmaccel_ring_ok(q)) {
        s->inline_jobs++;
        llmaccel_process_one(s, q);
    }
    /* The worker takes the rest of the ring; a reset may be waiting. */
    qemu_cond_broadcast(&q->cond);
    qemu_cond_broadcast(&s->idle_cond);
    qemu_mutex_unlock(&s->lock);
}

static void *llmaccel_worker(void *opaque)
{
    LlmaccelQueue *q = opaque;
    LlmaccelState *s = q->s;

    /* DMA and in-place reads look up the memory map under RCU. */
    rcu_register_thread();
    qemu_mutex_lock(&s->lock);
    while (!s->quit) {
        /* busy without us: a job runs inline on a vCPU thread. */
        if (q->busy || !llmaccel_has_work(s, q)) {
            qemu_cond_wait(&q->cond, &s->lock);
            continue;
        }
        if (!llmaccel_ring_ok(q)) {
            q->status |= LLA_Q_STATUS_STOPPED;
            llmaccel_raise_locked(s, LLA_IRQ_ERROR, true);
            continue;
        }
        llmaccel_process_one(s, q);
    }
    qemu_mutex_unlock(&s->lock);
    rcu_unregister_thread();
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Reset                                                                */
/* ------------------------------------------------------------------ */

/*
 * Abort the jobs of the queues in @mask and wait (bounded) until their
 * workers are idle; a running job ends with LLA_ERR_RESET and its
 * completion record is written before the state is cleared.  A worker
 * that does not stop in time has its result discarded (generation).
 * s->lock held.
 */
static void llmaccel_quiesce_locked(LlmaccelState *s, uint32_t mask)
{
    int64_t end = llmaccel_now_ms() + LLA_RESET_WAIT_MS;
    unsigned int i;
    bool busy;

    for (i = 0; i < s->num_queues; i++) {
        if (mask & (1u << i)) {
            qatomic_set(&s->q[i].abort, 1);
            qemu_cond_broadcast(&s->q[i].cond);
        }
    }
    for (;;) {
        int64_t now = llmaccel_now_ms();

        busy = false;
        for (i = 0; i < s->num_queues; i++) {
            busy |= (mask & (1u << i)) && s->q[i].busy;
        }
        if (!busy || now >= end) {
            break;
        }
        qemu_cond_timedwait(&s->idle_cond, &s->lock, (int)(end - now));
    }
}

static void llmaccel_queue_clear_locked(LlmaccelQueue *q)
{
    qatomic_inc(&q->gen);
    q->ring_base = 0;
    q->compl_base = 0;
    q->ring_log2 = 0;
    q->control = 0;
    q->head = 0;
    q->tail = 0;
    q->status = q->busy ? LLA_Q_STATUS_BUSY : 0;
    q->done_seq = 0;
    memset(q->cnt, 0, sizeof(q->cnt));
    qatomic_set(&q->abort, 0);
}

static void llmaccel_queue_reset_locked(LlmaccelState *s, LlmaccelQueue *q)
{
    llmaccel_quiesce_locked(s, 1u << q->idx);
    llmaccel_queue_clear_locked(q);
    s->irq_status &= ~LLA_IRQ_QUEUE(q->idx);
}

static void llmaccel_global_reset_locked(LlmaccelState *s)
{
    unsigned int i;

    llmaccel_quiesce_locked(s, (1u << s->num_queues) - 1);
    for (i = 0; i < s->num_queues; i++) {
        llmaccel_queue_clear_locked(&s->q[i]);
    }
    s->control = 0;
    s->scratch = 0;
    qatomic_set(&s->heartbeat, 0);
    s->cycles = 0;
    s->irq_status = 0;
    s->irq_mask = 0;
    s->pending_vecs = 0;
    s->fault_status = 0;
    s->fault_as = 0;
    s->fault_iova = 0;
    s->fault_info = 0;
    s->fault_count = 0;
    s->error_count = 0;
    memset(s->as, 0, sizeof(s->as));
    qatomic_inc(&s->mmu_gen);
    qatomic_set(&s->n_irq, 0);
    qatomic_set(&s->n_dma, 0);
    qatomic_set(&s->n_compl, 0);
}

static void llmaccel_reset_hold(Object *obj, ResetType type)
{
    LlmaccelState *s = LLMACCEL(obj);

    qemu_mutex_lock(&s->lock);
    llmaccel_global_reset_locked(s);
    qemu_mutex_unlock(&s->lock);
    pci_set_irq(PCI_DEVICE(s), 0);
}

/* ------------------------------------------------------------------ */
/* Registers                                                            */
/* ------------------------------------------------------------------ */

static uint32_t llmaccel_lo(uint64_t v)
{
    return (uint32_t)v;
}

static uint32_t llmaccel_hi(uint64_t v)
{
    return (uint32_t)(v >> 32);
}

static uint64_t llmaccel_set_lo(uint64_t v, uint32_t lo)
{
    return (v & 0xffffffff00000000ull) | lo;
}

static uint64_t llmaccel_set_hi(uint64_t v, uint32_t hi)
{
    return (v & 0xffffffffull) | ((uint64_t)hi << 32);
}

static uint32_t llmaccel_queue_read(LlmaccelState *s, LlmaccelQueue *q,
                                    hwaddr off)
{
    if (off >= LLA_Q_CNT_BUSY_CYCLES &&
        off < LLA_Q_CNT_BUSY_CYCLES + LLA_CNT_NUM * 8) {
        uint64_t v = q->cnt[(off - LLA_Q_CNT_BUSY_CYCLES) / 8];

        return off & 4 ? llmaccel_hi(v) : llmaccel_lo(v);
    }
    switch (off) {
    case LLA_Q_RING_LO:
        return llmaccel_lo(q->ring_base);
    case LLA_Q_RING_HI:
        return llmaccel_hi(q->ring_base);
    case LLA_Q_RING_LOG2:
        return q->ring_log2;
    case LLA_Q_CONTROL:
        return q->control;
    case LLA_Q_HEAD:
        return q->head;
    case LLA_Q_TAIL:
        return q->tail;
    case LLA_Q_STATUS:
        return q->status;
    case LLA_Q_COMPL_LO:
        return llmaccel_lo(q->compl_base);
    case LLA_Q_COMPL_HI:
        return llmaccel_hi(q->compl_base);
    case LLA_Q_DONE_SEQ_LO:
        return llmaccel_lo(q->done_seq);
    case LLA_Q_DONE_SEQ_HI:
        return llmaccel_hi(q->done_seq);
    default:
        return 0;
    }
}

static bool llmaccel_queue_geometry_locked(LlmaccelQueue *q, hwaddr off)
{
    if ((q->control & LLA_Q_CONTROL_ENABLE) || q->busy) {
        qemu_log_mask(LOG_GUEST_ERROR, "llmaccel: queue %u: ring register "
                      "0x%" HWADDR_PRIx " written while enabled or busy, "
                      "ignored\n", q->idx, off);
        return false;
    }
    return true;
}

static void llmaccel_queue_write(LlmaccelState *s, LlmaccelQueue *q,
                                 hwaddr off, uint32_t val)
{
    switch (off) {
    case LLA_Q_RING_LO:
    case LLA_Q_RING_HI:
    case LLA_Q_RING_LOG2:
        if (!llmaccel_queue_geometry_locked(q, off)) {
            return;
        }
        if (off == LLA_Q_RING_LO) {
            q->ring_base = llmaccel_set_lo(q->ring_base, val);
        } else if (off == LLA_Q_RING_HI) {
            q->ring_base = llmaccel_set_hi(q->ring_base, val);
        } else {
            q->ring_log2 = val;
        }
        q->head = 0;
        q->tail = 0;
        return;
    case LLA_Q_COMPL_LO:
    case LLA_Q_COMPL_HI:
        if (!llmaccel_queue_geometry_locked(q, off)) {
            return;
        }
        if (off == LLA_Q_COMPL_LO) {
            q->compl_base = llmaccel_set_lo(q->compl_base, val);
        } else {
            q->compl_base = llmaccel_set_hi(q->compl_base, val);
        }
        return;
    case LLA_Q_CONTROL:
        if ((val & LLA_Q_CONTROL_ENABLE) &&
            !(q->control & LLA_Q_CONTROL_ENABLE)) {
            q->status &= ~LLA_Q_STATUS_STOPPED;
        }
        q->control = val & (LLA_Q_CONTROL_ENABLE |
                            (LLA_Q_CONTROL_PRIO_MASK <<
                             LLA_Q_CONTROL_PRIO_SHIFT));
        break;
    case LLA_Q_TAIL:
        q->tail = val;
        if (llmaccel_inline_enabled(s)) {
            return;     /* llmaccel_try_inline() wakes the worker */
        }
        break;
    case LLA_Q_RESET:
        if (val == LLA_RESET_MAGIC) {
            llmaccel_queue_reset_locked(s, q);
        } else {
            qemu_log_mask(LOG_GUEST_ERROR, "llmaccel: queue %u: bad reset "
                          "value 0x%x\n", q->idx, val);
        }
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "llmaccel: queue %u: write to "
                      "read-only or unknown offset 0x%" HWADDR_PRIx "\n",
                      q->idx, off);
        return;
    }
    qemu_cond_broadcast(&q->cond);
}

static uint32_t llmaccel_status_locked(LlmaccelState *s)
{
    uint32_t st = LLA_STATUS_READY;
    unsigned int i;

    for (i = 0; i < s->num_queues; i++) {
        if (s->q[i].busy) {
            st |= LLA_STATUS_BUSY;
        }
    }
    return st;
}

static uint32_t llmaccel_reg_read(LlmaccelState *s, hwaddr addr)
{
    uint64_t hb;

    if (addr >= LLA_REG_QUEUE(0) && addr < LLA_REG_QUEUE(s->num_queues)) {
        LlmaccelQueue *q = &s->q[(addr - LLA_REG_QUEUE(0)) / 0x100];

        return llmaccel_queue_read(s, q, addr & 0xff);
    }
    if (addr >= LLA_REG_MMU_AS(0) && addr < LLA_REG_MMU_AS(LLA_MAX_AS)) {
        LlmaccelAS *as = &s->as[(addr - LLA_REG_MMU_AS(0)) / 0x10];

        switch (addr & 0xf) {
        case LLA_MMU_AS_ROOT_LO:
            return llmaccel_lo(as->root);
        case LLA_MMU_AS_ROOT_HI:
            return llmaccel_hi(as->root);
        case LLA_MMU_AS_CONFIG:
            return as->config;
        default:
            return 0;
        }
    }

    switch (addr) {
    case LLA_REG_ID:
        return LLA_ID_MAGIC;
    case LLA_REG_VERSION:
        return LLA_VERSION(LLA_VERSION_MAJOR, LLA_VERSION_MINOR);
    case LLA_REG_CAPS:
        return LLA_CAP_MMU | LLA_CAP_LUT_TLMM | LLA_CAP_ATTN |
               LLA_CAP_SAMPLE | LLA_CAP_SEM | LLA_CAP_QUEUE_RESET |
               LLA_CAP_FAULT_INJECT;
    case LLA_REG_NUM_QUEUES:
        return s->num_queues;
    case LLA_REG_NUM_AS:
        return LLA_MAX_AS;
    case LLA_REG_OPCODES:
        return (1u << LLA_OP_COUNT) - 1;
    case LLA_REG_WFORMATS:
        return (1u << LLA_WFMT_COUNT) - 1;
    case LLA_REG_MAX_M:
        return LLA_MAX_M;
    case LLA_REG_MAX_N:
        return LLA_MAX_N;
    case LLA_REG_MAX_K:
        return LLA_MAX_K;
    case LLA_REG_CLOCK_KHZ:
        return s->uarch->clock_mhz * 1000;
    case LLA_REG_PRESET:
        return s->uarch->preset_id;
    case LLA_REG_MAX_CMDBUF:
        return LLA_MAX_CMDBUF_BYTES;
    case LLA_REG_RING_LOG2_MAX:
        return LLA_RING_LOG2_MAX;
    case LLA_REG_MAX_CTX:
        return LLA_MAX_CTX;
    case LLA_REG_SCRATCH:
        return s->scratch;
    case LLA_REG_CONTROL:
        return s->control;
    case LLA_REG_STATUS:
        return llmaccel_status_locked(s);
    case LLA_REG_RESET_COUNT:
        return s->reset_count;
    case LLA_REG_HEARTBEAT_LO:
    case LLA_REG_HEARTBEAT_HI:
        hb = qatomic_read(&s->heartbeat);
        return addr == LLA_REG_HEARTBEAT_LO ? llmaccel_lo(hb) : llmaccel_hi(hb);
    case LLA_REG_CYCLES_LO:
        return llmaccel_lo(s->cycles);
    case LLA_REG_CYCLES_HI:
        return llmaccel_hi(s->cycles);
    case LLA_REG_IRQ_STATUS:
        return s->irq_status;
    case LLA_REG_IRQ_MASK:
        return s->irq_mask;
    case LLA_REG_FAULT_STATUS:
        return s->fault_status;
    case LLA_REG_FAULT_AS:
        return s->fault_as;
    case LLA_REG_FAULT_IOVA_LO:
        return llmaccel_lo(s->fault_iova);
    case LLA_REG_FAULT_IOVA_HI:
        return llmaccel_hi(s->fault_iova);
    case LLA_REG_FAULT_INFO:
        return s->fault_info;
    case LLA_REG_FAULT_COUNT:
        return s->fault_count;
    case LLA_REG_ERROR_COUNT:
        return s->error_count;
    default:
        return 0;
    }
}

static void llmaccel_reg_write(LlmaccelState *s, hwaddr addr, uint32_t val)
{
    unsigned int i;
    uint32_t valid, newly;

    if (addr >= LLA_REG_QUEUE(0) && addr < LLA_REG_QUEUE(s->num_queues)) {
        LlmaccelQueue *q = &s->q[(addr - LLA_REG_QUEUE(0)) / 0x100];

        llmaccel_queue_write(s, q, addr & 0xff, val);
        return;
    }
    if (addr >= LLA_REG_MMU_AS(0) && addr < LLA_REG_MMU_AS(LLA_MAX_AS)) {
        LlmaccelAS *as = &s->as[(addr - LLA_REG_MMU_AS(0)) / 0x10];

        switch (addr & 0xf) {
        case LLA_MMU_AS_ROOT_LO:
            as->root = llmaccel_set_lo(as->root, val);
            break;
        case LLA_MMU_AS_ROOT_HI:
            as->root = llmaccel_set_hi(as->root, val);
            break;
        case LLA_MMU_AS_CONFIG:
            as->config = val & LLA_MMU_AS_ENABLE;
            break;
        default:
            qemu_log_mask(LOG_GUEST_ERROR, "llmaccel: write to unknown MMU "
                          "offset 0x%" HWADDR_PRIx "\n", addr);
            return;
        }
        /* A changed root or enable also drops cached translations. */
        qatomic_inc(&s->mmu_gen);
        return;
    }

    switch (addr) {
    case LLA_REG_SCRATCH:
        s->scratch = val;
        break;
    case LLA_REG_CONTROL:
        s->control = val & LLA_CONTROL_ENABLE;
        for (i = 0; i < s->num_queues; i++) {
            qemu_cond_broadcast(&s->q[i].cond);
        }
        break;
    case LLA_REG_RESET:
        if (val != LLA_RESET_MAGIC) {
            qemu_log_mask(LOG_GUEST_ERROR, "llmaccel: bad reset value 0x%x\n",
                          val);
            break;
        }
        llmaccel_global_reset_locked(s);
        s->reset_count++;
        qemu_bh_schedule(s->irq_bh);    /* re-evaluate INTx */
        break;
    case LLA_REG_IRQ_STATUS:
        s->irq_status &= ~val;
        qemu_bh_schedule(s->irq_bh);
        break;
    case LLA_REG_IRQ_MASK:
        valid = LLA_IRQ_ERROR | ((1u << s->num_queues) - 1);
        newly = val & valid & ~s->irq_mask;
        s->irq_mask = val & valid;
        /* Unmasking a pending cause sends its message: none is lost. */
        llmaccel_raise_locked(s, s->irq_status & newly, true);
        break;
    case LLA_REG_FAULT_STATUS:
        s->fault_status &= ~val;
        break;
    case LLA_REG_MMU_INVALIDATE:
        if (val != LLA_MMU_INV_ALL && val >= LLA_MAX_AS) {
            qemu_log_mask(LOG_GUEST_ERROR, "llmaccel: invalidate of bad "
                          "address space %u\n", val);
        }
        /* Translations are cached per job; drop them all. */
        qatomic_inc(&s->mmu_gen);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "llmaccel: write to read-only or "
                      "unknown register 0x%" HWADDR_PRIx "\n", addr);
        break;
    }
}

static bool llmaccel_access_ok(hwaddr addr, unsigned size, bool write)
{
    if (size != 4 || (addr & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "llmaccel: %u-byte %s at 0x%"
                      HWADDR_PRIx " ignored: registers are 32-bit\n",
                      size, write ? "write" : "read", addr);
        return false;
    }
    return true;
}

static uint64_t llmaccel_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    LlmaccelState *s = opaque;
    uint32_t val;

    if (!llmaccel_access_ok(addr, size, false)) {
        return 0;
    }
    qemu_mutex_lock(&s->lock);
    val = llmaccel_reg_read(s, addr);
    qemu_mutex_unlock(&s->lock);
    return val;
}

static void llmaccel_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size)
{
    LlmaccelState *s = opaque;

    uint32_t gen;

    if (!llmaccel_access_ok(addr, size, true)) {
        return;
    }
    qemu_mutex_lock(&s->lock);
    gen = qatomic_read(&s->mmu_gen);
    llmaccel_reg_write(s, addr, (uint32_t)val);
    qemu_mutex_unlock(&s->lock);
    /* An invalidate (or AS change, or reset) completes with the write. */
    if (qatomic_read(&s->mmu_gen) != gen) {
        llmaccel_mmu_drain(s, gen);
    }
    if (addr >= LLA_REG_QUEUE(0) && addr < LLA_REG_QUEUE(s->num_queues) &&
        (addr - LLA_REG_QUEUE(0)) % 0x100 == LLA_Q_TAIL) {
        llmaccel_try_inline(s, &s->q[(addr - LLA_REG_QUEUE(0)) / 0x100]);
    }
}

static const MemoryRegionOps llmaccel_mmio_ops = {
    .read = llmaccel_mmio_read,
    .write = llmaccel_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
};

/* ------------------------------------------------------------------ */
/* Realize / unrealize                                                  */
/* ------------------------------------------------------------------ */

static void llmaccel_stop_workers(LlmaccelState *s)
{
    unsigned int i;

    qemu_mutex_lock(&s->lock);
    s->quit = true;
    for (i = 0; i < s->num_queues; i++) {
        qatomic_set(&s->q[i].abort, 1);
        qemu_cond_broadcast(&s->q[i].cond);
    }
    qemu_mutex_unlock(&s->lock);
    for (i = 0; i < s->num_queues; i++) {
        if (s->q[i].thread_started) {
            qemu_thread_join(&s->q[i].thread);
            s->q[i].thread_started = false;
        }
    }
}

static void llmaccel_realize(PCIDevice *pdev, Error **errp)
{
    LlmaccelState *s = LLMACCEL(pdev);
    const char *preset = s->preset_name ? s->preset_name : "default";
    unsigned int i;
    int ret;

    if (s->num_queues < 1 || s->num_queues > LLA_MAX_QUEUES) {
        error_setg(errp, "llmaccel: queues must be 1..%d", LLA_MAX_QUEUES);
        return;
    }
    if (s->inject_hang_queue < -1 ||
        s->inject_hang_queue >= (int32_t)s->num_queues) {
        error_setg(errp, "llmaccel: inject-hang-queue must be -1..%u",
                   s->num_queues - 1);
        return;
    }
    if (s->inject_dma_delay_us > 100000) {
        error_setg(errp, "llmaccel: inject-dma-delay-us must be <= 100000");
        return;
    }
    if (s->threads > 64) {
        error_setg(errp, "llmaccel: threads must be 0..64");
        return;
    }
    if (!s->threads) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);

        s->threads = cpus < 1 ? 1 : cpus > 64 ? 64 : (uint32_t)cpus;
    }
    s->uarch = lla_uarch_preset(preset);
    if (!s->uarch) {
        error_setg(errp, "llmaccel: unknown preset '%s'", preset);
        return;
    }

    pci_config_set_vendor_id(pdev->config, s->pci_vendor_id);
    pci_config_set_device_id(pdev->config, s->pci_device_id);
    pci_config_set_revision(pdev->config, s->pci_revision);
    pci_config_set_class(pdev->config, s->pci_class);
    pci_config_set_interrupt_pin(pdev->config, 1);
    memory_region_init_io(&s->mmio, OBJECT(s), &llmaccel_mmio_ops, s,
                          "llmaccel-regs", LLA_BAR_REGS_SIZE);
    pci_register_bar(pdev, LLA_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->mmio);

    ret = pcie_endpoint_cap_init(pdev, 0x80);
    if (ret < 0) {
        error_setg(errp, "llmaccel: cannot add the PCIe capability");
        return;
    }
    ret = msix_init_exclusive_bar(pdev, s->num_queues + 1, LLA_BAR_MSIX, errp);
    if (ret) {
        pcie_cap_exit(pdev);
        return;
    }
    for (i = 0; i <= s->num_queues; i++) {
        msix_vector_use(pdev, i);
    }

    qemu_mutex_init(&s->lock);
    qemu_cond_init(&s->idle_cond);
    s->irq_bh = qemu_bh_new_guarded(llmaccel_irq_bh, s,
                                    &DEVICE(pdev)->mem_reentrancy_guard);
    s->quit = false;
    for (i = 0; i < s->num_queues; i++) {
        LlmaccelQueue *q = &s->q[i];
        char name[32];

        q->s = s;
        q->idx = i;
        qemu_cond_init(&q->cond);
        snprintf(name, sizeof(name), "llmaccel-q%u", i);
        qemu_thread_create(&q->thread, name, llmaccel_worker, q,
                           QEMU_THREAD_JOINABLE);
        q->thread_started = true;
    }
}

static void llmaccel_exit(PCIDevice *pdev)
{
    LlmaccelState *s = LLMACCEL(pdev);
    unsigned int i;

    llmaccel_stop_workers(s);
    for (i = 0; i < s->num_queues; i++) {
        qemu_cond_destroy(&s->q[i].cond);
    }
    qemu_bh_delete(s->irq_bh);
    qemu_cond_destroy(&s->idle_cond);
    qemu_mutex_destroy(&s->lock);
    msix_unuse_all_vectors(pdev);
    msix_uninit_exclusive_bar(pdev);
    pcie_cap_exit(pdev);
}

static const Property llmaccel_props[] = {
    DEFINE_PROP_UINT32("queues", LlmaccelState, num_queues, 4),
    DEFINE_PROP_STRING("preset", LlmaccelState, preset_name),
    DEFINE_PROP_UINT16("vendor-id", LlmaccelState, pci_vendor_id,
                       LLA_PCI_VENDOR_ID),
    DEFINE_PROP_UINT16("device-id", LlmaccelState, pci_device_id,
                       LLA_PCI_DEVICE_ID),
    DEFINE_PROP_UINT8("revision", LlmaccelState, pci_revision,
                      LLA_PCI_REVISION),
    DEFINE_PROP_UINT16("class", LlmaccelState, pci_class, LLA_PCI_CLASS),
    DEFINE_PROP_BOOL("pace", LlmaccelState, pace, false),
    DEFINE_PROP_BOOL("lut", LlmaccelState, use_lut, false),
    DEFINE_PROP_BOOL("inline-short", LlmaccelState, inline_short, true),
    DEFINE_PROP_UINT32("threads", LlmaccelState, threads, 0),
    DEFINE_PROP_UINT32("sem-timeout-ms", LlmaccelState, sem_timeout_ms, 2000),
    DEFINE_PROP_UINT32("inject-drop-irq", LlmaccelState, inject_drop_irq, 0),
    DEFINE_PROP_INT32("inject-hang-queue", LlmaccelState, inject_hang_queue,
                      -1),
    DEFINE_PROP_UINT32("inject-dma-fail", LlmaccelState, inject_dma_fail, 0),
    DEFINE_PROP_UINT32("inject-dma-delay-us", LlmaccelState,
                       inject_dma_delay_us, 0),
    DEFINE_PROP_UINT32("inject-corrupt-compl", LlmaccelState,
                       inject_corrupt_compl, 0),
};

static const VMStateDescription llmaccel_vmstate = {
    .name = TYPE_LLMACCEL,
    .unmigratable = 1,
};

static void llmaccel_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = llmaccel_realize;
    k->exit = llmaccel_exit;
    k->vendor_id = LLA_PCI_VENDOR_ID;
    k->device_id = LLA_PCI_DEVICE_ID;
    k->revision = LLA_PCI_REVISION;
    k->class_id = LLA_PCI_CLASS;
    rc->phases.hold = llmaccel_reset_hold;
    dc->desc = "llmaccel ternary LLM accelerator";
    dc->vmsd = &llmaccel_vmstate;
    device_class_set_props(dc, llmaccel_props);
    object_class_property_set_description(klass, "queues",
        "hardware queues, 1..8");
    object_class_property_set_description(klass, "preset",
        "cycle-model preset (default, tellme-kv260)");
    object_class_property_set_description(klass, "vendor-id",
        "PCI vendor ID (default: the experimental ID of llmaccel_hw.h)");
    object_class_property_set_description(klass, "device-id",
        "PCI device ID");
    object_class_property_set_description(klass, "revision",
        "PCI revision ID");
    object_class_property_set_description(klass, "class",
        "PCI base class and subclass (default 0x1200, processing accelerator)");
    object_class_property_set_description(klass, "pace",
        "complete a job no earlier than its modeled time");
    object_class_property_set_description(klass, "lut",
        "run TLMM through the table-lookup engine instead of the faster "
        "default kernels (same results)");
    object_class_property_set_description(klass, "sem-timeout-ms",
        "how long SEM_WAIT may block before LLA_ERR_TIMEOUT");
    object_class_property_set_description(klass, "inject-drop-irq",
        "drop the Nth completion interrupt message (0 = off)");
    object_class_property_set_description(klass, "inject-hang-queue",
        "jobs of this queue never complete until reset (-1 = off)");
    object_class_property_set_description(klass, "inject-dma-fail",
        "fail the Nth job data transfer with LLA_ERR_DMA (0 = off)");
    object_class_property_set_description(klass, "inject-dma-delay-us",
        "sleep this long between a translation and its transfer (0 = off)");
    object_class_property_set_description(klass, "inject-corrupt-compl",
        "write the Nth completion record with ~seq (0 = off)");
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

/* Read-only QOM statistics, for tests and "qom-get". */
static void llmaccel_instance_init(Object *obj)
{
    LlmaccelState *s = LLMACCEL(obj);

    object_property_add_uint64_ptr(obj, "inline-jobs", &s->inline_jobs,
                                   OBJ_PROP_FLAG_READ);
}

static const TypeInfo llmaccel_info = {
    .name = TYPE_LLMACCEL,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(LlmaccelState),
    .instance_init = llmaccel_instance_init,
    .class_init = llmaccel_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void llmaccel_register_types(void)
{
    type_register_static(&llmaccel_info);
}

type_init(llmaccel_register_types)
