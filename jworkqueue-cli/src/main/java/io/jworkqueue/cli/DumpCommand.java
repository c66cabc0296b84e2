package io.jworkqueue.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jwq dump}: the kernel's {@code wq_dump.py} and {@code show_all_workqueues()}. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {
            "Prints the pools, workqueues and busy items of a running JVM (wq_dump.py).",
            "",
            "For every jworkqueue runtime in the target JVM, what the kernel's",
            "tools/workqueue/wq_dump.py shows:",
            "",
            "  Affinity Scopes        topology (pods of the smt, cache and numa scopes),",
            "                         default scope, pinning, attributes of unbound workqueues",
            "  Worker Pools           pool[id] ref nice idle/workers cpu|cpus=unbound flags",
            "  Workqueue CPU -> pool  type (percpu, unbound, ordered), pool id per CPU",
            "  Workqueue -> rescuer   rescuer thread of each MEM_RECLAIM workqueue",
            "  Unbound workqueue      nr_active/max_active and inactive items",
            "",
            "then the busy workqueues and pools (show_all_workqueues)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:usage error", "2:cannot attach/connect", "3:no jworkqueue runtime in the target"})
final class DumpCommand implements Callable<Integer> {
    private static final int WQ_NAME_LEN = 32;
    /**
     * The line that starts the affinity part of the runtime's {@code dump()} (the core's
     * {@code Dump.AFFINITY_HEADER}); the part before it is {@code show_all_workqueues()}.
     */
    static final String AFFINITY_HEADER = "Affinity scopes:\n";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TARGET", description = "pid, host:port, or service:jmx: URL of the JVM")
    String target;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Target t = Target.connect(target)) {
            boolean first = true;
            for (ObjectName on : t.runtimes()) {
                if (!first) {
                    out.println();
                }
                first = false;
                dumpRuntime(t, on, out);
            }
        }
        out.flush();
        return Jwq.OK;
    }

    private static void dumpRuntime(Target t, ObjectName on, PrintWriter out) {
        String name = Target.runtimeName(on);
        CompositeData[] pools = t.composites(on, "Pools");
        CompositeData[] wqs = t.composites(on, "Workqueues");
        int cpus = ((Number) t.attribute(on, "Cpus")).intValue();
        String title = String.format(Locale.ROOT, "Runtime %s: %d CPUs, %s workers, %s lockups reported",
                name, cpus, t.attribute(on, "WorkerCount"), t.attribute(on, "LockupsReported"));
        section(out, title, '#');

        String dump = t.dump(on);
        dump = dump == null ? "" : dump;
        int affinity = dump.lastIndexOf(AFFINITY_HEADER);
        String busy = affinity < 0 ? dump : dump.substring(0, affinity);
        if (affinity >= 0) {
            section(out, "Affinity Scopes", '=');
            dump.substring(affinity + AFFINITY_HEADER.length()).lines()
                    .filter(l -> !l.isBlank()).forEach(l -> out.println(l.strip()));
            out.println();
        }

        section(out, "Worker Pools", '=');
        int idLen = 1;
        for (CompositeData p : pools) {
            idLen = Math.max(idLen, Integer.toString((Integer) p.get("id")).length());
        }
        for (CompositeData p : pools) {
            int id = (Integer) p.get("id");
            int ref = 0;
            for (CompositeData w : wqs) {
                for (int pid : (int[]) w.get("pools")) {
                    if (pid == id) {
                        ref++;
                        break;
                    }
                }
            }
            int cpu = (Integer) p.get("cpu");
            String where = cpu >= 0 ? String.format(Locale.ROOT, "cpu=%3d", cpu) : "cpus=unbound";
            String flags = (String) p.get("flags");
            out.printf(Locale.ROOT, "pool[%0" + idLen + "d] ref=%3d nice=%3d idle/workers=%3d/%3d %s%s%s%n",
                    id, ref, p.get("nice"), p.get("idle"), p.get("workers"), where,
                    Boolean.TRUE.equals(p.get("highpri")) ? " highpri" : "",
                    flags == null || flags.isEmpty() ? "" : " flags=" + flags);
        }

        out.println();
        section(out, "Workqueue CPU -> pool", '=');
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "[%s\\ %-9s", center("workqueue", WQ_NAME_LEN - 2), "type   CPU"));
        for (int c = 0; c < cpus; c++) {
            head.append(' ').append(pad(Integer.toString(c), Math.max(idLen, Integer.toString(c).length())));
        }
        out.println(head.append(" dfl]"));
        for (CompositeData w : wqs) {
            boolean unbound = (Boolean) w.get("unbound");
            String type = (Boolean) w.get("ordered") ? "ordered" : unbound ? "unbound" : "percpu";
            int[] ids = (int[]) w.get("pools");
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-" + WQ_NAME_LEN + "s %-10s", w.get("name"), type));
            for (int c = 0; c < cpus; c++) {
                int id = ids.length == 0 ? -1 : unbound ? ids[0] : ids[Math.min(c, ids.length - 1)];
                line.append(' ').append(pad(Integer.toString(id), Math.max(idLen, Integer.toString(c).length())));
            }
            if (unbound && ids.length > 0) {
                line.append(' ').append(pad(Integer.toString(ids[0]), idLen));
            }
            out.println(line);
        }

        out.println();
        section(out, "Workqueue -> rescuer", '=');
        out.printf(Locale.ROOT, "[%s\\ %s]%n", center("workqueue", WQ_NAME_LEN - 2), "rescuer");
        for (CompositeData w : wqs) {
            String rescuer = (String) w.get("rescuer");
            if (rescuer != null && !rescuer.isEmpty()) {
                out.printf(Locale.ROOT, "%-" + WQ_NAME_LEN + "s %s%n", w.get("name"), rescuer);
            }
        }

        out.println();
        section(out, "Unbound workqueue -> nr_active/max_active", '=');
        out.printf(Locale.ROOT, "[%s\\ %9s %8s]%n", center("workqueue", WQ_NAME_LEN - 2), "act/max", "inactive");
        for (CompositeData w : wqs) {
            if ((Boolean) w.get("unbound")) {
                out.printf(Locale.ROOT, "%-" + WQ_NAME_LEN + "s %4d/%4d %8d%n", w.get("name"),
                        w.get("nrActive"), w.get("maxActive"), w.get("nrInactive"));
            }
        }

        out.println();
        section(out, "Busy workqueues and worker pools", '=');
        out.print(busy.isBlank() ? "(none busy)\n" : busy.endsWith("\n") ? busy : busy + "\n");
    }

    private static void section(PrintWriter out, String title, char underline) {
        out.println(title);
        out.println(String.valueOf(underline).repeat(title.length()));
    }

    private static String center(String s, int width) {
        int left = Math.max(0, (width - s.length()) / 2);
        int right = Math.max(0, width - s.length() - left);
        return " ".repeat(left) + s + " ".repeat(right);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    static List<String> lines(String s) {
        return new ArrayList<>(s.lines().toList());
    }
}
