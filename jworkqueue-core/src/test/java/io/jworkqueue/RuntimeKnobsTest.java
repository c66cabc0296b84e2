package io.jworkqueue;

import static io.jworkqueue.TestSupport.WAIT_S;
import static io.jworkqueue.TestSupport.await;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.Attribute;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The knobs the kernel makes writable at run time ({@code cpu_intensive_thresh_us},
 * {@code watchdog_thresh}, {@code power_efficient}) and the freezer, on {@link WorkqueueRuntime}
 * and its MXBean; and the lockup handler ({@code panic_on_stall}).
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RuntimeKnobsTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    private static WorkqueueRuntimeMXBean proxy(String runtime) throws Exception {
        return JMX.newMXBeanProxy(SERVER, new ObjectName("io.jworkqueue:type=WorkqueueRuntime,name=" + runtime),
                WorkqueueRuntimeMXBean.class);
    }

    @Test
    void mxbean_knobs_readWriteAndBadWritesRefused() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("knobs").cpus(2)
                .cpuIntensiveThreshold(Duration.ofMillis(10)).watchdogThreshold(Duration.ofSeconds(30)).build()) {
            WorkqueueRuntimeMXBean p = proxy("knobs");
            assertEquals(10_000, p.getCpuIntensiveThresholdMicros());
            assertEquals(30_000, p.getWatchdogThresholdMillis());
            assertFalse(p.isPowerEfficient());

            p.setCpuIntensiveThresholdMicros(2_500);
            assertEquals(Duration.ofMillis(2).plusNanos(500_000), rt.cpuIntensiveThreshold());
            p.setWatchdogThresholdMillis(0);
            assertEquals(Duration.ZERO, rt.watchdogThreshold());
            p.setWatchdogThresholdMillis(1_500);
            assertEquals(Duration.ofMillis(1_500), rt.watchdogThreshold());
            rt.setCpuIntensiveThreshold(Duration.ofMillis(7));
            assertEquals(7_000, p.getCpuIntensiveThresholdMicros());
            p.setCpuIntensiveThresholdMicros(Long.MAX_VALUE); // saturates, never breaks the runtime
            assertEquals(Long.MAX_VALUE / 1_000, p.getCpuIntensiveThresholdMicros());

            // Bad writes: the builder's rules, IllegalArgumentException, nothing changed.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.setCpuIntensiveThresholdMicros(0));
            assertTrue(e.getMessage().contains("cpuIntensiveThreshold"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> p.setCpuIntensiveThresholdMicros(-1));
            e = assertThrows(IllegalArgumentException.class, () -> p.setWatchdogThresholdMillis(-1));
            assertTrue(e.getMessage().contains("watchdogThreshold"), e.getMessage());
            assertEquals(1_500, p.getWatchdogThresholdMillis());
            RuntimeMBeanException raw = assertThrows(RuntimeMBeanException.class, () -> SERVER.setAttribute(
                    new ObjectName("io.jworkqueue:type=WorkqueueRuntime,name=knobs"), new Attribute("WatchdogThresholdMillis", -5L)));
            assertInstanceOf(IllegalArgumentException.class, raw.getCause());
            assertThrows(NullPointerException.class, () -> rt.setWatchdogThreshold(null));
            assertThrows(IllegalArgumentException.class, () -> rt.setCpuIntensiveThreshold(Duration.ZERO));
        }
    }

    @Test
    void mxbean_powerEfficient_appliesToWorkqueuesAllocatedAfterwards() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("knobs-pe").cpus(2).build()) {
            WorkqueueRuntimeMXBean p = proxy("knobs-pe");
            Workqueue before = rt.alloc("pe_before", Set.of(WorkqueueFlag.POWER_EFFICIENT), 0);
            p.setPowerEfficient(true);
            assertTrue(rt.powerEfficient());
            Workqueue after = rt.alloc("pe_after", Set.of(WorkqueueFlag.POWER_EFFICIENT), 0);
            assertFalse(before.info().isUnbound(), "existing workqueues keep their pools");
            assertTrue(after.info().isUnbound());
            rt.setPowerEfficient(false);
            assertFalse(p.isPowerEfficient());
            assertFalse(rt.alloc("pe_off", Set.of(WorkqueueFlag.POWER_EFFICIENT), 0).info().isUnbound());
        }
    }

    @Test
    void mxbean_freezeAndThaw_operations() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("knobs-freeze").cpus(2).build()) {
            WorkqueueRuntimeMXBean p = proxy("knobs-freeze");
            Workqueue fq = rt.alloc("fz", Set.of(WorkqueueFlag.FREEZABLE), 0);
            assertFalse(p.isFrozen());
            p.freeze();
            assertTrue(p.isFrozen());
            assertFalse(p.isFreezeBusy());
            CountDownLatch ran = new CountDownLatch(1);
            Work w = new Work(self -> ran.countDown());
            assertTrue(fq.queue(w));
            assertFalse(w.flush(Duration.ofMillis(100)), "frozen: the item waits");
            assertEquals(1, ran.getCount());
            p.thaw();
            assertFalse(p.isFrozen());
            await(ran, "the item to run after thaw");
        }
    }

    @Test
    void lockupHandler_calledWithTheReport_andContainedWhenItThrows() throws Exception {
        WatchdogTest.SwitchableFactory f = new WatchdogTest.SwitchableFactory();
        List<LockupReport> reports = new CopyOnWriteArrayList<>();
        CountDownLatch twice = new CountDownLatch(2);
        AtomicInteger calls = new AtomicInteger();
        try (LogCapture log = new LogCapture();
             WorkqueueRuntime rt = WorkqueueRuntime.builder().name("knobs-lockup").cpus(2).threadFactory(f)
                     .watchdogThreshold(Duration.ZERO) // off: turned on below through the MXBean
                     .createCooldown(Duration.ofMillis(50)).cpuIntensiveThreshold(Duration.ofSeconds(60))
                     .lockupHandler(r -> {
                         reports.add(r);
                         twice.countDown();
                         if (calls.incrementAndGet() == 1) {
                             throw new IllegalStateException("health check failed");
                         }
                     }).build()) {
            Workqueue wq = rt.alloc("stuck", Set.of(), 0);
            CountDownLatch release = WatchdogTest.stallCpu0(rt, f, wq);
            try {
                proxy("knobs-lockup").setWatchdogThresholdMillis(200); // watchdog_thresh written at run time
                assertTrue(twice.await(WAIT_S, SECONDS), "the handler was not called twice; calls=" + calls);
            } finally {
                f.on.set(true);
                release.countDown();
            }
            wq.flush();
            LockupReport r = reports.get(0);
            assertEquals("knobs-lockup", r.runtime());
            assertEquals(0, r.pool());
            assertTrue(r.poolAttributes().startsWith("cpus=0"), r.poolAttributes());
            assertTrue(r.stuck().compareTo(Duration.ofMillis(200)) > 0, r.stuck()::toString);
            assertTrue(r.text().startsWith("workqueue lockup - pool cpus=0"), r.text());
            assertTrue(r.text().contains("Stack of kworker/0:"), r.text());
            assertTrue(rt.lockupsReported() >= 2);
            assertFalse(log.containing("the lockup handler threw").isEmpty(), log.records::toString);
            assertTrue(log.containing("the lockup handler threw").get(0).contains("health check failed"));
        }
    }

    @Test
    void lockupReport_describedStuckItem_namedByItsDescription() throws Exception {
        WatchdogTest.SwitchableFactory f = new WatchdogTest.SwitchableFactory();
        CountDownLatch reported = new CountDownLatch(1);
        List<LockupReport> reports = new CopyOnWriteArrayList<>();
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).threadFactory(f)
                .watchdogThreshold(Duration.ofMillis(200)).createCooldown(Duration.ofMillis(50))
                .cpuIntensiveThreshold(Duration.ofSeconds(60))
                .lockupHandler(r -> {
                    reports.add(r);
                    reported.countDown();
                }).build()) {
            Workqueue wq = rt.alloc("stuck_d", Set.of(), 0);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            assertTrue(wq.queueOn(0, new Work("hold the line", self -> {
                WorkqueueRuntime.setWorkerDescription("order 7");
                started.countDown();
                release.await(30, SECONDS);
            })));
            try {
                await(started, "the first item");
                f.on.set(false);
                assertTrue(wq.queueOn(0, new Work("waiting job", self -> { })));
                assertTrue(reported.await(WAIT_S, SECONDS), "no lockup report");
            } finally {
                f.on.set(true);
                release.countDown();
            }
            wq.flush();
            String text = reports.get(0).text();
            assertTrue(text.contains(":hold the line (order 7)"), text);
            assertTrue(text.contains("pending: waiting job"), text);
            assertTrue(text.contains("running hold the line (order 7):"), text);
        }
    }

    @Test
    void lockupHandler_null_refused() {
        assertEquals("lockupHandler", assertThrows(NullPointerException.class,
                () -> WorkqueueRuntime.builder().lockupHandler(null)).getMessage());
    }
}
