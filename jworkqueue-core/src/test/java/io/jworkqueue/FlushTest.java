package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code flush_work} and {@code flush_workqueue} (SEMANTICS.md section 4). */
// The engine's waits are uninterruptible, so the default SAME_THREAD timeout cannot end a hang;
// run each test on its own thread so that a hang fails the test instead of the whole build.
@Timeout(value = 30, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FlushTest {

    private Helpers helpers;

    @BeforeEach
    void setUp() {
        helpers = new Helpers("flush-test-helper");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        helpers.close();
    }

    // ------------------------------------------------------------------ Work.flush()

    @Test
    void workFlush_idleItem_returnsFalse() {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            assertFalse(w.flush(), "never queued");
            assertTrue(rt.system().queue(w));
            rt.system().flush();
            assertEquals(1, runs.get());
            assertFalse(w.flush(), "ran and finished: idle again");
        }
    }

    @Test
    void workFlush_queuedItem_returnsTrueAfterItRan() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue ord = rt.allocOrdered("ord-wflush", Set.of());
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            Blocker blocker = startBlocker(ord);
            assertTrue(ord.queue(w));
            AtomicInteger runsWhenReturned = new AtomicInteger(-1);
            Future<Boolean> f = helpers.startWaiter(() -> {
                boolean r = w.flush();
                runsWhenReturned.set(runs.get());
                return r;
            });
            try {
                assertStillBlocked(f, "flush of a queued item");
                assertEquals(0, runs.get());
            } finally {
                blocker.release();
            }
            assertTrue(settle(f, ord, "flush of the queued item"), "flush had to wait");
            assertEquals(1, runsWhenReturned.get(), "flush returned before the queued instance ran");
            assertFalse(w.isPending());
        }
    }

    @Test
    void workFlush_queuedItemOnBoundQueue_returnsTrueAfterItRan() {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = rt.alloc("b-wflush", Set.of(), 0);
            AtomicInteger runs = new AtomicInteger();
            for (int i = 0; i < 200; i++) {
                Work w = new Work(self -> runs.incrementAndGet());
                assertTrue(wq.queueOn(i & 1, w));
                w.flush();
                assertFalse(w.isPending(), "iteration " + i);
                assertEquals(i + 1, runs.get(), "iteration " + i + ": flush returned before the item ran");
            }
        }
    }

    @Test
    void workFlush_runningItem_waitsForIt() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = rt.alloc("ub-wflush-run", Set.of(WorkqueueFlag.UNBOUND), 0);
            Blocker running = startBlocker(wq);
            Work w = running.work;
            assertFalse(w.isPending());
            AtomicBoolean finishedWhenReturned = new AtomicBoolean();
            Future<Boolean> f = helpers.startWaiter(() -> {
                boolean r = w.flush();
                finishedWhenReturned.set(running.finished.get());
                return r;
            });
            try {
                assertStillBlocked(f, "flush of a running item");
            } finally {
                running.release();
            }
            assertTrue(settle(f, wq, "flush of the running item"), "flush of a running item had to wait");
            assertTrue(finishedWhenReturned.get(), "flush returned before the running instance finished");
        }
    }

    // ------------------------------------------------------------------ Workqueue.flush()

    @Test
    void workqueueFlush_itemsHeldBackByMaxActive_waitsForAllOfThem() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = rt.alloc("ub-max2", Set.of(WorkqueueFlag.UNBOUND), 2);
            CountDownLatch started = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger done = new AtomicInteger();
            for (int i = 0; i < 2; i++) {
                assertTrue(wq.queue(new Work(self -> {
                    started.countDown();
                    assertTrue(release.await(10, SECONDS));
                    done.incrementAndGet();
                })));
            }
            await(started, "both blockers");
            final int extra = 20;
            for (int i = 0; i < extra; i++) {
                assertTrue(wq.queue(new Work(self -> done.incrementAndGet())));
            }
            assertTrue(wq.isCongested(0), "the extra items wait on the inactive list");
            assertBooks(wq, 2, extra, "two blockers active, the extra items waiting");
            AtomicInteger doneWhenReturned = new AtomicInteger(-1);
            Future<?> f = helpers.startWaiter(() -> {
                wq.flush();
                doneWhenReturned.set(done.get());
                return null;
            });
            try {
                assertStillBlocked(f, "workqueue flush");
                assertEquals(0, done.get());
            } finally {
                release.countDown();
            }
            settle(f, wq, "workqueue flush");
            assertEquals(2 + extra, doneWhenReturned.get(), "flush returned before inactive items ran");
            assertIdle(wq, "after the flush");
            assertFalse(wq.isCongested(0));
        }
    }

    @Test
    void workqueueFlush_boundQueueMaxActiveOne_waitsForInactiveItems() {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = rt.alloc("b-max1", Set.of(), 1);
            AtomicInteger done = new AtomicInteger();
            int n = 0;
            for (int round = 0; round < 20; round++) {
                for (int i = 0; i < 50; i++) {
                    assertTrue(wq.queueOn(i & 1, new Work(self -> done.incrementAndGet())));
                    n++;
                }
                wq.flush();
                assertEquals(n, done.get(), "round " + round);
                assertIdle(wq, "round " + round);
            }
        }
    }

    @Test
    void workqueueFlush_selfRequeueingChain_returnsWhileChainContinues() throws Exception {
        for (boolean unbound : new boolean[] {false, true}) {
            try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
                Workqueue wq = rt.alloc(unbound ? "chain-u" : "chain-b",
                        unbound ? Set.of(WorkqueueFlag.UNBOUND) : Set.of(), 0);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong links = new AtomicLong();
                AtomicLong ends = new AtomicLong();
                Work chain = new Work(self -> {
                    links.incrementAndGet();
                    if (!stop.get()) {
                        assertTrue(wq.queue(self), "chained requeue");
                    } else {
                        ends.incrementAndGet();
                    }
                });
                try {
                    assertTrue(wq.queue(chain));
                    awaitTrue(() -> links.get() >= 10, "the chain to get going");
                    for (int i = 0; i < 20; i++) {
                        Future<?> f = helpers.submit(() -> wq.flush());
                        settle(f, wq, "flush " + i); // flush must return although the chain never stops
                        long at = links.get();
                        assertFalse(stop.get());
                        awaitTrue(() -> links.get() > at, "the chain to continue after flush " + i);
                    }
                } finally {
                    stop.set(true);
                }
                awaitTrue(() -> ends.get() == 1, "the chain to end");
                wq.flush();
                assertFalse(chain.isPending());
                assertEquals(1, ends.get());
            }
        }
    }

    @Test
    void workqueueFlush_eightConcurrentFlushersWithProducers_allReturnAndSeeEarlierItemsDone() throws Exception {
        long seed = System.nanoTime();
        System.out.println("workqueueFlush_eightConcurrentFlushers seed=" + seed);
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue bound = rt.alloc("mf-b", Set.of(), 4);
            Workqueue unbound = rt.alloc("mf-u", Set.of(WorkqueueFlag.UNBOUND), 3);
            Workqueue[] wqs = {bound, unbound};
            AtomicLong[] queued = {new AtomicLong(), new AtomicLong()};
            AtomicLong[] completed = {new AtomicLong(), new AtomicLong()};
            AtomicBoolean producing = new AtomicBoolean(true);
            final int producers = 2;
            final int flushers = 8;
            final int FLUSHES = 300;
            CyclicBarrier start = new CyclicBarrier(producers + flushers);
            List<Future<?>> prod = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                Random rnd = new Random(seed + p);
                prod.add(helpers.submit(() -> {
                    start.await(10, SECONDS);
                    long n = 0;
                    while (producing.get() && n < 200_000) {
                        int k = rnd.nextInt(2);
                        Work w = new Work(self -> completed[k].incrementAndGet());
                        boolean ok = rnd.nextBoolean() ? wqs[k].queue(w) : wqs[k].queueOn(rnd.nextInt(2), w);
                        assertTrue(ok);
                        // counted after queue returned: every flush started later must wait for it
                        queued[k].incrementAndGet();
                        n++;
                        if ((n & 63) == 0) {
                            Thread.yield();
                        }
                    }
                    return null;
                }));
            }
            List<Future<Integer>> fl = new ArrayList<>();
            for (int t = 0; t < flushers; t++) {
                Random rnd = new Random(seed * 31 + t);
                fl.add(helpers.submit(() -> {
                    start.await(10, SECONDS);
                    int flushes = 0;
                    for (int i = 0; i < FLUSHES; i++) {
                        int k = rnd.nextInt(2);
                        long before = queued[k].get();
                        wqs[k].flush();
                        long after = completed[k].get();
                        assertTrue(after >= before, wqs[k].name() + ": flush returned with " + after
                                + " completed but " + before + " were queued before it started");
                        flushes++;
                    }
                    return flushes;
                }));
            }
            try {
                for (Future<Integer> f : fl) {
                    assertEquals(FLUSHES, f.get(20, SECONDS));
                }
            } finally {
                producing.set(false);
            }
            for (Future<?> f : prod) {
                f.get(10, SECONDS);
            }
            bound.flush();
            unbound.flush();
            assertEquals(queued[0].get(), completed[0].get());
            assertEquals(queued[1].get(), completed[1].get());
            assertIdle(bound, "after the last flush");
            assertIdle(unbound, "after the last flush");
            System.out.println("queued bound=" + queued[0] + " unbound=" + queued[1]);
        }
    }

    @Test
    void workqueueFlush_fromOwnItem_throwsIllegalStateNamingWorkqueue() throws Exception {
        for (boolean unbound : new boolean[] {false, true}) {
            try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
                String name = unbound ? "selfflush-u" : "selfflush-b";
                Workqueue wq = rt.alloc(name, unbound ? Set.of(WorkqueueFlag.UNBOUND) : Set.of(), 0);
                AtomicReference<Throwable> caught = new AtomicReference<>();
                AtomicInteger runs = new AtomicInteger();
                CountDownLatch ran = new CountDownLatch(1);
                Work w = new Work(self -> {
                    runs.incrementAndGet();
                    try {
                        wq.flush();
                    } catch (Throwable t) {
                        caught.set(t);
                    }
                    ran.countDown();
                });
                assertTrue(wq.queue(w));
                await(ran, "item run");
                Throwable t = caught.get();
                assertNotNull(t, "flushing its own workqueue from an item must throw, not return");
                assertInstanceOf(IllegalStateException.class, t);
                assertTrue(t.getMessage() != null && t.getMessage().contains(name),
                        "message should name the workqueue: " + t.getMessage());
                // no item stuck: the workqueue still flushes and accepts work
                wq.flush();
                assertFalse(w.isPending());
                assertFalse(w.isRunning());
                assertTrue(wq.queue(new Work(self -> runs.incrementAndGet())));
                wq.flush();
                assertEquals(2, runs.get());
            }
        }
    }

    @Test
    void workqueueFlush_fromOwnItemWithUncaughtException_reportsAndLeavesQueueUsable() throws Exception {
        AtomicReference<Throwable> reported = new AtomicReference<>();
        CountDownLatch reportedLatch = new CountDownLatch(1);
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2)
                .uncaughtExceptionHandler((q, work, t) -> {
                    reported.set(t);
                    reportedLatch.countDown();
                }).build()) {
            Workqueue wq = rt.alloc("selfflush-x", Set.of(), 0);
            Work w = new Work(self -> wq.flush());
            assertTrue(wq.queue(w));
            await(reportedLatch, "the IllegalStateException to reach the handler");
            assertInstanceOf(IllegalStateException.class, reported.get());
            wq.flush();
            assertFalse(w.isPending());
            assertEquals(0, w.disableDepth());
        }
    }

    @Test
    void selfWait_flushCancelSyncDisableSyncFromOwnFunction_throwIllegalStateAndLeaveItemIdle() throws Exception {
        String[] ops = {"flush", "cancelSync", "disableSync"};
        for (boolean unbound : new boolean[] {false, true}) {
            for (String op : ops) {
                try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
                    Workqueue wq = rt.alloc("selfwait", unbound ? Set.of(WorkqueueFlag.UNBOUND) : Set.of(), 0);
                    AtomicReference<Throwable> caught = new AtomicReference<>();
                    AtomicInteger runs = new AtomicInteger();
                    CountDownLatch ran = new CountDownLatch(1);
                    Work w = new Work(self -> {
                        if (runs.incrementAndGet() > 1) {
                            return;
                        }
                        try {
                            switch (op) {
                                case "flush" -> self.flush();
                                case "cancelSync" -> self.cancelSync();
                                default -> self.disableSync();
                            }
                        } catch (Throwable t) {
                            caught.set(t);
                        }
                        ran.countDown();
                    });
                    String what = op + (unbound ? " (unbound)" : " (bound)");
                    assertTrue(wq.queue(w));
                    await(ran, what + ": item run");
                    assertInstanceOf(IllegalStateException.class, caught.get(), what + " from own function");
                    wq.flush();
                    assertFalse(w.isPending(), what + ": item left pending");
                    assertFalse(w.isRunning(), what);
                    assertEquals(0, w.disableDepth(), what + ": failed call must not leave the item disabled");
                    assertTrue(wq.queue(w), what + ": item queueable again");
                    wq.flush();
                    assertEquals(2, runs.get(), what);
                }
            }
        }
    }

    @Test
    void selfWait_whileRequeuedFromOwnFunction_throwsAndRequeuedInstanceStillRuns() throws Exception {
        for (String op : new String[] {"flush", "cancelSync", "disableSync"}) {
            try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
                Workqueue wq = rt.alloc("selfwait-rq", Set.of(), 0);
                CountDownLatch firstDone = new CountDownLatch(1);
                AtomicReference<Throwable> caught = new AtomicReference<>();
                AtomicInteger runs = new AtomicInteger();
                Work w = new Work(self -> {
                    if (runs.incrementAndGet() > 1) {
                        return;
                    }
                    assertTrue(wq.queue(self));
                    try {
                        switch (op) {
                            case "flush" -> self.flush();
                            case "cancelSync" -> self.cancelSync();
                            default -> self.disableSync();
                        }
                    } catch (Throwable t) {
                        caught.set(t);
                    }
                    firstDone.countDown();
                });
                assertTrue(wq.queue(w));
                await(firstDone, op + ": first run");
                wq.flush(); // the requeued instance was queued before this flush
                assertInstanceOf(IllegalStateException.class, caught.get(), op);
                assertEquals(2, runs.get(), op + ": the requeued instance should be untouched by the failed call");
                assertFalse(w.isPending(), op);
                assertEquals(0, w.disableDepth(), op);
            }
        }
    }

    @Test
    void workqueueFlush_differentWorkqueueFromItem_works() throws Exception {
        for (boolean unbound : new boolean[] {false, true}) {
            try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
                Workqueue a = rt.alloc("flush-a", unbound ? Set.of(WorkqueueFlag.UNBOUND) : Set.of(), 0);
                Workqueue b = rt.alloc("flush-b", Set.of(), 0);
                AtomicInteger bDone = new AtomicInteger();
                AtomicInteger bDoneSeen = new AtomicInteger(-1);
                AtomicReference<Throwable> caught = new AtomicReference<>();
                CountDownLatch ran = new CountDownLatch(1);
                final int n = 50;
                Work flusher = new Work(self -> {
                    try {
                        // queued from the item, on the same CPU as the item (bound case)
                        for (int i = 0; i < n; i++) {
                            assertTrue(b.queueOn(0, new Work(s -> bDone.incrementAndGet())));
                        }
                        b.flush();
                        bDoneSeen.set(bDone.get());
                    } catch (Throwable t) {
                        caught.set(t);
                    }
                    ran.countDown();
                });
                assertTrue(a.queueOn(0, flusher));
                await(ran, "flusher item");
                assertNull(caught.get(), () -> "flushing another workqueue from an item failed: " + caught.get());
                assertEquals(n, bDoneSeen.get(), "flush of the other workqueue returned early");
                a.flush();
            }
        }
    }

    @Test
    void workFlush_otherItemFromItem_waitsForIt() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = rt.alloc("wflush-other", Set.of(), 0);
            AtomicInteger targetRuns = new AtomicInteger();
            Work target = new Work(self -> targetRuns.incrementAndGet());
            AtomicInteger seen = new AtomicInteger(-1);
            AtomicReference<Boolean> ret = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            Work w = new Work(self -> {
                assertTrue(wq.queueOn(0, target));
                ret.set(target.flush());
                seen.set(targetRuns.get());
                ran.countDown();
            });
            assertTrue(wq.queueOn(0, w));
            await(ran, "item");
            assertEquals(Boolean.TRUE, ret.get());
            assertEquals(1, seen.get(), "flush of another item on the same CPU returned early");
        }
    }
}
