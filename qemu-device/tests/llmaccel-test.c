/* SPDX-License-Identifier: MIT */
/*
 * qtest for the llmaccel PCIe device: registers, rings, MMU, errors,
 * reset and fault injection, driven without a guest kernel.  Run with
 * QTEST_QEMU_BINARY=.../qemu-system-x86_64 llmaccel-test --tap.
 *
 * Guest memory (rings, page tables, command buffers, data) comes from the
 * libqos PC allocator; page tables are built by the test itself.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "libqos/malloc-pc.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "hw/misc/llmaccel/llmaccel_hw.h"
/*
 * The rtl-model's command field tables (names, offsets, kinds): the
 * command fuzz builds well-formed-looking commands from them.  The file
 * is self-contained (tables and two lookups), so it is compiled in.
 */
#include "hw/misc/llmaccel/cmd_desc.c"

#define WAIT_MS         5000
#define ASID            3

typedef struct Lla {
    QTestState *qts;
    QGuestAllocator alloc;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar;
    uint64_t root;          /* level-3 table of ASID */
} Lla;

typedef struct Ring {
    unsigned int q;
    uint32_t log2;
    uint64_t ring;
    uint64_t compl;
    uint32_t tail;
} Ring;

static const char *data_dirs(void)
{
    static char buf[256];
    const char *d1 = "/usr/share/seabios", *d2 = "/usr/share/qemu";

    buf[0] = 0;
    if (g_file_test(d1, G_FILE_TEST_IS_DIR)) {
        g_strlcat(buf, " -L ", sizeof(buf));
        g_strlcat(buf, d1, sizeof(buf));
    }
    if (g_file_test(d2, G_FILE_TEST_IS_DIR)) {
        g_strlcat(buf, " -L ", sizeof(buf));
        g_strlcat(buf, d2, sizeof(buf));
    }
    return buf;
}

static uint32_t rd(Lla *t, uint64_t off)
{
    return qpci_io_readl(t->dev, t->bar, off);
}

static void wr(Lla *t, uint64_t off, uint32_t val)
{
    qpci_io_writel(t->dev, t->bar, off, val);
}

static uint64_t rd64(Lla *t, uint64_t off)
{
    uint32_t lo = rd(t, off);

    return lo | ((uint64_t)rd(t, off + 4) << 32);
}

static uint64_t zalloc(Lla *t, size_t size)
{
    uint64_t a = guest_alloc(&t->alloc, size);

    g_assert(a);
    qtest_memset(t->qts, a, 0, size);
    return a;
}

static void lla_start_machine(Lla *t, const char *machine, const char *props)
{
    memset(t, 0, sizeof(*t));
    t->qts = qtest_initf("%s%s -nodefaults -device llmaccel,addr=04.0%s",
                         machine, data_dirs(), props);
    pc_alloc_init(&t->alloc, t->qts, ALLOC_NO_FLAGS);
    t->bus = qpci_new_pc(t->qts, &t->alloc);
    t->dev = qpci_device_find(t->bus, QPCI_DEVFN(4, 0));
    g_assert(t->dev);
    qpci_device_enable(t->dev);
    t->bar = qpci_iomap(t->dev, LLA_BAR_REGS, NULL);
}

static void lla_start(Lla *t, const char *props)
{
    lla_start_machine(t, "", props);
}

static void lla_stop(Lla *t)
{
    g_free(t->dev);
    qpci_free_pc(t->bus);
    alloc_destroy(&t->alloc);
    qtest_quit(t->qts);
}

/* ---- device MMU: page tables written by the test ---- */

static void as_setup_root(Lla *t, uint32_t asid, uint64_t root)
{
    wr(t, LLA_REG_MMU_AS(asid) + LLA_MMU_AS_ROOT_LO, (uint32_t)root);
    wr(t, LLA_REG_MMU_AS(asid) + LLA_MMU_AS_ROOT_HI, root >> 32);
    wr(t, LLA_REG_MMU_AS(asid) + LLA_MMU_AS_CONFIG, LLA_MMU_AS_ENABLE);
}

static void as_setup(Lla *t, uint32_t asid)
{
    t->root = zalloc(t, LLA_PAGE_SIZE);
    as_setup_root(t, asid, t->root);
}

static void pt_map(Lla *t, uint64_t iova, uint64_t pa, uint64_t perms)
{
    uint64_t table = t->root;
    int level;

    for (level = LLA_PT_LEVELS - 1; level > 0; level--) {
        uint64_t ea = table + LLA_PT_INDEX(iova, level) * 8;
        uint64_t pte = qtest_readq(t->qts, ea);

        if (!(pte & LLA_PTE_VALID)) {
            pte = zalloc(t, LLA_PAGE_SIZE) | LLA_PTE_VALID;
            qtest_writeq(t->qts, ea, pte);
        }
        table = pte & LLA_PTE_ADDR_MASK;
    }
    qtest_writeq(t->qts, table + LLA_PT_INDEX(iova, 0) * 8,
                 (pa & LLA_PTE_ADDR_MASK) | LLA_PTE_VALID | perms);
}

/* Allocate @pages pages of guest memory and map them at @iova. */
static uint64_t map_new(Lla *t, uint64_t iova, unsigned int pages,
                        uint64_t perms)
{
    uint64_t pa = zalloc(t, pages * LLA_PAGE_SIZE);
    unsigned int i;

    for (i = 0; i < pages; i++) {
        pt_map(t, iova + i * LLA_PAGE_SIZE, pa + i * LLA_PAGE_SIZE, perms);
    }
    return pa;
}

/* ---- rings ---- */

static void ring_setup(Lla *t, Ring *r, unsigned int q, uint32_t log2)
{
    uint64_t base = LLA_REG_QUEUE(q);
    size_t bytes = (size_t)64 << log2;

    r->q = q;
    r->log2 = log2;
    r->ring = zalloc(t, bytes);
    r->compl = zalloc(t, bytes);
    r->tail = 0;
    wr(t, base + LLA_Q_RING_LO, (uint32_t)r->ring);
    wr(t, base + LLA_Q_RING_HI, r->ring >> 32);
    wr(t, base + LLA_Q_RING_LOG2, log2);
    wr(t, base + LLA_Q_COMPL_LO, (uint32_t)r->compl);
    wr(t, base + LLA_Q_COMPL_HI, r->compl >> 32);
    wr(t, base + LLA_Q_CONTROL, LLA_Q_CONTROL_ENABLE);
    wr(t, LLA_REG_CONTROL, LLA_CONTROL_ENABLE);
}

/* Queue one descriptor; returns its slot. */
static uint32_t submit(Lla *t, Ring *r, uint64_t cmd_iova, uint32_t len,
                       uint64_t seq)
{
    struct lla_ring_desc d;
    uint32_t slot = r->tail;

    memset(&d, 0, sizeof(d));
    d.cmdbuf_iova = cpu_to_le64(cmd_iova);
    d.cmdbuf_len = cpu_to_le32(len);
    d.asid = cpu_to_le16(ASID);
    d.flags = cpu_to_le16(LLA_DESC_F_IRQ);
    d.seq = cpu_to_le64(seq);
    qtest_memwrite(t->qts, r->ring + (uint64_t)slot * 64, &d, sizeof(d));
    r->tail = (slot + 1) & ((1u << r->log2) - 1);
    wr(t, LLA_REG_QUEUE(r->q) + LLA_Q_TAIL, r->tail);
    return slot;
}

/* Poll until HEAD reaches the tail (all submitted jobs done). */
static bool wait_idle(Lla *t, Ring *r)
{
    int i;

    for (i = 0; i < WAIT_MS; i++) {
        if (rd(t, LLA_REG_QUEUE(r->q) + LLA_Q_HEAD) == r->tail &&
            !(rd(t, LLA_REG_QUEUE(r->q) + LLA_Q_STATUS) &
              LLA_Q_STATUS_BUSY)) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

static void compl_read(Lla *t, Ring *r, uint32_t slot, struct lla_completion *c)
{
    qtest_memread(t->qts, r->compl + (uint64_t)slot * 64, c, sizeof(*c));
    c->seq = le64_to_cpu(c->seq);
    c->status = le32_to_cpu(c->status);
    c->cmd_index = le32_to_cpu(c->cmd_index);
    c->fault_iova = le64_to_cpu(c->fault_iova);
    c->cycles = le64_to_cpu(c->cycles);
    c->start_cycle = le64_to_cpu(c->start_cycle);
    c->end_cycle = le64_to_cpu(c->end_cycle);
    c->flags = le32_to_cpu(c->flags);
}

static uint64_t qreg64(Lla *t, unsigned int q, uint64_t off)
{
    return rd64(t, LLA_REG_QUEUE(q) + off);
}

/* ---- command builders ---- */

static size_t put_nop(uint8_t *buf, size_t off)
{
    struct lla_cmd_nop c = {
        .hdr = { .opcode = LLA_OP_NOP, .size = sizeof(c) },
    };

    memcpy(buf + off, &c, sizeof(c));
    return off + sizeof(c);
}

static size_t put_copy(uint8_t *buf, size_t off, uint64_t src, uint64_t dst,
                       uint64_t len)
{
    struct lla_cmd_copy c = {
        .hdr = { .opcode = LLA_OP_COPY, .size = sizeof(c) },
        .src_iova = src,
        .dst_iova = dst,
        .len = len,
    };

    memcpy(buf + off, &c, sizeof(c));
    return off + sizeof(c);
}

static size_t put_sem(uint8_t *buf, size_t off, uint8_t opcode,
                      uint64_t iova, uint64_t value, uint8_t op)
{
    struct lla_cmd_sem c = {
        .hdr = { .opcode = opcode, .size = sizeof(c) },
        .iova = iova,
        .value = value,
        .op = op,
    };

    memcpy(buf + off, &c, sizeof(c));
    return off + sizeof(c);
}

/* IOVA layout of the tests */
#define IOVA_CMD        0x100000ull     /* command buffers, read-only */
#define IOVA_SRC        0x200000ull     /* read-only data */
#define IOVA_DST        0x300000ull     /* read/write data */
#define IOVA_RO         0x400000ull     /* read-only target for writes */
#define IOVA_UNMAPPED   0x7ff000ull

typedef struct Env {
    Lla t;
    Ring r;
    uint64_t cmd_pa, src_pa, dst_pa;
} Env;

static void env_start_machine(Env *e, const char *machine, const char *props)
{
    lla_start_machine(&e->t, machine, props);
    as_setup(&e->t, ASID);
    e->cmd_pa = map_new(&e->t, IOVA_CMD, 4, LLA_PTE_READ);
    e->src_pa = map_new(&e->t, IOVA_SRC, 2, LLA_PTE_READ);
    e->dst_pa = map_new(&e->t, IOVA_DST, 2, LLA_PTE_READ | LLA_PTE_WRITE);
    map_new(&e->t, IOVA_RO, 1, LLA_PTE_READ);
    ring_setup(&e->t, &e->r, 0, 4);
}

static void env_start(Env *e, const char *props)
{
    env_start_machine(e, "", props);
}

/* Write a command buffer into page @page of the command area. */
static uint64_t put_cmdbuf(Env *e, unsigned int page, const void *buf,
                           size_t len)
{
    qtest_memwrite(e->t.qts, e->cmd_pa + page * LLA_PAGE_SIZE, buf, len);
    return IOVA_CMD + page * LLA_PAGE_SIZE;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void test_identity(void)
{
    Lla t;

    lla_start(&t, ",queues=3,preset=tellme-kv260");
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_VENDOR_ID), ==,
                    LLA_PCI_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_DEVICE_ID), ==,
                    LLA_PCI_DEVICE_ID);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_CLASS_DEVICE), ==,
                    LLA_PCI_CLASS);
    g_assert_cmphex(qpci_config_readb(t.dev, PCI_REVISION_ID), ==,
                    LLA_PCI_REVISION);
    g_assert_cmphex(qpci_find_capability(t.dev, PCI_CAP_ID_MSIX, 0), !=, 0);

    g_assert_cmphex(rd(&t, LLA_REG_ID), ==, LLA_ID_MAGIC);
    g_assert_cmphex(rd(&t, LLA_REG_VERSION), ==,
                    LLA_VERSION(LLA_VERSION_MAJOR, LLA_VERSION_MINOR));
    g_assert_cmpuint(rd(&t, LLA_REG_NUM_QUEUES), ==, 3);
    g_assert_cmpuint(rd(&t, LLA_REG_NUM_AS), ==, LLA_MAX_AS);
    g_assert_cmphex(rd(&t, LLA_REG_CAPS) & LLA_CAP_MMU, ==, LLA_CAP_MMU);
    g_assert_cmphex(rd(&t, LLA_REG_CAPS) & LLA_CAP_QUEUE_RESET, ==,
                    LLA_CAP_QUEUE_RESET);
    g_assert_cmphex(rd(&t, LLA_REG_OPCODES), ==, (1u << LLA_OP_COUNT) - 1);
    g_assert_cmphex(rd(&t, LLA_REG_WFORMATS), ==, (1u << LLA_WFMT_COUNT) - 1);
    g_assert_cmpuint(rd(&t, LLA_REG_MAX_M), ==, LLA_MAX_M);
    g_assert_cmpuint(rd(&t, LLA_REG_MAX_N), ==, LLA_MAX_N);
    g_assert_cmpuint(rd(&t, LLA_REG_MAX_K), ==, LLA_MAX_K);
    g_assert_cmpuint(rd(&t, LLA_REG_MAX_CMDBUF), ==, LLA_MAX_CMDBUF_BYTES);
    g_assert_cmpuint(rd(&t, LLA_REG_RING_LOG2_MAX), ==, LLA_RING_LOG2_MAX);
    g_assert_cmpuint(rd(&t, LLA_REG_MAX_CTX), ==, LLA_MAX_CTX);
    g_assert_cmpuint(rd(&t, LLA_REG_PRESET), ==, LLA_PRESET_TELLME_KV260);
    g_assert_cmpuint(rd(&t, LLA_REG_CLOCK_KHZ), >, 0);
    g_assert_cmphex(rd(&t, LLA_REG_STATUS) & LLA_STATUS_READY, ==,
                    LLA_STATUS_READY);

    /* Scratch is read/write; identity registers are read-only. */
    wr(&t, LLA_REG_SCRATCH, 0xa5a55a5a);
    g_assert_cmphex(rd(&t, LLA_REG_SCRATCH), ==, 0xa5a55a5a);
    wr(&t, LLA_REG_ID, 0);
    g_assert_cmphex(rd(&t, LLA_REG_ID), ==, LLA_ID_MAGIC);
    /* Only aligned 4-byte accesses reach registers. */
    qpci_io_writeb(t.dev, t.bar, LLA_REG_SCRATCH, 0x11);
    qpci_io_writew(t.dev, t.bar, LLA_REG_SCRATCH, 0x2222);
    g_assert_cmphex(rd(&t, LLA_REG_SCRATCH), ==, 0xa5a55a5a);
    g_assert_cmphex(qpci_io_readw(t.dev, t.bar, LLA_REG_ID), ==, 0);
    /* Queue registers beyond the configured queues read as zero. */
    wr(&t, LLA_REG_QUEUE(5) + LLA_Q_RING_LOG2, 4);
    g_assert_cmpuint(rd(&t, LLA_REG_QUEUE(5) + LLA_Q_RING_LOG2), ==, 0);
    lla_stop(&t);
}

/* The identity is a set of properties: a silicon ID can be modelled. */
static void test_identity_props(void)
{
    Lla t;

    lla_start(&t, ",vendor-id=0x1e2f,device-id=0x4242,revision=7,"
              "class=0x0b40");
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_VENDOR_ID), ==, 0x1e2f);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_DEVICE_ID), ==, 0x4242);
    g_assert_cmphex(qpci_config_readb(t.dev, PCI_REVISION_ID), ==, 7);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_CLASS_DEVICE), ==, 0x0b40);
    /* Only the identity changes: the register file is the same. */
    g_assert_cmphex(rd(&t, LLA_REG_ID), ==, LLA_ID_MAGIC);
    lla_stop(&t);
}

/* The device's QOM counter of jobs run on the doorbell thread. */
static uint64_t inline_jobs(Lla *t)
{
    QDict *r = qtest_qmp(t->qts,
        "{'execute': 'qom-get', 'arguments': {"
        " 'path': '/machine/peripheral/lla0', 'property': 'inline-jobs' }}");
    uint64_t n;

    g_assert(qdict_haskey(r, "return"));
    n = qdict_get_int(r, "return");

    qobject_unref(r);
    return n;
}

/*
 * inline-short (default on): a job of only short commands runs on the
 * thread that wrote TAIL, so it is complete, its interrupt raised, when
 * the write returns; a job with a COPY of more than a page, and any job
 * with inline-short=off, runs on the queue's worker, with the same
 * result.  The semaphore counts once either way.
 */
static void test_inline_short(void)
{
    static const char *const props[] = { ",id=lla0",
                                         ",id=lla0,inline-short=off" };
    unsigned int p;

    for (p = 0; p < ARRAY_SIZE(props); p++) {
        bool inl = p == 0;
        struct lla_completion c;
        uint8_t buf[64], big[2 * LLA_PAGE_SIZE];
        uint32_t sem, slot, head;
        uint64_t iova;
        size_t len;
        Env e;

        env_start(&e, props[p]);
        wr(&e.t, LLA_REG_IRQ_MASK, LLA_IRQ_QUEUE(0) | LLA_IRQ_ERROR);

        len = put_nop(buf, 0);
        len = put_sem(buf, len, LLA_OP_SEM_SIGNAL, IOVA_DST, 5, LLA_SEM_ADD);
        iova = put_cmdbuf(&e, 0, buf, len);
        slot = submit(&e.t, &e.r, iova, len, 7);
        head = rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_HEAD);
        g_assert_cmpuint(inline_jobs(&e.t), ==, inl);
        if (inl) {
            /* No wait: done within the doorbell write. */
            g_assert_cmpuint(head, ==, e.r.tail);
            g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==,
                            LLA_IRQ_QUEUE(0));
        }
        g_assert(wait_idle(&e.t, &e.r));
        compl_read(&e.t, &e.r, slot, &c);
        g_assert_cmpuint(c.seq, ==, 7);
        g_assert_cmpuint(c.status, ==, LLA_OK);
        g_assert_cmpuint(c.cmd_index, ==, 2);
        qtest_memread(e.t.qts, e.dst_pa, &sem, sizeof(sem));
        g_assert_cmpuint(le32_to_cpu(sem), ==, 5);

        /* More than a page: never inline, same outcome. */
        memset(big, 0x5a, sizeof(big));
        qtest_memwrite(e.t.qts, e.src_pa, big, sizeof(big));
        len = put_copy(buf, 0, IOVA_SRC, IOVA_DST + 8, sizeof(big) - 8);
        iova = put_cmdbuf(&e, 1, buf, len);
        slot = submit(&e.t, &e.r, iova, len, 8);
        g_assert(wait_idle(&e.t, &e.r));
        compl_read(&e.t, &e.r, slot, &c);
        g_assert_cmpuint(c.status, ==, LLA_OK);
        qtest_memread(e.t.qts, e.dst_pa + 8, big, sizeof(big) - 8);
        g_assert_cmpuint(big[0], ==, 0x5a);
        g_assert_cmpuint(big[sizeof(big) - 9], ==, 0x5a);
        g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_JOBS), ==, 2);
        g_assert_cmpuint(inline_jobs(&e.t), ==, inl);
        lla_stop(&e.t);
    }
}

static void test_nop_copy(void)
{
    Env e;
    uint8_t buf[256], src[300], dst[300];
    struct lla_completion c;
    size_t len;
    uint64_t iova, hb;
    uint32_t s0, s1;
    unsigned int i;

    env_start(&e, "");
    wr(&e.t, LLA_REG_IRQ_MASK, LLA_IRQ_QUEUE(0) | LLA_IRQ_ERROR);
    qpci_msix_enable(e.t.dev);

    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    s0 = submit(&e.t, &e.r, iova, len, 41);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s0, &c);
    g_assert_cmphex(c.flags & LLA_COMPL_F_VALID, ==, LLA_COMPL_F_VALID);
    g_assert_cmpuint(c.seq, ==, 41);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.cmd_index, ==, 1);
    g_assert_cmpuint(c.end_cycle, ==, c.start_cycle + c.cycles);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 41);

    /* COPY 300 bytes across a page boundary of the source. */
    for (i = 0; i < sizeof(src); i++) {
        src[i] = (uint8_t)(i * 7 + 3);
    }
    qtest_memwrite(e.t.qts, e.src_pa + LLA_PAGE_SIZE - 100, src, sizeof(src));
    len = put_nop(buf, 0);
    len = put_copy(buf, len, IOVA_SRC + LLA_PAGE_SIZE - 100, IOVA_DST + 8,
                   sizeof(src));
    iova = put_cmdbuf(&e, 1, buf, len);
    s1 = submit(&e.t, &e.r, iova, len, 0x100000042ull);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s1, &c);
    g_assert_cmpuint(c.seq, ==, 0x100000042ull);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.cmd_index, ==, 2);
    g_assert_cmpuint(c.cycles, >, 0);
    qtest_memread(e.t.qts, e.dst_pa + 8, dst, sizeof(dst));
    g_assert(memcmp(src, dst, sizeof(src)) == 0);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 0x100000042ull);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_HEAD), ==, 2);

    /* Counters, heartbeat and clock. */
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_JOBS), ==, 2);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_COMMANDS), ==, 3);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_ERRORS), ==, 0);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_DMA_WR_BYTES), >=, sizeof(src));
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_DMA_RD_BYTES), >=, sizeof(src));
    hb = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    g_assert_cmpuint(hb, >=, 3);
    g_assert_cmpuint(rd64(&e.t, LLA_REG_CYCLES_LO), >=, c.end_cycle);

    /* Interrupt status, W1C, and the MSI-X message (vector masked). */
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==, LLA_IRQ_QUEUE(0));
    g_assert(qpci_msix_pending(e.t.dev, LLA_MSIX_VEC_QUEUE(0)));
    g_assert(!qpci_msix_pending(e.t.dev, LLA_MSIX_VEC_ERROR(4)));
    wr(&e.t, LLA_REG_IRQ_STATUS, LLA_IRQ_QUEUE(0));
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==, 0);
    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_STATUS), ==, 0);
    lla_stop(&e.t);
}

static void test_mmu_fault(void)
{
    Env e;
    uint8_t buf[256];
    struct lla_completion c;
    size_t len;
    uint64_t iova;
    uint32_t s, info;

    env_start(&e, "");
    wr(&e.t, LLA_REG_IRQ_MASK, LLA_IRQ_QUEUE(0) | LLA_IRQ_ERROR);

    /* Command 1 reads an unmapped page. */
    len = put_nop(buf, 0);
    len = put_copy(buf, len, IOVA_UNMAPPED + 0x10, IOVA_DST, 64);
    iova = put_cmdbuf(&e, 0, buf, len);
    s = submit(&e.t, &e.r, iova, len, 7);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_ERR_MMU_FAULT);
    g_assert_cmpuint(c.cmd_index, ==, 1);
    g_assert_cmphex(c.fault_iova, ==, IOVA_UNMAPPED + 0x10);
    g_assert_cmphex(c.flags & LLA_COMPL_F_FAULT_WRITE, ==, 0);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 7);

    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_STATUS), ==,
                    LLA_FAULT_STATUS_VALID);
    g_assert_cmpuint(rd(&e.t, LLA_REG_FAULT_AS), ==, ASID);
    g_assert_cmphex(rd64(&e.t, LLA_REG_FAULT_IOVA_LO), ==,
                    IOVA_UNMAPPED + 0x10);
    info = rd(&e.t, LLA_REG_FAULT_INFO);
    g_assert_cmpuint((info >> LLA_FAULT_INFO_CODE_SHIFT) &
                     LLA_FAULT_INFO_CODE_MASK, ==, LLA_ERR_MMU_FAULT);
    g_assert_cmpuint((info >> LLA_FAULT_INFO_QUEUE_SHIFT) &
                     LLA_FAULT_INFO_QUEUE_MASK, ==, 0);
    g_assert_cmphex(info & LLA_FAULT_INFO_WRITE, ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_FAULT_COUNT), ==, 1);
    g_assert_cmpuint(rd(&e.t, LLA_REG_ERROR_COUNT), ==, 1);
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==,
                    LLA_IRQ_QUEUE(0) | LLA_IRQ_ERROR);

    /* A write to a read-only page: MMU_PERM; the first fault stays. */
    len = put_copy(buf, 0, IOVA_SRC, IOVA_RO + 0x20, 16);
    iova = put_cmdbuf(&e, 1, buf, len);
    s = submit(&e.t, &e.r, iova, len, 8);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_ERR_MMU_PERM);
    g_assert_cmpuint(c.cmd_index, ==, 0);
    g_assert_cmphex(c.fault_iova, ==, IOVA_RO + 0x20);
    g_assert_cmphex(c.flags & LLA_COMPL_F_FAULT_WRITE, ==,
                    LLA_COMPL_F_FAULT_WRITE);
    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_STATUS), ==,
                    LLA_FAULT_STATUS_VALID | LLA_FAULT_STATUS_OVERFLOW);
    g_assert_cmphex(rd64(&e.t, LLA_REG_FAULT_IOVA_LO), ==,
                    IOVA_UNMAPPED + 0x10);
    g_assert_cmpuint(rd(&e.t, LLA_REG_FAULT_COUNT), ==, 2);

    /* W1C, then the next fault latches again. */
    wr(&e.t, LLA_REG_FAULT_STATUS,
       LLA_FAULT_STATUS_VALID | LLA_FAULT_STATUS_OVERFLOW);
    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_STATUS), ==, 0);
    s = submit(&e.t, &e.r, iova, len, 9);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_STATUS), ==,
                    LLA_FAULT_STATUS_VALID);
    g_assert_cmphex(rd64(&e.t, LLA_REG_FAULT_IOVA_LO), ==, IOVA_RO + 0x20);
    info = rd(&e.t, LLA_REG_FAULT_INFO);
    g_assert_cmphex(info & LLA_FAULT_INFO_WRITE, ==, LLA_FAULT_INFO_WRITE);
    g_assert_cmpuint((info >> LLA_FAULT_INFO_CODE_SHIFT) &
                     LLA_FAULT_INFO_CODE_MASK, ==, LLA_ERR_MMU_PERM);

    /* A descriptor naming a disabled address space. */
    wr(&e.t, LLA_REG_MMU_AS(ASID) + LLA_MMU_AS_CONFIG, 0);
    s = submit(&e.t, &e.r, iova, len, 10);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_ERR_BAD_AS);
    g_assert_cmpuint(c.seq, ==, 10);
    lla_stop(&e.t);
}

static void test_bad_command(void)
{
    Env e;
    uint8_t buf[256];
    struct lla_completion c;
    struct lla_cmd_hdr bad = { .opcode = 0xee, .size = 8 };
    size_t len;
    uint64_t iova;
    uint32_t s;

    env_start(&e, "");
    len = put_nop(buf, 0);
    len = put_nop(buf, len);
    memcpy(buf + len, &bad, sizeof(bad));
    len += sizeof(bad);
    iova = put_cmdbuf(&e, 0, buf, len);
    s = submit(&e.t, &e.r, iova, len, 77);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.seq, ==, 77);
    g_assert_cmpuint(c.status, ==, LLA_ERR_BAD_OPCODE);
    g_assert_cmpuint(c.cmd_index, ==, 2);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_ERRORS), ==, 1);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_COMMANDS), ==, 0);
    /* A validation error is no fault. */
    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_STATUS), ==, 0);

    /* A command buffer length that is not a multiple of 8. */
    s = submit(&e.t, &e.r, iova, 12, 78);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_ERR_CMDBUF);

    /* The queue still works afterwards. */
    s = submit(&e.t, &e.r, iova, 16, 79);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.cmd_index, ==, 2);
    lla_stop(&e.t);
}

static void test_global_reset(void)
{
    Env e;
    uint8_t buf[64];
    size_t len;
    uint64_t iova;

    env_start(&e, "");
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    submit(&e.t, &e.r, iova, len, 5);
    g_assert(wait_idle(&e.t, &e.r));
    wr(&e.t, LLA_REG_SCRATCH, 0x1234);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_JOBS), ==, 1);

    /* A wrong magic does nothing. */
    wr(&e.t, LLA_REG_RESET, 0x1);
    g_assert_cmpuint(rd(&e.t, LLA_REG_RESET_COUNT), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_SCRATCH), ==, 0x1234);

    wr(&e.t, LLA_REG_RESET, LLA_RESET_MAGIC);
    g_assert_cmpuint(rd(&e.t, LLA_REG_RESET_COUNT), ==, 1);
    g_assert_cmpuint(rd(&e.t, LLA_REG_SCRATCH), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_CONTROL), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_IRQ_STATUS), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_IRQ_MASK), ==, 0);
    g_assert_cmpuint(rd64(&e.t, LLA_REG_HEARTBEAT_LO), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_MMU_AS(ASID) + LLA_MMU_AS_CONFIG), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_RING_LO), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_CONTROL), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_HEAD), ==, 0);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 0);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_JOBS), ==, 0);
    g_assert_cmphex(rd(&e.t, LLA_REG_ID), ==, LLA_ID_MAGIC);
    g_assert_cmphex(rd(&e.t, LLA_REG_STATUS), ==, LLA_STATUS_READY);

    /* Reprogrammed after the reset, the device runs jobs again. */
    as_setup(&e.t, ASID);
    e.cmd_pa = map_new(&e.t, IOVA_CMD, 1, LLA_PTE_READ);
    iova = put_cmdbuf(&e, 0, buf, len);
    ring_setup(&e.t, &e.r, 0, 3);
    submit(&e.t, &e.r, iova, len, 6);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 6);
    lla_stop(&e.t);
}

/* Queue 1 hangs (fault injection); queue 0 keeps running; reset ends it. */
static void test_hang_queue_reset(void)
{
    Env e;
    Ring r1;
    uint8_t buf[64];
    struct lla_completion c;
    size_t len;
    uint64_t iova, hb;
    uint32_t s;
    int i;

    env_start(&e, ",inject-hang-queue=1");
    ring_setup(&e.t, &r1, 1, 2);
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    s = submit(&e.t, &r1, iova, len, 100);
    for (i = 0; i < WAIT_MS; i++) {
        if (rd(&e.t, LLA_REG_QUEUE(1) + LLA_Q_STATUS) & LLA_Q_STATUS_BUSY) {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmphex(rd(&e.t, LLA_REG_QUEUE(1) + LLA_Q_STATUS) &
                    LLA_Q_STATUS_BUSY, ==, LLA_Q_STATUS_BUSY);
    g_assert_cmphex(rd(&e.t, LLA_REG_STATUS) & LLA_STATUS_BUSY, ==,
                    LLA_STATUS_BUSY);

    /* Another queue is not blocked by the hung one. */
    submit(&e.t, &e.r, iova, len, 200);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 200);
    hb = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    g_usleep(50 * 1000);
    g_assert_cmpuint(rd64(&e.t, LLA_REG_HEARTBEAT_LO), ==, hb);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(1) + LLA_Q_HEAD), ==, 0);

    /* Queue reset aborts the job with LLA_ERR_RESET. */
    wr(&e.t, LLA_REG_QUEUE(1) + LLA_Q_RESET, LLA_RESET_MAGIC);
    compl_read(&e.t, &r1, s, &c);
    g_assert_cmpuint(c.seq, ==, 100);
    g_assert_cmpuint(c.status, ==, LLA_ERR_RESET);
    g_assert_cmphex(rd(&e.t, LLA_REG_QUEUE(1) + LLA_Q_STATUS), ==, 0);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(1) + LLA_Q_RING_LO), ==, 0);
    g_assert_cmpuint(qreg64(&e.t, 1, LLA_Q_DONE_SEQ_LO), ==, 0);
    /* Queue 0 is untouched by queue 1's reset. */
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 200);
    g_assert_cmpuint(rd(&e.t, LLA_REG_RESET_COUNT), ==, 0);

    /* A global reset aborts a hung job the same way. */
    ring_setup(&e.t, &r1, 1, 2);
    s = submit(&e.t, &r1, iova, len, 101);
    for (i = 0; i < WAIT_MS; i++) {
        if (rd(&e.t, LLA_REG_QUEUE(1) + LLA_Q_STATUS) & LLA_Q_STATUS_BUSY) {
            break;
        }
        g_usleep(1000);
    }
    wr(&e.t, LLA_REG_RESET, LLA_RESET_MAGIC);
    compl_read(&e.t, &r1, s, &c);
    g_assert_cmpuint(c.seq, ==, 101);
    g_assert_cmpuint(c.status, ==, LLA_ERR_RESET);
    g_assert_cmpuint(rd(&e.t, LLA_REG_RESET_COUNT), ==, 1);
    g_assert_cmphex(rd(&e.t, LLA_REG_STATUS), ==, LLA_STATUS_READY);
    lla_stop(&e.t);
}

/* Hot unplug while a job hangs: the workers stop, QEMU lives on. */
static void test_unplug(void)
{
    Env e;
    uint8_t buf[64];
    size_t len;
    uint64_t iova;
    QDict *resp;
    int i;

    env_start(&e, ",id=acc,inject-hang-queue=0");
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    submit(&e.t, &e.r, iova, len, 1);
    for (i = 0; i < WAIT_MS; i++) {
        if (rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_STATUS) & LLA_Q_STATUS_BUSY) {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmphex(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_STATUS) &
                    LLA_Q_STATUS_BUSY, ==, LLA_Q_STATUS_BUSY);
    qpci_unplug_acpi_device_test(e.t.qts, "acc", 4);
    resp = qtest_qmp(e.t.qts, "{'execute': 'query-status'}");
    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    lla_stop(&e.t);
}

static void test_inject(void)
{
    Env e;
    uint8_t buf[64];
    struct lla_completion c;
    size_t len;
    uint64_t iova;
    uint32_t s;

    /*
     * The 1st DMA (the command buffer fetch) fails; the 2nd completion
     * record is corrupted; the 3rd interrupt message is dropped.
     */
    env_start(&e, ",inject-dma-fail=1,inject-corrupt-compl=2,"
              "inject-drop-irq=3");
    wr(&e.t, LLA_REG_IRQ_MASK, LLA_IRQ_QUEUE(0));
    qpci_msix_enable(e.t.dev);
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);

    s = submit(&e.t, &e.r, iova, len, 1);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_ERR_DMA);
    g_assert_cmphex(c.fault_iova, ==, iova);
    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_STATUS), ==,
                    LLA_FAULT_STATUS_VALID);

    s = submit(&e.t, &e.r, iova, len, 2);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmphex(c.seq, ==, ~2ull);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 2);
    g_assert(qpci_msix_pending(e.t.dev, 0));

    /* Clear the pending bit by unmasking the vector, then job 3. */
    qpci_io_writel(e.t.dev, e.t.dev->msix_table_bar,
                   e.t.dev->msix_table_off + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    g_assert(!qpci_msix_pending(e.t.dev, 0));
    qpci_io_writel(e.t.dev, e.t.dev->msix_table_bar,
                   e.t.dev->msix_table_off + PCI_MSIX_ENTRY_VECTOR_CTRL,
                   PCI_MSIX_ENTRY_CTRL_MASKBIT);
    wr(&e.t, LLA_REG_IRQ_STATUS, 0xffffffff);
    s = submit(&e.t, &e.r, iova, len, 3);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.seq, ==, 3);
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==, LLA_IRQ_QUEUE(0));
    g_assert(!qpci_msix_pending(e.t.dev, 0));

    /* Job 4: interrupts are delivered again. */
    s = submit(&e.t, &e.r, iova, len, 4);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert(qpci_msix_pending(e.t.dev, 0));
    lla_stop(&e.t);
}

static void test_semaphore(void)
{
    Env e;
    Ring r1;
    uint8_t buf[128];
    struct lla_completion c;
    size_t len;
    uint64_t wait_iova, sig_iova;
    uint32_t s0, s1;

    env_start(&e, ",sem-timeout-ms=10000");
    ring_setup(&e.t, &r1, 1, 2);

    /* Queue 0 waits for *DST >= 5; queue 1 then adds 5 to it. */
    len = put_sem(buf, 0, LLA_OP_SEM_WAIT, IOVA_DST, 5, LLA_SEM_GE);
    len = put_nop(buf, len);
    wait_iova = put_cmdbuf(&e, 0, buf, len);
    s0 = submit(&e.t, &e.r, wait_iova, len, 11);
    g_usleep(20 * 1000);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_HEAD), ==, 0);

    len = put_sem(buf, 0, LLA_OP_SEM_SIGNAL, IOVA_DST, 5, LLA_SEM_ADD);
    sig_iova = put_cmdbuf(&e, 1, buf, len);
    s1 = submit(&e.t, &r1, sig_iova, len, 12);
    g_assert(wait_idle(&e.t, &r1));
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &r1, s1, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    compl_read(&e.t, &e.r, s0, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.cmd_index, ==, 2);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_COMMANDS), ==, 2);
    lla_stop(&e.t);

    /* Never satisfied: LLA_ERR_TIMEOUT at the SEM_WAIT's index. */
    env_start(&e, ",sem-timeout-ms=100");
    len = put_nop(buf, 0);
    len = put_sem(buf, len, LLA_OP_SEM_WAIT, IOVA_DST, 1, LLA_SEM_EQ);
    wait_iova = put_cmdbuf(&e, 0, buf, len);
    s0 = submit(&e.t, &e.r, wait_iova, len, 13);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s0, &c);
    g_assert_cmpuint(c.status, ==, LLA_ERR_TIMEOUT);
    g_assert_cmpuint(c.cmd_index, ==, 1);
    lla_stop(&e.t);
}

/* A misprogrammed ring stops the queue instead of running wild. */
static void test_bad_ring(void)
{
    Lla t;
    uint64_t q = LLA_REG_QUEUE(0);

    lla_start(&t, "");
    wr(&t, LLA_REG_CONTROL, LLA_CONTROL_ENABLE);
    wr(&t, q + LLA_Q_RING_LO, 0x1000);
    wr(&t, q + LLA_Q_RING_LOG2, 13);            /* above the maximum */
    wr(&t, q + LLA_Q_COMPL_LO, 0x2000);
    wr(&t, q + LLA_Q_CONTROL, LLA_Q_CONTROL_ENABLE);
    wr(&t, q + LLA_Q_TAIL, 1);
    g_usleep(20 * 1000);
    g_assert_cmphex(rd(&t, q + LLA_Q_STATUS) & LLA_Q_STATUS_STOPPED, ==,
                    LLA_Q_STATUS_STOPPED);
    g_assert_cmpuint(rd(&t, q + LLA_Q_HEAD), ==, 0);
    /* Geometry is locked while enabled. */
    wr(&t, q + LLA_Q_RING_LOG2, 2);
    g_assert_cmpuint(rd(&t, q + LLA_Q_RING_LOG2), ==, 13);
    wr(&t, q + LLA_Q_RESET, LLA_RESET_MAGIC);
    g_assert_cmphex(rd(&t, q + LLA_Q_STATUS), ==, 0);
    g_assert_cmpuint(rd(&t, q + LLA_Q_RING_LOG2), ==, 0);
    lla_stop(&t);
}

/* Point MSI-X vector @v at guest RAM @addr with @data and unmask it. */
static void msix_setup_vector(Lla *t, unsigned int v, uint64_t addr,
                              uint32_t data)
{
    uint64_t off = t->dev->msix_table_off + v * PCI_MSIX_ENTRY_SIZE;

    qpci_io_writel(t->dev, t->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)addr);
    qpci_io_writel(t->dev, t->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32);
    qpci_io_writel(t->dev, t->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_DATA, data);
    qpci_io_writel(t->dev, t->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
}

static bool wait_mem32(Lla *t, uint64_t addr, uint32_t val)
{
    int i;

    for (i = 0; i < WAIT_MS; i++) {
        if (qtest_readl(t->qts, addr) == val) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

/* MSI-X messages really written: queue vector, error vector, IRQ_MASK. */
static void test_msix_delivery(void)
{
    Env e;
    uint8_t buf[64];
    size_t len;
    uint64_t iova, iova_bad, msg;

    env_start(&e, "");
    msg = zalloc(&e.t, LLA_PAGE_SIZE);
    qpci_msix_enable(e.t.dev);
    g_assert_cmpuint(qpci_msix_table_size(e.t.dev), ==, 5);
    msix_setup_vector(&e.t, LLA_MSIX_VEC_QUEUE(0), msg, 0xc0de0000);
    msix_setup_vector(&e.t, LLA_MSIX_VEC_ERROR(4), msg + 16, 0xc0de0004);
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    len = put_copy(buf, 0, IOVA_UNMAPPED, IOVA_DST, 8);
    iova_bad = put_cmdbuf(&e, 1, buf, len);

    /* IRQ_MASK clear: status is set, no message. */
    submit(&e.t, &e.r, iova, 8, 1);
    g_assert(wait_idle(&e.t, &e.r));
    g_usleep(10 * 1000);
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==, LLA_IRQ_QUEUE(0));
    g_assert_cmphex(qtest_readl(e.t.qts, msg), ==, 0);

    /* Unmasking the pending cause sends its message. */
    wr(&e.t, LLA_REG_IRQ_MASK, LLA_IRQ_QUEUE(0) | LLA_IRQ_ERROR);
    g_assert(wait_mem32(&e.t, msg, 0xc0de0000));
    qtest_writel(e.t.qts, msg, 0);
    wr(&e.t, LLA_REG_IRQ_STATUS, LLA_IRQ_QUEUE(0));
    submit(&e.t, &e.r, iova, 8, 2);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert(wait_mem32(&e.t, msg, 0xc0de0000));
    g_assert_cmphex(qtest_readl(e.t.qts, msg + 16), ==, 0);

    /* A fault: the queue vector and the error vector. */
    qtest_writel(e.t.qts, msg, 0);
    submit(&e.t, &e.r, iova_bad, len, 3);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert(wait_mem32(&e.t, msg + 16, 0xc0de0004));
    g_assert(wait_mem32(&e.t, msg, 0xc0de0000));
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==,
                    LLA_IRQ_QUEUE(0) | LLA_IRQ_ERROR);
    lla_stop(&e.t);
}

/*
 * The heartbeat also ticks from the memory path (one per 64 KiB), so a
 * single long command shows progress: a 1 MiB COPY (source and
 * destination each one physical page mapped 256 times) moves 2 MiB.
 */
static void test_heartbeat(void)
{
    enum { PAGES = 256 };
    const uint64_t src = 0x20000000ull, dst = 0x30000000ull;
    struct lla_completion c;
    uint64_t pa_src, pa_dst, iova, hb;
    uint8_t buf[64];
    unsigned int i;
    size_t len;
    uint32_t s;
    Env e;

    env_start(&e, "");
    pa_src = zalloc(&e.t, LLA_PAGE_SIZE);
    pa_dst = zalloc(&e.t, LLA_PAGE_SIZE);
    for (i = 0; i < PAGES; i++) {
        pt_map(&e.t, src + i * LLA_PAGE_SIZE, pa_src, LLA_PTE_READ);
        pt_map(&e.t, dst + i * LLA_PAGE_SIZE, pa_dst,
               LLA_PTE_READ | LLA_PTE_WRITE);
    }
    qtest_memset(e.t.qts, pa_src, 0x5a, LLA_PAGE_SIZE);
    len = put_copy(buf, 0, src, dst, PAGES * LLA_PAGE_SIZE);
    iova = put_cmdbuf(&e, 0, buf, len);
    s = submit(&e.t, &e.r, iova, len, 1);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmphex(qtest_readq(e.t.qts, pa_dst + 64), ==,
                    0x5a5a5a5a5a5a5a5aull);
    hb = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    g_assert_cmpuint(hb, >=, 1 + 2 * PAGES * LLA_PAGE_SIZE / (64 * 1024));
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_DMA_WR_BYTES), ==,
                     PAGES * LLA_PAGE_SIZE);
    lla_stop(&e.t);
}

/*
 * Without bus mastering every DMA fails: the descriptor fetch stops the
 * queue and latches a DMA fault at the descriptor's bus address.
 */
static void test_no_bus_master(void)
{
    Env e;
    uint8_t buf[64];
    size_t len;
    uint64_t iova;
    uint16_t cmd;
    uint32_t info;
    int i;

    env_start(&e, "");
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    cmd = qpci_config_readw(e.t.dev, PCI_COMMAND);
    qpci_config_writew(e.t.dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
    submit(&e.t, &e.r, iova, len, 1);
    for (i = 0; i < WAIT_MS; i++) {
        if (rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_STATUS) &
            LLA_Q_STATUS_STOPPED) {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmphex(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_STATUS), ==,
                    LLA_Q_STATUS_STOPPED);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_HEAD), ==, 0);
    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_STATUS), ==,
                    LLA_FAULT_STATUS_VALID);
    g_assert_cmphex(rd64(&e.t, LLA_REG_FAULT_IOVA_LO), ==, e.r.ring);
    g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_AS), ==, 0xffffffff);
    info = rd(&e.t, LLA_REG_FAULT_INFO);
    g_assert_cmpuint((info >> LLA_FAULT_INFO_CODE_SHIFT) &
                     LLA_FAULT_INFO_CODE_MASK, ==, LLA_ERR_DMA);
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS) & LLA_IRQ_ERROR, ==,
                    LLA_IRQ_ERROR);

    /* Bus master back on and the queue re-enabled: the job runs. */
    qpci_config_writew(e.t.dev, PCI_COMMAND, cmd);
    wr(&e.t, LLA_REG_QUEUE(0) + LLA_Q_CONTROL, 0);
    wr(&e.t, LLA_REG_QUEUE(0) + LLA_Q_CONTROL, LLA_Q_CONTROL_ENABLE);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 1);
    lla_stop(&e.t);
}

/* On q35 the device sits on the PCIe root complex. */
static void test_q35(void)
{
    Env e;
    uint8_t buf[64];
    struct lla_completion c;
    size_t len;
    uint64_t iova;
    uint8_t cap;
    uint32_t s;

    env_start_machine(&e, "-machine q35 ", "");
    cap = qpci_find_capability(e.t.dev, PCI_CAP_ID_EXP, 0);
    g_assert_cmphex(cap, !=, 0);
    g_assert_cmphex((qpci_config_readw(e.t.dev, cap + PCI_EXP_FLAGS) &
                     PCI_EXP_FLAGS_TYPE) >> 4, ==, PCI_EXP_TYPE_RC_END);
    g_assert_cmphex(qpci_find_capability(e.t.dev, PCI_CAP_ID_MSIX, 0), !=, 0);
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    s = submit(&e.t, &e.r, iova, len, 99);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.seq, ==, 99);
    lla_stop(&e.t);
}

/* T2 code of a ternary weight, 4 per byte, weight i at bits 2i. */
static void pack_t2(const int8_t *w, unsigned int k, uint8_t *dst)
{
    unsigned int i;

    memset(dst, 0, (k + 3) / 4);
    for (i = 0; i < k; i++) {
        dst[i / 4] |= (uint8_t)((w[i] + 1) << (2 * (i % 4)));
    }
}

/*
 * TLMM through the device, compared bit for bit with a direct golden:
 * y[m][n] = (float)sum_k x[m][k] * w[n][k] / x_scale[m] * gamma.
 */
static void run_tlmm(const char *props)
{
    enum { M = 3, N = 5, K = 24, XS = 32, WS = 8, YS = 32 };
    static const float xscale[M] = { 12.5f, 0.75f, 3.0f };
    const float gamma = 0.3125f;
    int8_t x[M][XS], w[N][K];
    uint8_t wp[N][WS], buf[256];
    float gold[M][YS / 4], y[M][YS / 4];
    struct lla_cmd_tlmm c;
    struct lla_completion cr;
    uint64_t iova;
    uint32_t s, gbits;
    unsigned int m, n, k;
    Env e;

    memset(x, 0, sizeof(x));
    memset(wp, 0, sizeof(wp));
    memset(gold, 0, sizeof(gold));
    for (m = 0; m < M; m++) {
        for (k = 0; k < K; k++) {
            x[m][k] = (int8_t)((int)((m * 37 + k * 11) % 255) - 127);
        }
    }
    for (n = 0; n < N; n++) {
        for (k = 0; k < K; k++) {
            w[n][k] = (int8_t)((int)((n * 7 + k * 5) % 3) - 1);
        }
        pack_t2(w[n], K, wp[n]);
    }
    for (m = 0; m < M; m++) {
        for (n = 0; n < N; n++) {
            int32_t acc = 0;

            for (k = 0; k < K; k++) {
                acc += x[m][k] * w[n][k];
            }
            gold[m][n] = (float)acc / xscale[m] * gamma;
        }
    }

    env_start(&e, props);
    qtest_memwrite(e.t.qts, e.src_pa, x, sizeof(x));
    qtest_memwrite(e.t.qts, e.src_pa + 0x200, wp, sizeof(wp));
    qtest_memwrite(e.t.qts, e.src_pa + 0x300, xscale, sizeof(xscale));
    memcpy(&gbits, &gamma, 4);
    memset(&c, 0, sizeof(c));
    c.hdr.opcode = LLA_OP_TLMM;
    c.hdr.size = sizeof(c);
    c.x_iova = IOVA_SRC;
    c.w_iova = IOVA_SRC + 0x200;
    c.x_scale_iova = IOVA_SRC + 0x300;
    c.y_iova = IOVA_DST;
    c.m = M;
    c.n = N;
    c.k = K;
    c.x_stride = XS;
    c.w_stride = WS;
    c.y_stride = YS;
    c.w_scale = gbits;
    c.wfmt = LLA_WFMT_T2;
    c.epi.act = LLA_ACT_NONE;
    c.epi.out_dtype = LLA_DTYPE_F32;
    memcpy(buf, &c, sizeof(c));
    iova = put_cmdbuf(&e, 0, buf, sizeof(c));
    s = submit(&e.t, &e.r, iova, sizeof(c), 1);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &cr);
    g_assert_cmpuint(cr.status, ==, LLA_OK);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_MACS), ==, M * N * K);
    memset(y, 0, sizeof(y));
    qtest_memread(e.t.qts, e.dst_pa, y, sizeof(y));
    g_assert(memcmp(y, gold, sizeof(y)) == 0);
    lla_stop(&e.t);
}

static void test_tlmm_lut(void)
{
    run_tlmm(",lut=on");
}

/* The default engine (fast kernels), and lut=off said explicitly. */
static void test_tlmm_direct(void)
{
    run_tlmm("");
    run_tlmm(",lut=off");
}

/*
 * Weights read in place (lla_mem.map_read, qemu-device/README.md): a T2
 * weight matrix over device pages whose guest pages are contiguous (one
 * host span) or scattered (a span per page, rows that straddle pages are
 * gathered), M = 1 and 3, against the golden; the DMA-read counter is the
 * same as for a copy.  Then one weight page unmapped, or mapped without
 * READ: the same fault (status, address) in both layouts, nothing
 * written.
 */
#define IOVA_W          0x500000ull
#define ZC_PAGES        8u

/* Guest page of weight page i: contiguous, or scattered (distinct). */
static uint64_t zc_pa(uint64_t base, bool scattered, unsigned int i)
{
    return base + (scattered ? (i * 5 + 3) % 16 : i) * LLA_PAGE_SIZE;
}

static void zc_write(Env *e, uint64_t base, bool scattered, uint64_t off,
                     const uint8_t *src, size_t len)
{
    while (len) {
        size_t n = LLA_PAGE_SIZE - (off & (LLA_PAGE_SIZE - 1));

        n = MIN(n, len);
        qtest_memwrite(e->t.qts, zc_pa(base, scattered,
                       off / LLA_PAGE_SIZE) + (off & (LLA_PAGE_SIZE - 1)),
                       src, n);
        off += n;
        src += n;
        len -= n;
    }
}

enum { ZC_OK, ZC_HOLE, ZC_NOREAD };

static void run_tlmm_zc(bool scattered, unsigned int M, int fault,
                        const char *props)
{
    enum { N = 40, K = 2500, RB = (K + 3) / 4, WOFF = 0x123, MMAX = 3 };
    static int8_t x[MMAX][K], w[K];
    static uint8_t wp[N * RB];
    static float gold[MMAX][N], y[MMAX][N];
    const float xscale[MMAX] = { 9.5f, 0.625f, 31.0f };
    const float gamma = 0.046875f;
    struct lla_cmd_tlmm c;
    struct lla_completion cr;
    uint64_t base, iova, rd0;
    unsigned int m, n, k, i;
    uint32_t s, gbits;
    Env e;

    g_assert(M <= MMAX);
    for (m = 0; m < M; m++) {
        for (k = 0; k < K; k++) {
            x[m][k] = (int8_t)((int)((m * 41 + k * 13) % 255) - 127);
        }
    }
    memset(gold, 0, sizeof(gold));
    for (n = 0; n < N; n++) {
        for (k = 0; k < K; k++) {
            w[k] = (int8_t)((int)((n * 7 + k * 5 + k / 3) % 3) - 1);
        }
        pack_t2(w, K, wp + n * RB);
        for (m = 0; m < M; m++) {
            int32_t acc = 0;

            for (k = 0; k < K; k++) {
                acc += x[m][k] * w[k];
            }
            gold[m][n] = (float)acc / xscale[m] * gamma;
        }
    }

    env_start(&e, props);
    base = zalloc(&e.t, 16 * LLA_PAGE_SIZE);
    for (i = 0; i < ZC_PAGES; i++) {
        uint64_t perms = LLA_PTE_READ;

        if (i == 3 && fault == ZC_HOLE) {
            continue;
        }
        if (i == 3 && fault == ZC_NOREAD) {
            perms = LLA_PTE_WRITE;
        }
        pt_map(&e.t, IOVA_W + i * LLA_PAGE_SIZE, zc_pa(base, scattered, i),
               perms);
    }
    zc_write(&e, base, scattered, WOFF, wp, sizeof(wp));
    qtest_memwrite(e.t.qts, e.src_pa, x, (size_t)M * K);
    qtest_memwrite(e.t.qts, e.src_pa + 0x1f00, xscale, sizeof(xscale));
    memcpy(&gbits, &gamma, 4);
    memset(&c, 0, sizeof(c));
    c.hdr.opcode = LLA_OP_TLMM;
    c.hdr.size = sizeof(c);
    c.x_iova = IOVA_SRC;
    c.x_scale_iova = IOVA_SRC + 0x1f00;
    c.w_iova = IOVA_W + WOFF;
    c.y_iova = IOVA_DST;
    c.m = M;
    c.n = N;
    c.k = K;
    c.x_stride = K;
    c.w_stride = RB;
    c.y_stride = 4 * N;
    c.w_scale = gbits;
    c.wfmt = LLA_WFMT_T2;
    c.epi.out_dtype = LLA_DTYPE_F32;
    iova = put_cmdbuf(&e, 0, &c, sizeof(c));
    rd0 = qreg64(&e.t, 0, LLA_Q_CNT_DMA_RD_BYTES);
    s = submit(&e.t, &e.r, iova, sizeof(c), 1);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &cr);
    memset(y, 0, sizeof(y));
    qtest_memread(e.t.qts, e.dst_pa, y, (size_t)M * N * 4);
    if (fault == ZC_OK) {
        g_assert_cmpuint(cr.status, ==, LLA_OK);
        g_assert(memcmp(y, gold, (size_t)M * N * 4) == 0);
        /* Command, activations, scales, weights: as for a copy. */
        g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_DMA_RD_BYTES) - rd0, ==,
                         sizeof(c) + (uint64_t)M * K + 4 * M +
                         (uint64_t)N * RB);
    } else {
        static const float zero[MMAX][N];

        g_assert_cmpuint(cr.status, ==, fault == ZC_HOLE ?
                         LLA_ERR_MMU_FAULT : LLA_ERR_MMU_PERM);
        g_assert_cmphex(cr.fault_iova, ==, IOVA_W + 3 * LLA_PAGE_SIZE);
        g_assert_cmpuint(cr.cmd_index, ==, 0);
        g_assert(!(cr.flags & LLA_COMPL_F_FAULT_WRITE));
        g_assert_cmphex(rd(&e.t, LLA_REG_FAULT_IOVA_LO), ==,
                        (uint32_t)(IOVA_W + 3 * LLA_PAGE_SIZE));
        g_assert(memcmp(y, zero, (size_t)M * N * 4) == 0);
    }
    lla_stop(&e.t);
}

static void test_tlmm_inplace_contiguous(void)
{
    run_tlmm_zc(false, 1, ZC_OK, "");
    run_tlmm_zc(false, 3, ZC_OK, "");
}

static void test_tlmm_inplace_scattered(void)
{
    run_tlmm_zc(true, 1, ZC_OK, "");
    run_tlmm_zc(true, 3, ZC_OK, "");
}

static void test_tlmm_inplace_faults(void)
{
    run_tlmm_zc(false, 1, ZC_HOLE, "");
    run_tlmm_zc(true, 1, ZC_HOLE, "");
    run_tlmm_zc(false, 1, ZC_NOREAD, "");
    run_tlmm_zc(true, 1, ZC_NOREAD, "");
}

/*
 * threads=N: the rtl-model's workers share the arithmetic, the queue's
 * thread does every access; the bits, counters and faults are the one
 * thread's.  N = 5 and N = 40 weight rows are not multiples of 2, 3
 * or 7; N = 5 is fewer rows than 7 threads; M = 1 reads the weights in
 * place (one page missing: the fault case), M = 3 copies them.
 */
static void test_tlmm_threads(void)
{
    static const char *const props[] = { ",threads=1", ",threads=2",
                                         ",threads=3", ",threads=7" };
    unsigned int i;

    for (i = 0; i < G_N_ELEMENTS(props); i++) {
        run_tlmm(props[i]);
        run_tlmm_zc(true, 1, ZC_OK, props[i]);
        run_tlmm_zc(false, 3, ZC_OK, props[i]);
        run_tlmm_zc(true, 1, ZC_HOLE, props[i]);
    }
}

/*
 * An in-place read is one access in flight from its map to its unmap:
 * MMU_INVALIDATE waits for it.  With inject-dma-delay-us=4000 mapping
 * the 64 pages of a 256 KiB weight block takes 256 ms; the test
 * invalidates in the middle of it, then overwrites the weights' guest
 * pages with other codes.  Had the invalidate returned while the engine
 * still held the pages, the result would use the new codes; it must be
 * the golden of the old ones.
 */
static void test_tlmm_inplace_invalidate(void)
{
    enum { N = 256, K = 4096, RB = K / 4 };
    static int8_t x[K], w[K];
    static uint8_t wp[N * RB], junk[N * RB];
    static float gold[N], y[N];
    const float xscale = 5.0f, gamma = 0.5f;
    struct lla_cmd_tlmm c;
    struct lla_completion cr;
    uint64_t wpa, iova;
    unsigned int n, k, i;
    uint32_t s, gbits;
    Env e;

    for (k = 0; k < K; k++) {
        x[k] = (int8_t)((int)((k * 29) % 255) - 127);
    }
    for (n = 0; n < N; n++) {
        int32_t acc = 0;

        for (k = 0; k < K; k++) {
            w[k] = (int8_t)((int)((n * 3 + k * 7) % 3) - 1);
            acc += x[k] * w[k];
        }
        pack_t2(w, K, wp + n * RB);
        gold[n] = (float)acc / xscale * gamma;
    }
    memset(junk, 0xaa, sizeof(junk));   /* every weight +1 */

    env_start(&e, ",inject-dma-delay-us=4000");
    wpa = map_new(&e.t, IOVA_W, N * RB / LLA_PAGE_SIZE, LLA_PTE_READ);
    qtest_memwrite(e.t.qts, wpa, wp, sizeof(wp));
    qtest_memwrite(e.t.qts, e.src_pa, x, sizeof(x));
    qtest_memwrite(e.t.qts, e.dst_pa, &xscale, 4);
    memcpy(&gbits, &gamma, 4);
    memset(&c, 0, sizeof(c));
    c.hdr.opcode = LLA_OP_TLMM;
    c.hdr.size = sizeof(c);
    c.x_iova = IOVA_SRC;
    c.x_scale_iova = IOVA_DST;
    c.w_iova = IOVA_W;
    c.y_iova = IOVA_DST + 0x100;
    c.m = 1;
    c.n = N;
    c.k = K;
    c.x_stride = K;
    c.w_stride = RB;
    c.y_stride = 4 * N;
    c.w_scale = gbits;
    c.wfmt = LLA_WFMT_T2;
    c.epi.out_dtype = LLA_DTYPE_F32;
    iova = put_cmdbuf(&e, 0, &c, sizeof(c));
    s = submit(&e.t, &e.r, iova, sizeof(c), 1);
    /* Command, x, scale: 3 transfers (12 ms), then 64 weight pages. */
    for (i = 0; i < 5000; i++) {
        if (rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_STATUS) & LLA_Q_STATUS_BUSY) {
            break;
        }
        g_usleep(100);
    }
    g_usleep(100 * 1000);
    wr(&e.t, LLA_REG_MMU_INVALIDATE, ASID);
    qtest_memwrite(e.t.qts, wpa, junk, sizeof(junk));
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &cr);
    g_assert_cmpuint(cr.status, ==, LLA_OK);
    qtest_memread(e.t.qts, e.dst_pa + 0x100, y, sizeof(y));
    g_assert(memcmp(y, gold, sizeof(y)) == 0);
    lla_stop(&e.t);
}

/*
 * MMU_INVALIDATE completes only when no access that used the old entries
 * is still in flight (hw-spec 5).  With inject-dma-delay-us every write
 * sits 20 ms between its translation and its transfer.  A job fills the
 * page at IOVA_DST (physical page A) again and again; once it has begun,
 * the test points IOVA_DST at page B, invalidates, then writes a marker
 * into A.  No device write may land in A after that, and B gets the rest.
 */
static void test_mmu_invalidate_inflight(void)
{
    enum { FILLS = 32 };
    uint8_t buf[FILLS * sizeof(struct lla_cmd_fill)];
    struct lla_completion c;
    uint64_t pa_b, iova, v;
    unsigned int i;
    size_t len = 0;
    uint32_t s;
    Env e;

    env_start(&e, ",inject-dma-delay-us=20000");
    pa_b = zalloc(&e.t, LLA_PAGE_SIZE);
    for (i = 0; i < FILLS; i++) {
        struct lla_cmd_fill f = {
            .hdr = { .opcode = LLA_OP_FILL, .size = sizeof(f) },
            .dst_iova = IOVA_DST, .len = 64, .value = 0x11111111,
        };

        memcpy(buf + len, &f, sizeof(f));
        len += sizeof(f);
    }
    iova = put_cmdbuf(&e, 0, buf, len);
    s = submit(&e.t, &e.r, iova, len, 1);
    /* The job has begun once page A shows its pattern. */
    for (i = 0; i < 100000; i++) {
        if (qtest_readq(e.t.qts, e.dst_pa) == 0x1111111111111111ull) {
            break;
        }
    }
    g_assert_cmphex(qtest_readq(e.t.qts, e.dst_pa), ==,
                    0x1111111111111111ull);
    pt_map(&e.t, IOVA_DST, pa_b, LLA_PTE_READ | LLA_PTE_WRITE);
    wr(&e.t, LLA_REG_MMU_INVALIDATE, ASID);
    qtest_writeq(e.t.qts, e.dst_pa, 0x7777777777777777ull);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    v = qtest_readq(e.t.qts, e.dst_pa);
    g_assert_cmphex(v, ==, 0x7777777777777777ull);
    g_assert_cmphex(qtest_readq(e.t.qts, pa_b), ==, 0x1111111111111111ull);
    lla_stop(&e.t);
}

/*
 * A TLMM of little memory and much computation: 64 x 256 x 1024 MACs over
 * 192 KiB of operands (every operand page maps one physical page).  The
 * heartbeat ticks once per 2^20 MACs computed (hw-spec 4.7), so it moves
 * at least 16 times, far more than the memory path alone gives (3): a
 * slow host never makes such a job look hung.
 */
static void test_heartbeat_compute(void)
{
    enum { M = 64, N = 256, K = 1024 };
    const uint64_t xi = 0x40000000ull, wi = 0x41000000ull,
                   si = 0x42000000ull, yi = 0x43000000ull;
    uint64_t pa_x, pa_w, pa_s, pa_y, iova, hb;
    struct lla_completion cr;
    struct lla_cmd_tlmm c;
    float one = 1.0f, gamma = 0.5f;
    unsigned int i;
    uint32_t s;
    Env e;

    env_start(&e, "");
    pa_x = zalloc(&e.t, LLA_PAGE_SIZE);
    pa_w = zalloc(&e.t, LLA_PAGE_SIZE);
    pa_s = zalloc(&e.t, LLA_PAGE_SIZE);
    pa_y = zalloc(&e.t, LLA_PAGE_SIZE);
    for (i = 0; i < 16; i++) {
        pt_map(&e.t, xi + i * LLA_PAGE_SIZE, pa_x, LLA_PTE_READ);
        pt_map(&e.t, wi + i * LLA_PAGE_SIZE, pa_w, LLA_PTE_READ);
        pt_map(&e.t, yi + i * LLA_PAGE_SIZE, pa_y,
               LLA_PTE_READ | LLA_PTE_WRITE);
    }
    pt_map(&e.t, si, pa_s, LLA_PTE_READ);
    for (i = 0; i < M; i++) {
        qtest_memwrite(e.t.qts, pa_s + 4 * i, &one, 4);
    }
    memset(&c, 0, sizeof(c));
    c.hdr.opcode = LLA_OP_TLMM;
    c.hdr.size = sizeof(c);
    c.x_iova = xi;
    c.w_iova = wi;
    c.x_scale_iova = si;
    c.y_iova = yi;
    c.m = M;
    c.n = N;
    c.k = K;
    c.x_stride = K;
    c.w_stride = K / 4;
    c.y_stride = 4 * N;
    memcpy(&c.w_scale, &gamma, 4);
    c.wfmt = LLA_WFMT_T2;
    c.epi.act = LLA_ACT_NONE;
    c.epi.out_dtype = LLA_DTYPE_F32;
    iova = put_cmdbuf(&e, 0, &c, sizeof(c));
    s = submit(&e.t, &e.r, iova, sizeof(c), 1);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &cr);
    g_assert_cmpuint(cr.status, ==, LLA_OK);
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_CNT_MACS), ==,
                     (uint64_t)M * N * K);
    hb = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    g_test_message("heartbeat %" PRIu64 " after %u MACs", hb, M * N * K);
    g_assert_cmpuint(hb, >=, (uint64_t)M * N * K >> 20);
    lla_stop(&e.t);
}

/*
 * pace=on: a job of 131072 NOPs (a 1 MiB command buffer: one page of
 * 512 NOPs mapped 256 times) completes no earlier than its modeled time.
 */
static void test_pace(void)
{
    enum { PAGES = 256 };
    struct lla_completion c;
    uint8_t page[LLA_PAGE_SIZE];
    uint64_t pa, khz, model_ms, t0, wall_ms;
    size_t off = 0;
    unsigned int i;
    uint32_t s;
    Env e;

    env_start(&e, ",pace=on,preset=tellme-kv260");
    while (off < sizeof(page)) {
        off = put_nop(page, off);
    }
    pa = zalloc(&e.t, LLA_PAGE_SIZE);
    qtest_memwrite(e.t.qts, pa, page, sizeof(page));
    for (i = 0; i < PAGES; i++) {
        pt_map(&e.t, 0x10000000ull + i * LLA_PAGE_SIZE, pa, LLA_PTE_READ);
    }
    t0 = g_get_monotonic_time();
    s = submit(&e.t, &e.r, 0x10000000ull, PAGES * LLA_PAGE_SIZE, 1);
    g_assert(wait_idle(&e.t, &e.r));
    wall_ms = (g_get_monotonic_time() - t0) / 1000;
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.cmd_index, ==, PAGES * 512);
    khz = rd(&e.t, LLA_REG_CLOCK_KHZ);
    g_assert_cmpuint(khz, ==, 250000);
    model_ms = c.cycles / khz;
    g_test_message("pace: modeled %" PRIu64 " ms, wall %" PRIu64 " ms",
                   model_ms, wall_ms);
    g_assert_cmpuint(model_ms, >=, 20);
    g_assert_cmpuint(wall_ms, >=, model_ms);
    lla_stop(&e.t);
}

/* Poll until queue @q is BUSY. */
static bool wait_busy(Lla *t, unsigned int q)
{
    int i;

    for (i = 0; i < WAIT_MS; i++) {
        if (rd(t, LLA_REG_QUEUE(q) + LLA_Q_STATUS) & LLA_Q_STATUS_BUSY) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

/*
 * The heartbeat is what the driver's watchdog samples (hw-spec 4.7):
 * it must move while a job is alive but waiting (blocked in SEM_WAIT,
 * or paced to its modeled time) and must stand still while a job hangs.
 */
static void test_heartbeat_alive(void)
{
    enum { PAGES = 256, NOPS = PAGES * LLA_PAGE_SIZE / 8 };
    uint8_t buf[64], page[LLA_PAGE_SIZE];
    struct lla_completion c;
    uint64_t hb0, hb1, iova, pa, extra, t0, wall_ms, model_ms;
    size_t len, off = 0;
    unsigned int i;
    uint32_t s;
    Env e;

    /* 1. Blocked in SEM_WAIT: every 1 ms poll ticks. */
    env_start(&e, ",sem-timeout-ms=20000");
    len = put_sem(buf, 0, LLA_OP_SEM_WAIT, IOVA_DST, 1, LLA_SEM_GE);
    iova = put_cmdbuf(&e, 0, buf, len);
    s = submit(&e.t, &e.r, iova, len, 1);
    g_assert(wait_busy(&e.t, 0));
    hb0 = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    g_usleep(100 * 1000);
    hb1 = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    g_test_message("heartbeat: +%" PRIu64 " in 100 ms of SEM_WAIT",
                   hb1 - hb0);
    g_assert_cmpuint(hb1 - hb0, >=, 10);
    g_assert_cmpuint(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_HEAD), ==, 0);
    g_assert_cmphex(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_STATUS), ==,
                    LLA_Q_STATUS_BUSY);
    /* The host releases the semaphore: the job completes. */
    qtest_writeq(e.t.qts, e.dst_pa, 1);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.cmd_index, ==, 1);
    lla_stop(&e.t);

    /*
     * 2. Paced: 131072 NOPs (33 ms modeled at 250 MHz) run in a few ms
     * and then wait for their modeled time.  Without pacing the job
     * ticks exactly once per command and once per 64 KiB of its 1 MiB
     * command buffer; every tick beyond that is a pacing slice.
     */
    env_start(&e, ",pace=on,preset=tellme-kv260");
    while (off < sizeof(page)) {
        off = put_nop(page, off);
    }
    pa = zalloc(&e.t, LLA_PAGE_SIZE);
    qtest_memwrite(e.t.qts, pa, page, sizeof(page));
    for (i = 0; i < PAGES; i++) {
        pt_map(&e.t, 0x10000000ull + i * LLA_PAGE_SIZE, pa, LLA_PTE_READ);
    }
    hb0 = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    t0 = g_get_monotonic_time();
    s = submit(&e.t, &e.r, 0x10000000ull, PAGES * LLA_PAGE_SIZE, 2);
    g_assert(wait_idle(&e.t, &e.r));
    wall_ms = (g_get_monotonic_time() - t0) / 1000;
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.cmd_index, ==, NOPS);
    hb1 = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    g_assert_cmpuint(hb1 - hb0, >=, NOPS + 16);
    extra = hb1 - hb0 - NOPS - 16;
    model_ms = c.cycles / 250000;
    g_test_message("heartbeat: %" PRIu64 " pacing ticks in a %" PRIu64
                   " ms paced job (wall %" PRIu64 " ms)", extra, model_ms,
                   wall_ms);
    /*
     * The job runs in a few ms (about 10 under ASan) and then sleeps;
     * only a host so loaded that running it took longer than its modeled
     * time leaves nothing to pace.
     */
    if (wall_ms < model_ms + 20) {
        g_assert_cmpuint(extra, >=, 1);
    }
    /* At most one tick per slice (>= 4 ms at ms resolution), plus one. */
    g_assert_cmpuint(extra, <=, (model_ms + 1) / 4 + 2);
    lla_stop(&e.t);

    /* 3. Hung (fault injection): no tick at all. */
    env_start(&e, ",inject-hang-queue=0");
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    submit(&e.t, &e.r, iova, len, 3);
    g_assert(wait_busy(&e.t, 0));
    hb0 = rd64(&e.t, LLA_REG_HEARTBEAT_LO);
    g_usleep(200 * 1000);
    g_assert_cmpuint(rd64(&e.t, LLA_REG_HEARTBEAT_LO), ==, hb0);
    g_assert_cmphex(rd(&e.t, LLA_REG_QUEUE(0) + LLA_Q_STATUS), ==,
                    LLA_Q_STATUS_BUSY);
    lla_stop(&e.t);
}

/*
 * A failed job interrupts even without LLA_DESC_F_IRQ; a successful
 * one only with it (hw-spec 3.3).
 */
static void test_error_irq(void)
{
    struct lla_ring_desc d;
    uint8_t buf[64];
    uint64_t iova;
    size_t len;
    Env e;

    env_start(&e, "");
    len = put_nop(buf, 0);
    iova = put_cmdbuf(&e, 0, buf, len);
    memset(&d, 0, sizeof(d));
    d.cmdbuf_iova = cpu_to_le64(iova);
    d.cmdbuf_len = cpu_to_le32(len);
    d.asid = cpu_to_le16(ASID);
    d.seq = cpu_to_le64(1);
    qtest_memwrite(e.t.qts, e.r.ring, &d, sizeof(d));
    d.cmdbuf_len = cpu_to_le32(12);         /* LLA_ERR_CMDBUF */
    d.seq = cpu_to_le64(2);
    qtest_memwrite(e.t.qts, e.r.ring + 64, &d, sizeof(d));

    e.r.tail = 1;
    wr(&e.t, LLA_REG_QUEUE(0) + LLA_Q_TAIL, 1);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 1);
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==, 0);

    e.r.tail = 2;
    wr(&e.t, LLA_REG_QUEUE(0) + LLA_Q_TAIL, 2);
    g_assert(wait_idle(&e.t, &e.r));
    g_assert_cmpuint(qreg64(&e.t, 0, LLA_Q_DONE_SEQ_LO), ==, 2);
    g_assert_cmphex(rd(&e.t, LLA_REG_IRQ_STATUS), ==, LLA_IRQ_QUEUE(0));
    lla_stop(&e.t);
}

/*
 * Device DMA reaches RAM only, never MMIO (its own BAR included): a job
 * whose page maps a BAR, or a ring placed in one, fails with a DMA error
 * at that address.  Regression for a fuzz finding: DMA into MMIO made a
 * worker thread take the BQL, so an unplug (which joins the workers with
 * the BQL held) could deadlock QEMU while such jobs streamed.
 */
static void test_dma_to_mmio(void)
{
    enum { PAGES = 256 };
    const uint64_t iova_mmio = 0x500000ull, big_src = 0x20000000ull,
                   big_dst = 0x30000000ull;
    uint64_t bar_pa, iova, pa_dst, q;
    struct lla_completion c;
    uint8_t buf[64];
    unsigned int i, k;
    size_t len;
    uint32_t s, info;
    Ring r[4];
    Env e;

    env_start(&e, ",id=acc");
    bar_pa = e.t.bar.addr;
    g_assert(!e.t.bar.is_io);
    pt_map(&e.t, iova_mmio, bar_pa, LLA_PTE_READ | LLA_PTE_WRITE);

    /* A COPY into the SCRATCH register through the MMU. */
    wr(&e.t, LLA_REG_SCRATCH, 0x11111111);
    qtest_writel(e.t.qts, e.src_pa, 0xdeadbeef);
    len = put_copy(buf, 0, IOVA_SRC, iova_mmio + LLA_REG_SCRATCH, 4);
    iova = put_cmdbuf(&e, 0, buf, len);
    s = submit(&e.t, &e.r, iova, len, 1);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_ERR_DMA);
    g_assert_cmphex(c.fault_iova, ==, iova_mmio + LLA_REG_SCRATCH);
    g_assert_cmphex(c.flags & LLA_COMPL_F_FAULT_WRITE, ==,
                    LLA_COMPL_F_FAULT_WRITE);
    g_assert_cmphex(rd(&e.t, LLA_REG_SCRATCH), ==, 0x11111111);

    /* A COPY out of the identity registers. */
    len = put_copy(buf, 0, iova_mmio, IOVA_DST, 64);
    iova = put_cmdbuf(&e, 1, buf, len);
    s = submit(&e.t, &e.r, iova, len, 2);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, s, &c);
    g_assert_cmpuint(c.status, ==, LLA_ERR_DMA);
    g_assert_cmphex(c.fault_iova, ==, iova_mmio);
    g_assert_cmphex(qtest_readl(e.t.qts, e.dst_pa), ==, 0);

    /* A descriptor ring inside the BAR: the fetch fails, the queue stops. */
    q = LLA_REG_QUEUE(3);
    wr(&e.t, LLA_REG_FAULT_STATUS, ~0u);
    wr(&e.t, q + LLA_Q_RING_LO, (uint32_t)bar_pa);
    wr(&e.t, q + LLA_Q_RING_HI, bar_pa >> 32);
    wr(&e.t, q + LLA_Q_RING_LOG2, 2);
    wr(&e.t, q + LLA_Q_COMPL_LO, (uint32_t)e.r.compl);
    wr(&e.t, q + LLA_Q_COMPL_HI, e.r.compl >> 32);
    wr(&e.t, q + LLA_Q_CONTROL, LLA_Q_CONTROL_ENABLE);
    wr(&e.t, q + LLA_Q_TAIL, 1);
    for (i = 0; i < WAIT_MS; i++) {
        if (rd(&e.t, q + LLA_Q_STATUS) & LLA_Q_STATUS_STOPPED) {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmphex(rd(&e.t, q + LLA_Q_STATUS), ==, LLA_Q_STATUS_STOPPED);
    g_assert_cmphex(rd64(&e.t, LLA_REG_FAULT_IOVA_LO), ==, bar_pa);
    info = rd(&e.t, LLA_REG_FAULT_INFO);
    g_assert_cmpuint((info >> LLA_FAULT_INFO_CODE_SHIFT) &
                     LLA_FAULT_INFO_CODE_MASK, ==, LLA_ERR_DMA);
    wr(&e.t, q + LLA_Q_RESET, LLA_RESET_MAGIC);

    /*
     * Streams of 1 MiB copies out of the BAR on three queues, then a hot
     * unplug: QEMU must answer afterwards.
     */
    pa_dst = zalloc(&e.t, LLA_PAGE_SIZE);
    for (i = 0; i < PAGES; i++) {
        pt_map(&e.t, big_src + i * LLA_PAGE_SIZE, bar_pa, LLA_PTE_READ);
        pt_map(&e.t, big_dst + i * LLA_PAGE_SIZE, pa_dst,
               LLA_PTE_READ | LLA_PTE_WRITE);
    }
    len = put_copy(buf, 0, big_src, big_dst, PAGES * LLA_PAGE_SIZE);
    iova = put_cmdbuf(&e, 2, buf, len);
    for (k = 1; k < 4; k++) {
        ring_setup(&e.t, &r[k], k, 4);
        for (i = 0; i < 15; i++) {
            submit(&e.t, &r[k], iova, len, i);
        }
    }
    g_usleep(20 * 1000);
    qpci_unplug_acpi_device_test(e.t.qts, "acc", 4);
    qobject_unref(qtest_qmp_assert_success_ref(e.t.qts,
                                               "{'execute': 'query-status'}"));
    lla_stop(&e.t);
}

static uint32_t fuzz_rand(uint64_t *st)
{
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*st >> 33);
}

/*
 * Fuzz size and seed: LLA_FUZZ_ITERS (default 4000, the short run of
 * make check) is the number of register writes; the descriptor fuzz
 * runs ITERS/20 descriptors and the command fuzz ITERS/5 command
 * buffers.  LLA_FUZZ_SEED varies every stream (each test mixes in its
 * own constant).  Each test reports "fuzz-iterations: <kind> <n>".
 */
static unsigned int fuzz_iters(void)
{
    const char *env = g_getenv("LLA_FUZZ_ITERS");
    long v = env ? strtol(env, NULL, 0) : 4000;

    return v > 0 && v < 100000000 ? (unsigned int)v : 4000;
}

static uint64_t fuzz_seed(uint64_t salt)
{
    const char *env = g_getenv("LLA_FUZZ_SEED");

    return env ? g_ascii_strtoull(env, NULL, 0) ^ salt : salt;
}

/* Like wait_idle, with a bound in ms for long fuzz batches. */
static bool wait_idle_ms(Lla *t, Ring *r, unsigned int ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

    while (g_get_monotonic_time() < end) {
        if (rd(t, LLA_REG_QUEUE(r->q) + LLA_Q_HEAD) == r->tail &&
            !(rd(t, LLA_REG_QUEUE(r->q) + LLA_Q_STATUS) &
              LLA_Q_STATUS_BUSY)) {
            return true;
        }
        g_usleep(500);
    }
    return false;
}

/* Sum of the job counters of queues 0..3 (before a reset clears them). */
static uint64_t jobs_sum(Lla *t)
{
    uint64_t n = 0;
    unsigned int q;

    for (q = 0; q < 4; q++) {
        n += qreg64(t, q, LLA_Q_CNT_JOBS);
    }
    return n;
}

/*
 * Rings for the register fuzz: @pages pages of descriptors at @pa, most
 * of them valid (a NOP + COPY job at @cmd in ASID), the rest garbage.
 */
static void regfuzz_rings(Lla *t, uint64_t *st, uint64_t pa, unsigned pages,
                          uint64_t cmd, uint32_t len)
{
    struct lla_ring_desc d[LLA_PAGE_SIZE / 64];
    unsigned int p, i;

    for (p = 0; p < pages; p++) {
        for (i = 0; i < ARRAY_SIZE(d); i++) {
            if (fuzz_rand(st) % 4) {
                memset(&d[i], 0, sizeof(d[i]));
                d[i].cmdbuf_iova = cpu_to_le64(cmd);
                d[i].cmdbuf_len = cpu_to_le32(len);
                d[i].asid = cpu_to_le16(ASID);
                d[i].flags = cpu_to_le16(fuzz_rand(st) % 2);
                d[i].seq = cpu_to_le64(fuzz_rand(st));
            } else {
                uint32_t *w = (uint32_t *)&d[i];
                unsigned int k;

                for (k = 0; k < 16; k++) {
                    w[k] = fuzz_rand(st) % 2 ? 0 : fuzz_rand(st);
                }
            }
        }
        qtest_memwrite(t->qts, pa + p * LLA_PAGE_SIZE, d, sizeof(d));
    }
}

/*
 * Random register writes while jobs run: mostly the registers that
 * matter (ring geometry, doorbells, enables, resets, interrupt and fault
 * registers, the MMU) with values that often make sense (RAM addresses
 * of rings full of valid descriptors, small numbers, enables), the rest
 * anywhere in the register file.  Jobs start, fault, get reset and
 * re-enabled under the writes; QEMU must neither crash nor wedge: the
 * identity register answers throughout, and afterwards a global reset
 * brings the device back to work.
 */
static void test_register_fuzz(void)
{
    enum { PAGES = 4 };
    static const struct { uint32_t base, len; } ranges[] = {
        { 0x0000, 0x0400 },     /* identity, control, IRQ, faults */
        { 0x0400, 0x0004 },     /* MMU invalidate */
        { 0x0800, 0x0400 },     /* MMU address spaces */
        { 0x1000, 0x0800 },     /* queues (8 x 0x100) */
        { 0x1800, 0xe800 },     /* unused rest of the BAR */
    };
    static const uint32_t qregs[] = {
        LLA_Q_RING_LO, LLA_Q_RING_HI, LLA_Q_RING_LOG2, LLA_Q_CONTROL,
        LLA_Q_CONTROL, LLA_Q_TAIL, LLA_Q_TAIL, LLA_Q_TAIL, LLA_Q_RESET,
        LLA_Q_COMPL_LO, LLA_Q_COMPL_HI,
    };
    static const uint32_t gregs[] = {
        LLA_REG_CONTROL, LLA_REG_IRQ_STATUS, LLA_REG_IRQ_MASK,
        LLA_REG_FAULT_STATUS, LLA_REG_MMU_INVALIDATE, LLA_REG_RESET,
        LLA_REG_SCRATCH, LLA_REG_MMU_AS(ASID) + LLA_MMU_AS_CONFIG,
        LLA_REG_MMU_AS(ASID) + LLA_MMU_AS_ROOT_LO,
    };
    uint64_t st = fuzz_seed(0x1234567);
    unsigned int iters = fuzz_iters();
    uint64_t jobs = 0, mem, cmd_iova;
    unsigned int i, resets = 0, qresets = 0;
    uint8_t buf[64];
    struct lla_completion c;
    size_t len;
    uint32_t slot;
    Env e;

    env_start(&e, ",sem-timeout-ms=50");
    qpci_msix_enable(e.t.dev);
    len = put_nop(buf, 0);
    len = put_copy(buf, len, IOVA_SRC, IOVA_DST, 256);
    cmd_iova = put_cmdbuf(&e, 0, buf, len);
    mem = zalloc(&e.t, PAGES * LLA_PAGE_SIZE);
    for (i = 0; i < iters; i++) {
        uint32_t off, v, r = fuzz_rand(&st) % 8;

        if (i % 512 == 0) {
            regfuzz_rings(&e.t, &st, mem, PAGES, cmd_iova, len);
        }
        if (r < 5) {
            off = LLA_REG_QUEUE(fuzz_rand(&st) % 4) +
                  qregs[fuzz_rand(&st) % ARRAY_SIZE(qregs)];
        } else if (r < 7) {
            off = gregs[fuzz_rand(&st) % ARRAY_SIZE(gregs)];
        } else {
            r = fuzz_rand(&st) % ARRAY_SIZE(ranges);
            off = ranges[r].base + (fuzz_rand(&st) % ranges[r].len & ~3u);
        }
        switch (fuzz_rand(&st) % 6) {
        case 0:
            v = fuzz_rand(&st);
            break;
        case 1:
            v = fuzz_rand(&st) % 16;            /* small: log2, tail */
            break;
        case 2:                                 /* in RAM: a ring */
            v = (uint32_t)mem + (fuzz_rand(&st) % (PAGES * 64)) * 64;
            break;
        case 3:
            v = 1;                              /* enables */
            break;
        case 4:
            v = 0;
            break;
        default:
            v = fuzz_rand(&st) % 4 == 0 ? LLA_RESET_MAGIC : 0xffffffff;
            break;
        }
        if (off >= LLA_REG_QUEUE(0) && off < LLA_REG_QUEUE(4) &&
            fuzz_rand(&st) % 4) {
            /* Mostly a value that suits the queue register. */
            switch (off & 0xff) {
            case LLA_Q_RING_LO:
            case LLA_Q_COMPL_LO:
                v = (uint32_t)mem + (fuzz_rand(&st) % (PAGES * 64)) * 64;
                if (fuzz_rand(&st) % 64 == 0) {
                    v = (uint32_t)e.t.bar.addr;     /* MMIO: must fail */
                }
                break;
            case LLA_Q_RING_HI:
            case LLA_Q_COMPL_HI:
                v = 0;
                break;
            case LLA_Q_RING_LOG2:
                v = 1 + fuzz_rand(&st) % 8;
                break;
            case LLA_Q_CONTROL:
                v = fuzz_rand(&st) % 3 ? LLA_Q_CONTROL_ENABLE : 0;
                break;
            case LLA_Q_TAIL:
                v = fuzz_rand(&st) % 8;
                break;
            }
        }
        if (off == LLA_REG_CONTROL && fuzz_rand(&st) % 4) {
            v = LLA_CONTROL_ENABLE;
        }
        if (off == LLA_REG_MMU_AS(ASID) + LLA_MMU_AS_ROOT_LO &&
            fuzz_rand(&st) % 2) {
            v = (uint32_t)e.t.root;
        }
        if (v == LLA_RESET_MAGIC && (off == LLA_REG_RESET ||
                                     (off & 0xff) == LLA_Q_RESET)) {
            /* Resets are slow (they wait for the workers): fewer. */
            if (fuzz_rand(&st) % 4) {
                v = 0;
            } else {
                jobs += jobs_sum(&e.t);
                if (off == LLA_REG_RESET) {
                    resets++;
                } else {
                    qresets++;
                }
            }
        }
        wr(&e.t, off, v);
        if (off == LLA_REG_RESET && v == LLA_RESET_MAGIC) {
            /* Keep the address space usable (the reset cleared it). */
            as_setup_root(&e.t, ASID, e.t.root);
        }
        if (i % 256 == 0) {
            g_assert_cmphex(rd(&e.t, LLA_REG_ID), ==, LLA_ID_MAGIC);
        }
    }
    g_usleep(100 * 1000);
    g_assert_cmphex(rd(&e.t, LLA_REG_ID), ==, LLA_ID_MAGIC);
    jobs += jobs_sum(&e.t);
    g_assert_cmpuint(rd(&e.t, LLA_REG_RESET_COUNT), ==, resets);
    g_test_message("fuzz: %u writes, %" PRIu64 " jobs, %u global and %u "
                   "queue resets", iters, jobs, resets, qresets);
    g_test_message("fuzz-iterations: register-writes %u", iters);

    /* Recovery: global reset, fresh address space and ring, one job. */
    wr(&e.t, LLA_REG_RESET, LLA_RESET_MAGIC);
    g_assert_cmphex(rd(&e.t, LLA_REG_STATUS), ==, LLA_STATUS_READY);
    as_setup(&e.t, ASID);
    e.cmd_pa = map_new(&e.t, IOVA_CMD, 1, LLA_PTE_READ);
    len = put_nop(buf, 0);
    cmd_iova = put_cmdbuf(&e, 0, buf, len);
    ring_setup(&e.t, &e.r, 2, 3);
    slot = submit(&e.t, &e.r, cmd_iova, len, 4242);
    g_assert(wait_idle(&e.t, &e.r));
    compl_read(&e.t, &e.r, slot, &c);
    g_assert_cmpuint(c.status, ==, LLA_OK);
    g_assert_cmpuint(c.seq, ==, 4242);
    lla_stop(&e.t);
}

/*
 * Garbage page tables and descriptors through a valid ring: every job
 * ends with a completion record carrying its seq and a defined status.
 */
static void test_descriptor_fuzz(void)
{
    enum { JUNK = 8, LOG2 = 8, BATCH = (1 << LOG2) - 1 };
    uint64_t st = fuzz_seed(0x7654321);
    unsigned int jobs = MAX(fuzz_iters() / 20, 200);
    uint64_t junk[JUNK], page[LLA_PAGE_SIZE / 8];
    unsigned int i, j, done = 0, hist[LLA_ERR_COUNT] = { 0 };
    struct lla_completion c;
    GString *str = g_string_new("fuzz statuses:");
    Lla t;
    Ring r;

    lla_start(&t, ",sem-timeout-ms=20");
    for (i = 0; i < JUNK; i++) {
        junk[i] = zalloc(&t, LLA_PAGE_SIZE);
    }
    for (i = 0; i < 4; i++) {
        wr(&t, LLA_REG_MMU_AS(i) + LLA_MMU_AS_ROOT_LO, (uint32_t)junk[i]);
        wr(&t, LLA_REG_MMU_AS(i) + LLA_MMU_AS_ROOT_HI, junk[i] >> 32);
        wr(&t, LLA_REG_MMU_AS(i) + LLA_MMU_AS_CONFIG, LLA_MMU_AS_ENABLE);
    }
    ring_setup(&t, &r, 1, LOG2);
    while (done < jobs) {
        unsigned int n = MIN(jobs - done, BATCH);
        uint32_t first = r.tail;

        /* Fresh garbage page tables (and command buffers) per batch. */
        for (i = 0; i < JUNK; i++) {
            for (j = 0; j < ARRAY_SIZE(page); j++) {
                uint64_t v = fuzz_rand(&st);

                switch (fuzz_rand(&st) % 8) {
                case 0:
                    v = v << 32 | fuzz_rand(&st);       /* anything */
                    break;
                case 1: /* small commands: NOP/COPY/FILL-like headers */
                    v = (uint64_t)(8u << (fuzz_rand(&st) % 3)) << 32 |
                        fuzz_rand(&st) % LLA_OP_COUNT;
                    break;
                case 2:
                    v = 0;
                    break;
                default:        /* an entry pointing into the junk pages */
                    v = junk[v % JUNK] | (fuzz_rand(&st) & 7);
                    break;
                }
                if (j < 2 && fuzz_rand(&st) % 4) {
                    /* Low IOVAs: mostly walkable down to a junk page. */
                    v = junk[fuzz_rand(&st) % JUNK] | LLA_PTE_VALID |
                        (fuzz_rand(&st) & 6);
                }
                page[j] = cpu_to_le64(v);
            }
            qtest_memwrite(t.qts, junk[i], page, sizeof(page));
        }
        for (i = 0; i < n; i++) {
            struct lla_ring_desc d;
            uint32_t slot = (first + i) & BATCH;

            memset(&d, 0, sizeof(d));
            d.cmdbuf_iova = fuzz_rand(&st) % 4 ?
                            (0x1000 | (fuzz_rand(&st) & 0xff8)) :
                            ((uint64_t)fuzz_rand(&st) << 32 | fuzz_rand(&st));
            d.cmdbuf_len = fuzz_rand(&st) % 4 ? (fuzz_rand(&st) % 512) * 8 :
                           fuzz_rand(&st);
            d.asid = fuzz_rand(&st) % 8 ? fuzz_rand(&st) % 4 : fuzz_rand(&st);
            d.flags = fuzz_rand(&st) % 8 ? LLA_DESC_F_IRQ : fuzz_rand(&st);
            d.seq = done + i;
            if (fuzz_rand(&st) % 16 == 0) {
                d.reserved[fuzz_rand(&st) % 5] = 1;
            }
            qtest_memwrite(t.qts, r.ring + (uint64_t)slot * 64, &d,
                           sizeof(d));
        }
        r.tail = (first + n) & BATCH;
        wr(&t, LLA_REG_QUEUE(1) + LLA_Q_TAIL, r.tail);
        g_assert(wait_idle_ms(&t, &r, 60000));
        for (i = 0; i < n; i++) {
            compl_read(&t, &r, (first + i) & BATCH, &c);
            g_assert_cmphex(c.flags & LLA_COMPL_F_VALID, ==,
                            LLA_COMPL_F_VALID);
            g_assert_cmpuint(c.seq, ==, done + i);
            g_assert_cmpuint(c.status, <, LLA_ERR_COUNT);
            hist[c.status]++;
        }
        done += n;
        g_assert_cmpuint(qreg64(&t, 1, LLA_Q_CNT_JOBS), ==, done);
        g_assert_cmpuint(qreg64(&t, 1, LLA_Q_DONE_SEQ_LO), ==, done - 1);
        g_assert_cmphex(rd(&t, LLA_REG_QUEUE(1) + LLA_Q_STATUS), ==, 0);
    }
    for (i = 0; i < LLA_ERR_COUNT; i++) {
        if (hist[i]) {
            g_string_append_printf(str, " %u:%u", i, hist[i]);
        }
    }
    g_test_message("%s", str->str);
    g_test_message("fuzz-iterations: descriptors %u", jobs);
    g_string_free(str, true);
    lla_stop(&t);
}

/* ---- command fuzz: random command buffers into mapped memory ---- */

/* IOVA layout of the command fuzz (one address space, ASID) */
#define CF_CMD          0x100000ull     /* command buffers, read-only */
#define CF_CMD_PAGES    64              /* 256 slots of 1 KiB */
#define CF_SLOT         1024
#define CF_DATA         0x10000000ull   /* read/write data */
#define CF_DATA_PAGES   64
#define CF_RO           (CF_DATA + CF_DATA_PAGES * LLA_PAGE_SIZE)
#define CF_RO_PAGES     4
#define CF_WO           (CF_RO + CF_RO_PAGES * LLA_PAGE_SIZE)
#define CF_WO_PAGES     2
#define CF_END          (CF_WO + CF_WO_PAGES * LLA_PAGE_SIZE) /* unmapped */
#define CF_MMIO         (CF_END + 16 * LLA_PAGE_SIZE) /* BAR0, read/write */

static uint64_t cf_iova(uint64_t *st)
{
    static const uint64_t align[] = { 1, 2, 4, 8, 16, 64, 256 };
    uint32_t r = fuzz_rand(st) % 100;
    uint64_t base, span, a = 64;

    if (fuzz_rand(st) % 8 == 0) {
        a = align[fuzz_rand(st) % ARRAY_SIZE(align)];
    }
    if (r < 4) {
        return 0;                                   /* absent */
    } else if (r < 10) {
        return ((uint64_t)fuzz_rand(st) << 32 | fuzz_rand(st)) &
               (LLA_IOVA_LIMIT - 1);                /* anywhere */
    } else if (r < 12) {
        base = CF_END;                              /* unmapped */
        span = 4 * LLA_PAGE_SIZE;
    } else if (r < 20) {
        base = CF_RO;
        span = CF_RO_PAGES * LLA_PAGE_SIZE;
    } else if (r < 25) {
        base = CF_WO;
        span = CF_WO_PAGES * LLA_PAGE_SIZE;
    } else if (r < 30) {
        base = CF_RO - 512;                         /* straddles RW/RO */
        span = 1024;
    } else if (r < 33) {
        base = CF_CMD;                              /* the command buffers */
        span = CF_CMD_PAGES * LLA_PAGE_SIZE;
    } else if (r < 35) {
        base = CF_MMIO;                             /* device registers */
        span = LLA_PAGE_SIZE;
    } else {
        base = CF_DATA;
        span = CF_DATA_PAGES * LLA_PAGE_SIZE;
    }
    return (base + fuzz_rand(st) % span) & ~(a - 1);
}

static uint64_t cf_uint(uint64_t *st, const char *name)
{
    static const uint32_t strides[] = { 64, 128, 256, 512, 1024, 2048 };
    static const uint32_t hd[] = { 2, 4, 8, 16, 32, 64 };

    if (fuzz_rand(st) % 8) {
        /* Mostly a value that suits the field. */
        if (strstr(name, "stride")) {
            return strides[fuzz_rand(st) % ARRAY_SIZE(strides)];
        }
        if (!strcmp(name, "pos")) {
            return fuzz_rand(st) % 8;
        }
        if (!strcmp(name, "max_ctx") || !strcmp(name, "table_len") ||
            !strcmp(name, "vocab")) {
            return 8 + fuzz_rand(st) % 57;
        }
        if (!strcmp(name, "head_dim")) {
            return hd[fuzz_rand(st) % ARRAY_SIZE(hd)];
        }
        if (!strcmp(name, "n_head") || !strcmp(name, "n_kv_head")) {
            return 1u << (fuzz_rand(st) % 3);
        }
        if (!strcmp(name, "len")) {
            return 4 * (1 + fuzz_rand(st) % 512);
        }
        if (!strcmp(name, "value") || !strcmp(name, "seed") ||
            !strcmp(name, "counter")) {
            return fuzz_rand(st) % 4 ? fuzz_rand(st) % 4 : fuzz_rand(st);
        }
        return 1 + fuzz_rand(st) % (fuzz_rand(st) % 4 ? 8 : 64);
    }
    switch (fuzz_rand(st) % 16) {
    case 0:
        return 0;
    case 1:
        return fuzz_rand(st);
    case 2:
    case 3:
        return 1u << (fuzz_rand(st) % 13);
    case 4:
    case 5:
        return (1 + fuzz_rand(st) % 32) * 16;       /* strides */
    case 6:
        return 1 + fuzz_rand(st) % 256;
    default:
        return 1 + fuzz_rand(st) % 8;
    }
}

static uint32_t cf_f32(uint64_t *st)
{
    static const float vals[] = {
        1.0f, 0.5f, -2.0f, 1e-5f, 0.0f, 10000.0f, 0.9f, 0.125f, 3.0f,
    };
    uint32_t r = fuzz_rand(st) % 16, bits;

    if (r < ARRAY_SIZE(vals)) {
        memcpy(&bits, &vals[r], 4);
        return bits;
    }
    switch (r) {
    case 12:
        return 0x7fc00000;                          /* NaN */
    case 13:
        return 0x7f800000;                          /* inf */
    case 14:
        return 0x80000000;                          /* -0 */
    default:
        return fuzz_rand(st);
    }
}

static void cf_put(uint8_t *dst, unsigned int size, uint64_t v)
{
    uint8_t le[8];
    unsigned int i;

    for (i = 0; i < 8; i++) {
        le[i] = (uint8_t)(v >> (8 * i));
    }
    memcpy(dst, le, size);
}

static void cf_fix_epi(uint64_t *st, struct lla_epilogue *e)
{
    e->act %= LLA_ACT_COUNT;
    e->out_dtype = fuzz_rand(st) % 4 ? LLA_DTYPE_F32 : e->out_dtype % 3;
    if (e->out_dtype == LLA_DTYPE_I8) {
        e->y_scale_iova = e->y_scale_iova ? e->y_scale_iova : CF_DATA + 64;
    } else {
        e->y_scale_iova = 0;
    }
    if (!e->gate_iova) {
        e->gate_stride = 0;
    }
    if (!e->residual_iova) {
        e->residual_stride = 0;
    }
}

/*
 * Repair the cross-field rules of hw-spec 6.3 that random fields almost
 * never meet, so that most commands reach execution.  @c holds the
 * command (128 bytes, aligned).
 */
static void cf_fixup(uint64_t *st, uint8_t op, void *c)
{
    uint32_t one = 0x3f800000;

    switch (op) {
    case LLA_OP_TLMM: {
        struct lla_cmd_tlmm *t = c;

        t->wfmt %= 2;
        t->w_scale = one;
        cf_fix_epi(st, &t->epi);
        break;
    }
    case LLA_OP_QMM: {
        struct lla_cmd_qmm *t = c;

        t->wfmt = LLA_WFMT_I8 + fuzz_rand(st) % 2;
        if (t->wfmt == LLA_WFMT_F16) {
            t->x_scale_iova = t->w_scale_iova = 0;
        } else {
            t->x_scale_iova = t->x_scale_iova ? t->x_scale_iova : CF_DATA;
            t->w_scale_iova = t->w_scale_iova ? t->w_scale_iova : CF_DATA;
        }
        cf_fix_epi(st, &t->epi);
        break;
    }
    case LLA_OP_NORM_QUANT: {
        struct lla_cmd_norm_quant *t = c;

        t->hdr.flags = 1 + fuzz_rand(st) % 7;
        if (!(t->hdr.flags & (LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT))) {
            t->hdr.flags |= LLA_NQ_F_QUANT;
        }
        if (t->hdr.flags & LLA_NQ_F_NORM) {
            t->eps = 0x3727c5ac;                /* 1e-5f */
        } else {
            t->gamma_iova = 0;
            t->eps = 0;
        }
        if (!(t->hdr.flags & LLA_NQ_F_QUANT)) {
            t->q_iova = t->scale_iova = 0;
            t->q_stride = 0;
        }
        if (!(t->hdr.flags & LLA_NQ_F_F32OUT)) {
            t->y_iova = 0;
            t->y_stride = 0;
        }
        break;
    }
    case LLA_OP_ROPE: {
        struct lla_cmd_rope *t = c;

        t->head_dim &= ~1u;
        t->head_dim = t->head_dim ? t->head_dim : 2;
        if (t->pos_iova) {
            t->pos = 0;
        }
        break;
    }
    case LLA_OP_ELTWISE: {
        struct lla_cmd_eltwise *t = c;

        t->op %= LLA_ELT_COUNT;
        if (t->op == LLA_ELT_ADD || t->op == LLA_ELT_MUL) {
            t->b_iova = t->b_iova ? t->b_iova : CF_DATA + 4096;
        } else {
            t->b_iova = 0;
        }
        t->imm = t->op == LLA_ELT_SCALE ? 0x40000000 : 0;
        break;
    }
    case LLA_OP_EMBED: {
        struct lla_cmd_embed *t = c;

        t->dtype %= 2;
        break;
    }
    case LLA_OP_TOPK: {
        struct lla_cmd_topk *t = c;

        t->k = MIN(t->k, t->n);
        break;
    }
    case LLA_OP_SAMPLE: {
        struct lla_cmd_sample *t = c;

        t->temperature = fuzz_rand(st) % 4 ? one : 0;
        t->top_p = fuzz_rand(st) % 2 ? one : 0x3f000000;
        if (t->hdr.flags & LLA_SAMPLE_F_ADVANCE) {
            t->counter_iova = t->counter_iova ? t->counter_iova : CF_DATA;
        }
        if (t->counter_iova) {
            t->counter = 0;
        }
        break;
    }
    case LLA_OP_ATTN_PREFILL:
    case LLA_OP_ATTN_DECODE: {
        struct lla_cmd_attn *t = c;

        t->kv_dtype = LLA_DTYPE_F16;
        t->mask_mode = LLA_MASK_CAUSAL;
        if (t->n_kv_head && t->n_head % t->n_kv_head) {
            t->n_kv_head = 1;
        }
        if (op == LLA_OP_ATTN_DECODE) {
            t->m = 1;
        }
        t->scale = 0x3e800000;                  /* 0.25f */
        if (t->pos_iova) {
            t->pos = 0;
        }
        break;
    }
    case LLA_OP_COPY: {
        struct lla_cmd_copy *t = c;

        if (t->src_iova < t->dst_iova + t->len &&
            t->dst_iova < t->src_iova + t->len) {
            t->dst_iova = t->src_iova + t->len;
        }
        break;
    }
    case LLA_OP_SEM_SIGNAL:
    case LLA_OP_SEM_WAIT: {
        struct lla_cmd_sem *t = c;

        t->op %= 2;
        t->iova &= ~7ull;
        if (t->hdr.flags & LLA_SEM_F_32BIT) {
            t->value &= 0xffffffffu;
        }
        break;
    }
    default:
        break;
    }
}

/*
 * One random command at @dst (room for 128 bytes): mostly a known
 * opcode with its own size and field kinds (IOVAs into the mapped
 * regions, small dimensions, sane floats, zero reserved fields), so
 * that a fair share passes validation and runs; sometimes anything.
 * Returns its size.
 */
static size_t cf_command(uint64_t *st, uint8_t *dst)
{
    const struct lla_cmd_desc *cd;
    struct lla_cmd_hdr h;
    uint32_t i, size;

    memset(dst, 0, 128);
    h.opcode = fuzz_rand(st) % 32 ? fuzz_rand(st) % LLA_OP_COUNT :
               fuzz_rand(st);
    h.version = fuzz_rand(st) % 64 ? 0 : 1;
    cd = lla_cmd_desc_get(h.opcode);
    size = cd ? cd->size : 8 * (1 + fuzz_rand(st) % 16);
    if (fuzz_rand(st) % 32 == 0) {
        size = 8 * (1 + fuzz_rand(st) % 16);
    }
    h.size = fuzz_rand(st) % 64 ? size : fuzz_rand(st);
    h.flags = 0;
    if (cd && fuzz_rand(st) % 2) {
        h.flags = fuzz_rand(st) & cd->valid_flags;
    } else if (fuzz_rand(st) % 32 == 0) {
        h.flags = fuzz_rand(st);
    }
    for (i = 0; cd && i < cd->nfields; i++) {
        const struct lla_field_desc *f = &cd->fields[i];
        uint64_t v;

        switch (f->kind) {
        case LLA_FK_IOVA:
            /* Optional epilogue operands are mostly absent. */
            v = !strncmp(f->name, "epi.", 4) && fuzz_rand(st) % 2 ? 0 :
                cf_iova(st);
            break;
        case LLA_FK_U:
            v = cf_uint(st, f->name);
            break;
        case LLA_FK_ENUM:
            v = fuzz_rand(st) % 16 ? fuzz_rand(st) % 3 :
                fuzz_rand(st) % 4 ? fuzz_rand(st) % 8 : fuzz_rand(st);
            break;
        case LLA_FK_F32:
            v = cf_f32(st);
            break;
        case LLA_FK_RSVD:
            v = fuzz_rand(st) % 64 ? 0 : 1 + fuzz_rand(st) % 255;
            break;
        default:
            v = fuzz_rand(st);
            break;
        }
        if (f->offset + f->size <= 128) {
            cf_put(dst + f->offset, f->size, v);
        }
    }
    if (!cd) {
        for (i = 8; i < MIN(size, 128); i++) {
            dst[i] = fuzz_rand(st) % 4 ? 0 : fuzz_rand(st);
        }
    }
    memcpy(dst, &h, sizeof(h));     /* host order is little-endian here */
    if (cd && fuzz_rand(st) % 4) {
        uint64_t tmp[16];

        memcpy(tmp, dst, sizeof(tmp));
        cf_fixup(st, h.opcode, tmp);
        memcpy(dst, tmp, sizeof(tmp));
    }
    return MIN(size, 128);
}

/*
 * Random command buffers through the rings of two queues at once into
 * mapped memory (read/write, read-only, write-only, unmapped and
 * straddling regions): every job ends with a completion record carrying
 * its seq and a defined status, nothing stops a queue, and the device
 * runs a normal job afterwards.
 */
static void test_command_fuzz(void)
{
    enum { NQ = 2, LOG2 = 7, BATCH = (1 << LOG2) - 1, SLOTS = 1 << LOG2 };
    uint64_t st = fuzz_seed(0x5eed0c0d);
    unsigned int jobs = MAX(fuzz_iters() / 5, 200);
    unsigned int hist[LLA_ERR_COUNT] = { 0 };
    unsigned int i, q, done = 0, ncmds = 0;
    uint64_t cmd_pa, data_pa, executed = 0, written = 0;
    GString *str = g_string_new("command fuzz statuses:");
    static uint8_t data[CF_DATA_PAGES * LLA_PAGE_SIZE];
    uint8_t buf[CF_SLOT];
    struct lla_completion c;
    Ring r[NQ];
    Lla t;

    lla_start(&t, ",id=acc,sem-timeout-ms=5");
    as_setup(&t, ASID);
    cmd_pa = map_new(&t, CF_CMD, CF_CMD_PAGES, LLA_PTE_READ);
    data_pa = map_new(&t, CF_DATA, CF_DATA_PAGES,
                      LLA_PTE_READ | LLA_PTE_WRITE);
    map_new(&t, CF_RO, CF_RO_PAGES, LLA_PTE_READ);
    map_new(&t, CF_WO, CF_WO_PAGES, LLA_PTE_WRITE);
    pt_map(&t, CF_MMIO, t.bar.addr, LLA_PTE_READ | LLA_PTE_WRITE);
    for (q = 0; q < NQ; q++) {
        ring_setup(&t, &r[q], q, LOG2);
    }
    while (done < jobs) {
        unsigned int n[NQ], first[NQ], base = done;

        if ((done / (NQ * BATCH)) % 4 == 0) {
            /* Random operands: NaNs, huge and tiny values, bad ids. */
            for (i = 0; i < sizeof(data); i += 4) {
                uint32_t v = fuzz_rand(&st);

                if (fuzz_rand(&st) % 2) {
                    v = fuzz_rand(&st) % 64;        /* small ints */
                }
                memcpy(data + i, &v, 4);
            }
            qtest_memwrite(t.qts, data_pa, data, sizeof(data));
        }
        for (q = 0; q < NQ; q++) {
            n[q] = MIN(jobs - done, BATCH);
            first[q] = r[q].tail;
            for (i = 0; i < n[q]; i++) {
                uint32_t slot = (first[q] + i) & BATCH;
                uint64_t off = ((uint64_t)q * SLOTS + slot) * CF_SLOT;
                unsigned int k, cmds = fuzz_rand(&st) % 2 ? 1 :
                                       1 + fuzz_rand(&st) % 8;
                struct lla_ring_desc d;
                size_t len = 0;

                for (k = 0; k < cmds; k++) {
                    len += cf_command(&st, buf + len);
                }
                ncmds += cmds;
                qtest_memwrite(t.qts, cmd_pa + off, buf, len);
                memset(&d, 0, sizeof(d));
                d.cmdbuf_iova = cpu_to_le64(CF_CMD + off);
                if (fuzz_rand(&st) % 32 == 0) {
                    len = 8 * (fuzz_rand(&st) % (len / 8 + 2));
                }
                d.cmdbuf_len = cpu_to_le32(len);
                d.asid = cpu_to_le16(ASID);
                d.flags = cpu_to_le16(LLA_DESC_F_IRQ);
                d.seq = cpu_to_le64(done + i);
                qtest_memwrite(t.qts, r[q].ring + (uint64_t)slot * 64, &d,
                               sizeof(d));
            }
            done += n[q];
        }
        for (q = 0; q < NQ; q++) {
            r[q].tail = (first[q] + n[q]) & BATCH;
            wr(&t, LLA_REG_QUEUE(q) + LLA_Q_TAIL, r[q].tail);
        }
        done = base;
        for (q = 0; q < NQ; q++) {
            g_assert(wait_idle_ms(&t, &r[q], 120000));
            for (i = 0; i < n[q]; i++) {
                compl_read(&t, &r[q], (first[q] + i) & BATCH, &c);
                g_assert_cmphex(c.flags & LLA_COMPL_F_VALID, ==,
                                LLA_COMPL_F_VALID);
                g_assert_cmpuint(c.seq, ==, done + i);
                g_assert_cmpuint(c.status, <, LLA_ERR_COUNT);
                hist[c.status]++;
            }
            done += n[q];
            g_assert_cmphex(rd(&t, LLA_REG_QUEUE(q) + LLA_Q_STATUS), ==, 0);
        }
    }
    for (q = 0; q < NQ; q++) {
        executed += qreg64(&t, q, LLA_Q_CNT_COMMANDS);
        written += qreg64(&t, q, LLA_Q_CNT_DMA_WR_BYTES);
    }
    g_assert_cmphex(rd(&t, LLA_REG_ID), ==, LLA_ID_MAGIC);

    /* The device still runs a normal job. */
    i = put_nop(buf, 0);
    qtest_memwrite(t.qts, cmd_pa, buf, i);
    r[0].tail = (r[0].tail + 1) & BATCH;
    {
        struct lla_ring_desc d;
        uint32_t slot = (r[0].tail - 1) & BATCH;

        memset(&d, 0, sizeof(d));
        d.cmdbuf_iova = cpu_to_le64(CF_CMD);
        d.cmdbuf_len = cpu_to_le32(i);
        d.asid = cpu_to_le16(ASID);
        d.seq = cpu_to_le64(0xabcdef);
        qtest_memwrite(t.qts, r[0].ring + (uint64_t)slot * 64, &d,
                       sizeof(d));
        wr(&t, LLA_REG_QUEUE(0) + LLA_Q_TAIL, r[0].tail);
        g_assert(wait_idle_ms(&t, &r[0], 10000));
        compl_read(&t, &r[0], slot, &c);
        g_assert_cmpuint(c.seq, ==, 0xabcdef);
        g_assert_cmpuint(c.status, ==, LLA_OK);
    }

    for (i = 0; i < LLA_ERR_COUNT; i++) {
        if (hist[i]) {
            g_string_append_printf(str, " %u:%u", i, hist[i]);
        }
    }
    g_test_message("%s", str->str);
    g_test_message("command fuzz: %u jobs, %u commands, %" PRIu64
                   " executed, %" PRIu64 " bytes written by the device",
                   jobs, ncmds, executed, written);
    g_test_message("fuzz-iterations: command-buffers %u", jobs);
    /* Enough commands must pass validation for the fuzz to mean much. */
    g_assert_cmpuint(executed, >=, jobs / 8);
    g_assert_cmpuint(hist[LLA_OK], >=, jobs / 20);
    g_assert_cmpuint(written, >=, jobs);
    g_string_free(str, true);

    /* The last command buffers once more on both queues, and unplug. */
    for (q = 0; q < NQ; q++) {
        r[q].tail = (r[q].tail + BATCH - 1) & BATCH;
        wr(&t, LLA_REG_QUEUE(q) + LLA_Q_TAIL, r[q].tail);
    }
    qpci_unplug_acpi_device_test(t.qts, "acc", 4);
    qobject_unref(qtest_qmp_assert_success_ref(t.qts,
                                               "{'execute': 'query-status'}"));
    lla_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* QEMU inherits it: share every matmul run (tlmm-threads). */
    setenv("LLA_SHARE_MACS", "0", 1);
    qtest_add_func("/llmaccel/identity", test_identity);
    qtest_add_func("/llmaccel/identity-props", test_identity_props);
    qtest_add_func("/llmaccel/nop-copy", test_nop_copy);
    qtest_add_func("/llmaccel/inline-short", test_inline_short);
    qtest_add_func("/llmaccel/mmu-fault", test_mmu_fault);
    qtest_add_func("/llmaccel/bad-command", test_bad_command);
    qtest_add_func("/llmaccel/global-reset", test_global_reset);
    qtest_add_func("/llmaccel/hang-queue-reset", test_hang_queue_reset);
    qtest_add_func("/llmaccel/inject", test_inject);
    qtest_add_func("/llmaccel/unplug", test_unplug);
    qtest_add_func("/llmaccel/semaphore", test_semaphore);
    qtest_add_func("/llmaccel/bad-ring", test_bad_ring);
    qtest_add_func("/llmaccel/no-bus-master", test_no_bus_master);
    qtest_add_func("/llmaccel/q35", test_q35);
    qtest_add_func("/llmaccel/msix-delivery", test_msix_delivery);
    qtest_add_func("/llmaccel/tlmm-lut", test_tlmm_lut);
    qtest_add_func("/llmaccel/tlmm-direct", test_tlmm_direct);
    qtest_add_func("/llmaccel/tlmm-threads", test_tlmm_threads);
    qtest_add_func("/llmaccel/tlmm-inplace-contiguous",
                   test_tlmm_inplace_contiguous);
    qtest_add_func("/llmaccel/tlmm-inplace-scattered",
                   test_tlmm_inplace_scattered);
    qtest_add_func("/llmaccel/tlmm-inplace-faults", test_tlmm_inplace_faults);
    qtest_add_func("/llmaccel/tlmm-inplace-invalidate",
                   test_tlmm_inplace_invalidate);
    qtest_add_func("/llmaccel/pace", test_pace);
    qtest_add_func("/llmaccel/heartbeat", test_heartbeat);
    qtest_add_func("/llmaccel/heartbeat-compute", test_heartbeat_compute);
    qtest_add_func("/llmaccel/mmu-invalidate-inflight",
                   test_mmu_invalidate_inflight);
    qtest_add_func("/llmaccel/heartbeat-alive", test_heartbeat_alive);
    qtest_add_func("/llmaccel/error-irq", test_error_irq);
    qtest_add_func("/llmaccel/dma-to-mmio", test_dma_to_mmio);
    qtest_add_func("/llmaccel/register-fuzz", test_register_fuzz);
    qtest_add_func("/llmaccel/descriptor-fuzz", test_descriptor_fuzz);
    qtest_add_func("/llmaccel/command-fuzz", test_command_fuzz);
    return g_test_run();
}
