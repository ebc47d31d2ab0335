/*
 * The emulator's blocks (emulator.h): host threads that each run one block at a time, the block's
 * CUDA threads as fibers (their own stacks) scheduled in turn. Fibers never run concurrently within
 * a block, so the block's own state needs no locks; blocks run concurrently, and meet only through
 * the global memory and atomics of the kernels themselves.
 */
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <numeric>
#include <system_error>
#include <thread>
#include <vector>

#include "emulator.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define LINREC_EMULATOR_ASAN 1
#else
#define LINREC_EMULATOR_ASAN 0
#endif

#if defined(__x86_64__) && defined(__ELF__)
#define LINREC_EMULATOR_SWITCH 1
#else
#define LINREC_EMULATOR_SWITCH 0
#endif

#if LINREC_EMULATOR_SWITCH
/* linrec_emulator_switch(&from, to): pushes the callee-saved registers, stores the stack pointer in
 * from, loads to's, and pops the registers saved there; returning resumes that stack's switch. */
asm(R"(
    .text
    .globl linrec_emulator_switch
    .hidden linrec_emulator_switch
    .p2align 4
    .type linrec_emulator_switch, @function
linrec_emulator_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size linrec_emulator_switch, .-linrec_emulator_switch
    .section .note.GNU-stack, "", @progbits
    .text
)");
extern "C" void linrec_emulator_switch(void **from, void *to);
#else
#include <ucontext.h>
#endif

namespace linrec_emulator
{
namespace
{

constexpr size_t STACK_BYTES = size_t{128} << 10;
constexpr unsigned MAX_BLOCK = 1024;
/* Blocks that run at once unless LINREC_CUDA_EMULATOR_BLOCKS says otherwise: many more than a
 * machine's cores, so that blocks wait on blocks that are not running, and enough that a look-back
 * reaches past its first window of 16 tiles (the suite's look-backs then reach about 30 deep). */
constexpr unsigned DEFAULT_RESIDENT_BLOCKS = 32;
/* Each block's stacks are 2 mappings per thread (guard pages): more blocks would approach the
 * kernel's limit on a process's mappings. */
constexpr unsigned MAX_RESIDENT_BLOCKS = 64;

/*
 * Switching between a block's fibers, which the emulator does at every barrier and shuffle. On
 * x86-64 it saves the callee-saved registers and swaps stack pointers; swapcontext also saves and
 * restores the signal mask, a system call per switch: with it the forward tests took 24.6 s
 * instead of 6.6 s (2-core dev VM). Elsewhere, and where a shadow stack (CET) would refuse the
 * switch's return into a fresh stack, ucontext.
 */
#if LINREC_EMULATOR_SWITCH
struct Context {
    void *stack_pointer;
};

/* A context that starts entry() at the top of [stack, stack + bytes): the six registers that the
 * switch pops, then entry as its return address, aligned as if entry had been called. */
void prepare(Context &c, char *stack, size_t bytes, void (*entry)())
{
    void **top = reinterpret_cast<void **>(stack + bytes);
    top -= 2; /* entry's own return address slot (never used) keeps the ABI's alignment */
    top[0] = reinterpret_cast<void *>(entry);
    top[1] = nullptr;
    top -= 6;
    for (int i = 0; i < 6; i++)
        top[i] = nullptr;
    c.stack_pointer = top;
}

void switch_context(Context &from, const Context &to)
{
    linrec_emulator_switch(&from.stack_pointer, to.stack_pointer);
}
#else
struct Context {
    ucontext_t context;
};

void prepare(Context &c, char *stack, size_t bytes, void (*entry)())
{
    getcontext(&c.context);
    c.context.uc_stack.ss_sp = stack;
    c.context.uc_stack.ss_size = bytes;
    c.context.uc_link = nullptr;
    makecontext(&c.context, entry, 0);
}

void switch_context(Context &from, const Context &to)
{
    swapcontext(&from.context, &to.context);
}
#endif

enum class Wait { NONE, BLOCK, WARP, DONE };

struct Fiber {
    Context context;
    char *stack;
    unsigned index;
    Wait wait;
    unsigned long long generation; /* of the barrier waited on */
    unsigned shuffles;             /* picks the exchange buffer of the next shuffle */
};

struct Warp {
    unsigned arrived, lanes;
    unsigned long long generation;
    unsigned long long values[2][WARP]; /* alternate rounds: a lane may run one round ahead */
    const char *file;                   /* where the first lane of this round shuffles */
    unsigned line;
};

struct Block {
    dim3 grid;
    uint3 index;
    unsigned size;
    Fiber *fibers;
    Warp *warps;
    unsigned *order;           /* of the fibers in the current turn */
    unsigned long long random; /* xorshift state that shuffles the order every turn */
    unsigned arrived;
    unsigned long long generation;
    bool misused; /* a shuffle from different places, or with lanes left out */
    Context scheduler;
    Fiber *current;
    void (*body)(void *);
    void *context;
    /* AddressSanitizer must be told which stack a switch lands on: the host thread's, here. */
    const void *host_stack;
    size_t host_stack_bytes;
};

thread_local Block *running;

/* Scheduler -> fiber. */
void enter(Block &b, Fiber &f)
{
    b.current = &f;
#if LINREC_EMULATOR_ASAN
    void *fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, f.stack, STACK_BYTES);
#endif
    switch_context(b.scheduler, f.context);
#if LINREC_EMULATOR_ASAN
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

/* Fiber -> scheduler; a finished fiber never comes back. */
void leave(Block &b, Fiber &f)
{
#if LINREC_EMULATOR_ASAN
    void *fake_stack = nullptr;
    __sanitizer_start_switch_fiber(f.wait == Wait::DONE ? nullptr : &fake_stack, b.host_stack,
                                   b.host_stack_bytes);
#endif
    switch_context(f.context, b.scheduler);
#if LINREC_EMULATOR_ASAN
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

void fiber_main()
{
    Block &b = *running;
#if LINREC_EMULATOR_ASAN
    __sanitizer_finish_switch_fiber(nullptr, &b.host_stack, &b.host_stack_bytes);
#endif
    b.body(b.context);
    b.current->wait = Wait::DONE;
    leave(b, *b.current);
}

bool ready(const Block &b, const Fiber &f)
{
    switch (f.wait) {
    case Wait::NONE:
        return true;
    case Wait::BLOCK:
        return b.generation != f.generation;
    case Wait::WARP:
        return b.warps[f.index / WARP].generation != f.generation;
    case Wait::DONE:
        break;
    }
    return false;
}

unsigned long long next_random(unsigned long long &state)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* A new order of the fibers for every turn, so that no missing barrier is hidden by the threads
 * always running in index order (which would, say, let every warp's last lane write shared memory
 * before thread 0 reads it). */
void shuffle_order(Block &b)
{
    for (unsigned i = b.size - 1; i > 0; i--)
        std::swap(b.order[i], b.order[next_random(b.random) % (i + 1)]);
}

/* Runs the block's fibers in turns until all finish; false when the unfinished ones all wait on
 * a barrier that can no longer complete. */
bool run_fibers(Block &b)
{
    unsigned finished = 0;
    while (finished < b.size) {
        bool ran = false;
        shuffle_order(b);
        for (unsigned i = 0; i < b.size; i++) {
            Fiber &f = b.fibers[b.order[i]];
            if (!ready(b, f))
                continue;
            f.wait = Wait::NONE;
            enter(b, f);
            ran = true;
            finished += f.wait == Wait::DONE;
        }
        if (!ran)
            return false;
    }
    return true;
}

/* Stacks for one block's fibers, each above a guard page. */
class Stacks
{
  public:
    explicit Stacks(unsigned count)
        : count_(count), page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))),
          stride_(STACK_BYTES + page_), bytes_(stride_ * count)
    {
        void *memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (memory == MAP_FAILED)
            throw std::bad_alloc();
        base_ = static_cast<char *>(memory);
        for (unsigned i = 0; i < count; i++) /* where this fails, the stack has no guard */
            mprotect(base_ + i * stride_, page_, PROT_NONE);
    }
    ~Stacks()
    {
        munmap(base_, bytes_);
    }
    Stacks(const Stacks &) = delete;
    Stacks &operator=(const Stacks &) = delete;

    unsigned count() const
    {
        return count_;
    }
    char *stack(unsigned i) const
    {
        return base_ + i * stride_ + page_;
    }

  private:
    unsigned count_;
    size_t page_, stride_, bytes_;
    char *base_;
};

/* Stacks outlive launches: mapping, guarding and touching them anew for every launch took most of
 * the emulator's time on small problems. */
std::mutex idle_stacks_lock;
std::vector<std::unique_ptr<Stacks>> idle_stacks;

std::unique_ptr<Stacks> take_stacks(unsigned count)
{
    {
        std::lock_guard<std::mutex> guard(idle_stacks_lock);
        for (auto it = idle_stacks.begin(); it != idle_stacks.end(); ++it)
            if ((*it)->count() == count) {
                std::unique_ptr<Stacks> stacks = std::move(*it);
                idle_stacks.erase(it);
                return stacks;
            }
    }
    return std::make_unique<Stacks>(count);
}

/* Without room to keep them, the stacks are unmapped. */
void return_stacks(std::unique_ptr<Stacks> stacks) noexcept
{
    std::lock_guard<std::mutex> guard(idle_stacks_lock);
    try {
        idle_stacks.push_back(std::move(stacks));
    } catch (const std::bad_alloc &) {
    }
}

/* The order in which a launch starts its blocks: i -> (offset + i * stride) mod n with the stride
 * prime to n, a permutation, so that no kernel can rely on blocks starting in index order (a GPU
 * promises none; the look-back kernels take their tiles from a counter for that reason). */
class BlockOrder
{
  public:
    BlockOrder(unsigned n, unsigned long long seed)
        : n_(n), offset_(seed % n), stride_(n > 2 ? n - 1 : 1)
    {
        unsigned long long s = (seed >> 20) | 1; /* xorshift: never 0 */
        for (int tries = 0; n > 2 && tries < 64; tries++, next_random(s))
            if (s % n > 1 && std::gcd(s % n, n_) == 1) {
                stride_ = s % n;
                break;
            }
    }

    unsigned at(unsigned i) const
    {
        return static_cast<unsigned>((offset_ + i * stride_) % n_);
    }

  private:
    unsigned long long n_, offset_, stride_;
};

/* One host thread's share of a launch: blocks taken in order from `next` until none are left. */
class Worker
{
  public:
    Worker(dim3 grid, unsigned size, void (*body)(void *), void *context, unsigned long long seed)
        : stacks_(take_stacks(size)), fibers_(size), warps_((size + WARP - 1) / WARP), order_(size)
    {
        block_.grid = grid;
        block_.size = size;
        block_.fibers = fibers_.data();
        block_.warps = warps_.data();
        block_.order = order_.data();
        block_.body = body;
        block_.context = context;
        seed_ = seed;
    }

    ~Worker()
    {
        return_stacks(std::move(stacks_));
    }
    Worker(const Worker &) = delete;
    Worker &operator=(const Worker &) = delete;

    /* False when a block's threads waited on each other forever or shuffled wrongly. */
    bool run(std::atomic<unsigned> &next, const BlockOrder &order)
    {
        bool all_finished = true;
        running = &block_;
        for (unsigned i; (i = next.fetch_add(1)) < block_.grid.x;)
            all_finished &= run_block(order.at(i));
        running = nullptr;
        return all_finished;
    }

  private:
    bool run_block(unsigned index)
    {
        Block &b = block_;
        b.index = {index, 0, 0};
        b.arrived = 0;
        b.random = (seed_ ^ (0x9e3779b97f4a7c15ull * (index + 1ull))) | 1; /* xorshift: never 0 */
        for (unsigned i = 0; i < b.size; i++)
            b.order[i] = i;
        for (unsigned w = 0; w < warps_.size(); w++)
            warps_[w] = {0, std::min(WARP, b.size - w * WARP), 0, {}, nullptr, 0};
        b.misused = false;
        for (unsigned i = 0; i < b.size; i++) {
            Fiber &f = fibers_[i];
            f.stack = stacks_->stack(i);
            f.index = i;
            f.wait = Wait::NONE;
            f.shuffles = 0;
#if LINREC_EMULATOR_ASAN
            /* A fiber abandoned in a failed launch may have left its stack poisoned. */
            __asan_unpoison_memory_region(f.stack, STACK_BYTES);
#endif
            prepare(f.context, f.stack, STACK_BYTES, fiber_main);
        }
        return run_fibers(b) && !b.misused;
    }

    Block block_ = {};
    std::unique_ptr<Stacks> stacks_;
    std::vector<Fiber> fibers_;
    std::vector<Warp> warps_;
    std::vector<unsigned> order_;
    unsigned long long seed_;
};

unsigned resident_blocks()
{
    const char *value = getenv("LINREC_CUDA_EMULATOR_BLOCKS");
    const long n = value ? strtol(value, nullptr, 10) : 0;
    return n > 0 && n <= MAX_RESIDENT_BLOCKS ? static_cast<unsigned>(n) : DEFAULT_RESIDENT_BLOCKS;
}

void wait_for(Block &b, Wait kind, unsigned long long generation)
{
    b.current->wait = kind;
    b.current->generation = generation;
    leave(b, *b.current);
}

} // namespace

uint3 thread_index()
{
    return {running->current->index, 0, 0};
}

uint3 block_index()
{
    return running->index;
}

dim3 grid_size()
{
    return running->grid;
}

void sync_block()
{
    Block &b = *running;
    if (++b.arrived == b.size) {
        b.arrived = 0;
        b.generation++;
        return;
    }
    wait_for(b, Wait::BLOCK, b.generation);
}

const unsigned long long *warp_exchange(unsigned long long bits, unsigned mask, const char *file,
                                        unsigned line)
{
    Block &b = *running;
    Fiber &f = *b.current;
    Warp &w = b.warps[f.index / WARP];
    if (w.arrived == 0) {
        w.file = file;
        w.line = line;
    } else if (w.file != file || w.line != line) {
        b.misused = true;
    }
    if (mask != (w.lanes == WARP ? ~0u : (1u << w.lanes) - 1))
        b.misused = true;
    unsigned long long *values = w.values[f.shuffles++ % 2];
    values[f.index % WARP] = bits;
    if (++w.arrived == w.lanes) {
        w.arrived = 0;
        w.generation++;
    } else {
        wait_for(b, Wait::WARP, w.generation);
    }
    return values;
}

void pause()
{
    sched_yield();
    leave(*running, *running->current);
}

cudaError_t launch(dim3 grid, dim3 block, void (*body)(void *), void *context)
{
    if (grid.y != 1 || grid.z != 1 || block.y != 1 || block.z != 1 || grid.x == 0 || block.x == 0 ||
        block.x > MAX_BLOCK)
        return cudaErrorInvalidConfiguration;
    bool faults = false;
    const cudaError_t earlier = launch_fault(&faults);
    if (faults || earlier != cudaSuccess)
        return earlier;
    /* Each launch of a process shuffles its threads differently, and the same way every run. */
    static std::atomic<unsigned long long> launches{0};
    const unsigned long long seed = 0x2545f4914f6cdd1dull * ++launches;
    const BlockOrder order(grid.x, seed);
    std::atomic<unsigned> next{0};
    std::atomic<bool> all_finished{true};
    std::vector<std::thread> threads;
    try {
        const unsigned count = std::min(grid.x, resident_blocks());
        for (unsigned i = 0; i < count; i++)
            threads.emplace_back([&] {
                try {
                    Worker worker(grid, block.x, body, context, seed);
                    if (!worker.run(next, order))
                        all_finished = false;
                } catch (const std::bad_alloc &) {
                    all_finished = false;
                }
            });
    } catch (const std::exception &) {
        /* Threads that did start take every block; none at all is a failed launch. */
        if (threads.empty())
            return cudaErrorLaunchFailure;
    }
    for (std::thread &t : threads)
        t.join();
    return all_finished ? cudaSuccess : cudaErrorLaunchFailure;
}

} // namespace linrec_emulator
