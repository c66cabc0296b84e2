package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** max_active (SEMANTICS.md section 5): per CPU for bound, system-wide for unbound, adjustable. */
class MaxActiveTest {

    /** Blocks inside the blocking hint, so a bound pool may start another item meanwhile. */
    private static void blockOn(CountDownLatch gate) throws InterruptedException {
        boolean opened = WorkqueueRuntime.blocking(() -> gate.await(20, SECONDS));
        if (!opened) {
            throw new AssertionError("gate never opened");
        }
    }

    /**
     * Queues a probe item on {@code cpu} of a fresh, unlimited workqueue of the same kind and waits
     * until it has run: anything the pool could have started before it has started by then.
     */
    private static void probe(WorkqueueRuntime rt, Set<WorkqueueFlag> flags, int cpu) throws InterruptedException {
        Workqueue p = rt.alloc("probe", flags, 0);
        CountDownLatch ran = new CountDownLatch(1);
        assertTrue(p.queueOn(cpu, new Work(self -> ran.countDown())));
        await(ran, "probe on cpu " + cpu);
    }

    // ------------------------------------------------------------------ bound: per CPU

    @Test
    void maxActive_boundWorkqueue_limitsEachCpuSeparately() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("bound2", Set.of(), 2);
            assertEquals(2, wq.maxActive());
            int perCpu = 6;
            AtomicIntegerArray inside = new AtomicIntegerArray(2);
            AtomicIntegerArray maxInside = new AtomicIntegerArray(2);
            AtomicIntegerArray started = new AtomicIntegerArray(2);
            List<String> wrongCpu = new CopyOnWriteArrayList<>();
            CountDownLatch firstFour = new CountDownLatch(4);
            CountDownLatch gate = gates.gate();
            CountDownLatch all = new CountDownLatch(2 * perCpu);
            for (int i = 0; i < perCpu; i++) {
                for (int cpu = 0; cpu < 2; cpu++) {
                    int c = cpu;
                    Work w = new Work(self -> {
                        int n = inside.incrementAndGet(c);
                        maxInside.accumulateAndGet(c, n, Math::max);
                        started.incrementAndGet(c);
                        if (!Thread.currentThread().getName().matches("kworker/" + c + ":\\d+")) {
                            wrongCpu.add(Thread.currentThread().getName());
                        }
                        firstFour.countDown();
                        try {
                            blockOn(gate);
                        } finally {
                            inside.decrementAndGet(c);
                            all.countDown();
                        }
                    });
                    assertTrue(wq.queueOn(cpu, w));
                }
            }
            await(firstFour, "two items on each cpu");
            assertTrue(wq.isCongested(0), "cpu 0 has items over max_active");
            assertTrue(wq.isCongested(1), "cpu 1 has items over max_active");
            // Every active item blocks inside the hint, so the pools are free: let them prove it.
            probe(rt, Set.of(), 0);
            probe(rt, Set.of(), 1);
            assertEquals(2, started.get(0), "items started on cpu 0 while max_active 2 were blocked");
            assertEquals(2, started.get(1), "items started on cpu 1 while max_active 2 were blocked");
            assertBooks(wq, 4, 2 * perCpu - 4, "two active and the rest waiting on each cpu");
            gate.countDown();
            await(all, "all items");
            flushIdle(wq);
            assertEquals(2, maxInside.get(0), "max concurrent on cpu 0");
            assertEquals(2, maxInside.get(1), "max concurrent on cpu 1");
            assertEquals(perCpu, started.get(0));
            assertEquals(perCpu, started.get(1));
            assertEquals(List.of(), wrongCpu);
            assertFalse(wq.isCongested(0));
            assertFalse(wq.isCongested(1));
        }
    }

    @Test
    void maxActive_boundWorkqueue_inactiveItemsStartInQueueOrder() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("bound1", Set.of(), 1);
            CountDownLatch gate = gates.gate();
            CountDownLatch firstStarted = new CountDownLatch(1);
            List<Integer> order = new CopyOnWriteArrayList<>();
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            assertTrue(wq.queueOn(0, new Work(self -> {
                firstStarted.countDown();
                blockOn(gate);
            })));
            await(firstStarted, "blocker");
            for (int i = 0; i < 20; i++) {
                int k = i;
                assertTrue(wq.queueOn(0, new Work(self -> {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    order.add(k);
                    WorkqueueRuntime.blocking(() -> {
                        Thread.yield();
                        return null;
                    });
                    inside.decrementAndGet();
                })));
            }
            assertTrue(wq.isCongested(0));
            assertBooks(wq, 1, 20, "the blocker active, 20 waiting");
            gate.countDown();
            flushIdle(wq);
            assertEquals(20, order.size());
            for (int i = 0; i < 20; i++) {
                assertEquals(i, order.get(i), "activation order at " + i);
            }
            assertEquals(1, maxInside.get(), "max_active 1 per cpu despite blocking hints");
        }
    }

    // ------------------------------------------------------------------ unbound: system-wide

    @Test
    void maxActive_unboundWorkqueue_limitIsSystemWide() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("unbound3", Set.of(WorkqueueFlag.UNBOUND), 3);
            int n = 8;
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            AtomicInteger started = new AtomicInteger();
            CountDownLatch firstThree = new CountDownLatch(3);
            CountDownLatch gate = gates.gate();
            CountDownLatch all = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                assertTrue(wq.queueOn(i % 2, new Work(self -> {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    started.incrementAndGet();
                    firstThree.countDown();
                    try {
                        gate.await(20, SECONDS); // unbound: blocking needs no hint
                    } finally {
                        inside.decrementAndGet();
                        all.countDown();
                    }
                })));
            }
            await(firstThree, "three items");
            assertTrue(wq.isCongested(0));
            assertTrue(wq.isCongested(1), "one system-wide pwq: congested from every cpu");
            probe(rt, Set.of(WorkqueueFlag.UNBOUND), 0);
            probe(rt, Set.of(WorkqueueFlag.UNBOUND), 1);
            assertEquals(3, started.get(), "items started over a system-wide max_active of 3");
            assertBooks(wq, 3, n - 3, "three active system-wide, the rest waiting");
            gate.countDown();
            await(all, "all items");
            flushIdle(wq);
            assertEquals(3, maxInside.get(), "max concurrent over both cpus");
            assertEquals(n, started.get());
            assertFalse(wq.isCongested(0));
        }
    }

    // ------------------------------------------------------------------ setMaxActive

    @Test
    void setMaxActive_raisedOnUnbound_waitingItemsStartAtOnce() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("u1", Set.of(WorkqueueFlag.UNBOUND), 1);
            CountDownLatch gate = gates.gate();
            CountDownLatch one = new CountDownLatch(1);
            CountDownLatch four = new CountDownLatch(4);
            AtomicInteger started = new AtomicInteger();
            for (int i = 0; i < 4; i++) {
                assertTrue(wq.queue(new Work(self -> {
                    started.incrementAndGet();
                    one.countDown();
                    four.countDown();
                    gate.await(20, SECONDS);
                })));
            }
            await(one, "first item");
            assertTrue(wq.isCongested(0));
            assertEquals(1, started.get());
            assertBooks(wq, 1, 3, "max_active 1");
            wq.setMaxActive(4);
            assertEquals(4, wq.maxActive());
            assertBooks(wq, 4, 0, "raising max_active activates the waiting items in the same call");
            // Raising the limit must activate the waiting items without any item finishing.
            await(four, "all four items after raising max_active");
            assertFalse(wq.isCongested(0));
            gate.countDown();
            flushIdle(wq);
            assertEquals(4, started.get());
        }
    }

    @Test
    void setMaxActive_raisedOnBound_waitingItemsOnThatCpuStart() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("b1", Set.of(), 1);
            CountDownLatch gate = gates.gate();
            CountDownLatch one = new CountDownLatch(1);
            CountDownLatch three = new CountDownLatch(3);
            AtomicInteger started = new AtomicInteger();
            for (int i = 0; i < 3; i++) {
                assertTrue(wq.queueOn(0, new Work(self -> {
                    started.incrementAndGet();
                    one.countDown();
                    three.countDown();
                    blockOn(gate);
                })));
            }
            await(one, "first item");
            assertTrue(wq.isCongested(0));
            assertFalse(wq.isCongested(1));
            probe(rt, Set.of(), 0);
            assertEquals(1, started.get(), "max_active 1 on cpu 0");
            assertBooks(wq, 1, 2, "max_active 1 on cpu 0");
            wq.setMaxActive(3);
            assertEquals(3, wq.maxActive());
            assertBooks(wq, 3, 0, "raising max_active activates the waiting items in the same call");
            await(three, "all three items after raising max_active");
            assertFalse(wq.isCongested(0));
            gate.countDown();
            flushIdle(wq);
            assertEquals(3, started.get());
        }
    }

    @Test
    void setMaxActive_lowered_runningItemsFinishAndNewLimitApplies() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("u3", Set.of(WorkqueueFlag.UNBOUND), 3);
            CountDownLatch gate = gates.gate();
            CountDownLatch three = new CountDownLatch(3);
            AtomicInteger finishedFirst = new AtomicInteger();
            for (int i = 0; i < 3; i++) {
                assertTrue(wq.queue(new Work(self -> {
                    three.countDown();
                    gate.await(20, SECONDS);
                    finishedFirst.incrementAndGet();
                })));
            }
            await(three, "three items at max_active 3");
            assertBooks(wq, 3, 0, "three running at max_active 3");
            wq.setMaxActive(1);
            assertEquals(1, wq.maxActive());
            assertBooks(wq, 3, 0, "lowering max_active leaves the running items active");
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            AtomicInteger laterStartedEarly = new AtomicInteger();
            for (int i = 0; i < 6; i++) {
                assertTrue(wq.queue(new Work(self -> {
                    if (gate.getCount() != 0) {
                        laterStartedEarly.incrementAndGet();
                    }
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    for (int s = 0; s < 5; s++) {
                        Thread.yield();
                    }
                    inside.decrementAndGet();
                })));
            }
            assertTrue(wq.isCongested(0), "new items wait: 3 active over the lowered limit of 1");
            assertBooks(wq, 3, 6, "three active over the lowered limit, six waiting");
            probe(rt, Set.of(WorkqueueFlag.UNBOUND), 0);
            assertEquals(0, laterStartedEarly.get());
            gate.countDown();
            flushIdle(wq);
            assertEquals(3, finishedFirst.get(), "running items finish after lowering the limit");
            assertEquals(0, laterStartedEarly.get());
            assertEquals(1, maxInside.get(), "later items run one at a time under the lowered limit");
        }
    }

    @Test
    void setMaxActive_zero_meansDefault1024() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("q", Set.of(), 5);
            assertEquals(5, wq.maxActive());
            wq.setMaxActive(0);
            assertEquals(1024, wq.maxActive());
            wq.setMaxActive(2048);
            assertEquals(2048, wq.maxActive());
            wq.setMaxActive(1);
            assertEquals(1, wq.maxActive());
            assertEquals(1024, rt.alloc("dfl", Set.of(), 0).maxActive(), "alloc with 0");
            assertEquals(1024, rt.alloc("dflu", Set.of(WorkqueueFlag.UNBOUND), 0).maxActive());
            assertEquals(1024, rt.system().maxActive());
            assertEquals(2048, rt.systemUnbound().maxActive());
            assertEquals(1, rt.create("legacy").maxActive());
        }
    }

    @Test
    void setMaxActive_outOfRange_throwsIllegalArgumentAndKeepsValue() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.alloc("q", Set.of(), 7);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wq.setMaxActive(-1));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> wq.setMaxActive(2049));
            assertTrue(e.getMessage().contains("2049"), e.getMessage());
            assertEquals(7, wq.maxActive());
            assertThrows(IllegalArgumentException.class, () -> rt.alloc("bad", Set.of(), 2049));
            assertThrows(IllegalArgumentException.class, () -> rt.alloc("bad", Set.of(), -1));
        }
    }

    // ------------------------------------------------------------------ isCongested

    @Test
    void isCongested_itemsWaitingOnInactiveList_trueOnlyForThatCpuThenFalse() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Closer closer = closeWithin(rt); Gates gates = new Gates()) {
            Workqueue wq = rt.alloc("b1", Set.of(), 1);
            assertFalse(wq.isCongested(0), "idle");
            assertFalse(wq.isCongested(1), "idle");
            CountDownLatch gate = gates.gate();
            CountDownLatch started = new CountDownLatch(1);
            assertTrue(wq.queueOn(0, new Work(self -> {
                started.countDown();
                blockOn(gate);
            })));
            await(started, "blocker");
            assertFalse(wq.isCongested(0), "one active item at max_active 1 is not congestion");
            AtomicInteger waitingRuns = new AtomicInteger();
            Work waiting = new Work(self -> waitingRuns.incrementAndGet());
            assertTrue(wq.queueOn(0, waiting));
            assertTrue(wq.isCongested(0), "an item waits on cpu 0's inactive list");
            assertFalse(wq.isCongested(1), "cpu 1 has nothing waiting");
            assertBooks(wq, 1, 1, "one active, one waiting");
            assertThrows(IllegalArgumentException.class, () -> wq.isCongested(2));
            // A cancelled inactive item no longer congests.
            assertTrue(waiting.cancel());
            assertFalse(wq.isCongested(0), "cancelled the only waiting item");
            assertBooks(wq, 1, 0, "the cancelled waiting item held no slot");
            assertTrue(wq.queueOn(0, waiting));
            assertTrue(wq.isCongested(0));
            assertBooks(wq, 1, 1, "requeued behind the blocker");
            gate.countDown();
            flushIdle(wq);
            assertEquals(1, waitingRuns.get());
            assertFalse(wq.isCongested(0), "after flush");
            assertFalse(wq.isCongested(1), "after flush");
        }
    }
}
