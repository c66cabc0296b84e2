package io.jworkqueue.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jwq}: the jworkqueue tool, launched by {@code bin/jwq}.
 *
 * <ul>
 *   <li>{@code jwq demo} runs a workload in this JVM with a live monitor table;</li>
 *   <li>{@code jwq monitor} is the kernel's {@code tools/workqueue/wq_monitor.py} for another JVM;</li>
 *   <li>{@code jwq dump} is {@code tools/workqueue/wq_dump.py} plus the busy-workqueue dump.</li>
 * </ul>
 *
 * <p>Exit codes: {@value #OK} ok, {@value #USAGE} usage error, {@value #CONNECT} cannot attach or
 * connect to the target (or the connection was lost), {@value #NO_JWORKQUEUE} the target runs no
 * jworkqueue runtime.
 */
@Command(name = "jwq", mixinStandardHelpOptions = true, versionProvider = Jwq.ManifestVersion.class,
        description = "Concurrency-managed workqueues for the JVM: demo, monitor and dump.",
        subcommands = {DemoCommand.class, MonitorCommand.class, DumpCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:ok",
            "1:usage error",
            "2:cannot attach or connect to the target, or lost the connection",
            "3:the target JVM runs no jworkqueue runtime (no io.jworkqueue MBean)"})
public final class Jwq implements Runnable {
    /** Exit code: success. */
    public static final int OK = 0;
    /** Exit code: bad command line. */
    public static final int USAGE = 1;
    /** Exit code: cannot attach or connect to the target, or lost the connection. */
    public static final int CONNECT = 2;
    /** Exit code: the target JVM has no jworkqueue runtime. */
    public static final int NO_JWORKQUEUE = 3;
    /** The shortest refresh interval, seconds: below it the tables would scroll past unread. */
    static final double MIN_INTERVAL = 0.1;
    /** The longest refresh interval, seconds (a day). */
    static final double MAX_INTERVAL = 86_400;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Checks a refresh interval: {@value #MIN_INTERVAL} to {@value #MAX_INTERVAL} seconds, or 0
     * when {@code zeroPrintsOnce}.
     *
     * @return the interval
     * @throws CliException {@link #USAGE} if it is out of range or not a number
     */
    static double checkInterval(double seconds, boolean zeroPrintsOnce) {
        if ((zeroPrintsOnce && seconds == 0) || (seconds >= MIN_INTERVAL && seconds <= MAX_INTERVAL)) {
            return seconds;
        }
        throw new CliException(USAGE, "interval " + seconds + " s is out of range " + MIN_INTERVAL + ".."
                + (long) MAX_INTERVAL + (zeroPrintsOnce ? " (or 0: print once)" : ""));
    }

    /**
     * {@code jwq --version}: the {@code Implementation-Version} that the build writes into the
     * manifest of {@code jwq.jar} (the pom's version; no version is written in the code).
     */
    static final class ManifestVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jwq " + version()};
        }

        /** @return the manifest's version, or a note that there is none (run from classes, not the jar) */
        static String version() {
            String v = Jwq.class.getPackage().getImplementationVersion();
            return v != null ? v : "(unknown version: not run from a built jar)";
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CliException(USAGE, "a command is required: demo, monitor or dump");
    }

    /**
     * Runs the tool as {@code bin/jwq} does.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Runs one command with the given streams (the tests' entry point).
     *
     * @param out standard output
     * @param err standard error
     * @param args the command line
     * @return the exit code
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Jwq());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("jwq: " + ex.getMessage());
            c.usage(c.getErr());
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            if (ex instanceof CliException e) {
                c.getErr().println("jwq: " + e.getMessage());
                c.getErr().flush();
                return e.exitCode();
            }
            throw ex;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }
}
