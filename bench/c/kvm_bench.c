// kvm_bench: the C baseline of the Gmem benchmarks. It does the same ioctls as the C# VMM
// (Gmem.Vmm.X86.X86Guest): a guest_memfd with MMAP|INIT_SHARED, one gmem-only memslot whose
// userspace_addr is the host mapping, one vCPU with CPUID and 64-bit long-mode registers
// (2 MiB identity pages), then KVM_RUN in a loop that checks every port-I/O value.
//
// Built two ways from this one file:
//   gcc -O2 -o kvm_bench kvm_bench.c                           a program (see main below)
//   gcc -O2 -shared -fPIC -DKVM_BENCH_LIBRARY -o libkvm_bench.so kvm_bench.c
//                                                              a library the C# benchmarks call
// Library API (every function returns < 0 / NULL on failure; kb_error() says why):
//   kb_init()             open /dev/kvm, read the supported CPUID
//   kb_io_open()          a VM whose guest OUTs 0, 1, 2, ... to port 0x10 forever
//   kb_io_run(vm, n)      n port-I/O exits, each value checked; returns n
//   kb_io_close(vm)
//   kb_start(reps)        reps times: VM, gmem, slot, vCPU, registers, KVM_RUN to the first HLT, close
//   kb_run_count(n)       a guest that OUTs n values then HLTs, run start to end; returns n
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

// Newer than many installed <linux/kvm.h> (spec §0; kernel 6.8+ / 6.18 for the flags).
struct kb_create_guest_memfd { uint64_t size, flags, reserved[6]; };
struct kb_memory_region2 {
    uint32_t slot, flags; uint64_t guest_phys_addr, memory_size, userspace_addr, guest_memfd_offset;
    uint32_t guest_memfd, pad1; uint64_t pad2[14];
};
#define KB_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct kb_create_guest_memfd)
#define KB_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct kb_memory_region2)
#define KB_MEM_GUEST_MEMFD (1u << 2)
#define KB_FLAG_MMAP (1ull << 0)
#define KB_FLAG_INIT_SHARED (1ull << 1)

// Guest layout: X86GuestLayout's defaults.
#define MEM_SIZE   (2ull << 20)
#define PML4       0x1000ull
#define PDPT       0x2000ull
#define PD         0x3000ull
#define GDT        0xc000ull
#define IDT        0xd000ull
#define KCODE      0xe000ull
#define KSTACK_TOP 0x10000ull
#define TSS        0x10000ull
#define TSS_LIMIT  (104ull + 8192ull)
#define CODE       0x20000ull
#define PORT       0x10

#define KB_API __attribute__((visibility("default")))

static int g_kvm = -1;
static int g_run_size;
static struct kvm_cpuid2 *g_cpuid;
static char g_error[256];

static int fail(const char *what) { snprintf(g_error, sizeof g_error, "%s: %s", what, strerror(errno)); return -1; }

KB_API const char *kb_error(void) { return g_error; }

KB_API int kb_init(void)
{
    if (g_kvm >= 0) return 0;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) return fail("open /dev/kvm");
    g_run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (g_run_size < 0) return fail("KVM_GET_VCPU_MMAP_SIZE");
    g_cpuid = calloc(1, sizeof *g_cpuid + 256 * sizeof(struct kvm_cpuid_entry2));
    if (!g_cpuid) return fail("calloc");
    g_cpuid->nent = 256;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, g_cpuid) < 0) return fail("KVM_GET_SUPPORTED_CPUID");
    for (uint32_t i = 0; i < g_cpuid->nent; i++)   // long mode, as KvmVcpu.SetupCpuid does
        if (g_cpuid->entries[i].function == 0x80000001) g_cpuid->entries[i].edx |= 1u << 29;
    g_kvm = kvm;
    return 0;
}

static void build_image(uint8_t *mem, const uint8_t *code, size_t code_len)
{
    uint64_t *pml4 = (uint64_t *)(mem + PML4), *pdpt = (uint64_t *)(mem + PDPT), *pd = (uint64_t *)(mem + PD);
    pml4[0] = PDPT | 3;
    pdpt[0] = PD | 3;
    for (uint64_t i = 0; i < 512; i++) pd[i] = (i << 21) | 0x83;   // 2 MiB pages: P|RW|PS
    uint64_t *gdt = (uint64_t *)(mem + GDT);
    gdt[1] = 0x00af9b000000ffffull;   // 0x08 kernel code64
    gdt[2] = 0x00cf93000000ffffull;   // 0x10 kernel data
    gdt[3] = 0x00cff3000000ffffull;   // 0x18 user data
    gdt[4] = 0x00affb000000ffffull;   // 0x20 user code64
    gdt[5] = (TSS_LIMIT & 0xffff) | ((TSS & 0xffffff) << 16) | (0x89ull << 40) | (((TSS_LIMIT >> 16) & 0xf) << 48) | (((TSS >> 24) & 0xff) << 56);
    gdt[6] = TSS >> 32;
    *(uint64_t *)(mem + TSS + 4) = KSTACK_TOP;
    *(uint16_t *)(mem + TSS + 102) = 104;
    mem[TSS + TSS_LIMIT] = 0xff;
    for (uint64_t v = 0; v < 32; v++) {   // every exception: report the vector on port 0xf1, halt
        uint64_t handler = KCODE + 16 * v;
        uint8_t *h = mem + handler;
        h[0] = 0xb8; memcpy(h + 1, &(uint32_t){ (uint32_t)v }, 4); h[5] = 0xe7; h[6] = 0xf1; h[7] = 0xf4; h[8] = 0xeb; h[9] = 0xfd;
        uint64_t *e = (uint64_t *)(mem + IDT + 16 * v);
        e[0] = (handler & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | (((handler >> 16) & 0xffff) << 48);
        e[1] = handler >> 32;
    }
    memcpy(mem + CODE, code, code_len);
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int l)
{
    memset(s, 0, sizeof *s);
    s->limit = 0xffffffff; s->selector = sel; s->type = type; s->present = 1; s->db = l ? 0 : 1; s->s = 1; s->l = l; s->g = 1;
}

static int set_regs(int vcpu)
{
    if (ioctl(vcpu, KVM_SET_CPUID2, g_cpuid) < 0) return fail("KVM_SET_CPUID2");
    struct kvm_sregs sr;
    if (ioctl(vcpu, KVM_GET_SREGS, &sr) < 0) return fail("KVM_GET_SREGS");
    sr.cr3 = PML4; sr.cr4 = 0x20; sr.cr0 = 0x80050033; sr.efer = 0x500;
    seg(&sr.cs, 0x08, 11, 1);
    seg(&sr.ds, 0x10, 3, 0);
    sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
    sr.gdt.base = GDT; sr.gdt.limit = 7 * 8 - 1;
    sr.idt.base = IDT; sr.idt.limit = 256 * 16 - 1;
    memset(&sr.tr, 0, sizeof sr.tr);
    sr.tr.base = TSS; sr.tr.limit = TSS_LIMIT; sr.tr.selector = 0x28; sr.tr.type = 11; sr.tr.present = 1;
    memset(&sr.ldt, 0, sizeof sr.ldt); sr.ldt.unusable = 1;
    if (ioctl(vcpu, KVM_SET_SREGS, &sr) < 0) return fail("KVM_SET_SREGS");
    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rip = CODE; r.rsp = MEM_SIZE; r.rflags = 0x2;
    if (ioctl(vcpu, KVM_SET_REGS, &r) < 0) return fail("KVM_SET_REGS");
    return 0;
}

struct kb_vm { int vm, gmem, vcpu; uint8_t *mem; struct kvm_run *run; uint32_t next; };

static void vm_close(struct kb_vm *v)
{
    if (v->run && v->run != MAP_FAILED) munmap(v->run, (size_t)g_run_size);
    if (v->mem && v->mem != MAP_FAILED) munmap(v->mem, MEM_SIZE);
    if (v->vcpu >= 0) close(v->vcpu);
    if (v->gmem >= 0) close(v->gmem);
    if (v->vm >= 0) close(v->vm);
}

static int vm_open(struct kb_vm *v, const uint8_t *code, size_t code_len)
{
    memset(v, 0, sizeof *v);
    v->vm = v->gmem = v->vcpu = -1;
    if (kb_init() < 0) return -1;
    if ((v->vm = ioctl(g_kvm, KVM_CREATE_VM, 0)) < 0) return fail("KVM_CREATE_VM");
    struct kb_create_guest_memfd cg = { .size = MEM_SIZE, .flags = KB_FLAG_MMAP | KB_FLAG_INIT_SHARED };
    if ((v->gmem = ioctl(v->vm, KB_CREATE_GUEST_MEMFD, &cg)) < 0) return fail("KVM_CREATE_GUEST_MEMFD");
    v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, v->gmem, 0);
    if (v->mem == MAP_FAILED) return fail("mmap guest_memfd");
    build_image(v->mem, code, code_len);
    struct kb_memory_region2 r = { .slot = 0, .flags = KB_MEM_GUEST_MEMFD, .memory_size = MEM_SIZE,
        .userspace_addr = (uint64_t)v->mem, .guest_memfd = (uint32_t)v->gmem };
    if (ioctl(v->vm, KB_SET_USER_MEMORY_REGION2, &r) < 0) return fail("KVM_SET_USER_MEMORY_REGION2");
    if ((v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0)) < 0) return fail("KVM_CREATE_VCPU");
    v->run = mmap(NULL, (size_t)g_run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
    if (v->run == MAP_FAILED) return fail("mmap kvm_run");
    return set_regs(v->vcpu);
}

// Runs until HLT or until `exits` port-I/O exits were handled; every OUT must carry the next value.
// Returns the exits handled, or -1; *halted tells whether the guest reached HLT.
static long run(struct kb_vm *v, long exits, int *halted)
{
    *halted = 0;
    for (long done = 0; done < exits;) {
        if (ioctl(v->vcpu, KVM_RUN, 0) < 0) { if (errno == EINTR) continue; return fail("KVM_RUN"); }
        struct kvm_run *r = v->run;
        if (r->exit_reason == KVM_EXIT_HLT) { *halted = 1; return done; }
        if (r->exit_reason != KVM_EXIT_IO) { errno = EIO; snprintf(g_error, sizeof g_error, "unexpected exit reason %u", r->exit_reason); return -1; }
        uint32_t value;
        memcpy(&value, (uint8_t *)r + r->io.data_offset, 4);
        if (r->io.direction != KVM_EXIT_IO_OUT || r->io.port != PORT || r->io.size != 4 || value != v->next) {
            snprintf(g_error, sizeof g_error, "unexpected I/O port 0x%x value %u (expected %u)", r->io.port, value, v->next);
            return -1;
        }
        v->next++;
        done++;
    }
    return exits;
}

// xor eax,eax; mov edx,0x10; 1: out dx,eax; inc eax; jmp 1b
static const uint8_t s_forever[] = { 0x31, 0xc0, 0xba, 0x10, 0, 0, 0, 0xef, 0xff, 0xc0, 0xeb, 0xfb };

KB_API struct kb_vm *kb_io_open(void)
{
    struct kb_vm *v = malloc(sizeof *v);
    if (!v) { fail("malloc"); return NULL; }
    if (vm_open(v, s_forever, sizeof s_forever) < 0) { vm_close(v); free(v); return NULL; }
    return v;
}

KB_API long kb_io_run(struct kb_vm *v, long exits)
{
    int halted;
    long done = run(v, exits, &halted);
    return halted ? -1 : done;
}

KB_API void kb_io_close(struct kb_vm *v) { if (v) { vm_close(v); free(v); } }

KB_API long kb_start(long reps)
{
    static const uint8_t hlt[] = { 0xf4 };
    for (long i = 0; i < reps; i++) {
        struct kb_vm v;
        int halted = 0;
        long rc = vm_open(&v, hlt, sizeof hlt);
        if (rc == 0) rc = run(&v, 1, &halted);
        vm_close(&v);
        if (rc < 0) return -1;
        if (!halted) { snprintf(g_error, sizeof g_error, "the guest did not halt"); return -1; }
    }
    return reps;
}

KB_API long kb_run_count(long count)
{
    // xor eax,eax; mov ecx,count; mov edx,0x10; 1: out dx,eax; inc eax; dec ecx; jnz 1b; hlt
    uint8_t code[] = { 0x31, 0xc0, 0xb9, 0, 0, 0, 0, 0xba, 0x10, 0, 0, 0, 0xef, 0xff, 0xc0, 0xff, 0xc9, 0x75, 0xf9, 0xf4 };
    uint32_t n = (uint32_t)count;
    memcpy(code + 3, &n, 4);
    struct kb_vm v;
    int halted = 0;
    long rc = vm_open(&v, code, sizeof code);
    if (rc == 0) rc = run(&v, count + 1, &halted);
    vm_close(&v);
    if (rc >= 0 && !halted) { snprintf(g_error, sizeof g_error, "the guest did not halt"); return -1; }
    return rc;
}

#ifndef KVM_BENCH_LIBRARY
static uint64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec; }

// kvm_bench io <exits>     port-I/O round trip:   "io exits=N ns_per_exit=X"
// kvm_bench start <reps>   VM start to first HLT: "start reps=N ns_per_start=X"
// kvm_bench count <n>      a guest of n OUTs then HLT, run to the end: "count exits=N ns_total=X"
int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: kvm_bench io <exits> | start <reps> | count <n>\n"); return 2; }
    long n = atol(argv[2]);
    if (kb_init() < 0) { printf("error: %s\n", kb_error()); return 1; }
    if (strcmp(argv[1], "io") == 0) {
        struct kb_vm *v = kb_io_open();
        if (!v || kb_io_run(v, 1000) < 0) { printf("error: %s\n", kb_error()); return 1; }   // warm-up
        uint64_t t0 = now_ns();
        long done = kb_io_run(v, n);
        uint64_t t1 = now_ns();
        kb_io_close(v);
        if (done != n) { printf("error: %s\n", kb_error()); return 1; }
        printf("io exits=%ld ns_per_exit=%.1f\n", n, (double)(t1 - t0) / (double)n);
    } else if (strcmp(argv[1], "start") == 0) {
        uint64_t t0 = now_ns();
        if (kb_start(n) != n) { printf("error: %s\n", kb_error()); return 1; }
        uint64_t t1 = now_ns();
        printf("start reps=%ld ns_per_start=%.1f\n", n, (double)(t1 - t0) / (double)n);
    } else if (strcmp(argv[1], "count") == 0) {
        uint64_t t0 = now_ns();
        if (kb_run_count(n) != n) { printf("error: %s\n", kb_error()); return 1; }
        uint64_t t1 = now_ns();
        printf("count exits=%ld ns_total=%llu\n", n, (unsigned long long)(t1 - t0));
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    return 0;
}
#endif
