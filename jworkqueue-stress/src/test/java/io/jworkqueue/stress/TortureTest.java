package io.jworkqueue.stress;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jworkqueue.DelayedWork;
import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seeded torture test: {@value #THREADS} threads do random queue / queueOn / queueDelayed /
 * modDelayed / cancel / cancelSync / flush / disable / enable / setMaxActive on shared items and
 * workqueues (bound, unbound, ordered, CPU_INTENSIVE, highpri, max_active-limited) whose
 * functions sleep, burn CPU, block behind the explicit hint or requeue themselves, for
 * {@code -Dtorture.seconds} (default 20), checking invariants as they go:
 * <ol>
 *   <li>an item never runs twice at once (each item is queued only to its home workqueue, the
 *       condition SEMANTICS.md section 3 puts on non-reentrancy);</li>
 *   <li>accounting: for a {@link Work} item, runs + cancels that returned true == queue calls
 *       that returned true, exactly; for a {@link DelayedWork} item, whose {@code modDelayed}
 *       returning false may or may not have queued (it queues nothing while the item is
 *       disabled, as in the kernel), accepted <= runs + cancels <= accepted + modDelayed-false;</li>
 *   <li>while a thread holds an item disabled, it does not stay pending and every queue call
 *       returns false; after {@code disableSync} returns nothing runs until the enable; after
 *       {@code cancelSync} returns, every run that started before the call has ended;</li>
 *   <li>flush: after a thread's queue call returns true (with a token written first) and the
 *       thread then flushes the item, or the workqueue it queued it on, a run that saw the token
 *       has ended, unless a cancel / disable / modDelayed of that item overlapped;</li>
 *   <li>ordered workqueues run one item at a time, in queueing order (per queueing thread);</li>
 *   <li>max_active is never exceeded (exactly for a fixed-limit unbound workqueue; for the one
 *       whose limit changes at run time, never above the largest limit set);</li>
 *   <li>after the runtime closes, none of its threads is alive.</li>
 * </ol>
 * A failure prints the seed; {@code -Dtorture.seed=... -Dtorture.seconds=...} reruns the same
 * random choices (the thread interleaving is of course not reproducible).
 */
class TortureTest {
    static final int THREADS = 4;
    static final int CPUS = 2;

    final long seed = Long.getLong("torture.seed", System.nanoTime());
    final long seconds = Long.getLong("torture.seconds", 20);
    final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    final AtomicBoolean stopping = new AtomicBoolean();
    final AtomicLong tokens = new AtomicLong();

    void violation(String what) {
        if (errors.size() < 50) {
            errors.add(what);
        }
    }

    /** Per-workqueue concurrency tracking. */
    final class Wq {
        final Workqueue wq;
        final String name;
        final boolean unbound;
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();
        /** The largest max_active this workqueue has had; bound ones count it per CPU. */
        volatile int ceiling;
        /** Ordered: the last (thread, sequence) started, per queueing thread. */
        final long[] lastSeq = new long[THREADS];

        Wq(Workqueue wq, int ceiling) {
            this.wq = wq;
            this.name = wq.name();
            this.unbound = wq.flags().contains(WorkqueueFlag.UNBOUND);
            this.ceiling = ceiling;
        }

        void enter(Item it) {
            int n = running.incrementAndGet();
            peak.accumulateAndGet(n, Math::max);
            int limit = wq.isOrdered() ? 1 : unbound ? ceiling : ceiling * CPUS;
            if (n > limit) {
                violation(name + ": " + n + " items running at once, limit " + limit + " (item " + it.id + ")");
            }
        }

        void exit() {
            running.decrementAndGet();
        }
    }

    enum Kind { QUICK, SLEEP, BURN, BLOCKING_HINT, SELF_REQUEUE }

    /** Per-item tracking. */
    final class Item {
        final int id;
        final Wq home;
        final Kind kind;
        final Work work;
        final int owner; // ordered items: the only thread that queues them, else -1
        final AtomicInteger running = new AtomicInteger();
        final AtomicLong accepted = new AtomicLong(), modFalse = new AtomicLong(),
                cancelled = new AtomicLong(), starts = new AtomicLong(), ends = new AtomicLong();
        /** Operations that may legitimately defeat a flush check: started / ended. */
        final AtomicLong interferStart = new AtomicLong(), interferEnd = new AtomicLong();
        /** Threads holding the item disabled after disableSync returned: nothing may run. */
        final AtomicInteger disabledSyncBy = new AtomicInteger();
        /**
         * The newest token written before a queue call. Raised with a max, never overwritten: a
         * thread that drew a token earlier but stored it later must not hide a newer one (the
         * 30-minute run with seed 20261127 tripped over exactly that race in this test).
         */
        final AtomicLong token = new AtomicLong();
        volatile long maxEndedToken;
        /** Ordered items: (owner sequence) of the instance queued last. */
        volatile long orderSeq;

        Item(int id, Wq home, Kind kind, boolean delayed, int owner) {
            this.id = id;
            this.home = home;
            this.kind = kind;
            this.owner = owner;
            this.work = delayed ? new DelayedWork(this::run) : new Work(this::run);
        }

        void run(Work self) throws Exception {
            if (Work.current() != self) {
                violation("item " + id + ": Work.current() is not the running item");
            }
            if (disabledSyncBy.get() > 0) {
                violation("item " + id + " runs while a thread holds it disabled after disableSync");
            }
            long tok = token.get();
            long seq = orderSeq;
            starts.incrementAndGet();
            if (running.incrementAndGet() != 1) {
                violation("item " + id + " (" + home.name + ") runs twice at once");
            }
            home.enter(this);
            try {
                if (owner >= 0) {
                    long last = home.lastSeq[owner];
                    if (seq <= last) {
                        violation(home.name + ": FIFO broken for thread " + owner + ": seq " + seq + " after " + last);
                    }
                    home.lastSeq[owner] = seq; // ordered: one at a time, so no race here
                }
                ThreadLocalRandomHolder r = ThreadLocalRandomHolder.get();
                switch (kind) {
                    case QUICK -> { }
                    case SLEEP -> Thread.sleep(r.nextInt(3));
                    case BURN -> burn(r.nextInt(20) == 0 ? 12_000_000 : 200_000 + r.nextInt(800_000));
                    case BLOCKING_HINT -> WorkqueueRuntime.blocking(() -> {
                        LockSupport.parkNanos(200_000 + r.nextInt(1_000_000));
                        return null;
                    });
                    case SELF_REQUEUE -> {
                        if (!stopping.get() && r.nextInt(3) == 0) {
                            if (home.wq.queue(self)) {
                                accepted.incrementAndGet();
                            }
                        }
                    }
                }
            } finally {
                home.exit();
                running.decrementAndGet();
                maxEndedToken = Math.max(maxEndedToken, tok); // runs of one item are serial
                ends.incrementAndGet();
            }
        }
    }

    /** A cheap per-thread random for item functions (the ops use the seeded ones). */
    static final class ThreadLocalRandomHolder {
        static ThreadLocalRandomHolder get() {
            return new ThreadLocalRandomHolder();
        }

        int nextInt(int n) {
            return java.util.concurrent.ThreadLocalRandom.current().nextInt(n);
        }
    }

    static void burn(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    @Timeout(value = 24, unit = TimeUnit.HOURS) // bounded below by its own deadline
    void torture() throws Exception {
        System.out.println("torture: seed " + seed + ", " + seconds + " s  (rerun: -Dtorture.seed=" + seed
                + " -Dtorture.seconds=" + seconds + ")");
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        List<Thread> created = java.util.Collections.synchronizedList(new ArrayList<>());
        WorkqueueRuntime rt = WorkqueueRuntime.builder()
                .cpus(CPUS)
                .threadFactory(r -> {
                    Thread t = Thread.ofPlatform().daemon(true).unstarted(r);
                    created.add(t);
                    return t;
                })
                .watchdogThreshold(Duration.ofMinutes(10))
                .build();
        Random setup = new Random(seed);
        List<Wq> general = List.of(
                new Wq(rt.alloc("t-bound", Set.of(), 0), 1024),
                new Wq(rt.alloc("t-cpuint", EnumSet.of(WorkqueueFlag.CPU_INTENSIVE), 0), 1024),
                new Wq(rt.alloc("t-highpri", EnumSet.of(WorkqueueFlag.HIGHPRI), 0), 1024),
                new Wq(rt.alloc("t-unbound", EnumSet.of(WorkqueueFlag.UNBOUND), 0), 1024),
                new Wq(rt.alloc("t-setmax", Set.of(), 2), 2));
        Wq setmax = general.get(4);
        Wq limited = new Wq(rt.alloc("t-limited", EnumSet.of(WorkqueueFlag.UNBOUND), 2), 2);
        Wq ordered = new Wq(rt.allocOrdered("t-ordered", Set.of()), 1);
        Kind[] kinds = Kind.values();
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            items.add(new Item(i, general.get(i % general.size()), kinds[setup.nextInt(kinds.length)], i % 3 == 2, -1));
        }
        List<Item> limitedItems = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Item it = new Item(100 + i, limited, i % 2 == 0 ? Kind.SLEEP : Kind.BLOCKING_HINT, false, -1);
            limitedItems.add(it);
        }
        List<List<Item>> orderedItems = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            List<Item> mine = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                mine.add(new Item(200 + t * 10 + i, ordered, i == 0 ? Kind.SLEEP : Kind.QUICK, false, t));
            }
            orderedItems.add(mine);
        }
        List<Item> all = new ArrayList<>(items);
        all.addAll(limitedItems);
        orderedItems.forEach(all::addAll);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong ops = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int me = t;
            Random rnd = new Random(seed * 31 + t);
            Thread th = new Thread(() -> {
                long seq = 0;
                try {
                    while (System.nanoTime() < deadline && errors.isEmpty()) {
                        int op = rnd.nextInt(100);
                        if (op < 8) {
                            opLimited(limitedItems.get(rnd.nextInt(limitedItems.size())));
                        } else if (op < 16) {
                            Item it = orderedItems.get(me).get(rnd.nextInt(3));
                            opOrdered(it, ++seq, rnd);
                        } else if (op < 18) {
                            int v = 1 + rnd.nextInt(3);
                            synchronized (setmax) {
                                setmax.ceiling = Math.max(setmax.ceiling, v);
                                setmax.wq.setMaxActive(v);
                            }
                        } else {
                            opGeneral(items.get(rnd.nextInt(items.size())), rnd);
                        }
                        ops.incrementAndGet();
                    }
                } catch (Throwable e) {
                    violation("torture thread " + me + " threw " + e);
                    e.printStackTrace();
                }
            }, "torture-" + t);
            threads.add(th);
            th.start();
        }
        long joinBy = deadline + TimeUnit.SECONDS.toNanos(120);
        for (Thread th : threads) {
            th.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
            if (th.isAlive()) {
                dumpThreads();
                fail("torture thread " + th.getName() + " hangs (seed " + seed + "); threads dumped above");
            }
        }
        // Quiesce: no self-requeue, every instance runs, then check the books.
        stopping.set(true);
        for (int round = 0; round < 3; round++) {
            for (Item it : all) {
                it.work.flush();
            }
            for (Wq w : general) {
                w.wq.flush();
            }
            limited.wq.flush();
            ordered.wq.flush();
        }
        for (Item it : all) {
            if (it.work.isPending() || it.work.isRunning() || it.running.get() != 0) {
                violation("item " + it.id + " still pending or running after the final flushes");
            }
            long a = it.accepted.get(), c = it.cancelled.get(), r = it.starts.get(), m = it.modFalse.get();
            if (r != it.ends.get()) {
                violation("item " + it.id + ": " + r + " starts but " + it.ends.get() + " ends");
            }
            if (it.work instanceof DelayedWork) {
                if (r + c < a || r + c > a + m) {
                    violation("item " + it.id + " (delayed): accepted " + a + " + up to " + m
                            + " modDelayed, but runs " + r + " + cancels " + c);
                }
            } else if (r + c != a) {
                violation("item " + it.id + ": accepted " + a + " != runs " + r + " + cancels " + c);
            }
        }
        long totalRuns = all.stream().mapToLong(i -> i.starts.get()).sum();
        rt.close();
        // Thread leak: every worker, and the runtime's own threads, must be gone.
        for (Thread t : created) {
            t.join(10_000);
            if (t.isAlive()) {
                violation("thread leak: worker " + t.getName() + " alive after close");
            }
        }
        long deadlineLeak = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> leaked;
        do {
            leaked = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !before.contains(t) && t.isAlive())
                    .filter(t -> t.getName().startsWith("kworker") || t.getName().startsWith("jworkqueue"))
                    .map(Thread::getName).collect(Collectors.toList());
            if (!leaked.isEmpty()) {
                Thread.sleep(50); // a thread that was told to exit may still be unwinding
            }
        } while (!leaked.isEmpty() && System.nanoTime() < deadlineLeak);
        if (!leaked.isEmpty()) {
            violation("thread leak after close: " + leaked);
        }
        String peaks = general.stream().map(w -> w.name + "=" + w.peak.get()).collect(Collectors.joining(", "))
                + ", " + limited.name + "=" + limited.peak.get() + ", " + ordered.name + "=" + ordered.peak.get();
        System.out.println("torture: seed " + seed + ": " + ops.get() + " operations, " + totalRuns
                + " runs, " + created.size() + " worker threads created; peak concurrency " + peaks
                + "; " + (errors.isEmpty() ? "no violations" : errors.size() + " violations"));
        if (!errors.isEmpty()) {
            errors.forEach(e -> System.out.println("torture: VIOLATION " + e));
            fail("torture failed with seed " + seed + " (rerun: -Dtorture.seed=" + seed + " -Dtorture.seconds="
                    + seconds + "): " + errors.peek());
        }
        assertTrue(totalRuns > 0, "nothing ran");
    }

    // ------------------------------------------------------------------ operations

    void opGeneral(Item it, Random rnd) {
        Work w = it.work;
        DelayedWork dw = w instanceof DelayedWork d ? d : null;
        Workqueue wq = it.home.wq;
        int op = rnd.nextInt(dw != null ? 13 : 10);
        switch (op) {
            case 0, 1 -> {
                newToken(it);
                if (wq.queue(w)) {
                    it.accepted.incrementAndGet();
                }
            }
            case 2 -> {
                newToken(it);
                if (wq.queueOn(rnd.nextInt(CPUS), w)) {
                    it.accepted.incrementAndGet();
                }
            }
            case 3 -> interfering(it, () -> {
                if (w.cancel()) {
                    it.cancelled.incrementAndGet();
                }
            });
            case 4 -> {
                long startsBefore = it.starts.get();
                interfering(it, () -> {
                    if (w.cancelSync()) {
                        it.cancelled.incrementAndGet();
                    }
                });
                // Every run that started before the call has ended (runs of one item are serial).
                if (it.ends.get() < startsBefore) {
                    violation("item " + it.id + ": a run that started before cancelSync still runs after it returned");
                }
            }
            case 5 -> interfering(it, () -> {
                boolean sync = rnd.nextBoolean();
                boolean was = sync ? w.disableSync() : w.disable();
                if (was) {
                    it.cancelled.incrementAndGet();
                }
                if (sync) {
                    it.disabledSyncBy.incrementAndGet();
                }
                try {
                    // A queue call on a disabled item sets PENDING for an instant before it gives
                    // it back (clear_pending_if_disabled): only a lasting PENDING is wrong.
                    int seen = 0;
                    for (int i = 0; i < 1000 && w.isPending(); i++) {
                        seen++;
                        Thread.yield();
                    }
                    if (seen == 1000) {
                        violation("item " + it.id + " stays pending while disabled");
                    }
                    if (sync && (it.running.get() != 0 || w.isRunning())) {
                        violation("item " + it.id + " running after disableSync returned");
                    }
                    if (wq.queue(w)) {
                        it.accepted.incrementAndGet();
                        violation("item " + it.id + ": queue returned true while disabled");
                    }
                    if (rnd.nextInt(4) == 0) {
                        Thread.yield();
                    }
                } finally {
                    if (sync) {
                        it.disabledSyncBy.decrementAndGet();
                    }
                    w.enable();
                }
            });
            case 6, 7 -> { // queue, then flush the item: the instance we made has ended
                // (Only when our call queued it: one that returned false may have met another
                // queue call in mid-move, which a flush, as in the kernel, need not see.)
                long i0 = it.interferStart.get(), e0 = it.interferEnd.get();
                long tok = newToken(it);
                boolean q = wq.queue(w);
                if (q) {
                    it.accepted.incrementAndGet();
                }
                w.flush();
                if (q) {
                    checkFlushed(it, tok, i0, e0, "flush of the item");
                }
            }
            case 8 -> { // queue, then flush the workqueue: an accepted instance has ended
                long i0 = it.interferStart.get(), e0 = it.interferEnd.get();
                long tok = newToken(it);
                boolean q = wq.queue(w);
                if (q) {
                    it.accepted.incrementAndGet();
                }
                wq.flush();
                if (q) {
                    checkFlushed(it, tok, i0, e0, "flush of workqueue " + wq.name());
                }
            }
            case 9 -> {
                if (rnd.nextInt(10) == 0) {
                    wq.flush();
                }
            }
            case 10, 11 -> {
                newToken(it);
                Duration d = Duration.ofMillis(rnd.nextInt(20));
                boolean q = rnd.nextBoolean() ? wq.queueDelayed(dw, d) : wq.queueDelayedOn(rnd.nextInt(CPUS), dw, d);
                if (q) {
                    it.accepted.incrementAndGet();
                }
            }
            case 12 -> interfering(it, () -> {
                newToken(it);
                if (!wq.modDelayed(dw, Duration.ofMillis(rnd.nextInt(20)))) {
                    it.modFalse.incrementAndGet();
                }
            });
            default -> throw new AssertionError(op);
        }
    }

    long newToken(Item it) {
        long tok = tokens.incrementAndGet();
        it.token.accumulateAndGet(tok, Math::max);
        return tok;
    }

    void interfering(Item it, Runnable r) {
        it.interferStart.incrementAndGet();
        try {
            r.run();
        } finally {
            it.interferEnd.incrementAndGet();
        }
    }

    void checkFlushed(Item it, long tok, long i0, long e0, String what) {
        boolean quiet = i0 == e0 && it.interferStart.get() == i0;
        if (quiet && it.maxEndedToken < tok) {
            violation("item " + it.id + " (" + it.home.name + "): after " + what
                    + " no run that saw the caller's token has ended (token " + tok + ", max ended " + it.maxEndedToken + ")");
        }
    }

    void opLimited(Item it) {
        newToken(it);
        if (it.home.wq.queue(it.work)) {
            it.accepted.incrementAndGet();
        }
    }

    /** Only the owner thread queues or cancels its ordered items, so each tag is exact. */
    void opOrdered(Item it, long seq, Random rnd) {
        if (rnd.nextInt(10) == 0) {
            if (it.work.cancel()) {
                it.cancelled.incrementAndGet();
            }
            return;
        }
        if (it.accepted.get() - it.cancelled.get() != it.ends.get()) {
            // An instance is pending or running: it may not have read its tag yet, so a new tag
            // now would be read twice. (Exact: only this thread queues and cancels the item.)
            return;
        }
        it.orderSeq = seq;
        if (it.home.wq.queue(it.work)) {
            it.accepted.incrementAndGet();
        } else {
            violation("ordered item " + it.id + ": queue of an idle item returned false");
        }
    }

    static void dumpThreads() {
        for (ThreadInfo ti : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            System.out.print(ti);
        }
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            System.out.println(e.getKey().getName() + " " + e.getKey().getState());
            for (StackTraceElement s : e.getValue()) {
                System.out.println("    at " + s);
            }
        }
    }
}
