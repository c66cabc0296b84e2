package io.jworkqueue;

import static io.jworkqueue.TestSupport.await;
import static io.jworkqueue.TestSupport.awaitTrue;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Effectively-infinite builder durations (issue 10, point 1): each duration knob either works at
 * {@code ChronoUnit.FOREVER} and other values too long for nanoseconds, saturating to "never",
 * or is refused at the builder. A runtime built with such a value must still queue, flush,
 * cancel and close, and its concurrency monitor, worker manager and idle-worker bookkeeping must
 * still function. Every test is bounded by a {@link Timeout}: before the fix these hung.
 */
@Timeout(60)
class DurationLimitsTest {

    /** The knobs that saturate, each applied to a builder. */
    enum Knob {
        CPU_INTENSIVE_THRESHOLD(WorkqueueRuntime.Builder::cpuIntensiveThreshold),
        IDLE_WORKER_TIMEOUT(WorkqueueRuntime.Builder::idleWorkerTimeout),
        WATCHDOG_THRESHOLD(WorkqueueRuntime.Builder::watchdogThreshold);

        final BiFunction<WorkqueueRuntime.Builder, Duration, WorkqueueRuntime.Builder> set;

        Knob(BiFunction<WorkqueueRuntime.Builder, Duration, WorkqueueRuntime.Builder> set) {
            this.set = set;
        }
    }

    /** Durations too long for {@code Duration.toNanos()}. */
    static final Duration[] HUGE = {
        ChronoUnit.FOREVER.getDuration(),
        Duration.ofDays(1_000_000),
        Duration.ofNanos(Long.MAX_VALUE).plusNanos(1), // the first duration toNanos() refuses
    };

    static java.util.stream.Stream<Arguments> knobsAndHugeValues() {
        return java.util.Arrays.stream(Knob.values())
                .flatMap(k -> java.util.Arrays.stream(HUGE).map(d -> Arguments.of(k, d)));
    }

    /** Every other setting short, so that culling and cooldowns happen within the test. */
    private static WorkqueueRuntime build(Knob knob, Duration value) {
        WorkqueueRuntime.Builder b = WorkqueueRuntime.builder().cpus(2)
                .idleWorkerTimeout(Duration.ofMillis(50)).createCooldown(Duration.ofMillis(20));
        return knob.set.apply(b, value).build();
    }

    @ParameterizedTest
    @MethodSource("knobsAndHugeValues")
    void huge_queueFlushCancelClose_work(Knob knob, Duration value) throws Exception {
        WorkqueueRuntime rt = build(knob, value);
        try {
            Workqueue wq = rt.alloc("wq", Set.of(), 0);
            CountDownLatch ran = new CountDownLatch(2);
            Work w = new Work(self -> ran.countDown());
            assertTrue(wq.queue(w), "queue() works");
            assertTrue(rt.system().queue(new Work(self -> ran.countDown())), "system work runs");
            await(ran, "queued items run");
            wq.flush();
            assertFalse(w.isPending());

            DelayedWork d = new DelayedWork(self -> {});
            assertTrue(wq.queueDelayed(d, ChronoUnit.FOREVER.getDuration()), "a delay of FOREVER arms");
            assertTrue(d.isPending());
            assertTrue(d.cancel(), "and cancels");
            assertFalse(d.isPending());

            CountDownLatch fired = new CountDownLatch(1);
            assertTrue(wq.queueDelayed(new DelayedWork(self -> fired.countDown()), Duration.ofMillis(1)));
            await(fired, "delayed work fires");
            assertTrue(w.cancel() || !w.isPending(), "cancel returns");
            wq.flush();
            wq.destroy();
        } finally {
            rt.close();
        }
        assertTrue(rt.isClosed());
        assertEquals(0, rt.workerCount());
    }

    @ParameterizedTest
    @EnumSource(Knob.class)
    void forever_monitorStillReplacesABlockedWorker(Knob knob) throws Exception {
        try (WorkqueueRuntime rt = build(knob, ChronoUnit.FOREVER.getDuration())) {
            Workqueue wq = rt.alloc("bound", Set.of(), 0);
            // The first item waits for the second, on the same CPU, without a blocking hint:
            // only the concurrency monitor, seeing the first worker wait, lets the second start.
            CountDownLatch second = new CountDownLatch(1);
            CountDownLatch both = new CountDownLatch(2);
            wq.queueOn(0, new Work(self -> {
                await(second, "the second item, started by the monitor");
                both.countDown();
            }));
            wq.queueOn(0, new Work(self -> {
                second.countDown();
                both.countDown();
            }));
            await(both, "both items ran\n" + rt.dump());
            wq.flush();
        }
    }

    @ParameterizedTest
    @EnumSource(Knob.class)
    void forever_managerMakesWorkers_surplusIdleWorkersCulledUnlessTimeoutIsForever(Knob knob) throws Exception {
        try (WorkqueueRuntime rt = build(knob, ChronoUnit.FOREVER.getDuration())) {
            Workqueue wq = rt.alloc("bound", Set.of(), 0);
            // Six items on one CPU that wait for each other: the monitor sees each wait and the
            // manager creates a worker for the next, so six workers end up running at once.
            int n = 6;
            CountDownLatch started = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                wq.queueOn(1, new Work(self -> {
                    started.countDown();
                    await(started, "all six items running at once");
                }));
            }
            await(started, "the manager made a worker for each waiting item\n" + rt.dump());
            wq.flush();
            int peak = rt.workerCount();
            assertTrue(peak >= n, "workers: " + peak);
            // Now idle, they are too many: culled after 50 ms, or kept for good with FOREVER.
            if (knob != Knob.IDLE_WORKER_TIMEOUT) {
                awaitTrue(() -> rt.workerCount() < peak, "surplus idle workers are culled");
            }
            CountDownLatch after = new CountDownLatch(1);
            wq.queueOn(1, new Work(self -> after.countDown()));
            await(after, "idle workers (culled or kept) still serve the pool");
            wq.flush();
        }
    }

    @ParameterizedTest
    @MethodSource("hugeValues")
    void createCooldown_tooLong_refusedWithIllegalArgument(Duration value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkqueueRuntime.builder().createCooldown(value));
        assertTrue(e.getMessage().contains("createCooldown") && e.getMessage().contains("PT1H"), e.getMessage());
    }

    static Duration[] hugeValues() {
        return new Duration[] {HUGE[0], HUGE[1], HUGE[2], Duration.ofHours(1).plusNanos(1)};
    }

    @ParameterizedTest
    @MethodSource("knobsAndHugeValues")
    void huge_isAccepted(Knob knob, Duration value) {
        assertDoesNotThrow(() -> knob.set.apply(WorkqueueRuntime.builder(), value));
    }

    @org.junit.jupiter.api.Test
    void scheduledExecutor_hugeDelayAndPeriod_nextTriggerStaysFarAhead() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            Workqueue wq = rt.alloc("wq", Set.of(), 0);
            java.util.concurrent.ScheduledExecutorService ex = WorkqueueExecutors.newScheduledExecutorService(wq);
            java.util.concurrent.TimeUnit ns = java.util.concurrent.TimeUnit.NANOSECONDS;
            java.util.concurrent.ScheduledFuture<?> never = ex.schedule(() -> {}, Long.MAX_VALUE, ns);
            assertTrue(never.getDelay(ns) > Long.MAX_VALUE / 2, "a delay of Long.MAX_VALUE ns lies far ahead: " + never.getDelay(ns));
            java.util.concurrent.ScheduledFuture<?> days = ex.schedule(() -> {}, Long.MAX_VALUE, java.util.concurrent.TimeUnit.DAYS);
            assertTrue(days.getDelay(ns) > Long.MAX_VALUE / 2, "and so does Long.MAX_VALUE days: " + days.getDelay(ns));

            for (boolean rate : new boolean[] {true, false}) {
                java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
                CountDownLatch first = new CountDownLatch(1);
                Runnable r = () -> {
                    runs.incrementAndGet();
                    first.countDown();
                };
                java.util.concurrent.ScheduledFuture<?> p = rate
                        ? ex.scheduleAtFixedRate(r, 0, Long.MAX_VALUE, ns)
                        : ex.scheduleWithFixedDelay(r, 0, Long.MAX_VALUE, ns);
                await(first, "the first run");
                // After its first run the next trigger is ~292 years ahead, not in the past
                // (which would re-run it at once, again and again).
                awaitTrue(() -> p.getDelay(ns) > Long.MAX_VALUE / 2, "re-armed far ahead (rate=" + rate + "), delay "
                        + p.getDelay(ns) + ", runs " + runs.get());
                assertEquals(1, runs.get(), "ran once");
                assertTrue(p.cancel(false));
            }
            assertTrue(never.cancel(false) && days.cancel(false));
            ex.shutdown();
            assertTrue(ex.awaitTermination(TestSupport.WAIT_S, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @org.junit.jupiter.api.Test
    void createCooldown_oneHour_isAccepted() {
        assertDoesNotThrow(() -> WorkqueueRuntime.builder().createCooldown(Duration.ofHours(1)));
    }
}
