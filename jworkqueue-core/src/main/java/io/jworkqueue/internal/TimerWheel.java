package io.jworkqueue.internal;

import io.jworkqueue.DelayedWork;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The timers of every {@link DelayedWork} of one runtime: a hierarchical timing wheel with
 * 1 ms ticks, driven by one thread that parks until the next expiry.
 *
 * <h2>Layout</h2>
 * {@value #LEVELS} levels of 64 slots; a slot at level {@code L} spans {@code 64^L} ticks, so the
 * wheel covers {@code 64^7} ms (about 139 years; longer delays are clamped). A timer due
 * {@code d} ticks from now sits at level {@code floor(log64 d)}, in the slot of its expiry tick.
 * When the wheel reaches the start of a higher-level slot, that slot <em>cascades</em>: its
 * timers are re-inserted relative to the new time and land in lower levels, so every timer
 * fires in the tick it asked for (no granularity loss, unlike the kernel's non-cascading wheel).
 * A 64-bit occupancy bitmap per level finds the next event in a few instructions, which lets
 * the thread jump over empty time and sleep exactly until the next event.
 *
 * <h2>Costs</h2>
 * Arming and cancelling are O(1) and allocate nothing: the links live in the item. The thread
 * only wakes for an expiry, a cascade, or an arm that is earlier than its planned wake-up; with
 * no timers armed it parks without a deadline.
 *
 * <h2>States</h2>
 * {@code IDLE -> ARMED} (arm, under the lock) {@code -> IDLE} (cancel, under the lock) or
 * {@code -> FIRING} (expiry, under the lock) {@code -> IDLE} (after the expiry callback, by CAS,
 * so a re-arm that happened meanwhile wins). {@link #awaitNotFiring} is the kernel's
 * {@code del_timer_sync} wait.
 *
 * <h2>Failures</h2>
 * The thread never dies of an exception: an expiry callback that throws is reported to the
 * error sink and the other timers of its batch still fire (each leaves FIRING whatever
 * happens); anything thrown by the loop itself is reported and the loop goes on. The expiry
 * callback is responsible for its item's PENDING (see {@code WorkOps.timerExpired}). If the
 * thread cannot be started, a delayed item's {@link #arm} fails, leaving it unarmed.
 */
final class TimerWheel {
    static final int IDLE = 0, ARMED = 1, FIRING = 2;
    static final int LEVELS = 7;
    private static final int BITS = 6, SLOTS = 1 << BITS, MASK = SLOTS - 1;
    private static final long MAX_DELTA = (1L << (BITS * LEVELS)) - 1;
    private static final long NANOS_PER_TICK = 1_000_000L;

    private final LongSupplier clock;
    private final long base;
    private final Consumer<DelayedWork> expiry;
    private final String threadName;
    /** Receives what the thread caught; must not throw. */
    private final Consumer<Throwable> errors;

    private final ReentrantLock lock = new ReentrantLock();
    // T: everything below is guarded by lock.
    private final DelayedWork[] buckets = new DelayedWork[LEVELS * SLOTS];
    private final long[] occupied = new long[LEVELS];
    /** The next tick to process: every tick before it has been processed. */
    private long tick;
    private int armed;
    private Thread thread;
    /** The tick the thread will wake at (Long.MAX_VALUE: parked without deadline). */
    private long wakeTick = Long.MAX_VALUE;
    private boolean closed;

    /**
     * @param clock a nanosecond clock ({@code System::nanoTime} in production)
     * @param expiry called on the timer thread, without the lock, for every timer that fires;
     *     the timer's owner holds PENDING and the callback must queue the item
     * @param threadName the name of the timer thread, started on first use
     */
    TimerWheel(LongSupplier clock, Consumer<DelayedWork> expiry, String threadName) {
        this(clock, expiry, threadName, t -> System.getLogger("io.jworkqueue").log(System.Logger.Level.ERROR,
                threadName + " caught an unexpected exception and continues", t));
    }

    /**
     * @param errors receives every exception the timer thread catches (from an expiry callback,
     *     or from the loop itself) and goes on after; must not throw
     */
    TimerWheel(LongSupplier clock, Consumer<DelayedWork> expiry, String threadName, Consumer<Throwable> errors) {
        this.clock = clock;
        this.base = clock.getAsLong();
        this.expiry = expiry;
        this.threadName = threadName;
        this.errors = errors;
    }

    long nowTick() {
        return (clock.getAsLong() - base) / NANOS_PER_TICK;
    }

    /** Converts a delay to the first tick at which it has fully elapsed. */
    private long deadlineTick(long delayNanos) {
        long elapsed = clock.getAsLong() - base;
        long d = Math.min(delayNanos, MAX_DELTA * NANOS_PER_TICK);
        return Math.ceilDiv(elapsed + d, NANOS_PER_TICK);
    }

    /**
     * Arms {@code w} to fire after {@code delayNanos} (> 0). The caller owns PENDING, so the
     * timer is not armed; a FIRING state (the previous expiry's callback still finishing) is
     * overwritten.
     */
    void arm(DelayedWork w, long delayNanos) {
        lock.lock();
        try {
            if (closed) {
                if (w instanceof InternalTimer) {
                    return;
                }
                throw new IllegalStateException("runtime is closed");
            }
            armLocked(w, delayNanos);
            if (thread == null) {
                // The thread could not be started: the item would never fire. Take it back.
                unlink(w);
                Node.setTimerStateVolatile(w, IDLE);
                armed--;
                throw new IllegalStateException("the timer thread " + threadName + " cannot be started");
            }
        } finally {
            lock.unlock();
        }
    }

    private void armLocked(DelayedWork w, long delayNanos) {
        long deadline = deadlineTick(delayNanos);
        if (armed == 0) {
            tick = Math.max(tick, nowTick());
        }
        Node.setExpires(w, deadline);
        insert(w, deadline);
        Node.setTimerStateVolatile(w, ARMED);
        armed++;
        if (thread == null) {
            startThreadLocked(deadline);
        } else if (deadline < wakeTick) {
            wakeTick = deadline;
            LockSupport.unpark(thread);
        }
    }

    /**
     * Starts the timer thread (T). If that fails (no native thread to be had), the failure is
     * reported and {@link #thread} stays null; the next arm tries again.
     */
    private void startThreadLocked(long deadline) {
        try {
            Faults.at("timer start", this);
            Thread t = new Thread(this::run, threadName);
            t.setDaemon(true);
            t.start();
            wakeTick = deadline;
            thread = t;
        } catch (Throwable e) {
            errors.accept(e);
        }
    }

    /**
     * {@code mod_timer} for internal timers: arms {@code w}, or moves it if it is already armed.
     * Unlike {@link #arm} it needs no PENDING ownership; callers serialise on their own lock.
     */
    void rearm(InternalTimer w, long delayNanos) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (Node.timerStateVolatile(w) == ARMED) {
                unlink(w); // it stays ARMED: armLocked links it again in this lock hold
                armed--;
            }
            armLocked(w, delayNanos);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code mod_timer} of an armed delayed item: re-targets it and moves it to its new expiry in
     * one lock hold. The item keeps PENDING (the timer owns it).
     *
     * @return false, changing nothing, if the timer is not armed (the caller takes the slow path)
     */
    boolean move(DelayedWork w, long delayNanos, Object target, int cpu) {
        lock.lock();
        try {
            if (closed || Node.timerStateVolatile(w) != ARMED) {
                return false;
            }
            Node.setTargetCpu(w, cpu);
            Node.setTargetVolatile(w, target);
            long deadline = deadlineTick(delayNanos);
            if (deadline == Node.expires(w)) {
                // The same tick as before (a debounce re-armed within the tick): the item stays in
                // its bucket, and the thread already wakes by then. mod_timer's early return.
                return true;
            }
            unlink(w);
            Node.setExpires(w, deadline);
            insert(w, deadline);
            if (deadline < wakeTick) {
                wakeTick = deadline;
                LockSupport.unpark(thread);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** {@code del_timer}: true if the timer was armed and is now idle; the caller then owns PENDING. */
    boolean cancel(DelayedWork w) {
        if (Node.timerStateVolatile(w) != ARMED) {
            return false;
        }
        lock.lock();
        try {
            if (Node.timerStateVolatile(w) != ARMED) {
                return false;
            }
            unlink(w);
            Node.setTimerStateVolatile(w, IDLE);
            armed--;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits, yielding, while the expiry callback of {@code w} runs: it only queues the item, but
     * may wait for a pool lock meanwhile, so the waiter leaves its CPU to it.
     */
    static void awaitNotFiring(DelayedWork w) {
        while (Node.timerStateVolatile(w) == FIRING) {
            Thread.yield();
        }
    }

    /** @return nanoseconds until {@code w} fires, or Long.MAX_VALUE if it is not armed */
    long remainingNanos(DelayedWork w) {
        if (Node.timerStateVolatile(w) != ARMED) {
            return Long.MAX_VALUE;
        }
        long due = base + Node.expiresOpaque(w) * NANOS_PER_TICK;
        return due - clock.getAsLong();
    }

    /** Cancels every armed timer matching {@code filter}; the caller then owns their PENDING. */
    List<DelayedWork> cancelAll(Predicate<DelayedWork> filter) {
        List<DelayedWork> out = new ArrayList<>();
        lock.lock();
        try {
            for (int b = 0; b < buckets.length; b++) {
                for (DelayedWork w = buckets[b], n; w != null; w = n) {
                    n = Node.timerNext(w);
                    if (filter.test(w)) {
                        unlink(w);
                        Node.setTimerStateVolatile(w, IDLE);
                        armed--;
                        out.add(w);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** @return the number of armed timers */
    int armedCount() {
        lock.lock();
        try {
            return armed;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the thread; armed timers stay armed but never fire. Returns them, cancelled. */
    List<DelayedWork> close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null) {
            LockSupport.unpark(t);
            Waits.joinUninterruptibly(t);
        }
        return cancelAll(w -> true);
    }

    // ---------------------------------------------------------------- the wheel (T: lock held)

    private void insert(DelayedWork w, long deadline) {
        long delta = Math.max(0, deadline - tick);
        if (delta > MAX_DELTA) {
            delta = MAX_DELTA;
            deadline = tick + MAX_DELTA;
        }
        // floor(log2(delta)) / BITS; for delta 0 it is -1 / BITS, which truncates to level 0 too
        int level = (63 - Long.numberOfLeadingZeros(delta)) / BITS;
        long at = Math.max(deadline, tick);
        int slot = (int) (at >>> (BITS * level)) & MASK;
        int b = level * SLOTS + slot;
        DelayedWork head = buckets[b];
        Node.setTimerPrev(w, null);
        Node.setTimerNext(w, head);
        if (head != null) {
            Node.setTimerPrev(head, w);
        }
        buckets[b] = w;
        Node.setBucket(w, b);
        occupied[level] |= 1L << slot;
    }

    private void unlink(DelayedWork w) {
        int b = Node.bucket(w);
        DelayedWork p = Node.timerPrev(w), n = Node.timerNext(w);
        if (p == null) {
            buckets[b] = n;
            if (n == null) {
                occupied[b / SLOTS] &= ~(1L << (b & MASK));
            }
        } else {
            Node.setTimerNext(p, n);
        }
        if (n != null) {
            Node.setTimerPrev(n, p);
        }
        Node.setTimerNext(w, null);
        Node.setTimerPrev(w, null);
    }

    private DelayedWork takeBucket(int b) {
        DelayedWork head = buckets[b];
        buckets[b] = null;
        occupied[b / SLOTS] &= ~(1L << (b & MASK));
        return head;
    }

    /** The earliest tick at or after {@link #tick} at which a slot expires or cascades. */
    long nextEventTick() {
        long best = Long.MAX_VALUE;
        for (int level = 0; level < LEVELS; level++) {
            long bits = occupied[level];
            if (bits == 0) {
                continue;
            }
            int shift = BITS * level;
            long unit = Math.ceilDiv(tick, 1L << shift); // level 0 (shift 0): tick itself
            int off = Long.numberOfTrailingZeros(Long.rotateRight(bits, (int) (unit & MASK)));
            best = Math.min(best, (unit + off) << shift);
        }
        return best;
    }

    /**
     * Processes every tick up to {@code now}, appending expired timers (now FIRING) to a chain
     * linked through their timer links, in expiry order (earlier ticks first; within a tick, the
     * one inserted into its slot first); returns its head.
     */
    DelayedWork advance(long now) {
        DelayedWork chain = null, chainTail = null;
        while (tick <= now) {
            long event = nextEventTick();
            if (event > now) {
                tick = now + 1;
                break;
            }
            tick = event;
            for (int level = LEVELS - 1; level > 0; level--) {
                int shift = BITS * level;
                if ((event & ((1L << shift) - 1)) == 0) {
                    int b = level * SLOTS + (int) ((event >>> shift) & MASK);
                    for (DelayedWork w = takeBucket(b), n; w != null; w = n) {
                        n = Node.timerNext(w);
                        insert(w, Node.expires(w));
                    }
                }
            }
            // A bucket holds its timers newest first: reversed, they fire in the order they were
            // armed, and each tick's after the earlier ticks' (chainTail).
            DelayedWork tickChain = null, tickTail = null;
            for (DelayedWork w = takeBucket((int) (event & MASK)), n; w != null; w = n) {
                n = Node.timerNext(w);
                Node.setTimerStateVolatile(w, FIRING);
                armed--;
                Node.setTimerPrev(w, null);
                Node.setTimerNext(w, tickChain);
                if (tickChain == null) {
                    tickTail = w;
                }
                tickChain = w;
            }
            if (tickChain != null) {
                if (chain == null) {
                    chain = tickChain;
                } else {
                    Node.setTimerNext(chainTail, tickChain);
                }
                chainTail = tickTail;
            }
            tick = event + 1;
        }
        return chain;
    }

    /**
     * Calls the expiry callback for each timer of a chain from {@link #advance}. A callback that
     * throws is reported; the timer still leaves FIRING and the rest of the chain still fires.
     */
    void fire(DelayedWork chain) {
        for (DelayedWork w = chain, n; w != null; w = n) {
            n = Node.timerNext(w);
            Node.setTimerNext(w, null);
            try {
                expiry.accept(w);
            } catch (Throwable t) {
                errors.accept(t);
            } finally {
                Node.casTimerState(w, FIRING, IDLE);
            }
        }
    }

    /** The timer thread: runs {@link #loop} until closed, surviving whatever it throws. */
    private void run() {
        CpuPinning.internalThreadStarted(); // it may have been started from a pinned worker
        while (true) {
            try {
                loop();
                return;
            } catch (Throwable t) { // loop's finally has given the lock back
                errors.accept(t);
                LockSupport.parkNanos(this, NANOS_PER_TICK); // a failure that repeats must not spin
            }
        }
    }

    private void loop() {
        lock.lock();
        try {
            while (!closed) {
                Thread.interrupted(); // an interrupt must not turn parking into spinning
                Faults.at("timer", this);
                DelayedWork chain = advance(nowTick());
                if (chain != null) {
                    lock.unlock();
                    try {
                        fire(chain);
                    } finally {
                        lock.lock();
                    }
                    continue;
                }
                long next = nextEventTick();
                wakeTick = next;
                lock.unlock();
                try {
                    if (next == Long.MAX_VALUE) {
                        LockSupport.park(this);
                    } else {
                        // returns at once if the tick is already due (sleep <= 0)
                        LockSupport.parkNanos(this, base + next * NANOS_PER_TICK - clock.getAsLong());
                    }
                } finally {
                    lock.lock();
                }
            }
        } finally {
            if (lock.isHeldByCurrentThread()) {
                lock.unlock();
            }
        }
    }
}
