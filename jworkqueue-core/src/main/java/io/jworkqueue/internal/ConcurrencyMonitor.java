package io.jworkqueue.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * Watches running workers of bound and unbound pools for sleeping and CPU hogging, standing in for the
 * kernel's scheduler hooks ({@code wq_worker_sleeping}, {@code wq_worker_running},
 * {@code wq_worker_tick}), which the JVM does not have; and, in the virtual-thread mode, the
 * virtual unbound pools for workers that hold their carriers (see {@code PoolSampler.sampleVirtual}).
 *
 * <p>It costs nothing while no pool needs it: the thread parks without a deadline until a pool
 * kicks it because items wait behind a running worker ({@link #request()}). While needed it
 * samples every {@link #SAMPLE_NANOS} (see {@link PoolSampler#sample}: under the pool lock, thread
 * CPU clocks, {@code /proc}), and in between, for {@link #LOOK_WINDOW_NANOS} after a sample
 * last found a worker blocked, takes a lock-free look every {@link #LOOK_NANOS} at the thread
 * states of the running workers ({@link PoolSampler#quickLook}); a pool where a worker seems to
 * have blocked or woken is sampled at once, so in a workload that blocks a worker that blocks
 * is replaced within a fraction of a millisecond; blocking native I/O, which the JVM reports as
 * RUNNABLE, is recognised once the thread's CPU clock has stood still for
 * {@link PoolSampler#NATIVE_BLOCK_NANOS} (3 ms), so that mere preemption does not count. When no pool needs watching any more, it parks again.
 */
final class ConcurrencyMonitor implements Runnable {
    /** The sampling period while some pool needs watching. */
    static final long SAMPLE_NANOS = 500_000L;
    /** The period of the lock-free looks between two samples ({@link PoolSampler#quickLook}). */
    static final long LOOK_NANOS = 100_000L;
    /**
     * The looks are taken only this long after a sample last found a worker newly blocked: a
     * workload that does not block (a CPU-bound fan-out keeps the monitor sampling too), or one
     * whose sleeper stays asleep, pays nothing for them.
     */
    static final long LOOK_WINDOW_NANOS = 20_000_000L;

    private final RuntimeCore runtime;
    private final Object startLock = new Object();
    private Thread thread; // startLock
    /** True while the thread samples; false once it decided to park. */
    private volatile boolean active;
    private volatile boolean stopped;
    /**
     * Monitor thread only: System.nanoTime() when a sample last found a worker newly blocked (a
     * worker that stays blocked counts once: a long sleep does not keep the looks going).
     */
    private long blockSeenAt = System.nanoTime() - LOOK_WINDOW_NANOS;

    ConcurrencyMonitor(RuntimeCore runtime) {
        this.runtime = runtime;
    }

    /**
     * Asks for sampling; cheap when already sampling. Called with a pool lock held. Never
     * throws: if the thread cannot be started, the failure is reported and the next request
     * tries again.
     */
    void request() {
        if (active || stopped) {
            return;
        }
        active = true;
        Thread t;
        synchronized (startLock) {
            t = thread;
            if (t == null) {
                try {
                    t = new Thread(this, "jworkqueue-cm");
                    t.setDaemon(true);
                    t.setPriority(Thread.MAX_PRIORITY);
                    t.start();
                    thread = t;
                } catch (Throwable e) {
                    active = false;
                    runtime.internalError("concurrency monitor start", e);
                }
                return;
            }
        }
        LockSupport.unpark(t);
    }

    /** @return whether the thread samples now (false while parked, or if it could not be started) */
    boolean isActive() {
        return active;
    }

    /**
     * The monitor thread. Anything a round throws is reported and the thread goes on; should it
     * die all the same, it clears {@link #active} and {@link #thread} on the way out, so that the
     * next {@link #request()} starts a new one.
     */
    @Override
    public void run() {
        CpuPinning.internalThreadStarted(); // started from a worker, which may be pinned
        try {
            while (!stopped) {
                try {
                    loop();
                    return;
                } catch (Throwable t) {
                    runtime.internalError("concurrency monitor", t);
                    LockSupport.parkNanos(this, SAMPLE_NANOS); // a failure that repeats must not spin
                }
            }
        } finally {
            synchronized (startLock) {
                if (thread == Thread.currentThread()) {
                    thread = null;
                }
            }
            active = false;
        }
    }

    private void loop() {
        while (!stopped) {
            Thread.interrupted();
            Faults.at("monitor", this);
            long thresh = runtime.cpuIntensiveThresholdNanos(); // writable at run time
            if (sampleAll(thresh)) {
                lookBetweenSamples(thresh);
                continue;
            }
            active = false;
            // A request between the sample and the store above saw active == true and did not
            // unpark; sampling once more catches the item it was for.
            if (sampleAll(thresh)) {
                active = true;
                continue;
            }
            // Re-check the flags: the unpark of request() or stop() may have been used up by a
            // pool-lock wait inside sampleAll.
            while (!active && !stopped) {
                LockSupport.park(this);
            }
        }
    }

    /**
     * Waits for the next regular sample, {@link #SAMPLE_NANOS} from now, taking a lock-free look
     * at every pool each {@link #LOOK_NANOS} meanwhile ({@link PoolSampler#quickLook}); a pool
     * whose look finds a worker that may have blocked or woken is sampled at once.
     */
    private void lookBetweenSamples(long thresh) {
        long due = System.nanoTime() + SAMPLE_NANOS;
        if (due - blockSeenAt > LOOK_WINDOW_NANOS + SAMPLE_NANOS) {
            LockSupport.parkNanos(this, SAMPLE_NANOS); // nothing blocked lately: no looks
            return;
        }
        while (!stopped) {
            long left = due - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(this, Math.min(left, LOOK_NANOS));
            if (due - System.nanoTime() <= 0) {
                return;
            }
            for (WorkerPool p : runtime.boundPools()) {
                if (PoolSampler.quickLook(p)) {
                    PoolSampler.sample(p, thresh);
                }
            }
            for (WorkerPool p : runtime.unboundPools()) {
                if (PoolSampler.quickLook(p)) {
                    PoolSampler.sample(p, thresh);
                }
            }
        }
    }

    /** A sample found a worker newly blocked (monitor thread only: {@link PoolSampler#sample} calls it). */
    void blockSeen(long now) {
        blockSeenAt = now;
    }

    private boolean sampleAll(long thresh) {
        boolean needed = false;
        for (WorkerPool p : runtime.boundPools()) {
            needed |= PoolSampler.sample(p, thresh);
        }
        for (WorkerPool p : runtime.unboundPools()) { // the live ones, read each round
            needed |= PoolSampler.sample(p, thresh);
        }
        return needed;
    }

    void stop() {
        stopped = true;
        Thread t;
        synchronized (startLock) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            Waits.joinUninterruptibly(t);
        }
    }
}
