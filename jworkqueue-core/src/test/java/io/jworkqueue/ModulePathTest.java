package io.jworkqueue;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core as a named module: surefire's {@code module-path} execution (jworkqueue-core/pom.xml)
 * runs this class with the core on the module path and the tests patched into it, so the module
 * descriptor is exercised at run time, not only at compile time. It checks what the descriptor
 * promises (only the API package exported, the JFR events reachable by jdk.jfr) and that the
 * parts that depend on it work from a named module: workers run items, the MXBeans register
 * (their interfaces must be in an exported package), JFR records the events. The default,
 * class-path execution skips it (there the core is in the unnamed module).
 */
@Timeout(60)
class ModulePathTest {
    private static final long WAIT_S = 20;

    @TempDir
    Path tmp;

    private static Module core() {
        return Workqueue.class.getModule();
    }

    @Test
    void core_isTheNamedModule_exportingOnlyTheApi() {
        Module m = core();
        assertTrue(m.isNamed(), "the core must be loaded as a named module here: " + m);
        assertEquals("io.jworkqueue", m.getName());
        ModuleDescriptor d = m.getDescriptor();
        Set<String> unqualified = d.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertEquals(Set.of("io.jworkqueue"), unqualified);
        assertTrue(m.isExported("io.jworkqueue"));
        assertFalse(m.isExported("io.jworkqueue.internal"), "the engine package must stay internal");
        Module jfr = ModuleLayer.boot().findModule("jdk.jfr").orElseThrow();
        assertTrue(m.isExported("io.jworkqueue.internal.jfr", jfr), "JFR must reach the event classes");
        assertFalse(m.isExported("io.jworkqueue.internal.jfr"), "the event classes are for jdk.jfr only");
    }

    @Test
    void runtime_fromTheNamedModule_runsItemsAndRegistersItsMXBeans() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName rtName = new ObjectName("io.jworkqueue:type=WorkqueueRuntime,name=module-path");
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("module-path").cpus(2).build()) {
            Workqueue wq = rt.alloc("mp_bound", Set.of(WorkqueueFlag.SYSFS), 0);
            Workqueue ub = rt.alloc("mp_unbound", Set.of(WorkqueueFlag.UNBOUND), 0);
            AtomicInteger ran = new AtomicInteger();
            CountDownLatch all = new CountDownLatch(200);
            for (int i = 0; i < 100; i++) {
                assertTrue(wq.queueOn(i % 2, new Work(self -> {
                    ran.incrementAndGet();
                    all.countDown();
                })));
                assertTrue(ub.queue(new Work(self -> {
                    ran.incrementAndGet();
                    all.countDown();
                })));
            }
            assertTrue(all.await(WAIT_S, TimeUnit.SECONDS), "items ran: " + ran.get());
            wq.flush();
            ub.flush();
            assertEquals(200, ran.get());
            assertTrue(server.isRegistered(rtName), "runtime MXBean");
            assertEquals(2, server.getAttribute(rtName, "Cpus"));
            ObjectName wqName = new ObjectName("io.jworkqueue:type=Workqueue,runtime=module-path,name=mp_bound");
            assertTrue(server.isRegistered(wqName), "SYSFS workqueue MXBean");
            assertEquals("mp_bound", server.getAttribute(wqName, "Name"));
            assertTrue(rt.workqueues().contains(wq), "workqueues(): " + rt.workqueues());
            assertFalse(rt.dump().isEmpty());
        }
        assertFalse(server.isRegistered(rtName));
    }

    @Test
    void jfr_fromTheNamedModule_recordsTheWorkqueueEvents() throws Exception {
        Path file = tmp.resolve("module-path.jfr");
        try (Recording r = new Recording()) {
            r.enable("io.jworkqueue.QueueWork").withoutThreshold();
            r.enable("io.jworkqueue.ExecuteWork").withoutThreshold();
            r.start();
            try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("module-path-jfr").cpus(1).build()) {
                Workqueue wq = rt.alloc("mp_jfr", Set.of(), 0);
                CountDownLatch done = new CountDownLatch(1);
                assertTrue(wq.queue(new Work(self -> done.countDown())));
                assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
                wq.flush();
            }
            r.stop();
            r.dump(file);
        }
        assertTrue(Files.size(file) > 0);
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("io.jworkqueue."))
                .filter(e -> "mp_jfr".equals(e.getString("workqueue"))).toList();
        Set<String> types = events.stream().map(e -> e.getEventType().getName()).collect(Collectors.toSet());
        assertTrue(types.contains("io.jworkqueue.QueueWork"), "events: " + types);
        assertTrue(types.contains("io.jworkqueue.ExecuteWork"), "events: " + types);
    }
}
