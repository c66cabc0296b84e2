package io.jworkqueue.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jworkqueue.Work;
import io.jworkqueue.Workqueue;
import io.jworkqueue.WorkqueueFlag;
import io.jworkqueue.WorkqueueRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JworkqueueMetricsTest {

    private static WorkqueueRuntime runtime(String name) {
        return WorkqueueRuntime.builder().name(name).cpus(2).build();
    }

    private static JworkqueueMetrics bind(SimpleMeterRegistry reg, WorkqueueRuntime rt) {
        JworkqueueMetrics m = new JworkqueueMetrics(rt, Tags.of("app", "test"), Duration.ZERO);
        m.bindTo(reg);
        return m;
    }

    private static double counter(SimpleMeterRegistry reg, String name, String wq) {
        FunctionCounter c = reg.find(name).tag("name", wq).functionCounter();
        assertNotNull(c, name + " for " + wq);
        return c.count();
    }

    private static double gauge(SimpleMeterRegistry reg, String name, String wq) {
        Gauge g = reg.find(name).tag("name", wq).gauge();
        assertNotNull(g, name + " for " + wq);
        return g.value();
    }

    @Test
    void bindTo_existingWorkqueues_countersFollowTheItems() {
        try (WorkqueueRuntime rt = runtime("mm-counters")) {
            Workqueue wq = rt.alloc("mm_wq", Set.of(), 0);
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            bind(reg, rt);
            assertEquals(0, counter(reg, "executor.completed", "mm_wq"));
            for (int i = 0; i < 5; i++) {
                wq.queue(new Work(self -> Thread.sleep(1)));
                wq.flush();
            }
            assertEquals(5, counter(reg, "executor.completed", "mm_wq"));
            assertEquals(5, counter(reg, "workqueue.started", "mm_wq"));
            assertTrue(counter(reg, "executor.cpu.time", "mm_wq") >= 0);
            assertEquals(0, gauge(reg, "executor.active", "mm_wq"));
            assertEquals(0, gauge(reg, "executor.queued", "mm_wq"));
            assertEquals(1024, gauge(reg, "workqueue.max.active", "mm_wq"));
            FunctionCounter c = reg.find("executor.completed").tag("name", "mm_wq").functionCounter();
            assertEquals("mm-counters", c.getId().getTag("runtime"));
            assertEquals("test", c.getId().getTag("app"));
            for (String n : new String[] {"workqueue.cpu.intensive", "workqueue.cm.wakeups", "workqueue.repatriated",
                    "workqueue.maydays", "workqueue.rescued"}) {
                assertEquals(0, counter(reg, n, "mm_wq"), n);
            }
            // the system workqueues are there too
            assertNotNull(reg.find("executor.completed").tag("name", "events").functionCounter());
        }
    }

    @Test
    void gauges_blockedItems_showActiveAndQueued() throws Exception {
        try (WorkqueueRuntime rt = runtime("mm-gauges")) {
            Workqueue wq = rt.alloc("mm_gauge", EnumSet.of(WorkqueueFlag.UNBOUND), 1);
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            bind(reg, rt);
            CountDownLatch running = new CountDownLatch(1), release = new CountDownLatch(1);
            wq.queue(new Work(self -> {
                running.countDown();
                release.await(30, TimeUnit.SECONDS);
            }));
            wq.queue(new Work(self -> { }));
            wq.queue(new Work(self -> { }));
            assertTrue(running.await(30, TimeUnit.SECONDS));
            try {
                assertEquals(1, gauge(reg, "executor.active", "mm_gauge"));
                assertEquals(2, gauge(reg, "executor.queued", "mm_gauge"));
                assertEquals(2, gauge(reg, "workqueue.inactive", "mm_gauge"));
            } finally {
                release.countDown();
            }
            wq.flush();
            assertEquals(0, gauge(reg, "executor.queued", "mm_gauge"));
            assertEquals(3, counter(reg, "executor.completed", "mm_gauge"));
        }
    }

    @Test
    void poolMeters_everyPool_taggedWithPoolCpuAndHighpri() {
        try (WorkqueueRuntime rt = runtime("mm-pools")) {
            rt.system().queueOn(1, new Work(self -> { }));
            rt.system().flush();
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            bind(reg, rt);
            assertEquals(rt.poolInfos().size(), reg.find("workqueue.pool.size").gauges().size());
            int poolOfCpu1 = rt.poolInfos().stream().filter(p -> p.getCpu() == 1 && !p.isHighpri()).findFirst().orElseThrow().getId();
            Gauge size = reg.find("workqueue.pool.size").tag("pool", Integer.toString(poolOfCpu1)).gauge();
            assertNotNull(size);
            assertEquals("1", size.getId().getTag("cpu"));
            assertEquals("false", size.getId().getTag("highpri"));
            assertTrue(size.value() >= 1, "the pool of CPU 1 ran an item: " + size.value());
            assertNotNull(reg.find("workqueue.pool.size").tag("cpu", "unbound").gauge());
            for (String n : new String[] {"workqueue.pool.idle", "workqueue.pool.running", "workqueue.pool.pending"}) {
                assertEquals(rt.poolInfos().size(), reg.find(n).gauges().size(), n);
            }
            TimeGauge wait = reg.find("workqueue.pool.oldest.wait").tag("pool", Integer.toString(poolOfCpu1)).timeGauge();
            assertNotNull(wait);
            assertEquals(0, wait.value(TimeUnit.MILLISECONDS));
            assertEquals(rt.workqueueInfos().size(), reg.find("workqueue.count").gauge().value());
            assertEquals(0, reg.find("workqueue.lockups").functionCounter().count());
        }
    }

    @Test
    void workqueueCreatedAfterBinding_appearsOnTheNextRead() {
        try (WorkqueueRuntime rt = runtime("mm-lazy")) {
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            bind(reg, rt);
            assertNull(reg.find("executor.completed").tag("name", "mm_late").functionCounter());
            Workqueue late = rt.alloc("mm_late", Set.of(), 0);
            late.queue(new Work(self -> { }));
            late.flush();
            reg.find("workqueue.count").gauge().value(); // any read of the binder's meters rescans
            assertEquals(1, counter(reg, "executor.completed", "mm_late"));
            late.destroy();
            assertEquals(1, counter(reg, "executor.completed", "mm_late"), "a destroyed workqueue's counter keeps its value");
            assertEquals(0, gauge(reg, "executor.active", "mm_late"));
        }
    }

    @Test
    void sameName_twoWorkqueues_summedIntoOneSetOfMeters() {
        try (WorkqueueRuntime rt = runtime("mm-dup")) {
            Workqueue a = rt.alloc("mm_dup", Set.of(), 0), b = rt.alloc("mm_dup", Set.of(), 0);
            a.queue(new Work(self -> { }));
            b.queue(new Work(self -> { }));
            a.flush();
            b.flush();
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            bind(reg, rt);
            assertEquals(2, counter(reg, "executor.completed", "mm_dup"));
        }
    }

    @Test
    void runtimeCollected_binderDoesNotKeepItAlive_metersReadNaN() throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        JworkqueueMetrics binder;
        WeakReference<WorkqueueRuntime> ref;
        {
            WorkqueueRuntime rt = runtime("mm-weak");
            Workqueue wq = rt.alloc("mm_weak", Set.of(), 0);
            wq.queue(new Work(self -> { }));
            wq.flush();
            binder = bind(reg, rt);
            assertEquals(1, counter(reg, "executor.completed", "mm_weak"));
            rt.close();
            ref = new WeakReference<>(rt);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ref.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(ref.get(), "the runtime was not collected: something holds it strongly");
        assertNotNull(binder);
        assertTrue(Double.isNaN(counter(reg, "executor.completed", "mm_weak")));
        assertTrue(Double.isNaN(gauge(reg, "executor.active", "mm_weak")));
        assertTrue(Double.isNaN(reg.find("workqueue.pool.size").gauges().iterator().next().value()));
        assertTrue(Double.isNaN(reg.find("workqueue.count").gauge().value()));
        for (Meter m : reg.getMeters()) {
            assertEquals("mm-weak", m.getId().getTag("runtime"));
        }
    }

    /** Unbound pools made after binding (a workqueue with other attributes) get their meters on a later reading. */
    @Test
    void unboundPoolMadeAfterBinding_getsItsPoolMeters() {
        try (WorkqueueRuntime rt = runtime("mm-newpool")) {
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            bind(reg, rt);
            int before = reg.find("workqueue.pool.size").gauges().size();
            Workqueue wq = rt.alloc("mm_nice", Set.of(WorkqueueFlag.UNBOUND), 0);
            wq.applyAttrs(wq.attrs().toBuilder().nice(7).build()); // pools of nice 7: new ones
            CountDownLatch ran = new CountDownLatch(1);
            wq.queue(new Work(self -> ran.countDown()));
            assertTrue(await(ran), "the item did not run");
            int nicePool = rt.poolInfos().stream().filter(p -> p.getNice() == 7).findFirst().orElseThrow().getId();
            reg.find("workqueue.count").gauge().value(); // a reading: registers what it sees first
            Gauge size = reg.find("workqueue.pool.size").tag("pool", Integer.toString(nicePool)).gauge();
            assertNotNull(size, "no meter for the pool made after binding; pools: " + rt.poolInfos());
            assertEquals("unbound", size.getId().getTag("cpu"));
            assertTrue(reg.find("workqueue.pool.size").gauges().size() > before);
            assertTrue(size.value() >= 1, "the pool ran an item: " + size.value());
        }
    }

    private static boolean await(CountDownLatch l) {
        try {
            return l.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
