package io.jworkqueue;

import static io.jworkqueue.TestSupport.*;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Unbound pools per pod and attributes (SEMANTICS.md section 11, issue 12): routing by the
 * issuing CPU's pod, shared pools, strict and non-strict pods, nice and naming.
 */
@Timeout(60)
class UnboundPodsTest {

    /** The "current CPU" of each test thread: set per thread, read by the runtime's locator. */
    static final ThreadLocal<Integer> CPU = ThreadLocal.withInitial(() -> 0);
    static final IntSupplier LOCATOR = () -> CPU.get();

    static WorkqueueRuntime modelled(int cpus, Topology t, AffinityScope scope) {
        return WorkqueueRuntime.builder().cpus(cpus).topology(t).defaultAffinityScope(scope)
                .cpuLocator(LOCATOR).cpuIntensiveThreshold(Duration.ofHours(1)).build();
    }

    static BitSet cpus(int... c) {
        BitSet b = new BitSet();
        for (int x : c) {
            b.set(x);
        }
        return b;
    }

    /** The unbound pools of the runtime, by id. */
    static List<PoolInfo> unboundPools(WorkqueueRuntime rt) {
        List<PoolInfo> l = new ArrayList<>();
        for (PoolInfo p : rt.poolInfos()) {
            if (p.isUnbound()) {
                l.add(p);
            }
        }
        return l;
    }

    static PoolInfo pool(WorkqueueRuntime rt, int id) {
        for (PoolInfo p : rt.poolInfos()) {
            if (p.getId() == id) {
                return p;
            }
        }
        throw new AssertionError("no pool " + id + " in " + rt.poolInfos());
    }

    /** Runs one item queued from {@code cpu} and returns the name of the thread that ran it. */
    static String runFrom(Workqueue wq, int cpu) throws InterruptedException {
        AtomicReference<String> name = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        CPU.set(cpu);
        try {
            assertTrue(wq.queue(new Work(self -> {
                name.set(Thread.currentThread().getName());
                ran.countDown();
            })));
        } finally {
            CPU.remove();
        }
        await(ran, "an item queued from cpu " + cpu);
        return name.get();
    }

    static int poolIdOf(String threadName) {
        assertTrue(threadName.startsWith("kworker/u"), threadName);
        return Integer.parseInt(threadName.substring("kworker/u".length(), threadName.indexOf(':')));
    }

    // ------------------------------------------------------------------ pods and sharing

    @Test
    void unbound_queuedFromACpu_runsOnThePoolOfThatCpusPod() throws Exception {
        try (WorkqueueRuntime rt = modelled(4, Topology.model(2, 2, 1), AffinityScope.CACHE)) {
            // the workqueue keeps AffinityScope.DEFAULT: the runtime's default scope, CACHE
            Workqueue wq = unbound(rt, "pods", 0);
            assertEquals(2, wq.info().getPools().length, "the cache scope of 2 nodes: two pods");
            int p0 = poolIdOf(runFrom(wq, 0));
            int p1 = poolIdOf(runFrom(wq, 1));
            int p2 = poolIdOf(runFrom(wq, 2));
            int p3 = poolIdOf(runFrom(wq, 3));
            assertEquals(p0, p1, "CPUs 0 and 1 share a pod");
            assertEquals(p2, p3, "CPUs 2 and 3 share a pod");
            assertNotEquals(p0, p2);
            assertEquals("0-1", pool(rt, p0).getCpus());
            assertEquals("2-3", pool(rt, p2).getCpus());
            assertEquals(0, pool(rt, p0).getNice());
        }
    }

    @Test
    void pools_equalAttrsShared_differentAttrsNot() throws Exception {
        try (WorkqueueRuntime rt = modelled(4, Topology.model(2, 2, 1), AffinityScope.CACHE)) {
            Workqueue a = unbound(rt, "share_a", 0);
            Workqueue b = unbound(rt, "share_b", 0);
            assertArrayEquals(sorted(a.info().getPools()), sorted(b.info().getPools()), "equal attrs: same pools");
            Workqueue c = unbound(rt, "share_c", 0);
            c.applyAttrs(WorkqueueAttrs.builder().nice(5).build());
            int[] cp = sorted(c.info().getPools());
            assertEquals(2, cp.length);
            for (int id : cp) {
                assertFalse(Arrays.stream(a.info().getPools()).anyMatch(x -> x == id), "nice 5 gets pools of its own");
                assertEquals(5, pool(rt, id).getNice());
            }
            b.applyAttrs(WorkqueueAttrs.builder().nice(5).build());
            assertArrayEquals(cp, sorted(b.info().getPools()), "b now equals c: their pools are shared");
            // A pod of one scope is never shared with another scope's pod of other CPUs.
            Workqueue d = unbound(rt, "share_d", 0);
            d.applyAttrs(WorkqueueAttrs.builder().affinityScope(AffinityScope.SYSTEM).build());
            assertEquals(1, d.info().getPools().length);
            assertEquals("0-3", pool(rt, d.info().getPools()[0]).getCpus());
        }
    }

    @Test
    void pools_lastUserGone_poolIsRetired() throws Exception {
        try (WorkqueueRuntime rt = modelled(2, Topology.flat(2), AffinityScope.CACHE)) {
            int before = unboundPools(rt).size();
            Workqueue wq = unbound(rt, "retire_me", 0);
            wq.applyAttrs(WorkqueueAttrs.builder().nice(7).build());
            int id = wq.info().getPools()[0];
            runFrom(wq, 0);
            assertEquals(before + 1, unboundPools(rt).size());
            wq.destroy();
            assertEquals(before, unboundPools(rt).size(), "the nice-7 pool went with its last workqueue");
            assertTrue(rt.poolInfos().stream().noneMatch(p -> p.getId() == id));
        }
    }

    @Test
    void cpus_podOutsideTheCpumask_fallsBackToTheCpumask() throws Exception {
        try (WorkqueueRuntime rt = modelled(4, Topology.model(2, 2, 1), AffinityScope.CACHE)) {
            Workqueue wq = unbound(rt, "mask", 0);
            wq.applyAttrs(WorkqueueAttrs.builder().cpus(cpus(0)).build());
            int[] pools = wq.info().getPools();
            assertEquals(1, pools.length, "pod 2-3 has none of the cpumask: it uses the cpumask itself, 0");
            assertEquals("0", pool(rt, pools[0]).getCpus());
            assertEquals(pools[0], poolIdOf(runFrom(wq, 3)));
        }
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    // ------------------------------------------------------------------ nice and names

    @Test
    void nice_mapsToThreadPriority_andHighpriPoolsAreNamedH() throws Exception {
        try (WorkqueueRuntime rt = modelled(2, Topology.flat(2), AffinityScope.CACHE)) {
            Workqueue fav = unbound(rt, "nice_fav", 0);
            fav.applyAttrs(WorkqueueAttrs.builder().nice(-10).build());
            Workqueue low = unbound(rt, "nice_low", 0);
            low.applyAttrs(WorkqueueAttrs.builder().nice(10).build());
            Workqueue hi = rt.alloc("nice_hi", Set.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.HIGHPRI), 0);
            assertTrue(priorityOf(fav) > Thread.NORM_PRIORITY, "nice < 0 runs above NORM_PRIORITY");
            assertTrue(priorityOf(low) < Thread.NORM_PRIORITY, "nice > 0 runs below NORM_PRIORITY");
            assertEquals(Thread.NORM_PRIORITY, priorityOf(unbound(rt, "nice_zero", 0)));
            assertEquals(Thread.MAX_PRIORITY, priorityOf(hi));
            String name = runFrom(hi, 0);
            assertTrue(name.matches("kworker/u\\d+:\\d+H"), name);
            assertTrue(runFrom(low, 0).matches("kworker/u\\d+:\\d+"));
            PoolInfo hp = pool(rt, poolIdOf(name));
            assertTrue(hp.isHighpri());
            assertEquals(-20, hp.getNice());
            assertEquals(-10, pool(rt, fav.info().getPools()[0]).getNice());
        }
    }

    private static int priorityOf(Workqueue wq) throws InterruptedException {
        AtomicInteger prio = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        wq.queue(new Work(self -> {
            prio.set(Thread.currentThread().getPriority());
            ran.countDown();
        }));
        await(ran, "priority probe");
        return prio.get();
    }

    // ------------------------------------------------------------------ strict and non-strict

    /**
     * Pod 0 (CPU 0) is kept busy by a spinning item (counted running: it neither blocks nor, with
     * the threshold at an hour, becomes CPU-intensive) with a second item waiting behind it. A
     * third item queued from CPU 0 goes to the idle neighbour pod when not strict and runs while
     * the spinner still spins; when strict it waits on pod 0.
     */
    @Test
    void nonStrict_busyPod_lendsToAnIdleNeighbour() throws Exception {
        assertLending(false);
    }

    @Test
    void strict_busyPod_neverLends() throws Exception {
        assertLending(true);
    }

    private static void assertLending(boolean strict) throws Exception {
        AtomicBoolean spin = new AtomicBoolean(true);
        try (WorkqueueRuntime rt = modelled(2, Topology.model(1, 2, 1), AffinityScope.CPU)) {
            Workqueue wq = unbound(rt, strict ? "lend_strict" : "lend", 0);
            wq.applyAttrs(WorkqueueAttrs.builder().affinityStrict(strict).build());
            CountDownLatch spinning = new CountDownLatch(1);
            AtomicReference<String> spinner = new AtomicReference<>();
            CPU.set(0);
            try {
                wq.queue(new Work(self -> {
                    spinner.set(Thread.currentThread().getName());
                    spinning.countDown();
                    while (spin.get()) {
                        Thread.onSpinWait();
                    }
                }));
                await(spinning, "the spinner");
                CountDownLatch secondRan = new CountDownLatch(1);
                CountDownLatch thirdRan = new CountDownLatch(1);
                AtomicReference<String> third = new AtomicReference<>();
                wq.queue(new Work(self -> secondRan.countDown()));
                wq.queue(new Work(self -> {
                    third.set(Thread.currentThread().getName());
                    thirdRan.countDown();
                }));
                int home = poolIdOf(spinner.get());
                if (strict) {
                    assertEquals(2, pool(rt, home).getPending(), "both wait on pod 0: " + rt.poolInfos());
                    assertEquals(1, thirdRan.getCount());
                } else {
                    await(thirdRan, "the lent item, while pod 0 spins");
                    assertTrue(spin.get());
                    assertNotEquals(home, poolIdOf(third.get()), "ran on the neighbour pod");
                    assertEquals(1, secondRan.getCount(), "the second waits behind the spinner on pod 0");
                }
                spin.set(false);
                await(secondRan, "the second item");
                await(thirdRan, "the third item");
                if (strict) {
                    assertEquals(home, poolIdOf(third.get()), "strict: it ran on pod 0");
                }
            } finally {
                spin.set(false);
                CPU.remove();
            }
        }
    }
}
