package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The freezer (SEMANTICS.md section 8): freeze, isFreezeBusy, thaw. */
class FreezerTest {
    /** Bounded wait used only to assert that something does NOT happen. */
    private static final long ABSENCE_MS = 100;

    private static Workqueue freezableUnbound(WorkqueueRuntime rt, String name, int maxActive) {
        return rt.alloc(name, EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.FREEZABLE), maxActive);
    }

    @Test
    void freeze_queueOnFreezableWorkqueue_returnsTrueAndWaitsForThaw() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue ub = freezableUnbound(rt, "fz_ub", 0);
            Workqueue bound = rt.alloc("fz_bound", EnumSet.of(WorkqueueFlag.FREEZABLE), 0);
            rt.freeze();
            CountDownLatch ran = new CountDownLatch(4);
            Work a = new Work(self -> ran.countDown());
            Work b = new Work(self -> ran.countDown());
            Work c = new Work(self -> ran.countDown());
            Work d = new Work(self -> ran.countDown());
            assertTrue(ub.queue(a));
            assertTrue(bound.queueOn(0, b));
            assertTrue(bound.queueOn(1, c));
            assertTrue(rt.systemFreezable().queue(d));
            assertFalse(ran.await(ABSENCE_MS, TimeUnit.MILLISECONDS), "a frozen workqueue started an item");
            assertEquals(4, ran.getCount());
            for (Work w : List.of(a, b, c, d)) {
                assertTrue(w.isPending(), "frozen item is no longer pending");
                assertFalse(w.isRunning());
            }
            assertFalse(ub.queue(a), "queueing an already pending frozen item must return false");
            assertEquals(0, ub.stats().started());
            assertBooks(ub, 0, 1, "frozen: the item waits, nothing active");
            assertBooks(bound, 0, 2, "frozen: one item waits on each cpu");
            rt.thaw();
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS), "thaw did not start the waiting items");
            flushIdle(ub);
            flushIdle(bound);
            assertEquals(1, ub.stats().completed());
        }
    }

    @Test
    void freeze_runningItem_finishesAndFreezeIsBusyUntilItEnds() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = freezableUnbound(rt, "fz_busy", 0);
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch finished = new CountDownLatch(1);
            Work running = new Work(self -> {
                started.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
                finished.countDown();
            });
            assertTrue(wq.queue(running));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            assertFalse(rt.isFreezeBusy(), "not frozen, so not freeze-busy");
            rt.freeze();
            try {
                assertTrue(rt.isFreezeBusy(), "a frozen workqueue with a running item must be freeze-busy");
                assertTrue(running.isRunning());
                gate.countDown();
                assertTrue(finished.await(WAIT_S, TimeUnit.SECONDS), "a running item did not finish during freeze");
                running.flush(); // returns once the item has fully left the pool
                assertIdle(wq, "the running item finished during the freeze");
                assertFalse(rt.isFreezeBusy(), "freeze still busy after the running item finished");
                assertEquals(1, wq.stats().completed());
            } finally {
                gate.countDown();
                rt.thaw();
            }
            assertFalse(rt.isFreezeBusy());
        }
    }

    @Test
    void freeze_withInactiveBacklog_runningItemFinishesButBacklogWaits() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = rt.createFreezable("fz_backlog");
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch gate = new CountDownLatch(1);
            Work first = new Work(self -> {
                started.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
            });
            CountDownLatch backlog = new CountDownLatch(3);
            assertTrue(wq.queue(first));
            assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
            for (int i = 0; i < 3; i++) {
                assertTrue(wq.queue(new Work(self -> backlog.countDown())));
            }
            rt.freeze();
            try {
                assertTrue(rt.isFreezeBusy());
                assertBooks(wq, 1, 3, "frozen: the running item stays active, the backlog waits");
                gate.countDown();
                first.flush(); // waits if still running; either way it has left the pool afterwards
                assertBooks(wq, 0, 3, "frozen: the finished item handed its slot to nobody");
                assertFalse(rt.isFreezeBusy(), "busy after the only active item finished");
                assertFalse(backlog.await(ABSENCE_MS, TimeUnit.MILLISECONDS), "inactive items started while frozen");
                assertEquals(3, backlog.getCount());
                assertEquals(1, wq.stats().started());
            } finally {
                gate.countDown();
                rt.thaw();
            }
            assertTrue(backlog.await(WAIT_S, TimeUnit.SECONDS));
            flushIdle(wq);
        }
    }

    @Test
    void freeze_nonFreezableWorkqueues_keepRunning() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue ub = rt.alloc("fz_plain_ub", Set.of(WorkqueueFlag.UNBOUND), 0);
            Workqueue bound = rt.alloc("fz_plain", Set.of(), 0);
            Workqueue frozen = freezableUnbound(rt, "fz_frozen", 0);
            rt.freeze();
            try {
                CountDownLatch frozenRan = new CountDownLatch(1);
                assertTrue(frozen.queue(new Work(self -> frozenRan.countDown())));
                CountDownLatch ran = new CountDownLatch(6);
                assertTrue(ub.queue(new Work(self -> ran.countDown())));
                assertTrue(bound.queueOn(0, new Work(self -> ran.countDown())));
                assertTrue(bound.queueOn(1, new Work(self -> ran.countDown())));
                assertTrue(rt.schedule(new Work(self -> ran.countDown())));
                assertTrue(rt.systemUnbound().queue(new Work(self -> ran.countDown())));
                assertTrue(rt.systemHighpri().queue(new Work(self -> ran.countDown())));
                assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS), "non-freezable workqueues stopped during freeze");
                flushIdle(bound);
                flushIdle(ub);
                assertEquals(2, bound.stats().completed());
                assertEquals(1, frozenRan.getCount(), "the freezable workqueue ran during freeze");
                assertFalse(rt.isFreezeBusy(), "non-freezable or inactive items must not make freeze busy");
            } finally {
                rt.thaw();
            }
        }
    }

    @Test
    void thaw_activatesWaitingItemsInQueueOrder() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue legacy = rt.createFreezable("fz_order");
            Workqueue ordered = rt.allocOrdered("fz_ordered", Set.of(WorkqueueFlag.FREEZABLE));
            int n = 30;
            List<Integer> legacyOrder = new CopyOnWriteArrayList<>();
            List<Integer> orderedOrder = new CopyOnWriteArrayList<>();
            CountDownLatch any = new CountDownLatch(1);
            rt.freeze();
            try {
                for (int i = 0; i < n; i++) {
                    int k = i;
                    assertTrue(legacy.queue(new Work(self -> {
                        legacyOrder.add(k);
                        any.countDown();
                    })));
                    assertTrue(ordered.queueOn(i % rt.cpus(), new Work(self -> {
                        orderedOrder.add(k);
                        any.countDown();
                    })));
                }
                assertFalse(any.await(ABSENCE_MS, TimeUnit.MILLISECONDS), "an item started while frozen");
                assertTrue(legacy.isCongested(0));
                assertBooks(legacy, 0, n, "frozen: every item waits");
                assertBooks(ordered, 0, n, "frozen: every item waits");
            } finally {
                rt.thaw();
            }
            flushIdle(legacy);
            flushIdle(ordered);
            List<Integer> expected = IntStream.range(0, n).boxed().toList();
            assertEquals(expected, legacyOrder);
            assertEquals(expected, orderedOrder);
            assertFalse(legacy.isCongested(0));
        }
    }

    @Test
    void freeze_workqueueAllocatedDuringFreeze_isFrozenToo() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            rt.freeze();
            CountDownLatch ran = new CountDownLatch(2);
            CountDownLatch plainRan = new CountDownLatch(1);
            try {
                Workqueue late = freezableUnbound(rt, "fz_late", 0);
                Workqueue lateBound = rt.alloc("fz_late_bound", EnumSet.of(WorkqueueFlag.FREEZABLE), 0);
                Workqueue latePlain = rt.alloc("fz_late_plain", Set.of(WorkqueueFlag.UNBOUND), 0);
                assertTrue(late.queue(new Work(self -> ran.countDown())));
                assertTrue(lateBound.queueOn(1, new Work(self -> ran.countDown())));
                assertTrue(latePlain.queue(new Work(self -> plainRan.countDown())));
                assertTrue(plainRan.await(WAIT_S, TimeUnit.SECONDS), "a non-freezable workqueue allocated during freeze is frozen");
                assertFalse(ran.await(ABSENCE_MS, TimeUnit.MILLISECONDS), "a freezable workqueue allocated during freeze ran");
                assertEquals(2, ran.getCount());
            } finally {
                rt.thaw();
            }
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS), "thaw did not release the late workqueue");
        }
    }

    @Test
    void setMaxActive_duringFreeze_keepsWorkqueueFrozen() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = freezableUnbound(rt, "fz_setmax", 1);
            rt.freeze();
            CountDownLatch ran = new CountDownLatch(3);
            try {
                for (int i = 0; i < 3; i++) {
                    assertTrue(wq.queue(new Work(self -> ran.countDown())));
                }
                wq.setMaxActive(8);
                assertEquals(8, wq.maxActive());
                assertBooks(wq, 0, 3, "setMaxActive during the freeze activates nothing");
                assertFalse(ran.await(ABSENCE_MS, TimeUnit.MILLISECONDS), "setMaxActive unfroze a frozen workqueue");
            } finally {
                rt.thaw();
            }
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
            flushIdle(wq);
        }
    }

    @Test
    void freezeAndThaw_repeated_keepWorkqueueUsable() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt)) {
            Workqueue wq = freezableUnbound(rt, "fz_repeat", 0);
            AtomicInteger runs = new AtomicInteger();
            for (int round = 0; round < 5; round++) {
                rt.freeze();
                assertTrue(wq.queue(new Work(self -> runs.incrementAndGet())));
                assertBooks(wq, 0, 1, "frozen, round " + round);
                rt.thaw();
                flushIdle(wq);
                assertEquals(round + 1, runs.get());
            }
            rt.thaw(); // thaw without freeze is harmless
            assertFalse(rt.isFreezeBusy());
            CountDownLatch ran = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> ran.countDown())));
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
        }
    }
}
