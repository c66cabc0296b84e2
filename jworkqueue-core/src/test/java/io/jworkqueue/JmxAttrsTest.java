package io.jworkqueue;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import io.jworkqueue.internal.CpuList;
import java.lang.management.ManagementFactory;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import javax.management.Attribute;
import javax.management.JMX;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The writable attributes of an unbound {@code SYSFS} workqueue's MXBean ({@code cpumask},
 * {@code nice}, {@code affinity_scope}, {@code affinity_strict}), through the platform MBean
 * server as a JMX console uses them.
 */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JmxAttrsTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    private static ObjectName wqName(String runtime, String name) throws Exception {
        return new ObjectName("io.jworkqueue:type=Workqueue,runtime=" + runtime + ",name=" + name);
    }

    private static Object get(ObjectName on, String attr) throws Exception {
        return SERVER.getAttribute(on, attr);
    }

    private static void set(ObjectName on, String attr, Object value) throws Exception {
        SERVER.setAttribute(on, new Attribute(attr, value));
    }

    /** Asserts that the write fails with {@code type}, its message holding every one of {@code parts}. */
    private static void assertWriteFails(ObjectName on, String attr, Object value, Class<? extends RuntimeException> type,
                                         String... parts) {
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> set(on, attr, value), attr + "=" + value);
        assertInstanceOf(type, e.getCause(), attr + "=" + value);
        for (String p : parts) {
            assertTrue(e.getCause().getMessage().contains(p), attr + "=" + value + ": " + e.getCause().getMessage());
        }
    }

    @Test
    void attributes_areWritableWithTheSysfsTypes() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmxa-info").cpus(2).build()) {
            rt.alloc("jmxa_i", EnumSet.of(WorkqueueFlag.SYSFS, WorkqueueFlag.UNBOUND), 0);
            Map<String, MBeanAttributeInfo> infos = new HashMap<>();
            for (MBeanAttributeInfo i : SERVER.getMBeanInfo(wqName("jmxa-info", "jmxa_i")).getAttributes()) {
                infos.put(i.getName(), i);
            }
            Map<String, String> types = Map.of("Cpumask", "java.lang.String", "Nice", "int",
                    "AffinityScope", "java.lang.String", "AffinityStrict", "boolean");
            types.forEach((name, type) -> {
                MBeanAttributeInfo i = infos.get(name);
                assertNotNull(i, name);
                assertTrue(i.isReadable() && i.isWritable(), name);
                assertEquals(type, i.getType(), name);
            });
        }
    }

    @Test
    void unbound_readsTheAttrs_writesApplyOneFieldEach() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmxa-u").cpus(4).build()) {
            Workqueue wq = rt.alloc("jmxa_u", EnumSet.of(WorkqueueFlag.SYSFS, WorkqueueFlag.UNBOUND), 0);
            ObjectName on = wqName("jmxa-u", "jmxa_u");
            assertEquals("all", get(on, "Cpumask"));
            assertEquals(0, get(on, "Nice"));
            assertEquals("default", get(on, "AffinityScope"));
            assertEquals(false, get(on, "AffinityStrict"));

            set(on, "Cpumask", "0-1,3");
            assertEquals(WorkqueueAttrs.builder().cpus(CpuList.parse("0,1,3")).build(), wq.attrs());
            assertEquals("0-1,3", get(on, "Cpumask"));
            set(on, "Nice", -5);
            set(on, "AffinityScope", "NUMA");
            set(on, "AffinityStrict", true);
            assertEquals(WorkqueueAttrs.builder().cpus(CpuList.parse("0,1,3")).nice(-5)
                    .affinityScope(AffinityScope.NUMA).affinityStrict(true).build(), wq.attrs(), "each write kept the others");
            assertEquals(-5, get(on, "Nice"));
            assertEquals("numa", get(on, "AffinityScope"));
            assertEquals(true, get(on, "AffinityStrict"));

            set(on, "Cpumask", " all ");
            assertTrue(wq.attrs().cpus().isEmpty());
            assertEquals("all", get(on, "Cpumask"));
            set(on, "Cpumask", "2");
            set(on, "Cpumask", "");
            assertTrue(wq.attrs().cpus().isEmpty(), "an empty list means every CPU");
            set(on, "AffinityScope", "default");
            assertEquals(AffinityScope.DEFAULT, wq.attrs().affinityScope());

            // A change through the Java API shows in JMX.
            wq.applyAttrs(WorkqueueAttrs.builder().nice(19).build());
            assertEquals(19, get(on, "Nice"));
            assertEquals("all", get(on, "Cpumask"));
        }
    }

    @Test
    void unbound_badWrites_refusedNamingWorkqueueAndValue_attrsUnchanged() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmxa-bad").cpus(4).build()) {
            Workqueue wq = rt.alloc("jmxa_b", EnumSet.of(WorkqueueFlag.SYSFS, WorkqueueFlag.UNBOUND), 0);
            ObjectName on = wqName("jmxa-bad", "jmxa_b");
            WorkqueueAttrs before = WorkqueueAttrs.builder().nice(3).build();
            wq.applyAttrs(before);
            assertWriteFails(on, "Cpumask", "0-9", IllegalArgumentException.class, "'jmxa_b'", "CPU 9", "[0, 3]");
            assertWriteFails(on, "Cpumask", "zero", IllegalArgumentException.class, "'jmxa_b'", "'zero'");
            assertWriteFails(on, "Cpumask", "3-1", IllegalArgumentException.class, "'jmxa_b'", "'3-1'");
            assertWriteFails(on, "Nice", 20, IllegalArgumentException.class, "'jmxa_b'", "nice 20", "[-20, 19]");
            assertWriteFails(on, "Nice", -21, IllegalArgumentException.class, "'jmxa_b'", "nice -21", "[-20, 19]");
            assertWriteFails(on, "AffinityScope", "socket", IllegalArgumentException.class, "'jmxa_b'", "'socket'",
                    "default, cpu, smt, cache, numa, system");
            assertEquals(before, wq.attrs(), "no bad write changed anything");

            // Through a typed proxy the exception arrives unwrapped.
            WorkqueueMXBean proxy = JMX.newMXBeanProxy(SERVER, on, WorkqueueMXBean.class);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> proxy.setNice(100));
            assertEquals("workqueue 'jmxa_b': nice 100 is out of range [-20, 19]", e.getMessage());
            proxy.setAffinityScope("smt");
            assertEquals(AffinityScope.SMT, wq.attrs().affinityScope());
        }
    }

    @Test
    void ordered_writesApply() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmxa-o").cpus(2).build()) {
            Workqueue wq = rt.allocOrdered("jmxa_o", EnumSet.of(WorkqueueFlag.SYSFS));
            ObjectName on = wqName("jmxa-o", "jmxa_o");
            set(on, "Cpumask", "1");
            set(on, "AffinityStrict", true);
            assertEquals(WorkqueueAttrs.builder().cpus(CpuList.parse("1")).affinityStrict(true).build(), wq.attrs());
        }
    }

    @Test
    void bound_readsAreNeutral_writesRefusedNamingTheWorkqueue() throws Exception {
        try (WorkqueueRuntime rt = WorkqueueRuntime.builder().name("jmxa-b").cpus(2).build()) {
            rt.alloc("jmxa_pcpu", EnumSet.of(WorkqueueFlag.SYSFS), 0);
            ObjectName on = wqName("jmxa-b", "jmxa_pcpu");
            assertEquals("", get(on, "Cpumask"));
            assertEquals(0, get(on, "Nice"));
            assertEquals("", get(on, "AffinityScope"));
            assertEquals(false, get(on, "AffinityStrict"));
            assertWriteFails(on, "Cpumask", "0", IllegalStateException.class, "'jmxa_pcpu'", "bound");
            assertWriteFails(on, "Nice", 1, IllegalStateException.class, "'jmxa_pcpu'", "bound");
            assertWriteFails(on, "AffinityScope", "cpu", IllegalStateException.class, "'jmxa_pcpu'", "bound");
            assertWriteFails(on, "AffinityStrict", true, IllegalStateException.class, "'jmxa_pcpu'", "bound");
        }
    }
}
