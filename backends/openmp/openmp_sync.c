/*
 * Point-to-point waits between the threads of a time-split call. An OpenMP barrier spins until
 * every thread arrives; when another process holds one of the cores, the thread it waits for is
 * descheduled for a whole time slice while the spinner keeps its own core busy, and a call that
 * passes hundreds of barriers runs 5-25x slower than on one thread. Here a thread waits only for
 * the peers whose results it needs, spins about as long as a super-chunk takes on a quiet machine,
 * and then sleeps, which frees its core for the descheduled peer.
 */
#include <time.h>

#include "openmp.h"

enum {
    /* Polls between looks at the clock. */
    POLLS = 64,
    /* Spin this long before sleeping: longer than the usual wait for a peer's super-chunk. */
    SPIN_NS = 50000,
    SLEEP_NS = 20000
};

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int reached(const linrec__openmp_progress *progress, size_t count)
{
    return atomic_load_explicit(&progress->count, memory_order_acquire) >= count;
}

/* Polls for a while; 1 if `count` was reached. */
static int poll(const linrec__openmp_progress *progress, size_t count)
{
    for (int i = 0; i < POLLS; i++)
        if (reached(progress, count))
            return 1;
    return 0;
}

void linrec__openmp_publish(linrec__openmp_progress *progress, size_t count)
{
    atomic_store_explicit(&progress->count, count, memory_order_release);
}

void linrec__openmp_wait(const linrec__openmp_progress *progress, size_t count)
{
    if (poll(progress, count))
        return;
    long long give_up = now_ns() + SPIN_NS;
    while (now_ns() < give_up)
        if (poll(progress, count))
            return;
    struct timespec nap = {0, SLEEP_NS};
    while (!reached(progress, count))
        nanosleep(&nap, NULL);
}

void linrec__openmp_wait_all(const linrec__openmp_progress *progress, int first, int end,
                             size_t count)
{
    for (int i = first; i < end; i++)
        linrec__openmp_wait(&progress[i], count);
}
