package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Ordered workqueues (SEMANTICS.md section 5): one item at a time, in queueing order. */
class OrderedTest {

    // ------------------------------------------------------------------ properties

    @Test
    void allocOrdered_properties_orderedUnboundMaxActiveOne() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.allocOrdered("ord", Set.of());
            assertTrue(wq.isOrdered());
            assertTrue(wq.flags().contains(WorkqueueFlag.UNBOUND), "ordered implies UNBOUND: " + wq.flags());
            assertEquals(1, wq.maxActive());
            assertEquals("ord", wq.name());
            Workqueue hp = rt.allocOrdered("ordhp", EnumSet.of(WorkqueueFlag.HIGHPRI, WorkqueueFlag.FREEZABLE));
            assertTrue(hp.isOrdered());
            assertEquals(EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.HIGHPRI, WorkqueueFlag.FREEZABLE), hp.flags());
            assertFalse(rt.alloc("plain", Set.of(), 1).isOrdered(), "max_active 1 alone does not make it ordered");
            assertFalse(rt.alloc("plainu", Set.of(WorkqueueFlag.UNBOUND), 1).isOrdered());
        }
    }

    @Test
    void setMaxActive_onOrdered_throwsIllegalStateAndKeepsOne() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.allocOrdered("ord", Set.of());
            assertThrows(IllegalStateException.class, () -> wq.setMaxActive(4));
            assertThrows(IllegalStateException.class, () -> wq.setMaxActive(0));
            assertThrows(IllegalStateException.class, () -> wq.setMaxActive(1));
            assertEquals(1, wq.maxActive());
            Workqueue st = rt.createSinglethread("st");
            assertThrows(IllegalStateException.class, () -> st.setMaxActive(2));
            assertEquals(1, st.maxActive());
        }
    }

    @Test
    void createSinglethread_properties_orderedUnboundMemReclaim() {
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.createSinglethread("st");
            assertTrue(wq.isOrdered());
            assertTrue(wq.flags().contains(WorkqueueFlag.UNBOUND), wq.flags().toString());
            assertTrue(wq.flags().contains(WorkqueueFlag.MEM_RECLAIM), wq.flags().toString());
            assertEquals(1, wq.maxActive());
        }
    }

    // ------------------------------------------------------------------ ordering

    @Test
    void queue_singleProducerAcrossCpus_runsInQueueOrderOneAtATime() throws Exception {
        try (WorkqueueRuntime rt = newRuntime()) {
            for (Workqueue wq : List.of(rt.allocOrdered("ord", Set.of()), rt.createSinglethread("st"),
                    rt.allocOrdered("ordhp", Set.of(WorkqueueFlag.HIGHPRI)))) {
                int n = 2000;
                AtomicInteger inside = new AtomicInteger();
                AtomicInteger maxInside = new AtomicInteger();
                List<Integer> order = new CopyOnWriteArrayList<>();
                for (int i = 0; i < n; i++) {
                    int k = i;
                    Work w = new Work(self -> {
                        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        order.add(k);
                        if ((k & 7) == 0) {
                            Thread.yield();
                        }
                        inside.decrementAndGet();
                    });
                    // The CPU argument only selects the pod; ordering holds across CPUs.
                    assertTrue(i % 3 == 0 ? wq.queue(w) : wq.queueOn(i % 2, w));
                }
                wq.flush();
                assertEquals(n, order.size(), wq.name());
                for (int i = 0; i < n; i++) {
                    assertEquals(i, order.get(i), wq.name() + ": out of order at index " + i);
                }
                assertEquals(1, maxInside.get(), wq.name() + ": two items ran at once");
            }
        }
    }

    @Test
    void queue_severalProducers_eachProducersItemsRunInItsOrderNeverTwoAtOnce() throws Exception {
        long seed = 0x0DE7_1234L;
        System.out.println("seed=" + seed);
        try (WorkqueueRuntime rt = newRuntime()) {
            Workqueue wq = rt.allocOrdered("ord", Set.of());
            int producers = 4;
            int perProducer = 1500;
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            ConcurrentLinkedQueue<int[]> log = new ConcurrentLinkedQueue<>();
            CyclicBarrier start = new CyclicBarrier(producers);
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int pp = p;
                Random rnd = new Random(seed + p);
                Thread t = new Thread(() -> {
                    try {
                        start.await(10, SECONDS);
                        for (int i = 0; i < perProducer; i++) {
                            int k = i;
                            Work w = new Work(self -> {
                                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                                log.add(new int[] {pp, k});
                                for (int s = 0; s < 50; s++) {
                                    Thread.onSpinWait();
                                }
                                inside.decrementAndGet();
                            });
                            if (!wq.queueOn(rnd.nextInt(2), w)) {
                                throw new AssertionError("queue of a fresh item returned false");
                            }
                            if (rnd.nextInt(16) == 0) {
                                Thread.yield();
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "producer-" + p);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join(30_000);
                assertFalse(t.isAlive());
            }
            assertEquals(List.of(), errors);
            wq.flush();
            assertEquals(producers * perProducer, log.size());
            int[] next = new int[producers];
            int index = 0;
            for (int[] e : log) {
                assertEquals(next[e[0]], e[1], "producer " + e[0] + " item out of order at log index " + index);
                next[e[0]]++;
                index++;
            }
            assertEquals(1, maxInside.get(), "two items of an ordered workqueue ran at once");
        }
    }

    @Test
    void queue_firstItemBlocks_laterItemsWaitUntilItFinishes() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.allocOrdered("ord", Set.of());
            // A plain unbound queue on the same runtime, to show the pool itself is not stuck.
            Workqueue other = rt.alloc("other", Set.of(WorkqueueFlag.UNBOUND), 0);
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch releaseFirst = gates.gate();
            List<String> order = new CopyOnWriteArrayList<>();
            AtomicInteger startedEarly = new AtomicInteger();
            Work first = new Work(self -> {
                order.add("first");
                firstStarted.countDown();
                releaseFirst.await(10, SECONDS);
                order.add("first-end");
            });
            assertTrue(wq.queueOn(0, first));
            await(firstStarted, "first item");
            for (int i = 0; i < 5; i++) {
                int k = i;
                assertTrue(wq.queueOn(i % 2, new Work(self -> {
                    if (releaseFirst.getCount() != 0) {
                        startedEarly.incrementAndGet();
                    }
                    order.add("item" + k);
                })));
            }
            assertTrue(wq.isCongested(0), "later items wait on the inactive list");
            assertTrue(wq.isCongested(1), "ordered: one pwq serves every cpu");
            // Unrelated unbound work still runs meanwhile, on the same unbound pool.
            CountDownLatch otherRan = new CountDownLatch(1);
            assertTrue(other.queue(new Work(self -> otherRan.countDown())));
            await(otherRan, "unrelated unbound item");
            assertEquals(List.of("first"), order, "nothing else of the ordered workqueue may start yet");
            releaseFirst.countDown();
            wq.flush();
            assertEquals(List.of("first", "first-end", "item0", "item1", "item2", "item3", "item4"), order);
            assertEquals(0, startedEarly.get());
            assertFalse(wq.isCongested(0));
        }
    }

    @Test
    void queue_itemRequeuesItselfWhileOthersWait_requeuedInstanceRunsAfterThem() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.allocOrdered("ord", Set.of());
            CountDownLatch aStarted = new CountDownLatch(1);
            CountDownLatch others = gates.gate();
            List<String> order = new CopyOnWriteArrayList<>();
            AtomicInteger aRuns = new AtomicInteger();
            Work a = new Work(self -> {
                int n = aRuns.incrementAndGet();
                order.add("a" + n);
                if (n == 1) {
                    aStarted.countDown();
                    // Wait until b and c are queued behind this run, then requeue: the new
                    // instance is queued after them, so it must run after them.
                    others.await(10, SECONDS);
                    if (!wq.queue(self)) {
                        order.add("requeue-refused");
                    }
                }
            });
            assertTrue(wq.queue(a));
            await(aStarted, "first run of a");
            assertTrue(wq.queueOn(0, new Work(self -> order.add("b"))));
            assertTrue(wq.queueOn(1, new Work(self -> order.add("c"))));
            others.countDown();
            a.flush(); // may return false: the whole chain can finish before this call
            wq.flush();
            assertEquals(List.of("a1", "b", "c", "a2"), order);
        }
    }

    /**
     * A retiring item hands its slot to the oldest waiting one, which the same worker then runs
     * straight from the inactive list (WorkerPool.handOff): a chain of 400 items queued behind a
     * held first item takes that path for almost every item. Meanwhile the grabbers work on
     * the waiting items: every third is cancelled, one is flushed from another thread (its
     * barrier is linked behind it, so it goes through the worklist instead), one is re-queued
     * after it was cancelled (it must run last, once). The survivors run once each, in queueing
     * order, never two at once; the flush returns only after its item ran; the books are idle.
     */
    @Test
    void queue_chainBehindAHeldItem_cancelsAndAFlushOfWaitingItems_survivorsRunOnceInOrder() throws Exception {
        try (WorkqueueRuntime rt = newRuntime(); Gates gates = new Gates()) {
            Workqueue wq = rt.allocOrdered("ord-chain", Set.of());
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch releaseFirst = gates.gate();
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            List<Integer> order = new CopyOnWriteArrayList<>();
            assertTrue(wq.queue(new Work(self -> {
                firstStarted.countDown();
                releaseFirst.await(10, SECONDS);
            })));
            await(firstStarted, "the first item");
            int n = 400;
            int flushed = 200;
            int requeued = 3;
            Work[] items = new Work[n];
            for (int i = 0; i < n; i++) {
                int k = i;
                items[i] = new Work(self -> {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    order.add(k);
                    inside.decrementAndGet();
                });
                assertTrue(wq.queueOn(i % 2, items[i]));
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (i % 3 == 0 && i != flushed) {
                    assertTrue(items[i].cancel(), "item " + i + " waits behind the first: pending");
                } else {
                    expected.add(i);
                }
            }
            assertTrue(wq.queue(items[requeued]), "a cancelled item may be queued again");
            expected.add(requeued);
            AtomicInteger ranWhenFlushReturned = new AtomicInteger(-1);
            boolean[] flushResult = new boolean[1];
            Thread flusher = new Thread(() -> {
                flushResult[0] = items[flushed].flush();
                ranWhenFlushReturned.set(order.contains(flushed) ? 1 : 0);
            }, "flusher");
            flusher.start();
            // Parked in its barrier's wait: the barrier is linked behind the waiting item.
            awaitTrue(() -> flusher.getState() == Thread.State.WAITING && java.util.Arrays.stream(flusher.getStackTrace())
                    .anyMatch(f -> f.getClassName().endsWith(".Barrier")), "the flush of a waiting item to wait");
            assertEquals(List.of(), order, "nothing may start before the first item returns");
            releaseFirst.countDown();
            flusher.join(10_000);
            assertFalse(flusher.isAlive(), "the flush did not return");
            assertTrue(flushResult[0], "the flushed item was pending");
            assertEquals(1, ranWhenFlushReturned.get(), "the flush returned before its item ran");
            flushIdle(wq);
            assertEquals(expected, order);
            assertEquals(1, maxInside.get(), "two items of an ordered workqueue ran at once");
            assertEquals(expected.size() + 1, wq.info().getCompleted(), books(wq));
        }
    }
}
