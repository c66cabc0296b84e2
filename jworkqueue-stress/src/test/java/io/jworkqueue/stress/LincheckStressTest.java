package io.jworkqueue.stress;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueRuntime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck in its stress mode: real threads run random scenarios of the operations below on
 * live work items, and Lincheck checks every outcome against the same operations run one at a
 * time (this class is its own sequential specification). It runs on the real runtime, with its
 * own worker threads, which the model checker cannot control (so {@link LincheckModelTest}
 * plays the workers on the test's threads instead); it finds what real interleavings reach, as
 * the torture test does, but with Lincheck's scenario generation, linearizability check and
 * minimised failure reports.
 *
 * <p>Each operation's result is the same in every sequential order, so any other result seen
 * concurrently is a broken postcondition:
 * <ul>
 *   <li>{@code disable()} / {@code enable()}: the disable depth is a counter (enable reports
 *       whether it reached zero, or -1 when it was already zero);</li>
 *   <li>{@code disableSyncQuiet()}: after {@code disableSync} of an item that
 *       {@code queueGuarded()} queues meanwhile, it is not running and cannot be queued (until
 *       this call enables it again);</li>
 *   <li>{@code cancelSyncQuiet()}: after {@code cancelSync} of an item that keeps requeueing
 *       itself, it is not running (and so never runs again);</li>
 *   <li>{@code flushSeesRun()}: after {@code flush()} of an item the caller queued (the queue
 *       call returned true), a run that started after that call has finished;</li>
 *   <li>{@code orderedInOrder()}: three items one thread queued to an ordered workqueue ran in
 *       queue order, one at a time.</li>
 * </ul>
 */
// A bound for a hang, not a speed check: Lincheck's threads spin while they wait for each other
// at every invocation, so on an oversubscribed machine the run slows down far more than the
// engine does (about 25 s alone; 210-250 s beside six busy-spinning processes on two cores,
// 2026-12-03). A wait that hangs is reported after a minute by the stall watch in stress().
@Timeout(value = 10, unit = TimeUnit.MINUTES)
public class LincheckStressTest {
    private static final WorkqueueRuntime RT = WorkqueueRuntime.builder().cpus(2).build();
    private static final Workqueue WQ = RT.alloc("lincheck", Set.of(), 0);
    private static final Workqueue ORDERED = RT.allocOrdered("lincheck-ordered", Set.of());

    /** The previous instance's looping item: stopped when the next instance is made. */
    private static final java.util.concurrent.atomic.AtomicReference<LincheckStressTest> PREVIOUS =
            new java.util.concurrent.atomic.AtomicReference<>();

    private final Work item = new Work(self -> { });
    private final Work guarded = new Work(self -> Thread.onSpinWait());
    private volatile boolean stopLooping;
    private final Work looping = new Work(self -> {
        if (!stopLooping) {
            WQ.queue(self);
        }
    });
    private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong finishedFor = new java.util.concurrent.atomic.AtomicLong();
    private final Work counted = new Work(self -> {
        long seen = queued.get(); // every queue call up to here happened before this run
        finishedFor.accumulateAndGet(seen, Math::max);
    });

    public LincheckStressTest() {
        LincheckStressTest previous = PREVIOUS.getAndSet(this);
        if (previous != null) {
            previous.stopLooping = true; // its scenario is over: let its loop end
        }
        WQ.queue(looping); // requeues itself until cancelled
    }

    @Operation
    public void disable() {
        item.disable();
    }

    @Operation
    public int enable() {
        try {
            return item.enable() ? 1 : 0;
        } catch (IllegalStateException notDisabled) {
            return -1;
        }
    }

    @Operation
    public void queueGuarded() {
        WQ.queue(guarded);
    }

    @Operation
    public boolean disableSyncQuiet() {
        tracked(guarded::disableSync);
        // Not isPending(): a concurrent queue or cancel call sets PENDING for an instant while it
        // decides (as the kernel's test_and_set_bit does), so it is no proof of a queued instance.
        boolean quiet = !guarded.isRunning() && !WQ.queue(guarded);
        guarded.enable();
        return quiet;
    }

    @Operation
    public boolean cancelSyncQuiet() {
        tracked(looping::cancelSync);
        return !looping.isRunning(); // and nothing requeues it: it could only requeue itself
    }

    @Operation
    public boolean flushSeesRun() {
        long mine = queued.incrementAndGet();
        boolean queuedNew = WQ.queue(counted);
        tracked(counted::flush);
        // Only an instance this call queued is owed: a false return may mean another thread's
        // queue call is still moving the item, and flush (like the kernel's flush_work) waits
        // for what was queued when it started. Lincheck found exactly that window when this
        // checked every call.
        return !queuedNew || finishedFor.get() >= mine;
    }

    @Operation
    public boolean orderedInOrder() {
        List<Integer> order = new CopyOnWriteArrayList<>();
        Work[] three = new Work[3];
        for (int i = 0; i < 3; i++) {
            int n = i;
            three[i] = new Work(self -> order.add(n));
            ORDERED.queue(three[i]);
        }
        tracked(three[2]::flush);
        return order.equals(List.of(0, 1, 2));
    }

    /**
     * The waits in progress (flush, cancelSync, disableSync), by thread, with their start. Only for
     * {@link #stress}'s stall report: a time-out of this test once showed a flusher of
     * {@link #orderedInOrder} parked with every worker idle, unexplained (docs/STRESS-RESULTS.md);
     * a wait that lasts a minute now prints the runtime's dump and the waiter's stack, so that a
     * recurrence shows the pools' lists and counts of that moment.
     */
    private static final java.util.concurrent.ConcurrentHashMap<Thread, Long> WAITING =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static void tracked(Runnable wait) {
        WAITING.put(Thread.currentThread(), System.nanoTime());
        try {
            wait.run();
        } finally {
            WAITING.remove(Thread.currentThread());
        }
    }

    /** Reports (once) a wait of {@link #WAITING} older than a minute; runs until interrupted. */
    private static void watchStalls() {
        boolean reported = false;
        while (!Thread.currentThread().isInterrupted()) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5));
            long now = System.nanoTime();
            for (var e : WAITING.entrySet()) {
                if (!reported && now - e.getValue() > TimeUnit.MINUTES.toNanos(1)) {
                    reported = true;
                    StringBuilder sb = new StringBuilder("LincheckStressTest: ").append(e.getKey().getName())
                            .append(" has waited for over a minute at\n");
                    for (StackTraceElement f : e.getKey().getStackTrace()) {
                        sb.append("    at ").append(f).append('\n');
                    }
                    System.err.println(sb.append(RT.dump()));
                }
            }
        }
    }

    @Test
    void stress() {
        Thread watchdog = Thread.ofPlatform().daemon().name("lincheck-stall-watch").start(LincheckStressTest::watchStalls);
        try {
            new StressOptions()
                    .iterations(Integer.getInteger("lincheck.iterations", 30))
                    .invocationsPerIteration(Integer.getInteger("lincheck.invocationsPerIteration", 200))
                    .threads(2)
                    .actorsPerThread(3)
                    .check(LincheckStressTest.class);
        } finally {
            watchdog.interrupt();
        }
    }
}
