package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static io.jworkqueue.UnboundPodsTest.CPU;
import static io.jworkqueue.UnboundPodsTest.modelled;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code apply_workqueue_attrs} for real (issue 12): new pwqs swapped in while the old ones
 * finish what they hold; flush, drain and destroy cover the old ones; ordered workqueues keep
 * FIFO across the swap.
 */
@Timeout(60)
class ApplyAttrsTest {
    private final Helpers helpers = new Helpers("apply-attrs");

    @AfterEach
    void tearDown() throws Exception {
        helpers.close();
    }

    /** A cycle of attributes that changes the pods, the pools and the strictness each time. */
    static WorkqueueAttrs attrs(int i) {
        AffinityScope[] scopes = {AffinityScope.CPU, AffinityScope.SYSTEM, AffinityScope.CACHE, AffinityScope.SMT};
        return WorkqueueAttrs.builder().affinityScope(scopes[i % scopes.length]).nice(i % 3)
                .affinityStrict(i % 2 == 0).build();
    }

    @Test
    void applyAttrs_underLoad_everyItemRunsExactlyOnce() throws Exception {
        int producers = 4, perProducer = 5_000;
        try (WorkqueueRuntime rt = modelled(4, Topology.model(2, 2, 1), AffinityScope.CACHE)) {
            Workqueue wq = unbound(rt, "aa_load", 0);
            AtomicIntegerArray runs = new AtomicIntegerArray(producers * perProducer);
            AtomicBoolean producing = new AtomicBoolean(true);
            List<Future<?>> fs = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int base = p * perProducer, cpu = p;
                fs.add(helpers.submit(() -> {
                    CPU.set(cpu);
                    for (int i = 0; i < perProducer; i++) {
                        int idx = base + i;
                        assertTrue(wq.queue(new Work(self -> runs.incrementAndGet(idx))));
                    }
                    return null;
                }));
            }
            int applied = 0;
            while (!fs.stream().allMatch(Future::isDone) || applied < 20) {
                wq.applyAttrs(attrs(applied++));
            }
            producing.set(false);
            for (Future<?> f : fs) {
                f.get(WAIT_S, SECONDS);
            }
            wq.flush();
            for (int i = 0; i < runs.length(); i++) {
                assertEquals(1, runs.get(i), "item " + i + " ran " + runs.get(i) + " times");
            }
            assertEquals((long) producers * perProducer, wq.stats().completed(), "the released pwqs' counts are kept");
            assertEquals(attrs(applied - 1), wq.attrs());
            assertTrue(wq.info().getPools().length <= 4, "old pwqs are released once drained");
        }
    }

    @Test
    void applyAttrs_requeueingItemUnderLoad_neverRunsConcurrentlyWithItself() throws Exception {
        try (WorkqueueRuntime rt = modelled(4, Topology.model(1, 4, 1), AffinityScope.CPU)) {
            Workqueue wq = unbound(rt, "aa_self", 0);
            AtomicInteger inside = new AtomicInteger(), overlaps = new AtomicInteger(), runs = new AtomicInteger();
            int total = 3_000;
            CountDownLatch done = new CountDownLatch(1);
            Work w = new Work(self -> {
                if (inside.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                int n = runs.incrementAndGet();
                inside.decrementAndGet();
                if (n < total) {
                    CPU.set(n % 4);
                    wq.queue(self);
                } else {
                    done.countDown();
                }
            });
            assertTrue(wq.queue(w));
            for (int i = 0; done.getCount() > 0 && i < 10_000; i++) {
                wq.applyAttrs(attrs(i));
            }
            await(done, "the self-requeueing chain");
            wq.flush();
            assertEquals(total, runs.get());
            assertEquals(0, overlaps.get(), "non-reentrancy held across the swaps");
        }
    }

    @Test
    void ordered_repeatedApplyAttrs_keepsFifo() throws Exception {
        try (WorkqueueRuntime rt = modelled(4, Topology.model(2, 2, 1), AffinityScope.CACHE);
             Gates gates = new Gates()) {
            Workqueue wq = rt.allocOrdered("aa_ordered", Set.of());
            CountDownLatch gate = gates.gate();
            CountDownLatch firstStarted = new CountDownLatch(1);
            List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
            // The first item holds the first pwq busy so the swaps find old pwqs that are not empty.
            assertTrue(wq.queue(new Work(self -> {
                firstStarted.countDown();
                assertTrue(gate.await(WAIT_S, SECONDS));
                order.add(-1);
            })));
            await(firstStarted, "the first item");
            int n = 3_000;
            Future<?> producer = helpers.submit(() -> {
                for (int i = 0; i < n; i++) {
                    int v = i;
                    CPU.set(i % 4);
                    assertTrue(wq.queue(new Work(self -> order.add(v))));
                }
                return null;
            });
            for (int i = 0; i < 5; i++) {
                wq.applyAttrs(attrs(i));
            }
            gate.countDown();
            for (int i = 5; !producer.isDone() || i < 30; i++) {
                wq.applyAttrs(attrs(i).toBuilder().cpus(UnboundPodsTest.cpus(i % 4, (i + 1) % 4)).build());
            }
            producer.get(WAIT_S, SECONDS);
            wq.flush();
            assertEquals(n + 1, order.size());
            assertEquals(-1, order.get(0));
            for (int i = 0; i < n; i++) {
                assertEquals(i, order.get(i + 1), "FIFO broken at " + i);
            }
            assertEquals(1, wq.info().getPools().length, "one pwq left once the old ones drained");
        }
    }

    @Test
    void ordered_applyAttrs_newItemsWaitForTheOldPwqToDrain() throws Exception {
        try (WorkqueueRuntime rt = modelled(2, Topology.model(1, 2, 1), AffinityScope.CPU);
             Gates gates = new Gates()) {
            Workqueue wq = rt.allocOrdered("aa_plug", Set.of());
            Blocker old = startBlocker(wq);
            wq.applyAttrs(WorkqueueAttrs.builder().cpus(UnboundPodsTest.cpus(1)).build());
            CountDownLatch ran = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> {
                assertTrue(old.finished.get(), "the new pwq started before the old one drained");
                ran.countDown();
            })));
            assertEquals(2, wq.info().getPools().length, "old and new pwq both linked");
            assertEquals(1, ran.getCount());
            old.release();
            await(ran, "the item on the new pwq");
        }
    }

    /**
     * A workqueue with one pwq skips the shared max_active budget; applyAttrs makes that pwq use it
     * before the new pwqs are linked, so items active on it count against the new pods too.
     */
    @Test
    void maxActive_activeOnTheOnlyPwq_countAfterApplyAttrsAddsPods() throws Exception {
        try (WorkqueueRuntime rt = modelled(4, Topology.model(2, 2, 1), AffinityScope.SYSTEM);
             Gates gates = new Gates()) {
            Workqueue wq = unbound(rt, "aa_budget", 2);
            CountDownLatch gate = gates.gate();
            AtomicInteger inside = new AtomicInteger(), maxInside = new AtomicInteger();
            CountDownLatch firstTwo = new CountDownLatch(2);
            int n = 6;
            CountDownLatch all = new CountDownLatch(n);
            Runnable body = () -> {
                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                firstTwo.countDown();
                try {
                    assertTrue(gate.await(WAIT_S, SECONDS), "gate never opened");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inside.decrementAndGet();
                    all.countDown();
                }
            };
            for (int i = 0; i < 2; i++) {
                assertTrue(wq.queue(new Work(self -> body.run())));
            }
            await(firstTwo, "two items active on the only pwq");
            wq.applyAttrs(WorkqueueAttrs.builder().affinityScope(AffinityScope.CPU).build()); // four pods
            for (int cpu = 0; cpu < n - 2; cpu++) {
                CPU.set(cpu);
                assertTrue(wq.queue(new Work(self -> body.run())));
            }
            CPU.set(0);
            awaitTrue(() -> wq.info().getNrActive() + wq.info().getNrInactive() == n, "every item linked");
            assertBooks(wq, 2, n - 2, "the two old items hold both slots; the new pods' items wait");
            assertEquals(2, inside.get());
            gate.countDown();
            await(all, "all items");
            flushIdle(wq);
            assertEquals(2, maxInside.get(), "max concurrent over the old and the new pwqs");
        }
    }

    @Test
    void flush_afterApplyAttrs_waitsForItemsOnTheOldPwqs() throws Exception {
        try (WorkqueueRuntime rt = modelled(2, Topology.model(1, 2, 1), AffinityScope.CPU)) {
            Workqueue wq = unbound(rt, "aa_flush", 0);
            Blocker b = startBlocker(wq);
            wq.applyAttrs(WorkqueueAttrs.builder().affinityScope(AffinityScope.SYSTEM).nice(3).build());
            CountDownLatch newRan = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> newRan.countDown())));
            await(newRan, "an item on the new pwq, beside the old one's blocker");
            Future<?> flush = helpers.submit(() -> {
                wq.flush();
                return null;
            });
            Future<?> drain = helpers.submit(() -> {
                wq.drain();
                return null;
            });
            assertStillBlocked(flush, "flush while the old pwq still runs an item");
            assertStillBlocked(drain, "drain while the old pwq still runs an item");
            b.release();
            flush.get(WAIT_S, SECONDS);
            drain.get(WAIT_S, SECONDS);
            assertTrue(b.finished.get());
        }
    }

    @Test
    void destroy_afterApplyAttrs_runsWhatTheOldPwqsHold() throws Exception {
        try (WorkqueueRuntime rt = modelled(2, Topology.model(1, 2, 1), AffinityScope.CPU)) {
            Workqueue wq = unbound(rt, "aa_destroy", 1);
            Blocker b = startBlocker(wq);
            AtomicInteger ran = new AtomicInteger();
            assertTrue(wq.queue(new Work(self -> ran.incrementAndGet()))); // inactive behind the blocker
            wq.applyAttrs(WorkqueueAttrs.builder().nice(2).build());
            assertTrue(wq.queue(new Work(self -> ran.incrementAndGet())));
            Future<?> destroy = helpers.submit(() -> {
                wq.destroy();
                return null;
            });
            assertStillBlocked(destroy, "destroy while the old pwq runs an item");
            b.release();
            destroy.get(WAIT_S, SECONDS);
            assertEquals(2, ran.get());
            assertTrue(wq.isDestroyed());
        }
    }

    @Test
    void applyAttrs_badInput_refusedNamingTheWorkqueue() throws Exception {
        try (WorkqueueRuntime rt = modelled(2, Topology.flat(2), AffinityScope.CACHE)) {
            Workqueue wq = unbound(rt, "aa_bad", 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> wq.applyAttrs(WorkqueueAttrs.builder().cpus(UnboundPodsTest.cpus(2)).build()));
            assertTrue(e.getMessage().contains("aa_bad"), e.getMessage());
            assertEquals(WorkqueueAttrs.defaults(), wq.attrs(), "unchanged");
            wq.destroy();
            assertThrows(IllegalStateException.class, () -> wq.applyAttrs(WorkqueueAttrs.defaults()));
        }
    }
}
