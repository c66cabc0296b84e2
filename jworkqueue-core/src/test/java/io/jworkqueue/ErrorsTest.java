package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments, failing work functions, interrupts (API.md "Java conventions that hold everywhere"). */
class ErrorsTest {
    private static final Duration D = Duration.ofMillis(10);

    private static <T extends Throwable> T assertThrowsMentioning(Class<T> type, Executable call, String... parts) {
        T e = assertThrows(type, call);
        String msg = e.getMessage();
        assertNotNull(msg, () -> type.getSimpleName() + " without a message");
        for (String p : parts) {
            assertTrue(msg.contains(p), () -> "message '" + msg + "' does not mention '" + p + "'");
        }
        return e;
    }

    /** The message names the value and the allowed range lo..hi in one of the usual notations. */
    private static void assertMentionsRange(String msg, long lo, long hi) {
        List<String> forms = List.of("[" + lo + ", " + hi + "]", "[" + lo + "," + hi + "]", lo + ".." + hi,
                lo + "-" + hi, lo + " - " + hi, lo + " to " + hi, lo + " and " + hi,
                "[" + lo + ", " + (hi + 1) + ")", "< " + (hi + 1));
        assertTrue(forms.stream().anyMatch(msg::contains), () -> "message '" + msg + "' does not state the range " + lo + ".." + hi);
    }

    // ------------------------------------------------------------------ null arguments

    @Test
    void queueCalls_nullArguments_throwNpeNamingArgumentWithoutStateChange() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("er_null", Set.of(), 0);
            DelayedWork dw = new DelayedWork(self -> fail("must not run"));
            assertThrowsMentioning(NullPointerException.class, () -> wq.queue(null), "work");
            assertThrowsMentioning(NullPointerException.class, () -> wq.queueOn(0, null), "work");
            assertThrowsMentioning(NullPointerException.class, () -> wq.queueDelayed(null, D), "work");
            assertThrowsMentioning(NullPointerException.class, () -> wq.queueDelayed(dw, null), "delay");
            assertFalse(dw.isPending());
            assertThrowsMentioning(NullPointerException.class, () -> wq.queueDelayedOn(1, null, D), "work");
            assertThrowsMentioning(NullPointerException.class, () -> wq.queueDelayedOn(1, dw, null), "delay");
            assertFalse(dw.isPending());
            assertThrowsMentioning(NullPointerException.class, () -> wq.modDelayed(null, D), "work");
            assertThrowsMentioning(NullPointerException.class, () -> wq.modDelayed(dw, null), "delay");
            assertFalse(dw.isPending());
            assertThrowsMentioning(NullPointerException.class, () -> wq.modDelayedOn(0, null, D), "work");
            assertThrowsMentioning(NullPointerException.class, () -> wq.modDelayedOn(0, dw, null), "delay");
            assertFalse(dw.isPending());
            assertThrows(NullPointerException.class, () -> rt.schedule(null));
            assertThrows(NullPointerException.class, () -> rt.scheduleOn(0, null));
            assertThrows(NullPointerException.class, () -> rt.scheduleDelayed(null, D));
            assertThrows(NullPointerException.class, () -> rt.scheduleDelayed(dw, null));
            assertThrows(NullPointerException.class, () -> rt.scheduleDelayedOn(0, dw, null));
            assertFalse(dw.isPending());
            assertFalse(dw.isTimerArmed());

            // an armed item is left exactly as it was
            assertTrue(wq.queueDelayed(dw, Duration.ofHours(1)));
            assertThrows(NullPointerException.class, () -> wq.modDelayed(dw, null));
            assertThrows(NullPointerException.class, () -> wq.modDelayedOn(1, dw, null));
            assertTrue(dw.isPending());
            assertTrue(dw.isTimerArmed());
            assertTrue(dw.getDelay(TimeUnit.MINUTES) >= 59, "the timer was changed by a rejected call");
            assertTrue(dw.cancel());
            assertEquals(0, wq.stats().started());
        }
    }

    @Test
    void alloc_nullNameOrFlags_throwsNpeAndAllocatesNothing() {
        try (WorkqueueRuntime rt = newRuntime()) {
            int before = rt.workqueues().size();
            Set<WorkqueueFlag> withNull = new HashSet<>(Arrays.asList(WorkqueueFlag.UNBOUND, null));
            assertThrowsMentioning(NullPointerException.class, () -> rt.alloc(null, Set.of(), 0), "name");
            assertThrowsMentioning(NullPointerException.class, () -> rt.alloc("er_x", null, 0), "flags");
            assertThrowsMentioning(NullPointerException.class, () -> rt.alloc("er_x", withNull, 0), "flags");
            assertThrowsMentioning(NullPointerException.class, () -> rt.allocOrdered(null, Set.of()), "name");
            assertThrowsMentioning(NullPointerException.class, () -> rt.allocOrdered("er_x", null), "flags");
            assertThrowsMentioning(NullPointerException.class, () -> rt.allocOrdered("er_x", withNull), "flags");
            assertThrowsMentioning(NullPointerException.class, () -> rt.create(null), "name");
            assertThrowsMentioning(NullPointerException.class, () -> rt.createSinglethread(null), "name");
            assertThrowsMentioning(NullPointerException.class, () -> rt.createFreezable(null), "name");
            assertEquals(before, rt.workqueues().size(), "a rejected alloc registered a workqueue");
            assertEquals(0, rt.workerCount());
        }
    }

    @Test
    void constructorsAndBuilder_nullArguments_throwNpeNamingArgument() {
        assertThrowsMentioning(NullPointerException.class, () -> new Work(null), "fn");
        assertThrowsMentioning(NullPointerException.class, () -> new DelayedWork(null), "fn");
        WorkqueueRuntime.Builder b = WorkqueueRuntime.builder();
        assertThrowsMentioning(NullPointerException.class, () -> b.threadFactory(null), "threadFactory");
        assertThrowsMentioning(NullPointerException.class, () -> b.uncaughtExceptionHandler(null), "handler");
        assertThrowsMentioning(NullPointerException.class, () -> b.cpuLocator(null), "cpuLocator");
        assertThrowsMentioning(NullPointerException.class, () -> b.cpuIntensiveThreshold(null), "cpuIntensiveThreshold");
        assertThrowsMentioning(NullPointerException.class, () -> b.idleWorkerTimeout(null), "idleWorkerTimeout");
        assertThrowsMentioning(NullPointerException.class, () -> b.watchdogThreshold(null), "watchdogThreshold");
        assertThrowsMentioning(NullPointerException.class, () -> b.createCooldown(null), "createCooldown");
        assertThrowsMentioning(NullPointerException.class, () -> WorkqueueRuntime.blocking(null), "action");
        // the builder is still usable after the rejected calls
        try (WorkqueueRuntime rt = b.cpus(2).build()) {
            assertEquals(2, rt.cpus());
        }
    }

    // ------------------------------------------------------------------ cpu range

    @Test
    void cpuArguments_outOfRange_throwIaeWithValueAndRange() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue bound = rt.alloc("er_cpu", Set.of(), 0);
            Workqueue ub = rt.alloc("er_cpu_ub", Set.of(WorkqueueFlag.UNBOUND), 0);
            Work w = new Work(self -> fail("must not run"));
            DelayedWork dw = new DelayedWork(self -> fail("must not run"));
            int hi = rt.cpus() - 1;
            for (Workqueue wq : List.of(bound, ub)) {
                for (int cpu : new int[] {-1, rt.cpus()}) {
                    List<Executable> calls = List.of(
                            () -> wq.queueOn(cpu, w),
                            () -> wq.queueDelayedOn(cpu, dw, D),
                            () -> wq.queueDelayedOn(cpu, dw, Duration.ZERO),
                            () -> wq.modDelayedOn(cpu, dw, D),
                            () -> wq.isCongested(cpu));
                    for (Executable call : calls) {
                        IllegalArgumentException e = assertThrowsMentioning(IllegalArgumentException.class, call,
                                String.valueOf(cpu), wq.name());
                        assertMentionsRange(e.getMessage(), 0, hi);
                        assertFalse(w.isPending());
                        assertFalse(dw.isPending());
                        assertFalse(dw.isTimerArmed());
                    }
                }
            }
            for (int cpu : new int[] {-1, rt.cpus()}) {
                assertMentionsRange(assertThrowsMentioning(IllegalArgumentException.class,
                        () -> rt.scheduleOn(cpu, w), String.valueOf(cpu)).getMessage(), 0, hi);
                assertMentionsRange(assertThrowsMentioning(IllegalArgumentException.class,
                        () -> rt.scheduleDelayedOn(cpu, dw, D), String.valueOf(cpu)).getMessage(), 0, hi);
            }
            // a pending item is not disturbed by a rejected modDelayedOn
            assertTrue(bound.queueDelayed(dw, Duration.ofHours(1)));
            assertThrows(IllegalArgumentException.class, () -> bound.modDelayedOn(-1, dw, Duration.ZERO));
            assertTrue(dw.isTimerArmed());
            assertTrue(dw.getDelay(TimeUnit.MINUTES) >= 59);
            assertTrue(dw.cancel());
            assertEquals(0, bound.stats().started());
            assertEquals(0, ub.stats().started());
        }
    }

    // ------------------------------------------------------------------ maxActive and names

    @Test
    void alloc_maxActiveOutOfRange_throwsIaeWithValueAndRange() {
        try (WorkqueueRuntime rt = newRuntime()) {
            int before = rt.workqueues().size();
            for (int bad : new int[] {-1, 2049, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
                IllegalArgumentException e = assertThrowsMentioning(IllegalArgumentException.class,
                        () -> rt.alloc("er_max", Set.of(), bad), String.valueOf(bad), "2048");
                assertTrue(e.getMessage().contains("er_max"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> rt.alloc("er_max_ub", Set.of(WorkqueueFlag.UNBOUND), bad));
            }
            assertEquals(before, rt.workqueues().size());
            assertEquals(2048, rt.alloc("er_max_hi", Set.of(), 2048).maxActive());
            assertEquals(1, rt.alloc("er_max_lo", Set.of(), 1).maxActive());
            assertEquals(1024, rt.alloc("er_max_dfl", Set.of(), 0).maxActive());
        }
    }

    @Test
    void setMaxActive_outOfRange_throwsIaeAndKeepsValue() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("er_setmax", Set.of(WorkqueueFlag.UNBOUND), 16);
            for (int bad : new int[] {-1, 2049}) {
                IllegalArgumentException e = assertThrowsMentioning(IllegalArgumentException.class,
                        () -> wq.setMaxActive(bad), String.valueOf(bad), "2048", "er_setmax");
                assertNotNull(e);
                assertEquals(16, wq.maxActive());
            }
            wq.setMaxActive(2048);
            assertEquals(2048, wq.maxActive());
            wq.setMaxActive(0);
            assertEquals(1024, wq.maxActive());
            wq.setMaxActive(1);
            assertEquals(1, wq.maxActive());
        }
    }

    @Test
    void alloc_badNameLength_throwsIae_32CharsAccepted() {
        try (WorkqueueRuntime rt = newRuntime()) {
            String n32 = "n".repeat(32);
            String n33 = "n".repeat(33);
            assertThrows(IllegalArgumentException.class, () -> rt.alloc("", Set.of(), 0));
            IllegalArgumentException e = assertThrowsMentioning(IllegalArgumentException.class,
                    () -> rt.alloc(n33, Set.of(), 0), "33", "32");
            assertNotNull(e);
            assertThrows(IllegalArgumentException.class, () -> rt.allocOrdered("", Set.of()));
            assertThrows(IllegalArgumentException.class, () -> rt.allocOrdered(n33, Set.of()));
            assertThrows(IllegalArgumentException.class, () -> rt.create(n33));
            assertThrows(IllegalArgumentException.class, () -> rt.createSinglethread(""));
            assertThrows(IllegalArgumentException.class, () -> rt.createFreezable(n33));
            Workqueue ok = rt.alloc(n32, Set.of(), 0);
            assertEquals(n32, ok.name());
            assertEquals(n32, rt.createSinglethread(n32).name());
            assertEquals(1, rt.workqueues().stream().filter(w -> w.name().equals(n32) && !w.isOrdered()).count());
            assertTrue(rt.workqueues().stream().noneMatch(w -> w.name().isEmpty() || w.name().length() > 32));
        }
    }

    @Test
    void builder_badSettings_throwIae() {
        WorkqueueRuntime.Builder b = WorkqueueRuntime.builder();
        assertThrowsMentioning(IllegalArgumentException.class, () -> b.cpus(0), "0");
        assertThrowsMentioning(IllegalArgumentException.class, () -> b.cpus(-1), "-1");
        assertThrowsMentioning(IllegalArgumentException.class, () -> b.cpus(4097), "4097");
        Duration neg = Duration.ofMillis(-1);
        assertThrowsMentioning(IllegalArgumentException.class, () -> b.cpuIntensiveThreshold(neg), "cpuIntensiveThreshold");
        assertThrowsMentioning(IllegalArgumentException.class, () -> b.cpuIntensiveThreshold(Duration.ZERO), "cpuIntensiveThreshold");
        assertThrowsMentioning(IllegalArgumentException.class, () -> b.idleWorkerTimeout(neg), "idleWorkerTimeout");
        assertThrowsMentioning(IllegalArgumentException.class, () -> b.watchdogThreshold(neg), "watchdogThreshold");
        assertThrowsMentioning(IllegalArgumentException.class, () -> b.createCooldown(neg), "createCooldown");
        assertThrowsMentioning(NullPointerException.class, () -> b.threadFactory(null), "threadFactory");
        assertDoesNotThrow(() -> b.watchdogThreshold(Duration.ZERO)); // zero = off
        assertDoesNotThrow(() -> b.cpus(1));
        try (WorkqueueRuntime rt = b.cpus(3).build()) {
            assertEquals(3, rt.cpus(), "rejected settings must not change the builder");
        }
    }

    // ------------------------------------------------------------------ failing work functions

    private record Failure(Workqueue wq, Work work, Throwable thrown, Thread thread) {}

    @Test
    void throwingWorkFunction_goesToHandler_countsCompleted_workerSurvives() throws Exception {
        List<Failure> failures = new CopyOnWriteArrayList<>();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2)
                .uncaughtExceptionHandler((wq, work, t) -> failures.add(new Failure(wq, work, t, Thread.currentThread())))
                .build()) {
            Workqueue wq = rt.alloc("er_throw", Set.of(), 0);
            RuntimeException rte = new IllegalStateException("expected test failure: runtime");
            Exception checked = new IOException("expected test failure: checked");
            Error error = new AssertionError("expected test failure: error");
            List<Throwable> thrown = List.of(rte, checked, error);
            List<Work> failing = new ArrayList<>();
            List<Thread> failingThreads = new CopyOnWriteArrayList<>();
            for (Throwable t : thrown) {
                failing.add(new Work(self -> {
                    failingThreads.add(Thread.currentThread());
                    if (t instanceof Exception ex) {
                        throw ex;
                    }
                    throw (Error) t;
                }));
            }
            AtomicReference<Thread> nextThread = new AtomicReference<>();
            CountDownLatch nextRan = new CountDownLatch(1);
            Work next = new Work(self -> {
                nextThread.set(Thread.currentThread());
                nextRan.countDown();
            });
            for (Work f : failing) {
                assertTrue(wq.queueOn(0, f));
            }
            assertTrue(wq.queueOn(0, next));
            assertTrue(nextRan.await(WAIT_S, TimeUnit.SECONDS), "the item after the failures did not run");
            wq.flush();

            assertEquals(3, failures.size(), () -> "handler calls: " + failures);
            for (int i = 0; i < 3; i++) {
                Failure f = failures.get(i);
                assertSame(wq, f.wq());
                assertSame(failing.get(i), f.work());
                assertSame(thrown.get(i), f.thrown(), "the handler must receive exactly what was thrown");
                assertSame(failingThreads.get(i), f.thread(), "the handler runs on the worker thread that ran the item");
                assertTrue(f.thread().isAlive(), "a throwing function must not kill its worker");
                assertTrue(f.thread().getName().startsWith("kworker/0:"), f.thread().getName());
            }
            assertTrue(nextThread.get().getName().startsWith("kworker/0:"));
            WorkqueueStats s = wq.stats();
            assertEquals(4, s.started());
            assertEquals(4, s.completed(), "failed items must count as completed");
            assertEquals(0, s.inFlight());
            for (Work f : failing) {
                assertFalse(f.isPending());
                assertFalse(f.isRunning());
            }
        }
    }

    @Test
    void throwingWorkFunction_defaultHandler_logsAndWorkerSurvives() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("er_default", Set.of(), 0);
            List<Thread> throwers = new CopyOnWriteArrayList<>();
            assertTrue(wq.queueOn(1, new Work(self -> {
                throwers.add(Thread.currentThread());
                throw new IllegalStateException("expected test failure: logged by the default handler");
            })));
            assertTrue(wq.queueOn(1, new Work(self -> {
                throwers.add(Thread.currentThread());
                throw new AssertionError("expected test failure: error logged by the default handler");
            })));
            CountDownLatch nextRan = new CountDownLatch(1);
            assertTrue(wq.queueOn(1, new Work(self -> nextRan.countDown())));
            assertTrue(nextRan.await(WAIT_S, TimeUnit.SECONDS));
            wq.flush();
            assertEquals(3, wq.stats().completed());
            assertEquals(2, throwers.size());
            for (Thread t : throwers) {
                assertTrue(t.isAlive(), "a throwing function must not kill its worker");
            }
        }
    }

    @Test
    void throwingHandler_doesNotKillWorker() throws Exception {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2)
                .uncaughtExceptionHandler((wq, work, t) -> {
                    reported.add(t);
                    if (reported.size() == 1) {
                        throw new IllegalStateException("expected test failure: handler throws");
                    }
                    throw new AssertionError("expected test failure: handler throws an error");
                }).build()) {
            Workqueue wq = rt.alloc("er_badhandler", Set.of(), 0);
            // One item that fails twice on the same worker (it requeues itself while running, so
            // it runs again on that worker), with a handler that throws each time.
            List<Thread> threads = new CopyOnWriteArrayList<>();
            Work failing = new Work(self -> {
                threads.add(Thread.currentThread());
                if (threads.size() < 2) {
                    assertTrue(wq.queueOn(0, self));
                }
                throw new IOException("expected test failure: item");
            });
            assertTrue(wq.queueOn(0, failing));
            CountDownLatch nextRan = new CountDownLatch(1);
            wq.flush();
            assertTrue(wq.queueOn(0, new Work(self -> nextRan.countDown())));
            assertTrue(nextRan.await(WAIT_S, TimeUnit.SECONDS), "the workqueue stopped after a throwing handler");
            wq.flush();
            assertEquals(2, reported.size());
            assertEquals(2, threads.size());
            assertSame(threads.get(0), threads.get(1), "the worker did not survive a throwing handler");
            assertTrue(threads.get(0).isAlive());
            assertEquals(3, wq.stats().completed());
        }
    }

    @Test
    void interruptStatus_setByItem_isClearedBeforeNextItem() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("er_intr", Set.of(), 0);
            // An item that requeues itself while running runs again on the same worker (it is
            // handed to that worker's scheduled list), so each run starts on the thread the
            // previous run left interrupted.
            List<Boolean> interruptedAtStart = new CopyOnWriteArrayList<>();
            List<Thread> threads = new CopyOnWriteArrayList<>();
            CountDownLatch lastRan = new CountDownLatch(1);
            Work w = new Work(self -> {
                threads.add(Thread.currentThread());
                interruptedAtStart.add(Thread.currentThread().isInterrupted());
                int run = threads.size();
                if (run < 4) {
                    assertTrue(wq.queueOn(0, self));
                }
                Thread.currentThread().interrupt();
                if (run == 2) {
                    throw new InterruptedException("expected test failure: interrupted item");
                }
                if (run == 4) {
                    lastRan.countDown();
                }
            });
            assertTrue(wq.queueOn(0, w));
            assertTrue(lastRan.await(WAIT_S, TimeUnit.SECONDS));
            assertEquals(List.of(false, false, false, false), interruptedAtStart, "an item started with the interrupt status set");
            assertEquals(1, threads.stream().distinct().count(), "the runs did not share one worker: " + threads);
        }
    }

    /**
     * Releases {@code gate}, from another thread, once {@code waiter} is parked inside the engine
     * (or after a bound).
     */
    private static Thread releaseWhenBlocked(Thread waiter, CountDownLatch gate) {
        return Thread.ofPlatform().daemon(true).start(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (System.nanoTime() < deadline) {
                Thread.State s = waiter.getState();
                if ((s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING)
                        && Arrays.stream(waiter.getStackTrace())
                                .anyMatch(f -> f.getClassName().startsWith("io.jworkqueue.internal."))) {
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            gate.countDown();
        });
    }

    @Test
    void flushWaits_withInterruptedCaller_doNotThrowAndPreserveInterruptStatus() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("er_flush_intr", Set.of(WorkqueueFlag.UNBOUND), 0);
            AtomicReference<CountDownLatch> gate = new AtomicReference<>();
            AtomicBoolean finished = new AtomicBoolean();
            CountDownLatch[] started = new CountDownLatch[1];
            Work item = new Work(self -> {
                started[0].countDown();
                assertTrue(gate.get().await(WAIT_S, TimeUnit.SECONDS));
                finished.set(true);
            });

            // Workqueue.flush()
            gate.set(new CountDownLatch(1));
            started[0] = new CountDownLatch(1);
            assertTrue(wq.queue(item));
            assertTrue(started[0].await(WAIT_S, TimeUnit.SECONDS));
            Thread releaser = releaseWhenBlocked(Thread.currentThread(), gate.get());
            try {
                Thread.currentThread().interrupt();
                assertDoesNotThrow(() -> wq.flush());
                assertTrue(Thread.interrupted(), "Workqueue.flush() lost the interrupt status");
            } finally {
                Thread.interrupted();
                gate.get().countDown();
            }
            assertTrue(finished.get(), "Workqueue.flush() returned before the item finished");
            releaser.join(TimeUnit.SECONDS.toMillis(WAIT_S));

            // Work.flush()
            finished.set(false);
            gate.set(new CountDownLatch(1));
            started[0] = new CountDownLatch(1);
            assertTrue(wq.queue(item));
            assertTrue(started[0].await(WAIT_S, TimeUnit.SECONDS));
            releaser = releaseWhenBlocked(Thread.currentThread(), gate.get());
            boolean waited;
            try {
                Thread.currentThread().interrupt();
                waited = item.flush();
                assertTrue(Thread.interrupted(), "Work.flush() lost the interrupt status");
            } finally {
                Thread.interrupted();
                gate.get().countDown();
            }
            assertTrue(waited, "Work.flush() of a running item must report that it waited");
            assertTrue(finished.get(), "Work.flush() returned before the item finished");
            releaser.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        }
    }

    @Test
    void syncWaits_cancelSyncDrainDestroy_withInterruptedCaller_preserveInterruptStatus() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("er_sync_intr", Set.of(WorkqueueFlag.UNBOUND), 0);
            AtomicReference<CountDownLatch> gate = new AtomicReference<>();
            AtomicBoolean finished = new AtomicBoolean();
            AtomicReference<CountDownLatch> started = new AtomicReference<>();
            Work item = new Work(self -> {
                started.get().countDown();
                assertTrue(gate.get().await(WAIT_S, TimeUnit.SECONDS));
                finished.set(true);
            });
            List<Executable> waits = List.of(item::cancelSync, wq::drain, wq::destroy);
            for (Executable wait : waits) {
                finished.set(false);
                gate.set(new CountDownLatch(1));
                started.set(new CountDownLatch(1));
                assertTrue(wq.queue(item));
                assertTrue(started.get().await(WAIT_S, TimeUnit.SECONDS));
                Thread releaser = releaseWhenBlocked(Thread.currentThread(), gate.get());
                try {
                    Thread.currentThread().interrupt();
                    assertDoesNotThrow(wait);
                    assertTrue(Thread.interrupted(), "a sync wait lost the interrupt status");
                } finally {
                    Thread.interrupted();
                    gate.get().countDown();
                }
                assertTrue(finished.get(), "a sync wait returned before the running item finished");
                releaser.join(TimeUnit.SECONDS.toMillis(WAIT_S));
            }
            assertTrue(wq.isDestroyed());
        }
    }

    // ------------------------------------------------------------------ self-deadlock detection

    @Test
    void flushFromOwnItem_throwsIseNamingWorkqueue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("er_selfflush", Set.of(), 0);
            List<Throwable> seen = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> {
                for (Executable call : List.<Executable>of(wq::flush, self::flush, self::cancelSync, self::disableSync)) {
                    try {
                        call.execute();
                        seen.add(null);
                    } catch (Throwable t) {
                        seen.add(t);
                    }
                }
                done.countDown();
            })));
            assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
            assertEquals(4, seen.size());
            for (Throwable t : seen) {
                assertInstanceOf(IllegalStateException.class, t);
                assertTrue(t.getMessage().contains("er_selfflush"), t.getMessage());
            }
            wq.flush();
            assertEquals(1, wq.stats().completed());
        }
    }
}
