package io.jworkqueue;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.ArrayType;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import org.junit.jupiter.api.Test;

/** The JMX view (the kernel's WQ_SYSFS): object names, attributes and composite item names. */
class JmxTest {
    private static final long WAIT_S = 10;
    private static final MBeanServerConnection SERVER = ManagementFactory.getPlatformMBeanServer();

    private static ObjectName runtimeName(String name) throws Exception {
        return new ObjectName("io.jworkqueue:type=WorkqueueRuntime,name=" + name);
    }

    private static ObjectName wqName(String runtime, String name) throws Exception {
        return new ObjectName("io.jworkqueue:type=Workqueue,runtime=" + runtime + ",name=" + name);
    }

    @Test
    void build_namedRuntime_registersMXBeanUntilClose() throws Exception {
        ObjectName on = runtimeName("jmx-rt1");
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmx-rt1").cpus(2).build()) {
            assertEquals("jmx-rt1", rt.name());
            assertTrue(SERVER.isRegistered(on));
            assertEquals("jmx-rt1", SERVER.getAttribute(on, "Name"));
            assertEquals(2, SERVER.getAttribute(on, "Cpus"));
            assertEquals(0L, SERVER.getAttribute(on, "LockupsReported"));
            assertEquals(rt.workerCount(), SERVER.getAttribute(on, "WorkerCount"));
            assertEquals(rt.dump(), SERVER.invoke(on, "dump", new Object[0], new String[0]));
            WorkqueueRuntimeMXBean proxy = JMX.newMXBeanProxy(SERVER, on, WorkqueueRuntimeMXBean.class);
            assertEquals(2, proxy.getCpus());
            assertEquals(rt.workqueues().size(), proxy.getWorkqueues().length);
        }
        assertFalse(SERVER.isRegistered(on));
    }

    @Test
    void build_defaultNames_runtimeCounterAndGlobal() throws Exception {
        try (WorkqueueRuntime a = WorkqueueRuntime.builder().cpus(1).build();
                WorkqueueRuntime b = WorkqueueRuntime.builder().cpus(1).build()) {
            assertTrue(a.name().matches("runtime-[1-9][0-9]*"), a.name());
            int na = Integer.parseInt(a.name().substring("runtime-".length()));
            assertEquals("runtime-" + (na + 1), b.name());
            assertTrue(SERVER.isRegistered(runtimeName(a.name())));
            assertTrue(SERVER.isRegistered(runtimeName(b.name())));
        }
        assertEquals("global", WorkqueueRuntime.global().name());
        assertTrue(SERVER.isRegistered(runtimeName("global")));
    }

    @Test
    void build_nameWithSpecialCharacters_isQuoted() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("a,b=c").cpus(1).build()) {
            ObjectName on = runtimeName(ObjectName.quote("a,b=c"));
            assertTrue(SERVER.isRegistered(on));
            assertEquals(rt.name(), SERVER.getAttribute(on, "Name"));
        }
    }

    @Test
    void builderName_nullOrEmpty_throws() {
        assertThrows(NullPointerException.class, () -> WorkqueueRuntime.builder().name(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorkqueueRuntime.builder().name(""));
        assertTrue(e.getMessage().contains("name"), e.getMessage());
    }

    @Test
    void build_duplicateName_secondRuntimeWorksWithoutMXBean() throws Exception {
        try (WorkqueueRuntime a = WorkqueueRuntime.builder().name("jmx-dup").cpus(1).build()) {
            WorkqueueRuntime b = WorkqueueRuntime.builder().name("jmx-dup").cpus(1).build();
            assertEquals(a.name(), b.name());
            Workqueue wq = b.alloc("dup", Set.of(), 0);
            CountDownLatch ran = new CountDownLatch(1);
            assertTrue(wq.queue(new Work(self -> ran.countDown())));
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
            assertEquals(1, SERVER.getAttribute(runtimeName("jmx-dup"), "Cpus"));
            b.close();
            assertTrue(SERVER.isRegistered(runtimeName("jmx-dup")), "closing the second must not unregister the first");
        }
        assertFalse(SERVER.isRegistered(runtimeName("jmx-dup")));
    }

    @Test
    void workqueuesAttribute_compositeItems_haveTheContractNamesAndTypes() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmx-items").cpus(2).build()) {
            rt.alloc("jmx_ub", EnumSet.of(WorkqueueFlag.UNBOUND, WorkqueueFlag.FREEZABLE), 7);
            rt.create("jmx_reclaim");
            Object attr = SERVER.getAttribute(runtimeName("jmx-items"), "Workqueues");
            CompositeData[] items = (CompositeData[]) attr;
            assertEquals(rt.workqueues().size(), items.length);
            CompositeType type = items[0].getCompositeType();
            assertEquals(new TreeSet<>(List.of("name", "flags", "maxActive", "unbound", "ordered", "nrActive",
                    "nrInactive", "started", "completed", "cpuTimeNanos", "cpuIntensive", "cmWakeups",
                    "repatriated", "maydays", "rescued", "rescuer", "pools", "attrs")), new TreeSet<>(type.keySet()));
            assertType(type, SimpleType.STRING, "name", "flags", "rescuer", "attrs");
            assertType(type, SimpleType.INTEGER, "maxActive", "nrActive", "nrInactive");
            assertType(type, SimpleType.BOOLEAN, "unbound", "ordered");
            assertType(type, SimpleType.LONG, "started", "completed", "cpuTimeNanos", "cpuIntensive", "cmWakeups",
                    "repatriated", "maydays", "rescued");
            assertEquals(ArrayType.getPrimitiveArrayType(int[].class), type.getType("pools"));

            CompositeData events = find(items, "events");
            assertEquals("", events.get("flags"));
            assertEquals(1024, events.get("maxActive"));
            assertEquals(false, events.get("unbound"));
            assertArrayEquals(new int[] {0, 2}, (int[]) events.get("pools"));
            assertEquals("", events.get("rescuer"));
            assertEquals("", events.get("attrs"), "a bound workqueue has no attributes");
            CompositeData ub = find(items, "jmx_ub");
            assertEquals("nice=0 cpus=all scope=default strict=0", ub.get("attrs"));
            assertEquals("UNBOUND,FREEZABLE", ub.get("flags"));
            assertEquals(7, ub.get("maxActive"));
            assertEquals(true, ub.get("unbound"));
            assertArrayEquals(new int[] {4}, (int[]) ub.get("pools"));
            assertEquals("kworker/R-jmx_reclaim", find(items, "jmx_reclaim").get("rescuer"));
        }
    }

    @Test
    void poolsAttribute_compositeItems_haveTheContractNamesAndValues() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmx-pools").cpus(2).build()) {
            Workqueue wq = rt.alloc("jmx_p", Set.of(), 0);
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch gate = new CountDownLatch(1);
            assertTrue(wq.queueOn(1, new Work(self -> {
                started.countDown();
                assertTrue(gate.await(WAIT_S, TimeUnit.SECONDS));
            })));
            try {
                assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
                CompositeData[] pools = (CompositeData[]) SERVER.getAttribute(runtimeName("jmx-pools"), "Pools");
                assertEquals(5, pools.length, "2 bound pools per CPU, one unbound pool (one pod) for the system workqueues");
                CompositeType type = pools[0].getCompositeType();
                assertEquals(new TreeSet<>(List.of("id", "cpu", "unbound", "highpri", "nice", "flags", "workers",
                        "idle", "nrRunning", "pending", "oldestWaitMillis", "manager", "cpus")), new TreeSet<>(type.keySet()));
                assertType(type, SimpleType.INTEGER, "id", "cpu", "nice", "workers", "idle", "nrRunning", "pending");
                assertType(type, SimpleType.BOOLEAN, "unbound", "highpri", "manager");
                assertType(type, SimpleType.STRING, "flags", "cpus");
                assertType(type, SimpleType.LONG, "oldestWaitMillis");
                for (int id = 0; id < 5; id++) {
                    CompositeData p = pools[id];
                    assertEquals(id, p.get("id"));
                    assertEquals(id < 4 ? id / 2 : -1, p.get("cpu"));
                    assertEquals(id >= 4, p.get("unbound"));
                    assertEquals(id < 4 && id % 2 == 1, p.get("highpri"));
                    assertEquals(id < 4 && id % 2 == 1 ? -20 : 0, p.get("nice"));
                    assertEquals(id >= 4 ? "0x4" : "0x0", p.get("flags"));
                    assertEquals(id >= 4 ? "0-1" : String.valueOf(id / 2), p.get("cpus"));
                }
                CompositeData busy = pools[2]; // cpu 1, normal
                assertTrue((Integer) busy.get("workers") >= 1);
                assertEquals(1, busy.get("nrRunning"));
                assertEquals(0, busy.get("pending"));
                assertEquals(0L, busy.get("oldestWaitMillis"));
            } finally {
                gate.countDown();
            }
            wq.flush();
            List<PoolInfo> infos = rt.poolInfos();
            assertEquals(5, infos.size());
            assertEquals(0, infos.get(2).getNrRunning());
        }
    }

    @Test
    void workqueueInfos_javaApi_matchesStats() {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmx-infos").cpus(2).build()) {
            Workqueue wq = rt.alloc("jmx_i", Set.of(WorkqueueFlag.UNBOUND), 3);
            for (int i = 0; i < 20; i++) {
                assertTrue(wq.queue(new Work(self -> {})));
            }
            wq.flush();
            WorkqueueInfo info = rt.workqueueInfos().stream().filter(i -> i.getName().equals("jmx_i")).findFirst().orElseThrow();
            assertEquals(20, info.getStarted());
            assertEquals(20, info.getCompleted());
            assertEquals(0, info.getNrActive());
            assertEquals(0, info.getNrInactive());
            assertEquals(wq.stats(), info.stats());
            assertEquals(List.of("events", "events_highpri", "events_long", "events_unbound", "events_freezable",
                    "events_power_efficient", "jmx_i"), rt.workqueueInfos().stream().map(WorkqueueInfo::getName).toList());
        }
    }

    @Test
    void sysfsWorkqueue_registersPerWorkqueueMXBean_untilDestroy() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmx-sysfs").cpus(2).build()) {
            Workqueue plain = rt.alloc("jmx_plain", Set.of(), 0);
            Workqueue bound = rt.alloc("jmx_s", EnumSet.of(WorkqueueFlag.SYSFS), 4);
            Workqueue twin = rt.alloc("jmx_s", EnumSet.of(WorkqueueFlag.SYSFS, WorkqueueFlag.UNBOUND), 0);
            Workqueue ordered = rt.allocOrdered("jmx_o", EnumSet.of(WorkqueueFlag.SYSFS));
            assertFalse(SERVER.isRegistered(wqName("jmx-sysfs", "jmx_plain")));
            ObjectName on = wqName("jmx-sysfs", "jmx_s");
            ObjectName on2 = wqName("jmx-sysfs", "jmx_s#2");
            assertTrue(SERVER.isRegistered(on));
            assertTrue(SERVER.isRegistered(on2));
            assertEquals(true, SERVER.getAttribute(on, "PerCpu"));
            assertEquals(false, SERVER.getAttribute(on2, "PerCpu"));
            assertEquals("SYSFS", SERVER.getAttribute(on, "Flags"));
            assertEquals("UNBOUND,SYSFS", SERVER.getAttribute(on2, "Flags"));
            assertEquals(4, SERVER.getAttribute(on, "MaxActive"));

            SERVER.setAttribute(on, new Attribute("MaxActive", 9));
            assertEquals(9, bound.maxActive());
            RuntimeMBeanException bad = assertThrows(RuntimeMBeanException.class,
                    () -> SERVER.setAttribute(on, new Attribute("MaxActive", 5000)));
            assertInstanceOf(IllegalArgumentException.class, bad.getCause());
            assertTrue(bad.getCause().getMessage().contains("jmx_s"), bad.getCause().getMessage());
            WorkqueueMXBean orderedProxy = JMX.newMXBeanProxy(SERVER, wqName("jmx-sysfs", "jmx_o"), WorkqueueMXBean.class);
            assertTrue(orderedProxy.isOrdered());
            assertThrows(IllegalStateException.class, () -> orderedProxy.setMaxActive(2));

            CountDownLatch ran = new CountDownLatch(5);
            for (int i = 0; i < 5; i++) {
                assertTrue(bound.queue(new Work(self -> ran.countDown())));
            }
            assertTrue(ran.await(WAIT_S, TimeUnit.SECONDS));
            bound.flush();
            WorkqueueMXBean proxy = JMX.newMXBeanProxy(SERVER, on, WorkqueueMXBean.class);
            assertEquals(5, proxy.getStarted());
            assertEquals(5, proxy.getCompleted());
            assertEquals("jmx_s", proxy.getName());

            bound.destroy();
            assertFalse(SERVER.isRegistered(on));
            assertTrue(SERVER.isRegistered(on2));
            assertNotNull(plain);
            assertNotNull(twin);
            assertNotNull(ordered);
        }
        assertFalse(SERVER.isRegistered(wqName("jmx-sysfs", "jmx_s#2")));
        assertFalse(SERVER.isRegistered(wqName("jmx-sysfs", "jmx_o")));
        assertEquals(List.of(), SERVER.queryNames(new ObjectName("io.jworkqueue:runtime=jmx-sysfs,*"), null).stream().toList());
    }

    private static void assertType(CompositeType type, OpenType<?> expected, String... items) {
        for (String i : items) {
            assertEquals(expected, type.getType(i), i);
        }
    }

    private static CompositeData find(CompositeData[] items, String name) {
        List<String> names = new ArrayList<>();
        for (CompositeData d : items) {
            if (name.equals(d.get("name"))) {
                return d;
            }
            names.add((String) d.get("name"));
        }
        throw new AssertionError(name + " not in " + names + " " + Arrays.toString(items));
    }
}
