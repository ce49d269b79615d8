/* SPDX-License-Identifier: MIT */
/*
 * The rtl-model's host worker pool: a parallel-for that splits one
 * command's arithmetic across threads (lla_exec_opts.threads).
 *
 * Only pure computation runs on the workers.  Every lla_mem access
 * (read, write, map_read, unmap) stays on the thread that called
 * lla_execute: the QEMU device's DMA and MMU walker are not meant to be
 * entered from threads QEMU does not know, and this keeps the order of
 * accesses, hence faults and counters, independent of the thread count.
 * Workers may read memory the caller mapped (map_read), since the
 * caller holds the mapping until the parallel-for has returned.
 *
 * Bits do not depend on the thread count because each item computes
 * its own outputs with the same arithmetic whoever runs it; items only
 * decide who does the work, never how.
 */
#ifndef LLA_POOL_H
#define LLA_POOL_H

#include <stdint.h>

/* Threads of one parallel-for at most (the caller and 63 workers). */
#define LLA_POOL_MAX_THREADS	64u

/* opts.threads as the engines use it: 0 means 1; capped at the max. */
uint32_t lla_pool_threads(uint32_t want);

/*
 * Returns the multiply-accumulates it did, for the heartbeat.  @slot is
 * in [0, threads) and no two concurrent calls share it, so it indexes
 * per-thread scratch; slot 0 is the calling thread.
 */
typedef uint64_t (*lla_pfor_fn)(void *arg, uint32_t item, uint32_t slot);

/*
 * fn(arg, i, slot) for every i in [0, items), on up to @threads threads
 * (the caller included); returns when all are done.  @progress (may be
 * NULL) is called only from the calling thread, with the sum of the
 * items' returns in installments.  The workers are started on first use
 * and kept; a second caller while one parallel-for runs (another sim
 * queue or device) runs its items alone rather than wait.
 */
void lla_pfor(uint32_t threads, uint32_t items, lla_pfor_fn fn, void *arg,
	      void (*progress)(void *parg, uint64_t macs), void *parg);

#endif /* LLA_POOL_H */
