package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Workqueue destroy/drain, runtime close, the global runtime, system and legacy workqueues. */
class LifecycleTest {
    private static final String TIMER_THREAD = "jworkqueue-timer";

    /** A thread that runs {@code body}, recording what it throws. */
    private static final class Runner {
        final Thread thread;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);

        Runner(String name, Runnable body) {
            thread = Thread.ofPlatform().name(name).daemon(true).start(() -> {
                try {
                    body.run();
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    done.countDown();
                }
            });
        }

        void awaitDone() throws InterruptedException {
            assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), thread.getName() + " did not finish");
            assertNull(failure.get(), () -> thread.getName() + " failed: " + failure.get());
        }
    }

    /**
     * Waits until {@code wq} refuses a queue from this (outside) thread because it is draining,
     * probing with fresh items. Probes queued before the drain started simply run. Returns the
     * refused probe and the exception.
     */
    private static IllegalStateException awaitRefusal(Workqueue wq, AtomicInteger probeRuns, List<Work> refused) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (System.nanoTime() < deadline) {
            Work probe = new Work(self -> probeRuns.incrementAndGet());
            try {
                assertTrue(wq.queue(probe));
            } catch (IllegalStateException e) {
                refused.add(probe);
                return e;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        fail("workqueue '" + wq.name() + "' never started refusing outside queue calls");
        return null;
    }

    /**
     * Runs {@code call} inside an item queued on {@code on}, waits for that item, and returns what
     * the call threw (null if it threw nothing).
     */
    private static Throwable thrownInItemOf(Workqueue on, Runnable call) throws InterruptedException {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        assertTrue(on.queue(new Work(self -> {
            try {
                call.run();
            } catch (Throwable t) {
                seen.set(t);
            } finally {
                done.countDown();
            }
        })));
        assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
        return seen.get();
    }

    private static Set<Thread> threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(name))
                .collect(Collectors.toSet());
    }

    // ------------------------------------------------------------------ destroy

    @Test
    void destroy_withQueuedItems_runsThemAllFirst() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "lc_destroy", 1);
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch gateStarted = new CountDownLatch(1);
            AtomicInteger ran = new AtomicInteger();
            assertTrue(wq.queue(new Work(self -> {
                gateStarted.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
                ran.incrementAndGet();
            })));
            assertTrue(gateStarted.await(WAIT_S, TimeUnit.SECONDS));
            int n = 20;
            List<Work> queued = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Work w = new Work(self -> ran.incrementAndGet());
                queued.add(w);
                assertTrue(wq.queue(w));
            }
            Runner destroyer = new Runner("destroyer", wq::destroy);
            // destroy must wait for the gate item and everything queued behind it
            assertFalse(destroyer.done.await(100, TimeUnit.MILLISECONDS), "destroy returned while items were queued");
            assertFalse(wq.isDestroyed());
            gate.countDown();
            destroyer.awaitDone();
            assertEquals(n + 1, ran.get());
            assertTrue(wq.isDestroyed());
            for (Work w : queued) {
                assertFalse(w.isPending());
            }
            assertFalse(rt.workqueues().contains(wq), "destroyed workqueue is still listed");
        }
    }

    @Test
    void destroy_boundWorkqueueWithBacklog_runsEveryItem() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("lc_bound", Set.of(), 1);
            AtomicInteger ran = new AtomicInteger();
            int n = 200;
            for (int i = 0; i < n; i++) {
                assertTrue(wq.queueOn(i % rt.cpus(), new Work(self -> ran.incrementAndGet())));
            }
            wq.destroy();
            assertEquals(n, ran.get());
            assertTrue(wq.isDestroyed());
        }
    }

    @Test
    void queueCalls_afterDestroy_throwNamingWorkqueueAndLeaveItemNotPending() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("lc_dead", Set.of(), 0);
            assertFalse(wq.isDestroyed());
            wq.destroy();
            assertTrue(wq.isDestroyed());

            AtomicInteger ran = new AtomicInteger();
            Work w = new Work(self -> ran.incrementAndGet());
            DelayedWork dw = new DelayedWork(self -> ran.incrementAndGet());

            List<Supplier<IllegalStateException>> calls = List.of(
                    () -> assertThrows(IllegalStateException.class, () -> wq.queue(w)),
                    () -> assertThrows(IllegalStateException.class, () -> wq.queueOn(1, w)),
                    () -> assertThrows(IllegalStateException.class, () -> wq.queueDelayed(dw, Duration.ofMillis(50))),
                    () -> assertThrows(IllegalStateException.class, () -> wq.queueDelayed(dw, Duration.ZERO)),
                    () -> assertThrows(IllegalStateException.class, () -> wq.queueDelayedOn(0, dw, Duration.ofMillis(50))),
                    () -> assertThrows(IllegalStateException.class, () -> wq.modDelayed(dw, Duration.ofMillis(50))),
                    () -> assertThrows(IllegalStateException.class, () -> wq.modDelayed(dw, Duration.ZERO)),
                    () -> assertThrows(IllegalStateException.class, () -> wq.modDelayedOn(1, dw, Duration.ofMillis(50))));
            for (Supplier<IllegalStateException> call : calls) {
                IllegalStateException e = call.get();
                assertNotNull(e.getMessage());
                assertTrue(e.getMessage().contains("lc_dead"), e.getMessage());
                assertFalse(w.isPending());
                assertFalse(dw.isPending());
                assertFalse(dw.isTimerArmed());
            }
            // the items are not stuck: they can still be queued elsewhere
            Workqueue other = rt.alloc("lc_alive", Set.of(), 0);
            assertTrue(other.queue(w));
            assertTrue(other.queueDelayed(dw, Duration.ZERO));
            other.flush();
            assertEquals(2, ran.get());
        }
    }

    @Test
    void destroy_calledTwice_isIdempotent() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("lc_twice", Set.of(), 0);
            AtomicInteger ran = new AtomicInteger();
            assertTrue(wq.queue(new Work(self -> ran.incrementAndGet())));
            wq.destroy();
            assertTrue(wq.isDestroyed());
            assertDoesNotThrow(wq::destroy);
            assertDoesNotThrow(wq::close);
            assertTrue(wq.isDestroyed());
            assertEquals(1, ran.get());
        }
    }

    @Test
    void close_onWorkqueue_behavesAsDestroy() {
        try (WorkqueueRuntime rt = newRuntime()) {
            AtomicInteger ran = new AtomicInteger();
            Workqueue kept;
            try (Workqueue wq = rt.alloc("lc_close", Set.of(WorkqueueFlag.UNBOUND), 0)) {
                kept = wq;
                for (int i = 0; i < 10; i++) {
                    assertTrue(wq.queue(new Work(self -> ran.incrementAndGet())));
                }
            }
            assertTrue(kept.isDestroyed());
            assertEquals(10, ran.get());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> kept.queue(new Work(self -> {})));
            assertTrue(e.getMessage().contains("lc_close"), e.getMessage());
            assertFalse(rt.workqueues().contains(kept));
        }
    }

    @Test
    void destroy_withArmedDelayedWork_cancelsTimerAndLeavesItemNotPending() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("lc_armed", Set.of(), 0);
            AtomicInteger ran = new AtomicInteger();
            DelayedWork dw = new DelayedWork(self -> ran.incrementAndGet());
            assertTrue(wq.queueDelayed(dw, Duration.ofHours(1)));
            assertTrue(dw.isTimerArmed());
            wq.destroy();
            assertTrue(wq.isDestroyed());
            assertFalse(dw.isPending());
            assertFalse(dw.isTimerArmed());
            assertEquals(0, ran.get());
        }
    }

    @Test
    void destroy_systemWorkqueues_throwNamingThem() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            List<Workqueue> sys = List.of(rt.system(), rt.systemHighpri(), rt.systemLong(), rt.systemUnbound(),
                    rt.systemFreezable(), rt.systemPowerEfficient());
            for (Workqueue wq : sys) {
                IllegalStateException e = assertThrows(IllegalStateException.class, wq::destroy);
                assertTrue(e.getMessage().contains(wq.name()), e.getMessage());
                IllegalStateException c = assertThrows(IllegalStateException.class, wq::close);
                assertTrue(c.getMessage().contains(wq.name()), c.getMessage());
                assertFalse(wq.isDestroyed());
            }
            // still usable afterwards
            CountDownLatch ran = new CountDownLatch(1);
            assertTrue(rt.schedule(new Work(self -> ran.countDown())));
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void destroy_fromOwnItem_throwsNamingWorkqueue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("lc_selfdestroy", Set.of(), 0);
            Throwable seen = thrownInItemOf(wq, () -> wq.destroy());
            assertInstanceOf(IllegalStateException.class, seen);
            assertTrue(seen.getMessage().contains("lc_selfdestroy"), seen.getMessage());
            assertFalse(wq.isDestroyed());
        }
    }

    // ------------------------------------------------------------------ drain

    @Test
    void drain_queueFromOutside_throwsAndLeavesItemNotPending() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "lc_drain", 0);
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> {
                started.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
            })));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            Runner drainer = new Runner("drainer", wq::drain);
            try {
                AtomicInteger probeRuns = new AtomicInteger();
                List<Work> refused = new ArrayList<>();
                IllegalStateException e = awaitRefusal(wq, probeRuns, refused);
                assertTrue(e.getMessage().contains("lc_drain"), e.getMessage());
                assertFalse(refused.get(0).isPending(), "refused item left pending");

                Work w = new Work(self -> fail("must not run"));
                DelayedWork dw = new DelayedWork(self -> fail("must not run"));
                assertTrue(assertThrows(IllegalStateException.class, () -> wq.queue(w)).getMessage().contains("lc_drain"));
                assertFalse(w.isPending());
                assertTrue(assertThrows(IllegalStateException.class, () -> wq.queueOn(0, w)).getMessage().contains("lc_drain"));
                assertFalse(w.isPending());
                assertTrue(assertThrows(IllegalStateException.class,
                        () -> wq.queueDelayed(dw, Duration.ofMillis(20))).getMessage().contains("lc_drain"));
                assertFalse(dw.isPending());
                assertFalse(dw.isTimerArmed());
                assertTrue(assertThrows(IllegalStateException.class,
                        () -> wq.modDelayed(dw, Duration.ofMillis(20))).getMessage().contains("lc_drain"));
                assertFalse(dw.isPending());
                assertFalse(dw.isTimerArmed());

                // an item of ANOTHER workqueue is not chained work: refused as well
                Workqueue other = rt.alloc("lc_drain_other", Set.of(), 0);
                Work target = new Work(self -> fail("must not run"));
                Throwable fromOther = thrownInItemOf(other, () -> wq.queue(target));
                assertInstanceOf(IllegalStateException.class, fromOther);
                assertTrue(fromOther.getMessage().contains("lc_drain"), fromOther.getMessage());
                assertFalse(target.isPending());
                assertFalse(drainer.done.await(0, TimeUnit.MILLISECONDS), "drain returned before the gate opened");
            } finally {
                gate.countDown();
            }
            drainer.awaitDone();
            assertFalse(wq.isDestroyed());
            // after the drain the workqueue accepts items again
            CountDownLatch after = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> after.countDown())));
            assertTrue(after.await(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void drain_withSelfRequeueingChain_allowsChainAndWaitsForItsEnd() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "lc_chain", 0);
            int n = 50;
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch firstRunning = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            AtomicReference<Throwable> chainFailure = new AtomicReference<>();
            Work chain = new Work(self -> {
                int k = runs.incrementAndGet();
                if (k == 1) {
                    firstRunning.countDown();
                    assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
                }
                if (k < n) {
                    try {
                        if (!wq.queue(self)) {
                            chainFailure.compareAndSet(null, new AssertionError("requeue returned false at run " + k));
                        }
                    } catch (Throwable t) {
                        chainFailure.compareAndSet(null, t);
                    }
                }
            });
            assertTrue(wq.queue(chain));
            assertTrue(firstRunning.await(WAIT_S, TimeUnit.SECONDS));
            Runner drainer = new Runner("drainer", wq::drain);
            try {
                awaitRefusal(wq, new AtomicInteger(), new ArrayList<>()); // drain is in effect now
            } finally {
                gate.countDown();
            }
            drainer.awaitDone();
            assertNull(chainFailure.get(), () -> "chained queueing was refused: " + chainFailure.get());
            assertEquals(n, runs.get(), "drain returned before the chain ended");
            assertFalse(chain.isPending());
        }
    }

    @Test
    void destroy_withSelfRequeueingChain_allowsChainAndWaitsForItsEnd() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "lc_destroy_chain", 0);
            int n = 30;
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch firstRunning = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            AtomicReference<Throwable> chainFailure = new AtomicReference<>();
            Work chain = new Work(self -> {
                int k = runs.incrementAndGet();
                if (k == 1) {
                    firstRunning.countDown();
                    assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
                }
                if (k < n) {
                    try {
                        assertTrue(wq.queue(self));
                    } catch (Throwable t) {
                        chainFailure.compareAndSet(null, t);
                    }
                }
            });
            assertTrue(wq.queue(chain));
            assertTrue(firstRunning.await(WAIT_S, TimeUnit.SECONDS));
            Runner destroyer = new Runner("destroyer", wq::destroy);
            try {
                awaitRefusal(wq, new AtomicInteger(), new ArrayList<>());
            } finally {
                gate.countDown();
            }
            destroyer.awaitDone();
            assertNull(chainFailure.get(), () -> "chained queueing during destroy was refused: " + chainFailure.get());
            assertEquals(n, runs.get());
            assertTrue(wq.isDestroyed());
            assertFalse(chain.isPending());
        }
    }

    @Test
    void destroy_concurrentCalls_allWaitForQueuedWork() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = unbound(rt, "lc_destroy_conc", 1);
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            AtomicInteger ran = new AtomicInteger();
            assertTrue(wq.queue(new Work(self -> {
                started.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
                ran.incrementAndGet();
            })));
            assertTrue(wq.queue(new Work(self -> ran.incrementAndGet())));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            AtomicInteger seenByA = new AtomicInteger(-1);
            AtomicInteger seenByB = new AtomicInteger(-1);
            Runner a = new Runner("destroyer-a", () -> {
                wq.destroy();
                seenByA.set(ran.get());
            });
            Runner b = new Runner("destroyer-b", () -> {
                wq.destroy();
                seenByB.set(ran.get());
            });
            assertFalse(a.done.await(100, TimeUnit.MILLISECONDS), "destroy returned while work was queued");
            assertFalse(b.done.await(0, TimeUnit.MILLISECONDS), "a concurrent destroy returned while work was queued");
            gate.countDown();
            a.awaitDone();
            b.awaitDone();
            assertEquals(2, seenByA.get());
            assertEquals(2, seenByB.get());
            assertTrue(wq.isDestroyed());
        }
    }

    @Test
    void drain_fromOwnItem_throwsNamingWorkqueue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("lc_selfdrain", Set.of(), 0);
            Throwable seen = thrownInItemOf(wq, () -> wq.drain());
            assertInstanceOf(IllegalStateException.class, seen);
            assertTrue(seen.getMessage().contains("lc_selfdrain"), seen.getMessage());
            // the workqueue is not left draining: outside queue calls work again
            CountDownLatch after = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> after.countDown())));
            assertTrue(after.await(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void drain_idleWorkqueue_returnsAndKeepsAcceptingWork() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("lc_idle_drain", Set.of(), 0);
            wq.drain();
            wq.drain();
            CountDownLatch ran = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> ran.countDown())));
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
        }
    }

    // ------------------------------------------------------------------ runtime close

    @Test
    void runtimeClose_afterUse_stopsEveryWorkerAndTimerThread() throws Exception {
        Set<Thread> timersBefore = threadsNamed(TIMER_THREAD);
        List<Thread> created = new CopyOnWriteArrayList<>();
        ThreadFactory factory = r -> {
            Thread t = Thread.ofPlatform().daemon(true).unstarted(r);
            created.add(t);
            return t;
        };
        Map<String, Thread> ranOn = new ConcurrentHashMap<>();
        Set<Thread> timersOfRuntime;
        WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).threadFactory(factory).build();
        try {
            Workqueue ub = rt.alloc("lc_ub", Set.of(WorkqueueFlag.UNBOUND), 0);
            Workqueue hp = rt.alloc("lc_hp", Set.of(WorkqueueFlag.HIGHPRI), 0);
            Workqueue ubhp = rt.alloc("lc_ubhp", EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.HIGHPRI), 0);
            CountDownLatch all = new CountDownLatch(4 * rt.cpus() + 3);
            WorkFunction record = self -> {
                Thread t = Thread.currentThread();
                ranOn.put(t.getName(), t);
                all.countDown();
            };
            for (int cpu = 0; cpu < rt.cpus(); cpu++) {
                assertTrue(rt.scheduleOn(cpu, new Work(record)));
                assertTrue(hp.queueOn(cpu, new Work(record)));
                assertTrue(rt.systemLong().queueOn(cpu, new Work(record)));
                assertTrue(rt.systemHighpri().queueOn(cpu, new Work(record)));
            }
            assertTrue(ub.queue(new Work(record)));
            assertTrue(ubhp.queue(new Work(record)));
            assertTrue(rt.systemUnbound().queueDelayed(new DelayedWork(record), Duration.ofMillis(5)));
            assertTrue(all.await(WAIT_S, TimeUnit.SECONDS));
            // a long timer still armed at close time
            DelayedWork armed = new DelayedWork(self -> fail("must not run"));
            assertTrue(rt.scheduleDelayed(armed, Duration.ofHours(1)));

            timersOfRuntime = new java.util.HashSet<>(threadsNamed(TIMER_THREAD));
            timersOfRuntime.removeAll(timersBefore);
            assertEquals(1, timersOfRuntime.size(), "expected exactly one timer thread for the runtime");
            assertTrue(rt.workerCount() > 0);
            assertFalse(ranOn.isEmpty());
            assertFalse(rt.isClosed());

            rt.close();

            assertTrue(rt.isClosed());
            assertFalse(armed.isPending(), "armed delayed item left pending after close");
        } finally {
            rt.close();
        }
        assertEquals(0, rt.workerCount());
        for (Thread t : ranOn.values()) {
            assertFalse(t.isAlive(), () -> "worker " + t.getName() + " still alive after close");
        }
        for (Thread t : created) {
            assertFalse(t.isAlive(), () -> "created thread " + t.getName() + " still alive after close");
        }
        assertTrue(created.containsAll(ranOn.values()), "items ran on threads not made by the factory");
        for (Thread t : timersOfRuntime) {
            assertFalse(t.isAlive(), "timer thread still alive after close");
        }
    }

    @Test
    void runtimeClose_withQueuedWork_runsItBeforeStopping() throws Exception {
        WorkqueueRuntime rt = newRuntime();
        Workqueue wq = unbound(rt, "lc_closeq", 1);
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        try {
            assertTrue(wq.queue(new Work(self -> {
                started.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
                ran.incrementAndGet();
            })));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            int n = 10;
            for (int i = 0; i < n; i++) {
                assertTrue(wq.queue(new Work(self -> ran.incrementAndGet())));
            }
            for (int cpu = 0; cpu < rt.cpus(); cpu++) {
                assertTrue(rt.scheduleOn(cpu, new Work(self -> ran.incrementAndGet())));
            }
            Runner closer = new Runner("closer", rt::close);
            assertFalse(closer.done.await(100, TimeUnit.MILLISECONDS), "close returned while work was queued");
            assertFalse(rt.isClosed());
            gate.countDown();
            closer.awaitDone();
            assertTrue(rt.isClosed());
            assertEquals(n + 1 + rt.cpus(), ran.get());
            assertEquals(0, rt.workerCount());
            assertTrue(wq.isDestroyed());
            assertTrue(rt.system().isDestroyed());
        } finally {
            gate.countDown();
            rt.close();
        }
    }

    @Test
    void runtimeClose_concurrentSecondCall_returnsOnlyOnceClosed() throws Exception {
        List<Thread> created = new CopyOnWriteArrayList<>();
        WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).threadFactory(r -> {
            Thread t = Thread.ofPlatform().daemon(true).unstarted(r);
            created.add(t);
            return t;
        }).build();
        CountDownLatch gate = new CountDownLatch(1);
        try {
            Workqueue wq = unbound(rt, "lc_close_conc", 0);
            CountDownLatch started = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> {
                started.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
            })));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            AtomicBoolean closedSeenByA = new AtomicBoolean();
            AtomicBoolean closedSeenByB = new AtomicBoolean();
            AtomicInteger workersSeenByB = new AtomicInteger(-1);
            Runner a = new Runner("closer-a", () -> {
                rt.close();
                closedSeenByA.set(rt.isClosed());
            });
            assertFalse(a.done.await(50, TimeUnit.MILLISECONDS), "close returned while an item was running");
            Runner b = new Runner("closer-b", () -> {
                rt.close();
                closedSeenByB.set(rt.isClosed());
                workersSeenByB.set(rt.workerCount());
            });
            // a second close() must not report the runtime closed before it is: it waits too
            boolean bReturnedEarly = b.done.await(100, TimeUnit.MILLISECONDS);
            gate.countDown();
            a.awaitDone();
            b.awaitDone();
            assertTrue(closedSeenByA.get());
            assertFalse(bReturnedEarly, "a concurrent second close() returned while the first was still closing");
            assertTrue(closedSeenByB.get(), "a concurrent second close() returned before the runtime was closed");
            assertEquals(0, workersSeenByB.get(), "a concurrent second close() returned with live workers");
        } finally {
            gate.countDown();
            rt.close();
        }
        assertTrue(rt.isClosed());
        for (Thread t : created) {
            assertTrue(joined(t), () -> t.getName() + " still alive");
        }
    }

    private static boolean joined(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }

    @Test
    void runtimeClose_withInterruptedCaller_waitsAndPreservesInterruptStatus() throws Exception {
        List<Thread> created = new CopyOnWriteArrayList<>();
        WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).threadFactory(r -> {
            Thread t = Thread.ofPlatform().daemon(true).unstarted(r);
            created.add(t);
            return t;
        }).build();
        AtomicInteger ran = new AtomicInteger();
        try {
            Workqueue wq = unbound(rt, "lc_close_intr", 1);
            for (int i = 0; i < 20; i++) {
                assertTrue(wq.queue(new Work(self -> ran.incrementAndGet())));
                assertTrue(rt.scheduleOn(i % rt.cpus(), new Work(self -> ran.incrementAndGet())));
            }
            assertTrue(rt.scheduleDelayed(new DelayedWork(self -> {}), Duration.ofHours(1)));
            Thread.currentThread().interrupt();
            try {
                assertDoesNotThrow(rt::close);
                assertTrue(Thread.interrupted(), "close() lost the interrupt status");
            } finally {
                Thread.interrupted();
            }
        } finally {
            rt.close();
        }
        assertTrue(rt.isClosed());
        assertEquals(40, ran.get());
        assertEquals(0, rt.workerCount());
        assertFalse(created.isEmpty());
        for (Thread t : created) {
            assertFalse(t.isAlive(), () -> t.getName() + " still alive after an interrupted close()");
        }
    }

    @Test
    void workqueues_afterDestroysAndAllocs_listsTheLiveOnesInAllocationOrder() {
        try (WorkqueueRuntime rt = newRuntime()) {
            int systemCount = rt.workqueues().size();
            List<Workqueue> live = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                live.add(rt.alloc("lc_reg" + i, Set.of(), 0));
            }
            for (int i = live.size() - 1; i >= 0; i -= 3) {
                live.remove(i).destroy(); // from the end, as close() does, and from the middle
            }
            live.add(rt.alloc("lc_reg_late", Set.of(), 0));
            List<Workqueue> listed = rt.workqueues();
            assertEquals(systemCount + live.size(), listed.size());
            assertEquals(live, listed.subList(systemCount, listed.size()),
                    "user workqueues must be listed live-only, in allocation order");
            assertEquals(live.stream().map(Workqueue::name).toList(),
                    rt.workqueueInfos().stream().skip(systemCount).map(WorkqueueInfo::getName).toList());
        }
    }

    @Test
    void runtimeClose_calledTwice_isIdempotentAndAllocAfterwardsThrows() {
        WorkqueueRuntime rt = newRuntime();
        Workqueue wq = rt.alloc("lc_pre", Set.of(), 0);
        rt.close();
        assertTrue(rt.isClosed());
        assertDoesNotThrow(rt::close);
        assertTrue(rt.isClosed());
        assertEquals(0, rt.workerCount());
        assertTrue(rt.workqueues().isEmpty(), "a closed runtime still lists workqueues");
        assertTrue(wq.isDestroyed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rt.alloc("lc_late", Set.of(), 0));
        assertTrue(e.getMessage().contains("lc_late"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> rt.allocOrdered("lc_late2", Set.of()));
        assertThrows(IllegalStateException.class, () -> rt.create("lc_late3"));
        assertThrows(IllegalStateException.class, () -> rt.createSinglethread("lc_late4"));
        assertThrows(IllegalStateException.class, () -> rt.createFreezable("lc_late5"));
        // workqueues of a closed runtime refuse work, leaving the item not pending
        Work w = new Work(self -> fail("must not run"));
        IllegalStateException q = assertThrows(IllegalStateException.class, () -> wq.queue(w));
        assertTrue(q.getMessage().contains("lc_pre"), q.getMessage());
        assertFalse(w.isPending());
        assertThrows(IllegalStateException.class, () -> rt.schedule(w));
        assertFalse(w.isPending());
        DelayedWork dw = new DelayedWork(self -> fail("must not run"));
        assertThrows(IllegalStateException.class, () -> rt.scheduleDelayed(dw, Duration.ofMillis(10)));
        assertFalse(dw.isPending());
        assertEquals(0, rt.workerCount());
    }

    @Test
    void runtimeClose_fromOwnItem_throws() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            AtomicReference<Throwable> seen = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            assertTrue(rt.schedule(new Work(self -> {
                try {
                    rt.close();
                } catch (Throwable t) {
                    seen.set(t);
                } finally {
                    done.countDown();
                }
            })));
            assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, seen.get());
            assertFalse(rt.isClosed());
        }
    }

    @Test
    void build_unusedRuntime_startsNoWorkerThreads() {
        Set<Thread> timersBefore = threadsNamed(TIMER_THREAD);
        AtomicInteger made = new AtomicInteger();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2)
                .threadFactory(r -> {
                    made.incrementAndGet();
                    return Thread.ofPlatform().daemon(true).unstarted(r);
                }).build()) {
            assertEquals(0, rt.workerCount());
            rt.alloc("lc_unused", Set.of(), 0);
            rt.allocOrdered("lc_unused_ord", Set.of());
            rt.system().flush();
            rt.flushScheduled();
            assertEquals(0, rt.workerCount());
            assertEquals(0, made.get(), "an unused runtime created worker threads");
            assertTrue(timersBefore.containsAll(threadsNamed(TIMER_THREAD)), "an unused runtime started a timer thread");
            assertFalse(rt.isClosed());
        }
    }

    // ------------------------------------------------------------------ global

    @Test
    void global_isSingletonNotClosableWithDaemonThreads() throws Exception {
        WorkqueueRuntime g = WorkqueueRuntime.global();
        assertSame(g, WorkqueueRuntime.global());
        assertEquals(Runtime.getRuntime().availableProcessors(), g.cpus());
        IllegalStateException e = assertThrows(IllegalStateException.class, g::close);
        assertNotNull(e.getMessage());
        assertFalse(g.isClosed());

        List<Thread> threads = new CopyOnWriteArrayList<>();
        CountDownLatch ran = new CountDownLatch(3);
        WorkFunction record = self -> {
            threads.add(Thread.currentThread());
            ran.countDown();
        };
        assertTrue(g.schedule(new Work(record)));
        assertTrue(g.systemUnbound().queue(new Work(record)));
        assertTrue(g.systemHighpri().queue(new Work(record)));
        assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
        for (Thread t : threads) {
            assertTrue(t.isDaemon(), () -> t.getName() + " of the global runtime is not a daemon");
        }
        // the global runtime keeps working after the refused close
        CountDownLatch again = new CountDownLatch(1);
        assertTrue(g.schedule(new Work(self -> again.countDown())));
        assertTrue(again.await(WAIT_S, TimeUnit.SECONDS));
    }

    // ------------------------------------------------------------------ system and legacy workqueues

    @Test
    void systemWorkqueues_haveKernelNamesFlagsAndMaxActive() {
        try (WorkqueueRuntime rt = newRuntime()) {
            assertSystem(rt.system(), "events", EnumSet.noneOf(WorkqueueFlag.class), 1024);
            assertSystem(rt.systemHighpri(), "events_highpri", EnumSet.of(WorkqueueFlag.HIGHPRI), 1024);
            assertSystem(rt.systemLong(), "events_long", EnumSet.noneOf(WorkqueueFlag.class), 1024);
            assertSystem(rt.systemUnbound(), "events_unbound", EnumSet.of(WorkqueueFlag.UNBOUND), 2048);
            assertSystem(rt.systemFreezable(), "events_freezable", EnumSet.of(WorkqueueFlag.FREEZABLE), 1024);
            assertSystem(rt.systemPowerEfficient(), "events_power_efficient",
                    EnumSet.of(WorkqueueFlag.POWER_EFFICIENT), 1024);
            List<String> first = rt.workqueues().stream().limit(6).map(Workqueue::name).toList();
            assertEquals(Set.of("events", "events_highpri", "events_long", "events_unbound", "events_freezable",
                    "events_power_efficient"), Set.copyOf(first));
            assertSame(rt.system(), rt.system());
            assertSame(rt, rt.system().runtime());
        }
    }

    private static void assertSystem(Workqueue wq, String name, Set<WorkqueueFlag> flags, int maxActive) {
        assertEquals(name, wq.name());
        assertEquals(flags, wq.flags(), name);
        assertEquals(maxActive, wq.maxActive(), name);
        assertFalse(wq.isOrdered(), name);
        assertFalse(wq.isDestroyed(), name);
        assertEquals(name, wq.stats().name());
    }

    @Test
    void create_legacy_isBoundMemReclaimMaxActiveOne() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.create("lc_legacy");
            assertEquals("lc_legacy", wq.name());
            assertEquals(EnumSet.of(WorkqueueFlag.MEM_RECLAIM), wq.flags());
            assertEquals(1, wq.maxActive());
            assertFalse(wq.isOrdered());
            assertFalse(wq.flags().contains(WorkqueueFlag.UNBOUND));
            // per CPU: each CPU has its own active slot
            AtomicInteger ran = new AtomicInteger();
            for (int cpu = 0; cpu < rt.cpus(); cpu++) {
                assertTrue(wq.queueOn(cpu, new Work(self -> ran.incrementAndGet())));
            }
            wq.flush();
            assertEquals(rt.cpus(), ran.get());
        }
    }

    @Test
    void createSinglethread_legacy_isOrderedMemReclaim() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.createSinglethread("lc_single");
            assertEquals("lc_single", wq.name());
            assertTrue(wq.isOrdered());
            assertTrue(wq.flags().contains(WorkqueueFlag.MEM_RECLAIM));
            assertTrue(wq.flags().contains(WorkqueueFlag.UNBOUND));
            assertEquals(1, wq.maxActive());
            assertThrows(IllegalStateException.class, () -> wq.setMaxActive(4));
            assertEquals(1, wq.maxActive());
            List<Integer> order = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 50; i++) {
                int k = i;
                assertTrue(wq.queueOn(i % rt.cpus(), new Work(self -> order.add(k))));
            }
            wq.flush();
            assertEquals(java.util.stream.IntStream.range(0, 50).boxed().toList(), order);
        }
    }

    @Test
    void createFreezable_legacy_isUnboundFreezableMemReclaimMaxActiveOne() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.createFreezable("lc_freezable");
            assertEquals("lc_freezable", wq.name());
            assertEquals(EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.FREEZABLE, WorkqueueFlag.MEM_RECLAIM), wq.flags());
            assertEquals(1, wq.maxActive());
            assertFalse(wq.isOrdered());
        }
    }

    @Test
    void flushScheduled_waitsForSystemWorkqueueItems() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean done = new AtomicBoolean();
            assertTrue(rt.schedule(new Work(self -> {
                started.countDown();
                WorkqueueRuntime.blocking(() -> gate.await(WAIT_S, TimeUnit.SECONDS));
                done.set(true);
            })));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            AtomicBoolean doneSeenByFlusher = new AtomicBoolean();
            Runner flusher = new Runner("flusher", () -> {
                rt.flushScheduled();
                doneSeenByFlusher.set(done.get());
            });
            assertFalse(flusher.done.await(100, TimeUnit.MILLISECONDS), "flushScheduled returned before the item ended");
            gate.countDown();
            flusher.awaitDone();
            assertTrue(doneSeenByFlusher.get(), "flushScheduled returned before the system_wq item finished");
        }
    }
}
