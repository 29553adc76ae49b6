// kvm_bench: the C baseline for bench/Gmem.Benchmarks. Does the same ioctls as the C# VMM
// (guest_memfd MMAP|INIT_SHARED, a gmem-only memslot, one vCPU in 64-bit long mode with 2 MiB
// identity-mapped guest pages) and times two things:
//   io <exits> [cpl0|cpl3]  a guest that issues <exits> OUTs to port 0x10 then HLTs:
//                           prints "io exits=N ns_total=T ns_per_exit=X"
//   start <reps>            VM create -> gmem -> slot -> vCPU -> registers -> first HLT, <reps> times:
//                           prints "start reps=N ns_per_start=X"
// Every failure prints "error: <what>: <strerror>" and exits 1.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

// Newer than this machine's <linux/kvm.h> (spec §0).
struct gm_create_guest_memfd { uint64_t size, flags, reserved[6]; };
struct gm_memory_region2 {
    uint32_t slot, flags; uint64_t guest_phys_addr, memory_size, userspace_addr, guest_memfd_offset;
    uint32_t guest_memfd, pad1; uint64_t pad2[14];
};
#define GM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct gm_create_guest_memfd)
#define GM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct gm_memory_region2)
#define GM_MEM_GUEST_MEMFD (1u << 2)
#define GM_FLAG_MMAP (1ull << 0)
#define GM_FLAG_INIT_SHARED (1ull << 1)

// Guest layout (same as Gmem.Vmm's X86 boot helper defaults).
#define MEM_SIZE   (2ull << 20)
#define PML4       0x1000
#define PDPT       0x2000
#define PD         0x3000
#define GDT        0x4000
#define IDT        0x5000
#define TSS        0xa000   /* + 8 KiB I/O bitmap, all ports allowed */
#define TSS_LIMIT  (104 + 8192)
#define KCODE      0x7000
#define KSTACK_TOP 0x9000
#define CODE       0x10000
#define STACK_TOP  0x20000
#define PORT       0x10

static void die(const char *what) { printf("error: %s: %s\n", what, strerror(errno)); exit(1); }
static uint64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec; }

static int g_kvm;
static int g_run_size;
static struct kvm_cpuid2 *g_cpuid;

static void build_image(uint8_t *mem, int user)
{
    uint64_t us = user ? 4 : 0;
    uint64_t *pml4 = (uint64_t *)(mem + PML4), *pdpt = (uint64_t *)(mem + PDPT), *pd = (uint64_t *)(mem + PD);
    pml4[0] = PDPT | 3 | us;
    pdpt[0] = PD | 3 | us;
    for (int i = 0; i < 512; i++) pd[i] = ((uint64_t)i << 21) | 0x83 | us;   // P|RW|PS
    uint64_t *gdt = (uint64_t *)(mem + GDT);
    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffull;   // 0x08 kernel code64
    gdt[2] = 0x00cf92000000ffffull;   // 0x10 kernel data
    gdt[3] = 0x00cff2000000ffffull;   // 0x18 user data
    gdt[4] = 0x00affa000000ffffull;   // 0x20 user code64
    uint64_t tss = TSS;
    gdt[5] = TSS_LIMIT | ((tss & 0xffffff) << 16) | (0x89ull << 40) | (((tss >> 24) & 0xff) << 56);
    gdt[6] = tss >> 32;
    *(uint64_t *)(mem + TSS + 4) = KSTACK_TOP;   // RSP0
    *(uint16_t *)(mem + TSS + 102) = 104;        // I/O bitmap right after the TSS: zeros = allowed
    mem[TSS + TSS_LIMIT] = 0xff;
    for (int v = 0; v < 32; v++) {               // every exception -> KCODE (hlt loop), DPL0
        uint64_t *e = (uint64_t *)(mem + IDT + 16 * v);
        e[0] = (KCODE & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((uint64_t)((KCODE >> 16) & 0xffff) << 48);
        e[1] = (uint64_t)KCODE >> 32;
    }
    static const uint8_t khalt[] = { 0xf4, 0xeb, 0xfd };                                    // hlt; jmp $-1
    static const uint8_t loop[] = { 0xef, 0xff, 0xc0, 0xff, 0xc9, 0x75, 0xf9, 0xf4 };       // out dx,eax; inc eax; dec ecx; jnz; hlt
    // Enter CPL3 with IOPL=3: iretq to CODE (ss=0x1b, rsp=STACK_TOP, rflags=0x3002, cs=0x23).
    static const uint8_t to_user[] = { 0x6a, 0x1b, 0x68, 0x00, 0x00, 0x02, 0x00, 0x68, 0x02, 0x30, 0x00, 0x00,
                                       0x6a, 0x23, 0x68, 0x00, 0x00, 0x01, 0x00, 0x48, 0xcf };
    memcpy(mem + KCODE, khalt, sizeof khalt);
    memcpy(mem + KCODE + 0x10, to_user, sizeof to_user);
    memcpy(mem + CODE, loop, sizeof loop);
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int dpl, int l)
{
    memset(s, 0, sizeof *s);
    s->base = 0; s->limit = 0xffffffff; s->selector = sel; s->type = type; s->present = 1;
    s->dpl = dpl; s->db = l ? 0 : 1; s->s = 1; s->l = l; s->g = 1;
}

static void set_regs(int vcpu, int user, uint32_t count)
{
    if (ioctl(vcpu, KVM_SET_CPUID2, g_cpuid) < 0) die("KVM_SET_CPUID2");
    struct kvm_sregs sr;
    if (ioctl(vcpu, KVM_GET_SREGS, &sr) < 0) die("KVM_GET_SREGS");
    sr.cr3 = PML4; sr.cr4 = 0x20; sr.cr0 = 0x80050033; sr.efer = 0x500;
    seg(&sr.cs, 0x08, 11, 0, 1);
    seg(&sr.ds, 0x10, 3, 0, 0);
    sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
    sr.gdt.base = GDT; sr.gdt.limit = 7 * 8 - 1;
    sr.idt.base = IDT; sr.idt.limit = 32 * 16 - 1;
    memset(&sr.tr, 0, sizeof sr.tr);
    sr.tr.base = TSS; sr.tr.limit = TSS_LIMIT; sr.tr.selector = 0x28; sr.tr.type = 11; sr.tr.present = 1;
    memset(&sr.ldt, 0, sizeof sr.ldt); sr.ldt.unusable = 1;
    if (ioctl(vcpu, KVM_SET_SREGS, &sr) < 0) die("KVM_SET_SREGS");
    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rip = user ? KCODE + 0x10 : CODE; r.rsp = user ? KSTACK_TOP : STACK_TOP; r.rflags = 0x2; r.rcx = count; r.rdx = PORT;
    if (ioctl(vcpu, KVM_SET_REGS, &r) < 0) die("KVM_SET_REGS");
    if (getenv("KVM_BENCH_DEBUG")) { ioctl(vcpu, KVM_GET_REGS, &r); fprintf(stderr, "rflags after set: 0x%llx\n", (unsigned long long)r.rflags); }
}

struct vm { int vm, gmem, vcpu; uint8_t *mem; struct kvm_run *run; };

static void vm_create(struct vm *v, int user, uint32_t count, int private_user)
{
    v->vm = ioctl(g_kvm, KVM_CREATE_VM, 0);
    if (v->vm < 0) die("KVM_CREATE_VM");
    struct gm_create_guest_memfd cg = { .size = MEM_SIZE, .flags = GM_FLAG_MMAP | GM_FLAG_INIT_SHARED };
    v->gmem = ioctl(v->vm, GM_CREATE_GUEST_MEMFD, &cg);
    if (v->gmem < 0) die("KVM_CREATE_GUEST_MEMFD");
    v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, v->gmem, 0);
    if (v->mem == MAP_FAILED) die("mmap");
    build_image(v->mem, user);
    struct gm_memory_region2 r = { .slot = 0, .flags = GM_MEM_GUEST_MEMFD, .guest_phys_addr = 0,
        .memory_size = private_user ? CODE : MEM_SIZE, .userspace_addr = (uint64_t)v->mem, .guest_memfd_offset = 0, .guest_memfd = (uint32_t)v->gmem };
    if (ioctl(v->vm, GM_SET_USER_MEMORY_REGION2, &r) < 0) die("KVM_SET_USER_MEMORY_REGION2");
    if (private_user) {
        // User code and stack: no host mapping at all once loaded.
        struct gm_memory_region2 r1 = { .slot = 1, .flags = GM_MEM_GUEST_MEMFD, .guest_phys_addr = CODE,
            .memory_size = MEM_SIZE - CODE, .userspace_addr = private_user >= 2 ? (uint64_t)v->mem + CODE : 0, .guest_memfd_offset = CODE, .guest_memfd = (uint32_t)v->gmem };
        if (ioctl(v->vm, GM_SET_USER_MEMORY_REGION2, &r1) < 0) die("KVM_SET_USER_MEMORY_REGION2 (user)");
        if (private_user == 1 && munmap(v->mem + CODE, MEM_SIZE - CODE) < 0) die("munmap");
        if (private_user == 3 && munmap(v->mem + CODE + 0x1000, MEM_SIZE - CODE - 0x1000) < 0) die("munmap");
    }
    v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
    if (v->vcpu < 0) die("KVM_CREATE_VCPU");
    v->run = mmap(NULL, (size_t)g_run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
    if (v->run == MAP_FAILED) die("mmap kvm_run");
    set_regs(v->vcpu, user, count);
}

static void vm_destroy(struct vm *v, int private_user)
{
    munmap(v->run, (size_t)g_run_size);
    munmap(v->mem, private_user == 1 ? CODE : private_user == 3 ? CODE + 0x1000 : MEM_SIZE);
    close(v->vcpu); close(v->gmem); close(v->vm);
}

// Runs to HLT; returns the number of OUTs, checking each value; -1 on anything unexpected.
static long run_to_hlt(struct vm *v)
{
    long exits = 0;
    for (;;) {
        if (ioctl(v->vcpu, KVM_RUN, 0) < 0) { if (errno == EINTR) continue; die("KVM_RUN"); }
        struct kvm_run *run = v->run;
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            uint32_t value = *(uint32_t *)((uint8_t *)run + run->io.data_offset);
            if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != PORT || run->io.size != 4 || value != (uint32_t)exits) {
                printf("error: unexpected io port=0x%x size=%d value=%u at exit %ld\n", run->io.port, run->io.size, value, exits);
                return -1;
            }
            exits++;
            break;
        }
        case KVM_EXIT_HLT:
            return exits;
        default: {
            struct kvm_regs r; ioctl(v->vcpu, KVM_GET_REGS, &r);
            printf("error: exit reason %u at exit %ld rip=0x%llx suberror=%u\n", run->exit_reason, exits, (unsigned long long)r.rip,
                run->exit_reason == KVM_EXIT_INTERNAL_ERROR ? run->internal.suberror : 0);
            return -1;
        }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: kvm_bench io <exits> [cpl0|cpl3|cpl3-private] | start <reps>\n"); return 2; }
    g_kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (g_kvm < 0) die("open /dev/kvm");
    g_run_size = ioctl(g_kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (g_run_size < 0) die("KVM_GET_VCPU_MMAP_SIZE");
    g_cpuid = calloc(1, sizeof *g_cpuid + 256 * sizeof(struct kvm_cpuid_entry2));
    g_cpuid->nent = 256;
    if (ioctl(g_kvm, KVM_GET_SUPPORTED_CPUID, g_cpuid) < 0) die("KVM_GET_SUPPORTED_CPUID");
    long n = atol(argv[2]);
    if (strcmp(argv[1], "io") == 0) {
        const char *mode = argc > 3 ? argv[3] : "cpl0";
        int user = strncmp(mode, "cpl3", 4) == 0;
        int priv = strcmp(mode, "cpl3-private") == 0 ? 1 : strcmp(mode, "cpl3-split") == 0 ? 2 : strcmp(mode, "cpl3-codeonly") == 0 ? 3 : 0;
        struct vm v;
        vm_create(&v, user, (uint32_t)n, priv);
        uint64_t t0 = now_ns();
        long exits = run_to_hlt(&v);
        uint64_t t1 = now_ns();
        if (exits != n) {
            struct kvm_regs r; struct kvm_sregs sr; ioctl(v.vcpu, KVM_GET_REGS, &r); ioctl(v.vcpu, KVM_GET_SREGS, &sr);
            printf("error: %ld exits, expected %ld (rip=0x%llx rsp=0x%llx cs=0x%x rflags=0x%llx)\n", exits, n,
                (unsigned long long)r.rip, (unsigned long long)r.rsp, sr.cs.selector, (unsigned long long)r.rflags);
            if (r.rsp >= KSTACK_TOP - 0x100 && r.rsp < KSTACK_TOP && !priv) {
                uint64_t *st = (uint64_t *)(v.mem + r.rsp);
                printf("  frame: %llx %llx %llx %llx %llx %llx\n", (unsigned long long)st[0], (unsigned long long)st[1], (unsigned long long)st[2], (unsigned long long)st[3], (unsigned long long)st[4], (unsigned long long)st[5]);
            }
            return 1;
        }
        struct kvm_regs r; ioctl(v.vcpu, KVM_GET_REGS, &r);
        printf("io exits=%ld ns_total=%llu ns_per_exit=%.1f rip=0x%llx\n", exits, (unsigned long long)(t1 - t0), (double)(t1 - t0) / (double)(exits ? exits : 1), (unsigned long long)r.rip);
        vm_destroy(&v, priv);
    } else if (strcmp(argv[1], "start") == 0) {
        uint64_t total = 0;
        for (long i = 0; i < n; i++) {
            uint64_t t0 = now_ns();
            struct vm v;
            vm_create(&v, 0, 0, 0);
            // count 0: the loop's first OUT runs once with ecx=0 -> dec wraps; use a guest that halts at once.
            v.mem[CODE] = 0xf4;
            if (run_to_hlt(&v) != 0) { printf("error: guest did not reach HLT\n"); return 1; }
            uint64_t t1 = now_ns();
            total += t1 - t0;
            vm_destroy(&v, 0);
        }
        printf("start reps=%ld ns_per_start=%.1f\n", n, (double)total / (double)n);
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]); return 2;
    }
    return 0;
}
