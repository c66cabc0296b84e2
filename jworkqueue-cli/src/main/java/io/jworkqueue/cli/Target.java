package io.jworkqueue.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.MalformedURLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A JMX connection to the JVM named on the command line, and the jworkqueue MXBeans found there.
 *
 * <p>The target is a pid (attached with the Attach API, whose
 * {@code startLocalManagementAgent()} yields a local JMX URL), {@code host:port} (a JVM started
 * with {@code -Dcom.sun.management.jmxremote.port}), or a full {@code service:jmx:...} URL. A pid
 * naming this JVM uses the platform MBean server directly.
 */
final class Target implements AutoCloseable {
    static final String RUNTIME_PATTERN = "io.jworkqueue:type=WorkqueueRuntime,*";

    private final String spec;
    private final MBeanServerConnection conn;
    private final JMXConnector connector; // null for this JVM

    private Target(String spec, MBeanServerConnection conn, JMXConnector connector) {
        this.spec = spec;
        this.conn = conn;
        this.connector = connector;
    }

    /**
     * Connects to the target.
     *
     * @throws CliException {@link Jwq#CONNECT} if it cannot, {@link Jwq#USAGE} for a malformed spec
     */
    static Target connect(String spec) {
        String url;
        if (spec.matches("\\d+")) {
            long pid = parseNumber(spec, "pid", Long.MAX_VALUE, spec);
            if (pid == ProcessHandle.current().pid()) {
                return new Target(spec, ManagementFactory.getPlatformMBeanServer(), null);
            }
            url = attach(pid);
        } else if (spec.startsWith("service:jmx:")) {
            url = spec;
        } else if (spec.matches("[^:/\\s]+:\\d+") || spec.matches("\\[[0-9a-fA-F:.]+\\]:\\d+")) {
            long port = parseNumber(spec.substring(spec.lastIndexOf(':') + 1), "port", 65_535, spec);
            if (port < 1) {
                throw new CliException(Jwq.USAGE, "port 0 in target '" + spec + "' is out of range 1..65535");
            }
            url = "service:jmx:rmi:///jndi/rmi://" + spec + "/jmxrmi";
        } else {
            throw new CliException(Jwq.USAGE, "target '" + spec + "' is not a pid, host:port or service:jmx: URL");
        }
        JMXServiceURL serviceUrl;
        try {
            serviceUrl = new JMXServiceURL(url);
        } catch (MalformedURLException e) {
            throw new CliException(Jwq.USAGE, "malformed JMX URL '" + url + "': " + e.getMessage(), e);
        }
        try {
            JMXConnector c = JMXConnectorFactory.connect(serviceUrl);
            return new Target(spec, c.getMBeanServerConnection(), c);
        } catch (IOException | RuntimeException e) {
            // RuntimeException: the RMI and JNDI layers throw unchecked ones for some bad hosts
            throw new CliException(Jwq.CONNECT, "cannot connect to " + url + ": " + rootMessage(e), e);
        }
    }

    /**
     * Parses the digits {@code digits} of a pid or port.
     *
     * @throws CliException {@link Jwq#USAGE} if the number exceeds {@code max}
     */
    private static long parseNumber(String digits, String what, long max, String spec) {
        try {
            long n = Long.parseLong(digits);
            if (n <= max) {
                return n;
            }
        } catch (NumberFormatException tooLong) {
            // out of range
        }
        String shown = digits.length() > 20 ? digits.substring(0, 20) + "..." : digits;
        throw new CliException(Jwq.USAGE, what + " " + shown + " in target '" + (spec.length() > 40 ? spec.substring(0, 40) + "..." : spec)
                + "' is out of range " + (what.equals("port") ? "1.." : "0..") + max);
    }

    private static String attach(long pid) {
        if (ProcessHandle.of(pid).isEmpty()) {
            throw new CliException(Jwq.CONNECT, "no process with pid " + pid);
        }
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException e) {
            String cmd = ProcessHandle.of(pid).flatMap(p -> p.info().command()).orElse("?");
            throw new CliException(Jwq.CONNECT, "cannot attach to pid " + pid + " (" + cmd
                    + "): not a JVM, or one that does not accept attach (" + rootMessage(e) + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new CliException(Jwq.CONNECT, "cannot attach to pid " + pid + ": " + rootMessage(e), e);
        }
        try {
            return vm.startLocalManagementAgent();
        } catch (IOException | RuntimeException e) {
            throw new CliException(Jwq.CONNECT, "pid " + pid + " did not start its local JMX agent: " + rootMessage(e), e);
        } finally {
            try {
                vm.detach();
            } catch (IOException ignored) {
                // the agent URL is all we needed
            }
        }
    }

    static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getMessage();
        return r.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    String spec() {
        return spec;
    }

    /**
     * The runtimes' MXBeans, sorted by runtime name.
     *
     * @throws CliException {@link Jwq#NO_JWORKQUEUE} if there is none
     */
    List<ObjectName> runtimes() {
        Set<ObjectName> names;
        try {
            names = conn.queryNames(new ObjectName(RUNTIME_PATTERN), null);
        } catch (IOException e) {
            throw lost(e);
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
        if (names.isEmpty()) {
            throw new CliException(Jwq.NO_JWORKQUEUE, "no jworkqueue runtime in " + spec
                    + " (no MBean matches " + RUNTIME_PATTERN + ")");
        }
        List<ObjectName> sorted = new ArrayList<>(names);
        sorted.sort((a, b) -> String.valueOf(a.getKeyProperty("name")).compareTo(String.valueOf(b.getKeyProperty("name"))));
        return sorted;
    }

    static String runtimeName(ObjectName on) {
        String n = on.getKeyProperty("name");
        return n == null ? "?" : n.startsWith("\"") ? ObjectName.unquote(n) : n;
    }

    Object attribute(ObjectName on, String attr) {
        try {
            return conn.getAttribute(on, attr);
        } catch (IOException e) {
            throw lost(e);
        } catch (JMException e) {
            throw new CliException(Jwq.NO_JWORKQUEUE, on + " has no readable attribute " + attr + ": " + rootMessage(e), e);
        }
    }

    CompositeData[] composites(ObjectName on, String attr) {
        Object v = attribute(on, attr);
        return v == null ? new CompositeData[0] : Arrays.copyOf((Object[]) v, ((Object[]) v).length, CompositeData[].class);
    }

    String dump(ObjectName on) {
        try {
            return (String) conn.invoke(on, "dump", null, null);
        } catch (IOException e) {
            throw lost(e);
        } catch (JMException e) {
            throw new CliException(Jwq.NO_JWORKQUEUE, on + ".dump() failed: " + rootMessage(e), e);
        }
    }

    /** Every workqueue of every runtime, in the order the runtimes list them. */
    List<WqRow> rows(List<ObjectName> runtimes) {
        List<WqRow> rows = new ArrayList<>();
        for (ObjectName on : runtimes) {
            String rt = runtimeName(on);
            for (CompositeData cd : composites(on, "Workqueues")) {
                rows.add(WqRow.of(rt, cd));
            }
        }
        return rows;
    }

    private CliException lost(IOException e) {
        return new CliException(Jwq.CONNECT, "lost the connection to " + spec + ": " + rootMessage(e), e);
    }

    @Override
    public void close() {
        if (connector != null) {
            try {
                connector.close();
            } catch (IOException ignored) {
                // closing a dead connection
            }
        }
    }
}
