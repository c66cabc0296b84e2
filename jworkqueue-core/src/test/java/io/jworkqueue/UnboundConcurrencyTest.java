package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static io.jworkqueue.UnboundPodsTest.CPU;
import static io.jworkqueue.UnboundPodsTest.modelled;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrency management of unbound pools (issue 12 point 5, a departure from the kernel,
 * docs/DESIGN.md): about as many counted running workers per pod as it has CPUs, blocking
 * detected as on bound pools, and max_active exact system-wide over several pods.
 */
@Timeout(60)
class UnboundConcurrencyTest {
    private final Helpers helpers = new Helpers("unbound-cm");

    @AfterEach
    void tearDown() throws Exception {
        helpers.close();
    }

    /**
     * Four pods (scope CPU), four producers queueing from different CPUs, max_active 3: items
     * wait on a semaphore (blocked, so their pods start others); the semaphore hands out one
     * permit at a time, each only once three items run again (or all have started). The number
     * of items running at once reaches 3 and never exceeds it.
     */
    @Test
    void maxActive_severalPods_exactSystemWide() throws Exception {
        int producers = 4, perProducer = 15, max = 3;
        try (WorkqueueRuntime rt = modelled(4, Topology.model(1, 4, 1), AffinityScope.CPU)) {
            Workqueue wq = unbound(rt, "cm_max", max);
            assertEquals(4, wq.info().getPools().length);
            AtomicInteger running = new AtomicInteger(), peak = new AtomicInteger(), started = new AtomicInteger();
            Semaphore permits = new Semaphore(0);
            List<Future<?>> fs = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int cpu = p;
                fs.add(helpers.submit(() -> {
                    CPU.set(cpu);
                    for (int i = 0; i < perProducer; i++) {
                        assertTrue(wq.queue(new Work(self -> {
                            started.incrementAndGet();
                            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                            try {
                                assertTrue(permits.tryAcquire(WAIT_S, SECONDS));
                            } finally {
                                running.decrementAndGet();
                            }
                        })));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(WAIT_S, SECONDS);
            }
            int total = producers * perProducer;
            for (int released = 0; released < total; released++) {
                int r = released;
                awaitTrue(() -> running.get() == Math.min(max, total - r), "max_active items to run again");
                permits.release();
            }
            wq.flush();
            assertEquals(total, started.get());
            assertEquals(max, peak.get(), "at most max_active items ran at once over all pods");
        }
    }

    @Test
    void setMaxActive_severalPods_raisedLimitStartsExactlyTheNewNumber() throws Exception {
        try (WorkqueueRuntime rt = modelled(4, Topology.model(1, 4, 1), AffinityScope.CPU);
             Gates gates = new Gates()) {
            Workqueue wq = unbound(rt, "cm_resize", 2);
            CountDownLatch gate = gates.gate();
            AtomicInteger running = new AtomicInteger(), peak = new AtomicInteger();
            for (int i = 0; i < 12; i++) {
                CPU.set(i % 4);
                assertTrue(wq.queue(new Work(self -> {
                    peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        assertTrue(gate.await(WAIT_S, SECONDS));
                    } finally {
                        running.decrementAndGet();
                    }
                })));
            }
            CPU.remove();
            awaitTrue(() -> running.get() == 2, "two items at max_active 2");
            wq.setMaxActive(5);
            awaitTrue(() -> running.get() == 5, "five items once max_active is 5");
            assertEquals(5, wq.info().getNrActive());
            gate.countDown();
            wq.flush();
            assertEquals(5, peak.get());
        }
    }

    @Test
    void maxActive_acrossApplyAttrs_oldAndNewPwqsShareIt() throws Exception {
        try (WorkqueueRuntime rt = modelled(2, Topology.model(1, 2, 1), AffinityScope.CPU)) {
            Workqueue wq = unbound(rt, "cm_swap", 2);
            Blocker a = startBlocker(wq);
            Blocker b = startBlocker(wq);
            wq.applyAttrs(WorkqueueAttrs.builder().affinityScope(AffinityScope.SYSTEM).build());
            CountDownLatch third = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> third.countDown())));
            WorkqueueInfo info = wq.info();
            assertEquals(2, info.getNrActive(), "the old pwqs hold both slots: " + info);
            assertEquals(1, info.getNrInactive(), "the item on the new pwq waits: " + info);
            a.release();
            await(third, "the waiting item once a slot of an old pwq came back");
            b.release();
            wq.flush();
        }
    }

    @Test
    void blockingItem_onAnUnboundPod_letsOthersStart() throws Exception {
        try (WorkqueueRuntime rt = modelled(1, Topology.flat(1), AffinityScope.CACHE)) {
            Workqueue wq = unbound(rt, "cm_block", 0);
            Blocker b = startBlocker(wq); // waits on a latch without the blocking hint
            CountDownLatch other = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> other.countDown())));
            await(other, "another item while the first one blocks on the one-CPU pod");
            assertFalse(b.finished.get());
            b.release();
            wq.flush();
        }
    }

    @Test
    void spinningItem_onAOneCpuPod_holdsTheOthersBack() throws Exception {
        // The other side of the concurrency target: a counted running item keeps its pod's
        // single slot, so the next item waits on the worklist rather than starting a thread.
        try (WorkqueueRuntime rt = modelled(1, Topology.flat(1), AffinityScope.CACHE)) {
            Workqueue wq = unbound(rt, "cm_spin", 0);
            java.util.concurrent.atomic.AtomicBoolean spin = new java.util.concurrent.atomic.AtomicBoolean(true);
            CountDownLatch spinning = new CountDownLatch(1);
            try {
                assertTrue(wq.queue(new Work(self -> {
                    spinning.countDown();
                    while (spin.get()) {
                        Thread.onSpinWait();
                    }
                })));
                await(spinning, "the spinner");
                CountDownLatch other = new CountDownLatch(1);
                assertTrue(wq.queue(new Work(self -> other.countDown())));
                PoolInfo pod = UnboundPodsTest.pool(rt, wq.info().getPools()[0]);
                assertEquals(1, pod.getPending(), "waits behind the counted spinner: " + pod);
                assertEquals(1, pod.getNrRunning());
                spin.set(false);
                await(other, "the second item once the spinner returned");
            } finally {
                spin.set(false);
            }
        }
    }

    @Test
    void burstOfTinyItems_onSystemUnbound_threadsStayBounded() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
            int before = rt.workerCount();
            Workqueue wq = rt.systemUnbound();
            AtomicInteger ran = new AtomicInteger();
            int producers = 2, each = 100_000;
            List<Future<?>> fs = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                fs.add(helpers.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        wq.queue(new Work(self -> ran.incrementAndGet()));
                    }
                    return null;
                }));
            }
            AtomicInteger peak = new AtomicInteger(before);
            Future<?> sampler = helpers.submit(() -> {
                while (!fs.stream().allMatch(Future::isDone)) {
                    peak.accumulateAndGet(rt.workerCount(), Math::max);
                    Thread.yield();
                }
            });
            for (Future<?> f : fs) {
                f.get(WAIT_S * 3, SECONDS);
            }
            sampler.get(WAIT_S, SECONDS);
            wq.flush();
            assertEquals(producers * each, ran.get());
            int added = Math.max(peak.get(), rt.workerCount()) - before;
            assertTrue(added <= 2 * rt.cpus() + 4, "threads added for the burst at most: " + added);
        }
    }
}
