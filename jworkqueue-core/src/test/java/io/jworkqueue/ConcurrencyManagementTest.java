package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrency management of bound pools (SEMANTICS.md sections 6 and 12): one runnable worker
 * per CPU, another started as soon as the running one blocks (detected without hints, or told by
 * {@link WorkqueueRuntime#blocking}), CPU hogs taken out of the count, few threads for many
 * workqueues, no CPU used while idle.
 *
 * <p>Waits are on latches with asserted timeouts. The only sleeps are workloads (items that
 * block) and the measurement windows of the idle-CPU test.
 *
 * <p><b>Behaviour, not figures.</b> By default every test checks what holds on a loaded machine
 * (both cores busy with other jobs): causal order (w1 starts after w0 sleeps and before it
 * wakes; the third item starts only once a slot is free; the next item starts while the
 * blocked or hogging one still blocks or hogs) and bounded outcomes with generous limits. The
 * measured figures (timelines, detection latencies) are always printed; with
 * {@code -Djworkqueue.figures=true} (the {@code figures} Maven profile) the quiet-machine
 * limits on them are asserted too: timelines within {@value #TOLERANCE_MS} ms of the kernel's
 * shape, each detection within a few ms.
 *
 * <p>Tests run on a separate thread with the default 60 s bound: {@code WorkqueueRuntime.close()}
 * joins engine threads uninterruptibly, so a hang there (seen once: the concurrency monitor
 * missed its stop wake-up) would otherwise block the whole test JVM instead of failing one test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConcurrencyManagementTest {
    private static final long MS = 1_000_000L;
    /** Whether the quiet-machine limits on the measured figures are asserted (see the class comment). */
    private static final boolean FIGURES = Boolean.getBoolean("jworkqueue.figures");

    /** Asserts a limit on a measured figure in figures mode; prints a failure otherwise. */
    private static void assertFigure(boolean ok, String what) {
        if (FIGURES) {
            assertTrue(ok, what);
        } else if (!ok) {
            System.out.println("figure outside its quiet-machine limit (not asserted, machine loaded?): " + what);
        }
    }

    /** Burns CPU (not sleeping, RUNNABLE with CPU progress) for {@code nanos} of wall time. */
    private static void burn(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    /** Spins (RUNNABLE, using CPU) until {@code flag} is set or 10 s passed; returns the flag. */
    private static boolean spinUntil(AtomicBoolean flag) {
        long end = System.nanoTime() + WAIT_S * 1000 * MS;
        while (!flag.get() && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        return flag.get();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    // ================================================================== reference timelines

    private enum Scenario { MAX_ACTIVE_3, MAX_ACTIVE_2, CPU_INTENSIVE, ORDERED }

    private static final int START = 0, SLEEP = 1, WAKE = 2, FINISH = 3;
    private static final String[] EVENT = {"start", "sleep", "wake", "finish"};
    private static final long TOLERANCE_MS = 25;

    /**
     * Expected event times in ms (rows w0, w1, w2; columns start, sleep, wake, finish), the
     * kernel's "Example Execution Scenarios" (Documentation/core-api/workqueue.rst) ten times
     * slower. w0: burn 50, sleep 100, burn 50. w1, w2: burn 50, sleep 100.
     *
     * <ul>
     *   <li>max_active >= 3: w1 starts when w0 sleeps (50), w2 when w1 sleeps (100); w0 wakes at
     *       150, finishes 200; w1 wakes and finishes at 200; w2 at 250.</li>
     *   <li>max_active == 2: w2 waits on the inactive list until w0 finishes at 200, then burns
     *       200..250 and sleeps until 350.</li>
     *   <li>w1, w2 CPU_INTENSIVE: both start when w0 sleeps at 50 (starting w1 does not raise
     *       nr_running, so the pool still needs a worker and w2 starts too). The kernel figure has
     *       w2 sleep at 15 (150 here) because there w1 and w2 share one real CPU; here the burns
     *       are wall-clock loops on threads the JVM runs on any core, so both burn 50..100 and both
     *       wake and finish at 200.</li>
     *   <li>ordered (the pre-cmwq single thread): strictly one after another, w0 0..200,
     *       w1 200..350, w2 350..500.</li>
     * </ul>
     */
    private static long[][] expected(Scenario s) {
        long[] w0 = {0, 50, 150, 200};
        return switch (s) {
            case MAX_ACTIVE_3 -> new long[][] {w0, {50, 100, 200, 200}, {100, 150, 250, 250}};
            case MAX_ACTIVE_2 -> new long[][] {w0, {50, 100, 200, 200}, {200, 250, 350, 350}};
            case CPU_INTENSIVE -> new long[][] {w0, {50, 100, 200, 200}, {50, 100, 200, 200}};
            case ORDERED -> new long[][] {w0, {200, 250, 350, 350}, {350, 400, 500, 500}};
        };
    }

    /** One run of a scenario: observed event times in ms relative to the first queue call. */
    private static double[][] runTimeline(Scenario s) throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2)
                .cpuIntensiveThreshold(Duration.ofSeconds(10)).build()) {
            Workqueue q0, q1;
            switch (s) {
                case MAX_ACTIVE_3 -> q0 = q1 = rt.alloc("q0", Set.of(), 3);
                case MAX_ACTIVE_2 -> q0 = q1 = rt.alloc("q0", Set.of(), 2);
                case CPU_INTENSIVE -> {
                    q0 = rt.alloc("q0", Set.of(), 0);
                    q1 = rt.alloc("q1", EnumSet.of(WorkqueueFlag.CPU_INTENSIVE), 0);
                }
                case ORDERED -> q0 = q1 = rt.allocOrdered("q0", Set.of());
                default -> throw new AssertionError(s);
            }
            AtomicLongArray t = new AtomicLongArray(12);
            AtomicLong t0 = new AtomicLong();
            CountDownLatch done = new CountDownLatch(3);
            Work w0 = new Work(self -> {
                t.set(START, System.nanoTime());
                burn(50 * MS);
                t.set(SLEEP, System.nanoTime());
                Thread.sleep(100);
                t.set(WAKE, System.nanoTime());
                burn(50 * MS);
                t.set(FINISH, System.nanoTime());
                done.countDown();
            });
            Work[] ws = new Work[3];
            ws[0] = w0;
            for (int i = 1; i < 3; i++) {
                int base = i * 4;
                ws[i] = new Work(self -> {
                    t.set(base + START, System.nanoTime());
                    burn(50 * MS);
                    t.set(base + SLEEP, System.nanoTime());
                    Thread.sleep(100);
                    long now = System.nanoTime();
                    t.set(base + WAKE, now);
                    t.set(base + FINISH, now);
                    done.countDown();
                });
            }
            t0.set(System.nanoTime());
            assertTrue(q0.queueOn(0, ws[0]));
            assertTrue(q1.queueOn(0, ws[1]));
            assertTrue(q1.queueOn(0, ws[2]));
            assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "the three items did not finish");
            double[][] r = new double[3][4];
            for (int i = 0; i < 3; i++) {
                for (int e = 0; e < 4; e++) {
                    r[i][e] = ms(t.get(i * 4 + e) - t0.get());
                }
            }
            return r;
        }
    }

    private static String format(double[][] obs, long[][] exp) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            sb.append("  w").append(i).append(':');
            for (int e = 0; e < 4; e++) {
                sb.append(String.format(" %s %.1f (exp %d)", EVENT[e], obs[i][e], exp[i][e]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * The scenario's shape as causal order between the observed events, which holds however
     * late each event comes on a loaded machine: who may start only after whom sleeps or
     * finishes, and who must start while another still sleeps (the one margin: an item's 100 ms
     * sleep must outlast the detection that starts the next item).
     *
     * @return the first violated rule, or null
     */
    private static String violatedOrder(Scenario s, double[][] o) {
        double s0 = o[0][START], sl0 = o[0][SLEEP], wk0 = o[0][WAKE], f0 = o[0][FINISH];
        double s1 = o[1][START], sl1 = o[1][SLEEP], wk1 = o[1][WAKE], f1 = o[1][FINISH];
        double s2 = o[2][START];
        List<Object[]> rules = new ArrayList<>(); // {holds, rule}
        switch (s) {
            case MAX_ACTIVE_3 -> {
                rules.add(new Object[] {s1 >= sl0, "w1 starts only once w0 sleeps (w0 holds the CPU while it burns)"});
                rules.add(new Object[] {s1 < wk0, "w1 starts while w0 sleeps"});
                rules.add(new Object[] {s2 >= sl1, "w2 starts only once w1 sleeps"});
                rules.add(new Object[] {s2 < wk1, "w2 starts while w1 sleeps"});
            }
            case MAX_ACTIVE_2 -> {
                rules.add(new Object[] {s1 >= sl0, "w1 starts only once w0 sleeps"});
                rules.add(new Object[] {s1 < wk0, "w1 starts while w0 sleeps"});
                rules.add(new Object[] {s2 >= Math.min(f0, f1), "w2 (third, max_active 2) starts only once w0 or w1 finished"});
            }
            case CPU_INTENSIVE -> {
                rules.add(new Object[] {s1 >= sl0 && s2 >= sl0, "w1 and w2 start only once w0 sleeps"});
                rules.add(new Object[] {s1 < wk0 && s2 < wk0, "w1 and w2 start while w0 sleeps"});
                rules.add(new Object[] {s2 < sl1, "w2 starts while the CPU-intensive w1 still burns (not counted)"});
            }
            case ORDERED -> {
                rules.add(new Object[] {s1 >= f0, "w1 starts only once w0 finished"});
                rules.add(new Object[] {s2 >= f1, "w2 starts only once w1 finished"});
            }
            default -> throw new AssertionError(s);
        }
        rules.add(new Object[] {s0 <= sl0 && sl0 <= wk0 && wk0 <= f0 && s1 <= sl1, "the clock went backwards"});
        for (Object[] r : rules) {
            if (!(Boolean) r[0]) {
                return (String) r[1];
            }
        }
        return null;
    }

    /**
     * Runs a scenario and checks its causal shape ({@link #violatedOrder}); prints the timeline
     * and, in figures mode, also checks every event within {@link #TOLERANCE_MS} of the kernel's
     * times.
     *
     * <p>The whole scenario is retried up to 3 times before failing: the build machine has two
     * cores shared with other jobs, and one descheduling of a worker at the wrong moment can
     * stretch a detection beyond a 100 ms sleep, or (figures mode) shift an event by tens of ms,
     * without the engine doing anything wrong. A real regression (a wrong shape, e.g. w1 waiting
     * for w0 to finish) fails all three attempts.
     */
    private static void assertTimeline(Scenario s) throws Exception {
        long[][] exp = expected(s);
        StringBuilder report = new StringBuilder();
        for (int attempt = 1; attempt <= 3; attempt++) {
            double[][] obs = runTimeline(s);
            double worst = 0;
            for (int i = 0; i < 3; i++) {
                for (int e = 0; e < 4; e++) {
                    worst = Math.max(worst, Math.abs(obs[i][e] - exp[i][e]));
                }
            }
            String violated = violatedOrder(s, obs);
            String line = String.format("timeline %s attempt %d: max deviation %.1f ms (quiet-machine limit %d)%s%n%s", s,
                    attempt, worst, TOLERANCE_MS, violated == null ? "" : "; violates: " + violated, format(obs, exp));
            System.out.print(line);
            report.append(line);
            if (violated == null && (!FIGURES || worst <= TOLERANCE_MS)) {
                return;
            }
        }
        fail("timeline " + s + " failed 3 attempts (causal order" + (FIGURES ? ", or off by more than " + TOLERANCE_MS + " ms" : "")
                + "):\n" + report);
    }

    @Test
    void timeline_maxActive3_eachItemStartsWhenPreviousSleeps() throws Exception {
        assertTimeline(Scenario.MAX_ACTIVE_3);
    }

    @Test
    void timeline_maxActive2_thirdItemStartsWhenFirstFinishes() throws Exception {
        assertTimeline(Scenario.MAX_ACTIVE_2);
    }

    @Test
    void timeline_cpuIntensiveWorkqueue_bothItemsStartWhenFirstSleeps() throws Exception {
        assertTimeline(Scenario.CPU_INTENSIVE);
    }

    @Test
    void timeline_orderedWorkqueue_itemsRunStrictlyOneAfterAnother() throws Exception {
        assertTimeline(Scenario.ORDERED);
    }

    // ================================================================== one runnable per CPU

    /** The policy itself: a runnable (non-blocking, not yet a hog) item holds its CPU's pool. */
    @Test
    void runnableItem_holdsTheCpu_nextItemWaitsUntilItFinishes() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1)
                .cpuIntensiveThreshold(Duration.ofSeconds(10)).build()) {
            Workqueue wq = rt.alloc("cm", Set.of(), 0);
            CountDownLatch aRunning = new CountDownLatch(1);
            CountDownLatch bDone = new CountDownLatch(1);
            AtomicLong aEnd = new AtomicLong(), bStart = new AtomicLong();
            assertTrue(wq.queueOn(0, new Work(self -> {
                aRunning.countDown();
                burn(80 * MS);
                aEnd.set(System.nanoTime());
            })));
            assertTrue(aRunning.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(wq.queueOn(0, new Work(self -> {
                bStart.set(System.nanoTime());
                bDone.countDown();
            })));
            assertTrue(bDone.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(bStart.get() >= aEnd.get(),
                    "B started " + ms(aEnd.get() - bStart.get()) + " ms before the runnable A finished");
        }
    }

    // ================================================================== CPU hog detection

    @Test
    void cpuHog_defaultThreshold_nextItemStartsAndHogCounted() throws Exception {
        // On a loaded machine the hog can be preempted at every sample the monitor takes while
        // the next item waits: it then shows no CPU progress, looks asleep, and the next item
        // starts as behind a sleeper (cmWakeups) without the hog being counted. The sampling
        // cannot tell the two apart, so a round may misjudge; a round that counts the hog proves
        // the detection, and a broken detection fails every round.
        String last = null;
        for (int round = 0; round < 3; round++) {
            WorkqueueStats s = cpuHogRound();
            if (s.cpuIntensive() >= 1) {
                return;
            }
            last = s.toString();
        }
        fail("hog not counted in 3 rounds: " + last);
    }

    /** One hog and one item behind it; asserts the next item started beside the hog. @return the hog's stats */
    private WorkqueueStats cpuHogRound() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Workqueue hogWq = rt.alloc("hog", Set.of(), 0);
            Workqueue nextWq = rt.alloc("next", Set.of(), 0);
            CountDownLatch hogStarted = new CountDownLatch(1);
            CountDownLatch nextStarted = new CountDownLatch(1);
            AtomicLong tHog = new AtomicLong(), tNext = new AtomicLong(), tHogEnd = new AtomicLong();
            // Diagnostics: the hog's CPU time when the next item starts (on a loaded machine the
            // hog gets less than a full core, so its 10 ms of CPU take longer in wall time).
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            AtomicLong hogThread = new AtomicLong(), hogCpu0 = new AtomicLong(), hogCpuAtNext = new AtomicLong();
            AtomicBoolean nextRan = new AtomicBoolean();
            assertTrue(hogWq.queueOn(0, new Work(self -> {
                hogThread.set(Thread.currentThread().threadId());
                hogCpu0.set(mx.getCurrentThreadCpuTime());
                tHog.set(System.nanoTime());
                hogStarted.countDown();
                // Hogs until the next item has started (at most 10 s): on a loaded machine its
                // 10 ms of CPU take longer in wall time, so no fixed burn would do.
                spinUntil(nextRan);
                burn(20 * MS);
                tHogEnd.set(System.nanoTime());
            })));
            assertTrue(hogStarted.await(WAIT_S, TimeUnit.SECONDS));
            long tQueued = System.nanoTime();
            assertTrue(nextWq.queueOn(0, new Work(self -> {
                tNext.set(System.nanoTime());
                hogCpuAtNext.set(mx.getThreadCpuTime(hogThread.get()));
                nextRan.set(true);
                nextStarted.countDown();
            })));
            assertTrue(nextStarted.await(WAIT_S, TimeUnit.SECONDS), "the next item never started beside the hog:\n" + rt.dump());
            long latency = tNext.get() - tHog.get();
            System.out.printf("cpu hog: next item queued %.2f ms and started %.2f ms after the hog started;"
                    + " the hog had used %.2f ms CPU by then%n",
                    ms(tQueued - tHog.get()), ms(latency), ms(hogCpuAtNext.get() - hogCpu0.get()));
            assertFigure(latency < 60 * MS, "next item started " + ms(latency) + " ms after the hog started (limit 60)");
            hogWq.flush();
            assertTrue(tHogEnd.get() > tNext.get(), "the hog had finished before the next item started");
            assertEquals(0, nextWq.stats().cpuIntensive(), nextWq.stats().toString());
            return hogWq.stats();
        }
    }

    // ================================================================== sleep detection, no hints

    @Test
    void blockedInAccept_noHint_nextItemStartsWithinFewMs() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Workqueue wq = rt.alloc("net", Set.of(), 0);
            CountDownLatch accepting = new CountDownLatch(1);
            CountDownLatch nextStarted = new CountDownLatch(1);
            CountDownLatch released = new CountDownLatch(1);
            AtomicLong tBlock = new AtomicLong(), tNext = new AtomicLong();
            AtomicReference<Throwable> acceptOutcome = new AtomicReference<>();
            try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                assertTrue(wq.queueOn(0, new Work(self -> {
                    tBlock.set(System.nanoTime());
                    accepting.countDown();
                    try {
                        ss.accept().close();
                    } catch (IOException e) {
                        acceptOutcome.set(e);
                    }
                    released.countDown();
                })));
                assertTrue(accepting.await(WAIT_S, TimeUnit.SECONDS));
                assertTrue(wq.queueOn(0, new Work(self -> {
                    tNext.set(System.nanoTime());
                    nextStarted.countDown();
                })));
                assertTrue(nextStarted.await(WAIT_S, TimeUnit.SECONDS), "item behind accept() never started");
                long latency = tNext.get() - tBlock.get();
                System.out.printf("accept(): next item started %.2f ms after the worker blocked%n", ms(latency));
                assertFigure(latency < 50 * MS, "next item started " + ms(latency) + " ms after accept() blocked (limit 50)");
                assertEquals(1, released.getCount(), "accept() returned without a connection");
            }
            assertTrue(released.await(WAIT_S, TimeUnit.SECONDS), "closing the socket did not release the worker");
            assertInstanceOf(SocketException.class, acceptOutcome.get());
            wq.flush();
            assertTrue(wq.stats().cmWakeups() > 0, wq.stats().toString());
        }
    }

    @Test
    void blockedInThreadSleep_noHint_nextItemStartsWithinFewMsAndCmWakeupCounted() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Workqueue wq = rt.alloc("sleepy", Set.of(), 0);
            CountDownLatch sleeping = new CountDownLatch(1);
            CountDownLatch nextStarted = new CountDownLatch(1);
            AtomicLong tSleep = new AtomicLong(), tNext = new AtomicLong(), tWake = new AtomicLong();
            assertTrue(wq.queueOn(0, new Work(self -> {
                tSleep.set(System.nanoTime());
                sleeping.countDown();
                Thread.sleep(300);
                tWake.set(System.nanoTime());
            })));
            assertTrue(sleeping.await(WAIT_S, TimeUnit.SECONDS));
            assertEquals(0, wq.stats().cmWakeups(), "a wake-up before anything waited");
            assertTrue(wq.queueOn(0, new Work(self -> {
                tNext.set(System.nanoTime());
                nextStarted.countDown();
            })));
            assertTrue(nextStarted.await(WAIT_S, TimeUnit.SECONDS));
            long latency = tNext.get() - tSleep.get();
            System.out.printf("Thread.sleep: next item started %.2f ms after the worker slept%n", ms(latency));
            assertFigure(latency < 50 * MS, "next item started " + ms(latency) + " ms after the sleep began (limit 50)");
            wq.flush();
            assertTrue(tWake.get() > tNext.get(), "the next item started only after the sleeper woke (300 ms later)");
            assertTrue(wq.stats().cmWakeups() > 0, wq.stats().toString());
        }
    }

    @Test
    void blockedInLatchAwait_noHint_nextItemStartsWithinFewMsAndCmWakeupCounted() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Workqueue wq = rt.alloc("latch", Set.of(), 0);
            CountDownLatch waiting = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch nextStarted = new CountDownLatch(1);
            AtomicBoolean awaited = new AtomicBoolean();
            AtomicLong tBlock = new AtomicLong(), tNext = new AtomicLong();
            assertTrue(wq.queueOn(0, new Work(self -> {
                tBlock.set(System.nanoTime());
                waiting.countDown();
                awaited.set(release.await(WAIT_S, TimeUnit.SECONDS));
            })));
            try {
                assertTrue(waiting.await(WAIT_S, TimeUnit.SECONDS));
                assertTrue(wq.queueOn(0, new Work(self -> {
                    tNext.set(System.nanoTime());
                    nextStarted.countDown();
                })));
                assertTrue(nextStarted.await(WAIT_S, TimeUnit.SECONDS), "item behind latch.await() never started");
                long latency = tNext.get() - tBlock.get();
                System.out.printf("latch.await: next item started %.2f ms after the worker blocked%n", ms(latency));
                assertFigure(latency < 50 * MS, "next item started " + ms(latency) + " ms after the await began (limit 50)");
            } finally {
                release.countDown();
            }
            wq.flush();
            assertTrue(awaited.get(), "the blocked item was not released by the latch");
            assertTrue(wq.stats().cmWakeups() > 0, wq.stats().toString());
        }
    }

    /**
     * Two items queued back to back, before any worker has picked up the first: when the first
     * then blocks, the second must still start (the kernel's scheduler hook fires whenever a
     * worker sleeps, however the items arrived). The worker threads wait on a gate until both
     * are queued, so the order of events is deterministic.
     */
    @Test
    void burstQueued_firstItemBlocks_secondStartsWithinFewMs() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        java.util.concurrent.ThreadFactory gated = r -> Thread.ofPlatform().daemon(true).unstarted(() -> {
            try {
                gate.await(WAIT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            r.run();
        });
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).threadFactory(gated).build()) {
            Workqueue wq = rt.alloc("burst", Set.of(), 0);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch nextStarted = new CountDownLatch(1);
            AtomicLong tBlock = new AtomicLong(), tNext = new AtomicLong();
            AtomicBoolean awaited = new AtomicBoolean();
            try {
                assertTrue(wq.queueOn(0, new Work(self -> {
                    tBlock.set(System.nanoTime());
                    awaited.set(release.await(WAIT_S, TimeUnit.SECONDS));
                })));
                assertTrue(wq.queueOn(0, new Work(self -> {
                    tNext.set(System.nanoTime());
                    nextStarted.countDown();
                })));
                gate.countDown();
                assertTrue(nextStarted.await(2, TimeUnit.SECONDS),
                        "second item still waiting 2 s behind a blocked worker:\n" + rt.dump());
                long latency = tNext.get() - tBlock.get();
                System.out.printf("burst: second item started %.2f ms after the first blocked%n", ms(latency));
                assertFigure(latency < 50 * MS, "second item started " + ms(latency) + " ms after the first blocked (limit 50)");
            } finally {
                gate.countDown();
                release.countDown();
            }
            wq.flush();
            assertTrue(awaited.get());
        }
    }

    // ================================================================== the explicit hint

    /**
     * Inside {@code blocking()} the item spins (RUNNABLE, using CPU, far below the 10 s hog
     * threshold), which sampling cannot tell from work; only the hint can let the next item run,
     * so this holds even if detection were off.
     */
    @Test
    void blockingHint_undetectableWait_nextItemStartsAtOnce() throws Exception {
        // A spinning thread can still be taken for a sleeper now and then on a busy machine (it
        // may sit at a safepoint, which /proc shows as sleeping, just when a sample finds its
        // CPU clock standing still); such an attempt proves nothing about the hint and is
        // repeated, up to three times.
        String failures = "";
        for (int attempt = 1; attempt <= 3; attempt++) {
            String f = hintAttempt();
            if (f == null) {
                return;
            }
            failures += "attempt " + attempt + ": " + f + "\n";
        }
        fail("B ran while A was runnable in every attempt:\n" + failures);
    }

    /** @return null if B ran only once A was inside {@code blocking()}, else what happened */
    private static String hintAttempt() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1)
                .cpuIntensiveThreshold(Duration.ofSeconds(10)).build()) {
            Workqueue wq = rt.alloc("hint", Set.of(), 0);
            CountDownLatch aRunning = new CountDownLatch(1);
            CountDownLatch bDone = new CountDownLatch(1);
            AtomicBoolean bQueued = new AtomicBoolean(), bRan = new AtomicBoolean();
            AtomicBoolean bRanBeforeHint = new AtomicBoolean(), bRanInsideHint = new AtomicBoolean();
            AtomicLong tHint = new AtomicLong(), tNext = new AtomicLong();
            assertTrue(wq.queueOn(0, new Work(self -> {
                aRunning.countDown();
                spinUntil(bQueued);
                bRanBeforeHint.set(bRan.get());
                tHint.set(System.nanoTime());
                bRanInsideHint.set(WorkqueueRuntime.blocking(() -> spinUntil(bRan)));
            })));
            assertTrue(aRunning.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(wq.queueOn(0, new Work(self -> {
                tNext.set(System.nanoTime());
                bRan.set(true);
                bDone.countDown();
            })));
            bQueued.set(true);
            assertTrue(bDone.await(WAIT_S, TimeUnit.SECONDS));
            wq.flush();
            if (bRanBeforeHint.get()) {
                return "B ran before the hint (" + wq.stats() + ")";
            }
            assertTrue(bRanInsideHint.get(), "B did not run while A was inside blocking()");
            long latency = tNext.get() - tHint.get();
            System.out.printf("blocking() hint: next item started %.3f ms after the hint%n", ms(latency));
            assertFigure(latency < 50 * MS, "B started " + ms(latency) + " ms after the hint (limit 50)");
            assertTrue(wq.stats().cmWakeups() > 0, wq.stats().toString());
            return null;
        }
    }

    @Test
    void blockingHint_latchAwait_nextItemStartsAndValueReturned() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build()) {
            Workqueue wq = rt.alloc("hint", Set.of(), 0);
            CountDownLatch inHint = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch nextStarted = new CountDownLatch(1);
            AtomicReference<Object> result = new AtomicReference<>();
            try {
                assertTrue(wq.queueOn(0, new Work(self -> {
                    result.set(WorkqueueRuntime.blocking(() -> {
                        inHint.countDown();
                        return release.await(WAIT_S, TimeUnit.SECONDS) ? "released" : "timed out";
                    }));
                })));
                assertTrue(inHint.await(WAIT_S, TimeUnit.SECONDS));
                assertTrue(wq.queueOn(0, new Work(self -> nextStarted.countDown())));
                assertTrue(nextStarted.await(WAIT_S, TimeUnit.SECONDS), "item behind a blocking() hint never started");
            } finally {
                release.countDown();
            }
            wq.flush();
            assertEquals("released", result.get());
        }
    }

    /** After an action that threw, the hint restores the worker's accounting: it holds the CPU again. */
    @Test
    void blockingHint_actionThrowsOnWorker_exceptionPropagatesAndWorkerCountsAgain() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1)
                .cpuIntensiveThreshold(Duration.ofSeconds(10)).build()) {
            Workqueue wq = rt.alloc("hint", Set.of(), 0);
            IOException boom = new IOException("boom");
            AtomicReference<Throwable> caught = new AtomicReference<>();
            CountDownLatch afterHint = new CountDownLatch(1);
            CountDownLatch bDone = new CountDownLatch(1);
            AtomicLong aEnd = new AtomicLong(), bStart = new AtomicLong();
            assertTrue(wq.queueOn(0, new Work(self -> {
                try {
                    WorkqueueRuntime.blocking(() -> {
                        throw boom;
                    });
                } catch (IOException e) {
                    caught.set(e);
                }
                afterHint.countDown();
                burn(80 * MS);
                aEnd.set(System.nanoTime());
            })));
            assertTrue(afterHint.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(wq.queueOn(0, new Work(self -> {
                bStart.set(System.nanoTime());
                bDone.countDown();
            })));
            assertTrue(bDone.await(WAIT_S, TimeUnit.SECONDS));
            assertSame(boom, caught.get());
            assertTrue(bStart.get() >= aEnd.get(),
                    "B started " + ms(aEnd.get() - bStart.get()) + " ms before A finished: A was not counted as running again");
        }
    }

    @Test
    void blockingHint_offWorkerThread_runsActionReturnsValueAndRethrows() {
        Thread me = Thread.currentThread();
        assertEquals(42, WorkqueueRuntime.blocking(() -> {
            assertSame(me, Thread.currentThread());
            return 42;
        }));
        assertNull(WorkqueueRuntime.blocking(() -> null));
        IOException checked = new IOException("checked");
        assertSame(checked, assertThrows(IOException.class, () -> WorkqueueRuntime.blocking(() -> {
            throw checked;
        })));
        IllegalStateException unchecked = new IllegalStateException("unchecked");
        assertSame(unchecked, assertThrows(IllegalStateException.class, () -> WorkqueueRuntime.blocking(() -> {
            throw unchecked;
        })));
        assertThrows(NullPointerException.class, () -> WorkqueueRuntime.blocking(null));
    }

    // ================================================================== threads and idle cost

    @Test
    void manyWorkqueues_shareFewThreads_allItemsRun() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            AtomicInteger ran = new AtomicInteger();
            List<Workqueue> wqs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                wqs.add(i % 2 == 0 ? rt.allocOrdered("ord-" + i, Set.of()) : rt.alloc("bound-" + i, Set.of(), 0));
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < wqs.size(); i++) {
                    Workqueue wq = wqs.get(i);
                    Work w = new Work(self -> ran.incrementAndGet());
                    assertTrue(wq.isOrdered() ? wq.queue(w) : wq.queueOn((i / 2) % 2, w));
                }
            }
            for (Workqueue wq : wqs) {
                wq.flush();
            }
            int workers = rt.workerCount();
            System.out.println("1000 workqueues, 3000 items: workerCount=" + workers);
            assertEquals(3000, ran.get());
            assertTrue(workers <= 40, "1000 workqueues used " + workers + " worker threads");
            long started = 0;
            for (Workqueue wq : wqs) {
                started += wq.stats().started();
            }
            assertEquals(3000, started);
        }
    }

    private static Map<Long, Long> engineThreadCpu(ThreadMXBean mx) {
        Map<Long, Long> m = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (n.startsWith("kworker") || n.startsWith("jworkqueue")) {
                long c = mx.getThreadCpuTime(t.threadId());
                if (c >= 0) {
                    m.put(t.threadId(), c);
                }
            }
        }
        return m;
    }

    @Test
    void idleRuntime_afterWork_usesNoMeasurableCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadCpuTimeSupported(), "no thread CPU clock");
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            // Exercise workers of bound and unbound pools, the concurrency monitor (a blocked
            // item with another behind it) and the timer (a delayed item).
            Workqueue wq = rt.alloc("busy", Set.of(), 0);
            Workqueue ub = rt.alloc("ub", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
            CountDownLatch blocked = new CountDownLatch(1), behind = new CountDownLatch(1), timer = new CountDownLatch(1);
            assertTrue(wq.queueOn(0, new Work(self -> {
                blocked.countDown();
                Thread.sleep(30);
            })));
            assertTrue(blocked.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(wq.queueOn(0, new Work(self -> behind.countDown())));
            assertTrue(wq.queueDelayedOn(1, new DelayedWork(self -> timer.countDown()), Duration.ofMillis(20)));
            for (int i = 0; i < 200; i++) {
                assertTrue(ub.queue(new Work(self -> burn(10_000))));
                assertTrue(wq.queueOn(i % 2, new Work(self -> burn(10_000))));
            }
            assertTrue(behind.await(WAIT_S, TimeUnit.SECONDS));
            assertTrue(timer.await(WAIT_S, TimeUnit.SECONDS));
            wq.flush();
            ub.flush();

            Thread.sleep(200); // let the monitor and workers settle (part of the measurement protocol)
            Map<Long, Long> before = engineThreadCpu(mx);
            long total = before.values().stream().mapToLong(Long::longValue).sum();
            assertTrue(total > 0, "engine threads show no CPU time at all: the measurement is broken");
            Set<String> names = new java.util.TreeSet<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (before.containsKey(t.threadId())) {
                    names.add(t.getName().replaceAll("[0-9]+", "#"));
                }
            }
            assertTrue(names.contains("jworkqueue-cm"), "monitor thread not started: " + names);
            assertTrue(names.contains("jworkqueue-timer"), "timer thread not started: " + names);
            assertTrue(names.stream().anyMatch(n -> n.startsWith("kworker/#:")), "no bound worker: " + names);
            Thread.sleep(2000); // the measurement window
            Map<Long, Long> after = engineThreadCpu(mx);
            long used = 0;
            for (Map.Entry<Long, Long> e : after.entrySet()) {
                used += e.getValue() - before.getOrDefault(e.getKey(), 0L);
            }
            System.out.printf("idle runtime: %d engine threads (%.1f ms CPU while working) used %.3f ms CPU in 2 s idle%n",
                    after.size(), ms(total), ms(used));
            assertTrue(used < 20 * MS, "idle engine threads used " + ms(used) + " ms of CPU in 2 s");
        }
    }

    // ================================================================== detection latency

    /**
     * Detection latency of a plain {@code Thread.sleep} over 50 trials. Each sleep lasts
     * {@code sleepMs} (40 ms): behaviour is that the next item starts while A still sleeps, in most
     * trials (p50 below the sleep) and never before A slept; the quiet-machine figure is a p50
     * below 10 ms.
     */
    @Test
    void detectionLatency_threadSleep_p50Below10ms() throws Exception {
        final long sleepMs = 40;
        int trials = 50;
        long[] lat = new long[trials];
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1)
                .cpuIntensiveThreshold(Duration.ofSeconds(10)).build()) {
            Workqueue wq = rt.alloc("lat", Set.of(), 0);
            for (int k = 0; k < trials; k++) {
                CountDownLatch aRunning = new CountDownLatch(1), bDone = new CountDownLatch(1);
                AtomicBoolean bQueued = new AtomicBoolean();
                AtomicLong tSleep = new AtomicLong(), tStart = new AtomicLong();
                assertTrue(wq.queueOn(0, new Work(self -> {
                    aRunning.countDown();
                    spinUntil(bQueued); // runnable while B is queued behind it
                    tSleep.set(System.nanoTime());
                    Thread.sleep(sleepMs);
                })));
                assertTrue(aRunning.await(WAIT_S, TimeUnit.SECONDS));
                assertTrue(wq.queueOn(0, new Work(self -> {
                    tStart.set(System.nanoTime());
                    bDone.countDown();
                })));
                bQueued.set(true);
                assertTrue(bDone.await(WAIT_S, TimeUnit.SECONDS));
                wq.flush();
                lat[k] = tStart.get() - tSleep.get();
            }
        }
        long[] sorted = lat.clone();
        Arrays.sort(sorted);
        long p50 = sorted[trials / 2], p90 = sorted[trials * 9 / 10], max = sorted[trials - 1];
        long early = Arrays.stream(lat).filter(x -> x < 0).count();
        System.out.printf("detection latency over %d trials (Thread.sleep -> next item starts): "
                + "min %.3f ms, p50 %.3f ms, p90 %.3f ms, max %.3f ms; %d trials started B before A slept%n",
                trials, ms(sorted[0]), ms(p50), ms(p90), ms(max), early);
        // A spinning thread can be taken for a sleeper now and then on a busy machine: sitting at
        // a safepoint (which /proc shows as sleeping) just when a sample finds its CPU clock
        // standing still. A rare such trial is tolerated; a B that starts early systematically is not.
        assertTrue(early <= 2, "B started while A was still runnable in " + early + " of " + trials + " trials");
        assertTrue(p50 < sleepMs * MS, "in most trials B waited until A woke: p50 detection latency " + ms(p50) + " ms");
        assertFigure(p50 < 10 * MS, "p50 detection latency " + ms(p50) + " ms (limit 10)");
    }
}
