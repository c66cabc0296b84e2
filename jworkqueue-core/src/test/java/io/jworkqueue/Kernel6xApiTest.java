package io.jworkqueue;

import static io.jworkqueue.TestSupport.await;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.internal.CpuList;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Linux 6.x names and helpers (API.md "Additions"): {@link WorkqueueFlag#PERCPU},
 * {@code systemPercpu()}/{@code systemDfl()}, {@link Workqueue#enableAndQueue}, the attributes
 * of unbound workqueues ({@link Workqueue#attrs()}, {@link Workqueue#applyAttrs}) and the
 * builder's topology and affinity options.
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Kernel6xApiTest {

    // ------------------------------------------------------------------ PERCPU and the system names

    @Test
    void percpu_alone_isBound() {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = rt.alloc("pcpu", Set.of(WorkqueueFlag.PERCPU), 0);
            assertFalse(wq.info().isUnbound());
            assertEquals(rt.cpus(), wq.info().getPools().length, "one pool workqueue per CPU");
            assertTrue(wq.flags().contains(WorkqueueFlag.PERCPU));
        }
    }

    @Test
    void percpu_keepsPowerEfficientBound_whereItWouldBeUnbound() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).powerEfficient(true).build()) {
            assertTrue(rt.alloc("pe", Set.of(WorkqueueFlag.POWER_EFFICIENT), 0).info().isUnbound());
            Workqueue wq = rt.alloc("pe-pcpu", EnumSet.of(WorkqueueFlag.POWER_EFFICIENT, WorkqueueFlag.PERCPU), 0);
            assertFalse(wq.info().isUnbound());
            assertThrows(IllegalStateException.class, wq::attrs);
        }
    }

    @Test
    void percpu_withUnboundOrOrdered_refusedNamingTheWorkqueue() {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> rt.alloc("both", EnumSet.of(WorkqueueFlag.PERCPU, WorkqueueFlag.UNBOUND), 0));
            assertEquals("workqueue 'both': PERCPU (bound) cannot be combined with UNBOUND", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> rt.allocOrdered("ord", Set.of(WorkqueueFlag.PERCPU)));
            assertEquals("workqueue 'ord': PERCPU (bound) cannot be combined with an ordered workqueue (always unbound)",
                    e.getMessage());
            assertEquals(0, rt.workqueues().stream().filter(w -> w.name().equals("both") || w.name().equals("ord")).count(),
                    "nothing allocated");
        }
    }

    @Test
    void systemPercpuAndSystemDfl_areTheKernelsNewNames() {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            assertSame(rt.system(), rt.systemPercpu());
            assertSame(rt.systemUnbound(), rt.systemDfl());
            assertFalse(rt.systemPercpu().info().isUnbound());
            assertTrue(rt.systemDfl().info().isUnbound());
            assertEquals(WorkqueueAttrs.defaults(), rt.systemDfl().attrs());
        }
    }

    // ------------------------------------------------------------------ enableAndQueue

    @Test
    void enableAndQueue_disabledItem_enabledAndRuns() throws InterruptedException {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            CountDownLatch ran = new CountDownLatch(1);
            Work w = new Work(self -> ran.countDown());
            w.disable();
            assertFalse(rt.system().queue(w), "a disabled item is not queued");
            assertTrue(rt.system().enableAndQueue(w));
            assertEquals(0, w.disableDepth());
            await(ran, "the item queued by enableAndQueue");
        }
    }

    @Test
    void enableAndQueue_depthStillAboveZero_returnsFalseAndDoesNotQueue() throws InterruptedException {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Workqueue wq = TestSupport.unbound(rt, "eaq", 0);
            AtomicInteger runs = new AtomicInteger();
            Work w = new Work(self -> runs.incrementAndGet());
            w.disable();
            w.disable();
            assertFalse(wq.enableAndQueue(w));
            assertEquals(1, w.disableDepth());
            assertFalse(w.isPending());
            wq.flush();
            assertEquals(0, runs.get(), "not queued while still disabled");
            assertTrue(wq.enableAndQueue(w));
            wq.flush();
            assertEquals(1, runs.get());
        }
    }

    @Test
    void enableAndQueue_notDisabled_throwsAndQueuesNothing() {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            Work w = new Work(self -> fail("must not run"));
            assertThrows(IllegalStateException.class, () -> rt.system().enableAndQueue(w));
            assertFalse(w.isPending());
            assertEquals("work", assertThrows(NullPointerException.class, () -> rt.system().enableAndQueue(null)).getMessage());
        }
    }

    // ------------------------------------------------------------------ attrs and applyAttrs

    @Test
    void attrs_boundWorkqueue_refusedNamingIt() {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> rt.system().attrs());
            assertTrue(e.getMessage().contains("'events'") && e.getMessage().contains("bound"), e.getMessage());
            Workqueue wq = rt.alloc("percpu-wq", Set.of(), 0);
            e = assertThrows(IllegalStateException.class, wq::attrs);
            assertTrue(e.getMessage().contains("'percpu-wq'"), e.getMessage());
        }
    }

    @Test
    void attrs_unboundAndOrdered_startAtTheDefaults() {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            assertEquals(WorkqueueAttrs.defaults(), TestSupport.unbound(rt, "u", 0).attrs());
            assertEquals(WorkqueueAttrs.defaults(), rt.allocOrdered("o", Set.of()).attrs());
            assertEquals(WorkqueueAttrs.defaults(), rt.systemUnbound().attrs());
        }
    }

    @Test
    void applyAttrs_valid_becomeTheCurrentAttributes() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(4).build()) {
            Workqueue wq = TestSupport.unbound(rt, "apply", 0);
            WorkqueueAttrs a = WorkqueueAttrs.builder().nice(5).cpus(CpuList.parse("0,3")).affinityScope(AffinityScope.SMT)
                    .affinityStrict(true).build();
            wq.applyAttrs(a);
            assertEquals(a, wq.attrs());
            Workqueue ordered = rt.allocOrdered("apply-ord", Set.of());
            ordered.applyAttrs(a);
            assertEquals(a, ordered.attrs());
        }
    }

    @Test
    void applyAttrs_badArguments_refusedNamingWorkqueueAndValues() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(4).build()) {
            Workqueue wq = TestSupport.unbound(rt, "attrs-wq", 0);
            assertEquals("attrs", assertThrows(NullPointerException.class, () -> wq.applyAttrs(null)).getMessage());

            WorkqueueAttrs outside = WorkqueueAttrs.builder().cpus(CpuList.parse("1,4")).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wq.applyAttrs(outside));
            assertTrue(e.getMessage().contains("'attrs-wq'") && e.getMessage().contains("CPU 4")
                    && e.getMessage().contains("[0, 3]"), e.getMessage());
            assertEquals(WorkqueueAttrs.defaults(), wq.attrs(), "a refused apply changes nothing");

            IllegalStateException s = assertThrows(IllegalStateException.class,
                    () -> rt.system().applyAttrs(WorkqueueAttrs.defaults()));
            assertTrue(s.getMessage().contains("'events'") && s.getMessage().contains("bound"), s.getMessage());

            wq.destroy();
            s = assertThrows(IllegalStateException.class, () -> wq.applyAttrs(WorkqueueAttrs.defaults()));
            assertTrue(s.getMessage().contains("'attrs-wq'") && s.getMessage().contains("destroyed"), s.getMessage());
        }
    }

    // ------------------------------------------------------------------ builder options

    @Test
    void builder_topology_fittedToTheRuntimesCpus() {
        Topology model = Topology.model(2, 2, 2);
        assertEquals(model, WorkqueueRuntime.builder().cpus(8).topology(model).config().topology());
        assertEquals(model.fit(4), WorkqueueRuntime.builder().cpus(4).topology(model).config().topology());
        assertEquals(model.fit(12), WorkqueueRuntime.builder().cpus(12).topology(model).config().topology());
        assertEquals(Topology.detect().fit(3), WorkqueueRuntime.builder().cpus(3).config().topology(),
                "without a topology, the detected one");
        assertEquals("topology", assertThrows(NullPointerException.class,
                () -> WorkqueueRuntime.builder().topology(null)).getMessage());
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(4).topology(model).build()) {
            assertEquals(4, rt.cpus(), "the topology does not change the CPU count");
        }
    }

    @Test
    void builder_defaultAffinityScope_validatedAndCarried() {
        assertEquals(AffinityScope.CACHE, WorkqueueRuntime.builder().config().defaultScope(), "the kernel's default");
        for (AffinityScope s : EnumSet.complementOf(EnumSet.of(AffinityScope.DEFAULT))) {
            assertEquals(s, WorkqueueRuntime.builder().defaultAffinityScope(s).config().defaultScope());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkqueueRuntime.builder().defaultAffinityScope(AffinityScope.DEFAULT));
        assertTrue(e.getMessage().contains("not default") && e.getMessage().contains("cpu, smt, cache, numa, system"),
                e.getMessage());
        assertEquals("defaultAffinityScope", assertThrows(NullPointerException.class,
                () -> WorkqueueRuntime.builder().defaultAffinityScope(null)).getMessage());
    }

    @Test
    void builder_virtualUnboundAndPinWorkers_offByDefaultAndCarried() {
        var dflt = WorkqueueRuntime.builder().config();
        assertFalse(dflt.virtualUnbound());
        assertFalse(dflt.pinWorkers());
        var on = WorkqueueRuntime.builder().virtualUnboundWorkers(true).pinWorkers(true).config();
        assertTrue(on.virtualUnbound());
        assertTrue(on.pinWorkers());
        var off = WorkqueueRuntime.builder().virtualUnboundWorkers(true).virtualUnboundWorkers(false)
                .pinWorkers(true).pinWorkers(false).config();
        assertFalse(off.virtualUnbound());
        assertFalse(off.pinWorkers());
    }
}
