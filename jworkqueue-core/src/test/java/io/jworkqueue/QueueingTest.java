package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Queue calls (SEMANTICS.md section 2): return values, PENDING, memory ordering, Work.current(),
 * the schedule* calls and where items run.
 */
class QueueingTest {

    /**
     * Occupies the single active slot of a max_active 1 workqueue on {@code cpu}, so that anything
     * queued behind it on that CPU stays pending (on the inactive list) until {@link #release()}.
     */
    private static final class Gate {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch open;
        final Work blocker;

        Gate(Gates gates, Workqueue wq, int cpu) throws InterruptedException {
            CountDownLatch o = gates.gate();
            open = o;
            blocker = new Work(self -> {
                started.countDown();
                WorkqueueRuntime.blocking(() -> o.await(20, SECONDS));
            });
            assertTrue(wq.queueOn(cpu, blocker));
            await(started, "gate blocker to start");
        }

        void release() {
            open.countDown();
        }
    }

    // ------------------------------------------------------------------ return values

    @Test
    void queue_idleItem_returnsTrueAndRunsOnce() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("q", Set.of(), 0);
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch ran = new CountDownLatch(1);
            Work w = new Work(self -> {
                runs.incrementAndGet();
                ran.countDown();
            });
            assertTrue(wq.queue(w));
            await(ran, "item to run");
            wq.flush();
            assertEquals(1, runs.get());
            assertFalse(w.isPending());
            // Reusable: idle again, so the next queue succeeds and it runs again.
            assertTrue(wq.queue(w));
            wq.flush();
            assertEquals(2, runs.get());
        }
    }

    @Test
    void queue_alreadyPending_returnsFalseAndRunsOnlyOnce() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("gated", Set.of(), 1);
            Gate gate = new Gate(gates, wq, 0);
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            assertTrue(wq.queueOn(0, w), "idle item: queue returns true");
            assertTrue(w.isPending());
            assertTrue(wq.isCongested(0), "item must wait behind the gate");
            assertFalse(wq.queueOn(0, w), "already pending, same cpu");
            assertFalse(wq.queueOn(1, w), "already pending, other cpu");
            assertFalse(wq.queue(w), "already pending, queue()");
            Workqueue other = rt.alloc("other", Set.of(WorkqueueFlag.UNBOUND), 0);
            assertFalse(other.queue(w), "already pending, other workqueue");
            assertTrue(w.isPending());
            assertEquals(0, runs.get());
            gate.release();
            wq.flush();
            other.flush();
            assertEquals(1, runs.get(), "several queue calls while pending must lead to exactly one run");
            assertFalse(w.isPending());
        }
    }

    @Test
    void queue_disabledItem_returnsFalseAndDoesNotRun() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("q", Set.of(), 0);
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            assertFalse(w.disable(), "idle item: nothing was pending");
            assertFalse(wq.queue(w));
            assertFalse(wq.queueOn(1, w));
            assertFalse(rt.schedule(w));
            assertFalse(w.isPending(), "a refused queue must leave PENDING clear");
            wq.flush();
            rt.flushScheduled();
            assertEquals(0, runs.get());
            assertTrue(w.enable());
            assertTrue(wq.queue(w), "enabled again: queue succeeds");
            wq.flush();
            assertEquals(1, runs.get());
        }
    }

    @Test
    void queueOn_cpuOutOfRange_throwsIllegalArgumentAndLeavesItemIdle() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("q", Set.of(), 0);
            Work w = new Work(self -> {});
            assertThrows(IllegalArgumentException.class, () -> wq.queueOn(2, w));
            assertThrows(IllegalArgumentException.class, () -> wq.queueOn(-1, w));
            assertThrows(IllegalArgumentException.class, () -> rt.scheduleOn(5, w));
            assertFalse(w.isPending());
            assertThrows(NullPointerException.class, () -> wq.queue(null));
            assertTrue(wq.queueOn(1, w), "the item must still be queueable");
            wq.flush();
        }
    }

    // ------------------------------------------------------------------ PENDING

    @Test
    void isPending_beforeWhileQueuedInsideAndAfterRun_tracksPendingBit() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("gated", Set.of(), 1);
            AtomicReference<Boolean> pendingInside = new AtomicReference<>();
            AtomicReference<Boolean> runningInside = new AtomicReference<>();
            Work w = new Work(self -> {
                pendingInside.set(self.isPending());
                runningInside.set(self.isRunning());
            });
            assertFalse(w.isPending(), "new item");
            Gate gate = new Gate(gates, wq, 1);
            assertTrue(wq.queueOn(1, w));
            assertTrue(w.isPending(), "queued, not started");
            assertFalse(w.isRunning(), "queued, not started");
            gate.release();
            wq.flush();
            assertEquals(Boolean.FALSE, pendingInside.get(), "PENDING must be cleared before the function runs");
            assertEquals(Boolean.TRUE, runningInside.get(), "isRunning inside the function");
            assertFalse(w.isPending(), "after the run");
            assertFalse(w.isRunning(), "after the run");
        }
    }

    @Test
    void queue_fromOwnFunction_returnsTrueAndRunsOnceMore() throws Exception {
        for (Set<WorkqueueFlag> flags : List.of(Set.<WorkqueueFlag>of(), Set.of(WorkqueueFlag.UNBOUND))) {
            try (WorkqueueRuntime rt = newRuntime()) {
                Workqueue wq = rt.alloc("self", flags, 0);
                AtomicInteger runs = new AtomicInteger();
                AtomicReference<Boolean> requeued = new AtomicReference<>();
                AtomicReference<Boolean> pendingAfterRequeue = new AtomicReference<>();
                CountDownLatch second = new CountDownLatch(1);
                Work w = new Work(self -> {
                    int n = runs.incrementAndGet();
                    if (n == 1) {
                        requeued.set(wq.queue(self));
                        pendingAfterRequeue.set(self.isPending());
                    } else {
                        second.countDown();
                    }
                });
                assertTrue(wq.queueOn(0, w));
                await(second, "second run after self-requeue (" + flags + ")");
                w.flush();
                wq.flush();
                assertEquals(Boolean.TRUE, requeued.get(), "queue from own function returns true (" + flags + ")");
                assertEquals(Boolean.TRUE, pendingAfterRequeue.get());
                assertEquals(2, runs.get(), "exactly one more run (" + flags + ")");
                assertFalse(w.isPending());
            }
        }
    }

    // ------------------------------------------------------------------ memory ordering

    /** Plain (non-volatile) fields on purpose. */
    private static final class Payload {
        int a;
        long b;
        String c;
    }

    @Test
    void queue_writesBeforeQueue_visibleToRun() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue bound = rt.alloc("b", Set.of(), 0);
            Workqueue unbound = rt.alloc("u", Set.of(WorkqueueFlag.UNBOUND), 0);
            AtomicInteger bad = new AtomicInteger();
            int n = 2000;
            CountDownLatch done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                Payload p = new Payload();
                int k = i;
                Work w = new Work(self -> {
                    if (p.a != k || p.b != k * 3L || !String.valueOf(k).equals(p.c)) {
                        bad.incrementAndGet();
                    }
                    done.countDown();
                });
                p.a = k;
                p.b = k * 3L;
                p.c = String.valueOf(k);
                Workqueue wq = (i & 1) == 0 ? bound : unbound;
                assertTrue(wq.queueOn(i % 2, w));
            }
            await(done, "all runs");
            assertEquals(0, bad.get(), "runs that did not see the writes made before queue()");
        }
    }

    @Test
    void queue_returnsFalseBecausePending_writesBeforeCallVisibleToPendingRun() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("gated", Set.of(), 1);
            for (int i = 0; i < 50; i++) {
                int cpu = i % 2;
                Payload p = new Payload();
                AtomicReference<String> seen = new AtomicReference<>();
                Work w = new Work(self -> seen.set(p.a + "/" + p.b + "/" + p.c));
                Gate gate = new Gate(gates, wq, cpu);
                assertTrue(wq.queueOn(cpu, w), "first queue");
                // Written after the item became pending, before a queue call that returns false.
                p.a = i + 1;
                p.b = 1000L + i;
                p.c = "v" + i;
                assertFalse(wq.queueOn(cpu, w), "second queue while pending");
                gate.release();
                w.flush();
                assertEquals((i + 1) + "/" + (1000L + i) + "/v" + i, seen.get(),
                        "iteration " + i + ": pending run must see writes made before the false-returning queue");
            }
        }
    }

    // ------------------------------------------------------------------ Work.current()

    @Test
    void current_insideFunction_returnsRunningItem() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            for (Workqueue wq : List.of(rt.alloc("b", Set.of(), 0),
                    rt.alloc("u", Set.of(WorkqueueFlag.UNBOUND), 0), rt.systemHighpri())) {
                AtomicReference<Work> seen = new AtomicReference<>();
                AtomicReference<Work> seenInBlocking = new AtomicReference<>();
                Work w = new Work(self -> {
                    seen.set(Work.current());
                    seenInBlocking.set(WorkqueueRuntime.blocking(Work::current));
                });
                assertTrue(wq.queueOn(1, w));
                wq.flush();
                assertSame(w, seen.get(), "Work.current() inside the function on " + wq.name());
                assertSame(w, seenInBlocking.get(), "Work.current() inside a blocking hint on " + wq.name());
            }
        }
    }

    @Test
    void current_outsideWorker_returnsNull() throws Exception {
        assertNull(Work.current(), "test thread");
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("q", Set.of(), 0);
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = gates.gate();
            Work w = new Work(self -> {
                running.countDown();
                WorkqueueRuntime.blocking(() -> release.await(10, SECONDS));
            });
            assertTrue(wq.queueOn(0, w));
            await(running, "item to run");
            assertNull(Work.current(), "another thread while an item runs");
            release.countDown();
            wq.flush();
            assertNull(Work.current());
        }
    }

    @Test
    void current_inNestedItems_returnsEachOwnItem() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("q", Set.of(WorkqueueFlag.UNBOUND), 0);
            AtomicReference<Work> inner = new AtomicReference<>();
            AtomicReference<Work> outerAfter = new AtomicReference<>();
            CountDownLatch innerRan = new CountDownLatch(1);
            Work b = new Work(self -> {
                inner.set(Work.current());
                innerRan.countDown();
            });
            Work a = new Work(self -> {
                assertTrue(wq.queue(b));
                WorkqueueRuntime.blocking(() -> innerRan.await(10, SECONDS));
                outerAfter.set(Work.current());
            });
            assertTrue(wq.queue(a));
            await(innerRan, "inner item");
            a.flush();
            assertSame(b, inner.get());
            assertSame(a, outerAfter.get());
        }
    }

    // ------------------------------------------------------------------ system workqueue

    @Test
    void schedule_idleItem_runsOnSystemWorkqueueBoundWorker() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            long before = rt.system().stats().completed();
            AtomicReference<String> thread = new AtomicReference<>();
            Work w = new Work(self -> thread.set(Thread.currentThread().getName()));
            assertTrue(rt.schedule(w));
            rt.flushScheduled();
            assertNotNull(thread.get(), "flushScheduled must wait for the scheduled item");
            assertTrue(thread.get().matches("kworker/[01]:\\d+"), thread.get());
            assertTrue(rt.system().stats().completed() - before >= 1, "counted on the system workqueue");
        }
    }

    @Test
    void scheduleOn_cpu_runsOnThatCpuOfSystemWorkqueue() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            for (int cpu = 0; cpu < 2; cpu++) {
                long before = rt.system().stats().completed();
                AtomicReference<String> thread = new AtomicReference<>();
                Work w = new Work(self -> thread.set(Thread.currentThread().getName()));
                assertTrue(rt.scheduleOn(cpu, w));
                w.flush();
                assertNotNull(thread.get());
                assertTrue(thread.get().matches("kworker/" + cpu + ":\\d+"), "cpu " + cpu + ": " + thread.get());
                rt.flushScheduled();
                assertTrue(rt.system().stats().completed() - before >= 1);
            }
        }
    }

    @Test
    void scheduleDelayed_onSystemWorkqueue_runsOnceAfterDelayOnRequestedCpu() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            long before = rt.system().stats().completed();
            AtomicInteger runs = new AtomicInteger();
            AtomicReference<String> thread = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            DelayedWork dw = new DelayedWork(self -> {
                runs.incrementAndGet();
                thread.set(Thread.currentThread().getName());
                ran.countDown();
            });
            long t0 = System.nanoTime();
            assertTrue(rt.scheduleDelayedOn(1, dw, java.time.Duration.ofMillis(30)));
            assertTrue(dw.isPending(), "armed timer counts as pending");
            assertFalse(rt.scheduleDelayedOn(0, dw, java.time.Duration.ofMillis(1)), "already pending");
            assertFalse(rt.scheduleDelayed(dw, java.time.Duration.ZERO), "already pending");
            assertFalse(rt.schedule(dw), "already pending");
            await(ran, "delayed item");
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(elapsedMs >= 30, "ran after " + elapsedMs + " ms, before its 30 ms delay");
            rt.flushScheduled();
            assertEquals(1, runs.get());
            assertTrue(thread.get().matches("kworker/1:\\d+"), thread.get());
            assertTrue(rt.system().stats().completed() - before >= 1);

            // Zero delay: queued at once, without arming the timer.
            CountDownLatch ranNow = new CountDownLatch(1);
            DelayedWork now = new DelayedWork(self -> ranNow.countDown());
            assertTrue(rt.scheduleDelayed(now, java.time.Duration.ZERO));
            assertFalse(now.isTimerArmed());
            await(ranNow, "zero-delay item");
        }
    }

    // ------------------------------------------------------------------ placement and threads

    @Test
    void queueOn_boundWorkqueue_runsOnThatCpusWorker() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("b", Set.of(), 0);
            for (int i = 0; i < 20; i++) {
                int cpu = i % 2;
                AtomicReference<String> thread = new AtomicReference<>();
                Work w = new Work(self -> thread.set(Thread.currentThread().getName()));
                assertTrue(wq.queueOn(cpu, w));
                wq.flush();
                assertNotNull(thread.get());
                assertTrue(thread.get().matches("kworker/" + cpu + ":\\d+"), "cpu " + cpu + ": " + thread.get());
            }
        }
    }

    @Test
    void queueOn_highpriWorkqueue_threadNameEndsWithH() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("hp", EnumSet.of(WorkqueueFlag.HIGHPRI), 0);
            for (Workqueue q : List.of(wq, rt.systemHighpri())) {
                for (int cpu = 0; cpu < 2; cpu++) {
                    AtomicReference<String> thread = new AtomicReference<>();
                    AtomicInteger prio = new AtomicInteger();
                    Work w = new Work(self -> {
                        thread.set(Thread.currentThread().getName());
                        prio.set(Thread.currentThread().getPriority());
                    });
                    assertTrue(q.queueOn(cpu, w));
                    q.flush();
                    assertNotNull(thread.get());
                    assertTrue(thread.get().matches("kworker/" + cpu + ":\\d+H"), q.name() + " cpu " + cpu + ": " + thread.get());
                    assertEquals(Thread.MAX_PRIORITY, prio.get(), "highpri workers run at maximum priority");
                }
            }
        }
    }

    @Test
    void queueOn_unboundWorkqueue_threadNameIsKworkerU() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("u", EnumSet.of(WorkqueueFlag.UNBOUND), 0);
            for (Workqueue q : List.of(wq, rt.systemUnbound())) {
                for (int cpu = 0; cpu < 2; cpu++) {
                    AtomicReference<String> thread = new AtomicReference<>();
                    Work w = new Work(self -> thread.set(Thread.currentThread().getName()));
                    assertTrue(q.queueOn(cpu, w));
                    q.flush();
                    assertNotNull(thread.get());
                    assertTrue(thread.get().matches("kworker/u\\d+:\\d+"), q.name() + ": " + thread.get());
                }
            }
        }
    }

    @Test
    void workerThreads_allKinds_areDaemon() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            List<Workqueue> wqs = List.of(rt.alloc("b", Set.of(), 0), rt.alloc("u", Set.of(WorkqueueFlag.UNBOUND), 0),
                    rt.systemHighpri(), rt.alloc("uh", EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.HIGHPRI), 0),
                    rt.allocOrdered("o", Set.of()));
            List<String> nonDaemon = new CopyOnWriteArrayList<>();
            AtomicInteger runs = new AtomicInteger();
            for (Workqueue wq : wqs) {
                for (int cpu = 0; cpu < 2; cpu++) {
                    Work w = new Work(self -> {
                        runs.incrementAndGet();
                        if (!Thread.currentThread().isDaemon()) {
                            nonDaemon.add(Thread.currentThread().getName());
                        }
                    });
                    assertTrue(wq.queueOn(cpu, w));
                }
                wq.flush();
            }
            assertEquals(wqs.size() * 2, runs.get());
            assertEquals(List.of(), nonDaemon, "worker threads that are not daemon");
        }
    }

    @Test
    void queue_fromWorkerOfBoundPool_targetsThatWorkersCpu() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("b", Set.of(), 0);
            for (int cpu = 0; cpu < 2; cpu++) {
                AtomicReference<String> childThread = new AtomicReference<>();
                AtomicBoolean queued = new AtomicBoolean();
                Work child = new Work(self -> childThread.set(Thread.currentThread().getName()));
                Work parent = new Work(self -> queued.set(wq.queue(child)));
                assertTrue(wq.queueOn(cpu, parent));
                parent.flush();
                assertTrue(queued.get());
                child.flush();
                assertNotNull(childThread.get());
                assertTrue(childThread.get().matches("kworker/" + cpu + ":\\d+"),
                        "queue() from a cpu " + cpu + " worker ran on " + childThread.get());
            }
        }
    }
}
