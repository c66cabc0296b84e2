package io.jworkqueue.internal;

import io.jworkqueue.Work;

/**
 * One thread of a {@link WorkerPool}, the kernel's {@code struct worker}. Runs one item at a
 * time; items that must not run concurrently with its current one (the same item queued again,
 * flush barriers) are handed to it on its {@link #scheduled} list.
 *
 * <p>Fields are guarded by the pool lock (L) unless marked confined (C: only the worker's own
 * thread touches them).
 */
final class Worker implements Runnable {
    // Flags (L). The NOT_RUNNING ones keep the worker out of pool.nrRunning.
    static final int DIE = 1 << 1;
    static final int IDLE = 1 << 2;
    static final int PREP = 1 << 3;
    static final int CPU_INTENSIVE = 1 << 6;
    static final int RESCUER = 1 << 8;
    /** A virtual thread (virtual-thread mode): the JDK's scheduler sees its blocking, nr_running need not. */
    static final int VIRTUAL = 1 << 9;
    /** A platform worker of a virtual pool that runs its items while its virtual workers cannot get a carrier. */
    static final int RELIEF = 1 << 10;
    static final int NOT_RUNNING = PREP | CPU_INTENSIVE | RESCUER | VIRTUAL | RELIEF;

    private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();

    final WorkerPool pool; // I
    final int id; // I
    Thread thread; // I after start
    /** I: {@link #thread} is virtual (it has no CPU clock and no kernel thread of its own). */
    final boolean virtualThread;

    int flags; // L
    /** L: blocked, so not counted in nr_running (the kernel's worker->sleeping): a hint, or detected. */
    boolean sleeping;
    /** L: {@link #sleeping} was set by the concurrency monitor rather than a hint. */
    boolean sleepingDetected;
    /** L: the monitor saw the current item blocked during this run (remembered on the item). */
    boolean sawBlock;
    /**
     * L: {@link #sleeping} was presumed when the item started (it blocked in its last run) and
     * the monitor has not seen this run blocked yet: a single sample that finds the thread
     * runnable is no evidence that it runs (it may not have reached its blocking call).
     */
    boolean presumed;
    /** L: the runtime's clock when the worker last became idle (for idle culling). */
    long lastActive;
    /** L: the item being run, its pwq and its flags while queued; null when not running. */
    Work currentWork; // also read racily by dumps, and by the worker's own thread
    PoolWorkqueue currentPwq;
    int currentFlags;
    /**
     * C (written by the worker's own thread, read racily by dumps): what the running item said
     * it is doing ({@code set_worker_desc}); cleared when the item returns.
     */
    String desc;
    /** L: items that must run next on this worker. */
    final WorkList scheduled = new WorkList();
    /**
     * L: the inactive item that the item just finished handed its slot to, which this worker
     * runs next without moving it to the worklist ({@link WorkerPool#handOff}); set and taken
     * within one hold of the pool lock.
     */
    Work handOff;
    /**
     * True while the manager starts this worker's thread with the pool lock dropped (it is on
     * the pool's books already): {@code PoolShutdown.stopWorkers} waits for the start to finish, so
     * the thread it hands out to be joined is never one that starts later.
     */
    volatile boolean startPending;
    /** L: set by the kick that woke this idle worker, cleared when it leaves the idle list. */
    boolean kicked;
    /** L: busy-hash chain, idle-list links. */
    Worker hashNext, idleNext, idlePrev;

    // C: CPU-time attribution (see WorkerCpuClock); clock: the runtime's clock when the
    // previous item of the current run ended, or the run started.
    long cpuMark, attributedSinceMark, clock;
    /** C (written under L): the pwq whose items the open cpu-time segment holds, and how many. */
    PoolWorkqueue segmentPwq;
    int segmentItems;

    // M: the concurrency monitor's samples of this worker (read and written under L by the monitor).
    Work sampledWork;
    /** CPU time when the current item started or last woke ({@code current_at}). */
    long currentAtCpu;
    long lastSampleCpu;
    /** System.nanoTime() (the runtime's clock for a virtual worker) of the last sample that saw the CPU clock advance, or it unmounted. */
    long lastProgressAt;
    /**
     * The last sample found the thread blocked in native code (RUNNABLE, its CPU clock standing
     * still); read racily by {@link PoolSampler#quickLook}.
     */
    boolean nativeBlock;

    Worker(WorkerPool pool, int id) {
        this(pool, id, false);
    }

    Worker(WorkerPool pool, int id, boolean virtualThread) {
        this.pool = pool;
        this.id = id;
        this.virtualThread = virtualThread;
    }

    /** Makes {@code w} the calling thread's worker (the rescuer switches between pools); null clears. */
    static void setCurrent(Worker w) {
        if (w == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(w);
        }
    }

    /** @return the worker the calling thread is, or null */
    static Worker current() {
        return CURRENT.get();
    }

    /** I: the kernel thread id where known (Linux), for telling native blocking from preemption. */
    volatile int tid = -1;

    @Override
    public void run() {
        tid = virtualThread ? -1 : NativeThreads.currentTid(); // a virtual thread has no kernel thread of its own
        CpuPinning.workerStarted(pool);
        WorkerCpuClock.markCpu(this);
        CURRENT.set(this);
        try {
            while (true) {
                try {
                    pool.workerThread(this);
                    return;
                } catch (Throwable t) {
                    if (!pool.workerFailed(this, t)) { // reported and counted; start over
                        return;
                    }
                }
            }
        } finally {
            CURRENT.remove();
        }
    }

    @Override
    public String toString() {
        Thread t = thread;
        return t == null ? "worker-" + id : t.getName();
    }
}
