package io.jworkqueue.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import javax.management.ObjectName;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jwq monitor}: the kernel's {@code wq_monitor.py} for a running JVM. */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = {
            "Prints workqueue statistics of a running JVM every interval (wq_monitor.py).",
            "",
            "One row per workqueue of every jworkqueue runtime in the target JVM,",
            "as the kernel's tools/workqueue/wq_monitor.py prints them:",
            "",
            "  total    items started",
            "  infl     items in flight (started - completed)",
            "  CPUtime  CPU time consumed by items, seconds",
            "  CPUitsv  items detected as CPU hogs (bound workqueues only)",
            "  CMW/RPR  concurrency-management wake-ups (bound) or repatriations (unbound)",
            "  mayday   maydays sent to the rescuer (MEM_RECLAIM only)",
            "  rescued  items run by the rescuer (MEM_RECLAIM only)",
            "",
            "'-' marks a column that does not apply. Stop with Ctrl-C."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:usage error", "2:cannot attach/connect, or lost the connection",
            "3:no jworkqueue runtime in the target"})
final class MonitorCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-i", "--interval"}, paramLabel = "SECS", defaultValue = "1",
            description = "Monitoring interval in seconds, 0.1..86400 (0 to print once and exit). Default: ${DEFAULT-VALUE}.")
    double interval;

    @Option(names = {"-j", "--json"}, description = "Print JSON lines with the kernel's keys instead of a table.")
    boolean json;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "0",
            description = "Stop after N samples (0: until interrupted).")
    int count;

    @Parameters(index = "0", paramLabel = "TARGET", description = "pid, host:port, or service:jmx: URL of the JVM")
    String target;

    @Parameters(index = "1..*", paramLabel = "REGEX", description = "Workqueue name patterns (all if none).")
    List<String> patterns = List.of();

    @Override
    public Integer call() throws InterruptedException {
        Jwq.checkInterval(interval, true);
        if (count < 0) {
            throw new CliException(Jwq.USAGE, "count " + count + " must not be negative");
        }
        Pattern filter = null;
        if (!patterns.isEmpty()) {
            try {
                filter = Pattern.compile(String.join("|", patterns));
            } catch (PatternSyntaxException e) {
                throw new CliException(Jwq.USAGE, "bad workqueue pattern: " + e.getDescription() + " in '" + e.getPattern() + "'");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Target t = Target.connect(target)) {
            List<ObjectName> runtimes = t.runtimes();
            for (int sample = 1; ; sample++) {
                double now = System.currentTimeMillis() / 1000.0;
                List<WqRow> rows = t.rows(runtimes);
                String current = null;
                for (WqRow r : rows) {
                    if (filter != null && !filter.matcher(r.name()).find()) {
                        continue;
                    }
                    if (json) {
                        out.println(MonitorTable.json(r, now));
                    } else {
                        if (!r.runtime().equals(current)) {
                            out.println();
                            out.println(MonitorTable.header(r.runtime()));
                            current = r.runtime();
                        }
                        out.println(MonitorTable.row(r));
                    }
                }
                out.flush();
                if (interval == 0 || (count > 0 && sample >= count)) {
                    return Jwq.OK;
                }
                Thread.sleep((long) (interval * 1000));
                runtimes = t.runtimes(); // runtimes come and go
            }
        }
    }
}
