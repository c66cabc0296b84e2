package io.jworkqueue.stress;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs jcstress in a child JVM and decides pass or fail from its output, not from its exit code
 * alone: jcstress 0.16 exits non-zero when a test fails, but a run that matched no test or hit
 * only soft errors must fail the build too.
 *
 * <p>Fails when: the child exits non-zero; any per-test line is anything but {@code [OK]}
 * ({@code [FAILED]} = a FORBIDDEN outcome, {@code [ERROR]} / other tags = errors, timeouts, soft
 * errors); the summary's "Failed tests" or "Error tests" section is not empty; a progress or
 * summary line reports soft or hard errors; or no test ran at all. The whole console output is
 * kept in {@code jcstress.log} beside the {@code results/} report.
 *
 * <p>Usage: {@code java -cp jcstress.jar io.jworkqueue.stress.JcstressGate [jcstress options]}
 * (blank arguments are dropped, so optional Maven properties can expand to nothing).
 */
public final class JcstressGate {
    private static final Pattern TEST_LINE = Pattern.compile("\\[([A-Z][A-Z_-]*)\\]\\s+(io\\.jworkqueue\\.\\S+)");
    private static final Pattern SUMMARY = Pattern.compile("^(Interesting|Failed|Error|All remaining) tests: (\\d+) matching");
    private static final Pattern ERRS = Pattern.compile("(\\d+) (soft errs|hard errs|failed)");

    private JcstressGate() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.openjdk.jcstress.Main");
        for (String a : args) {
            if (!a.isBlank()) {
                cmd.add(a.strip());
            }
        }
        System.out.println("jcstress-gate: " + String.join(" ", cmd));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> problems = new ArrayList<>();
        Map<String, Integer> ok = new TreeMap<>();
        int summarized = 0;
        String section = "";
        Path log = Path.of("jcstress.log");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                out.write(line);
                out.newLine();
                if (line.contains("WARNING:")) {
                    continue; // JNA's native-access warnings from the forked VMs: noise
                }
                System.out.println(line);
                String t = line.strip();
                if (t.startsWith("Interesting tests:")) {
                    section = "interesting";
                } else if (t.startsWith("Failed tests:")) {
                    section = "failed";
                    if (!t.contains("No matches")) {
                        problems.add(t);
                    }
                } else if (t.startsWith("Error tests:")) {
                    section = "error";
                    if (!t.contains("No matches")) {
                        problems.add(t);
                    }
                } else if (t.startsWith("All remaining tests:")) {
                    section = "rest";
                }
                Matcher sm = SUMMARY.matcher(t);
                if (sm.find()) {
                    summarized += Integer.parseInt(sm.group(2));
                }
                Matcher m = TEST_LINE.matcher(line);
                if (m.find() && !t.startsWith("-----")) {
                    if (m.group(1).equals("OK")) {
                        ok.merge(m.group(2), 1, Integer::sum);
                    } else if (!section.equals("failed") && !section.equals("error")) {
                        problems.add(t); // the summary repeats these; count each once
                    }
                }
                Matcher e = ERRS.matcher(line);
                while (e.find()) {
                    if (Integer.parseInt(e.group(1)) != 0) {
                        problems.add(t);
                    }
                }
                if (t.contains("soft error") || t.contains("Soft error")) {
                    problems.add(t);
                }
            }
        }
        int rc = p.waitFor();
        long secs = (System.nanoTime() - t0) / 1_000_000_000L;
        System.out.println();
        System.out.println("jcstress-gate: " + summarized + " test results in the summary (" + ok.size()
                + " tests printed as [OK] in " + ok.values().stream().mapToInt(i -> i).sum()
                + " configurations; plain passes are printed only with -v) in " + secs + " s; jcstress exit code " + rc + "; log in "
                + log.toAbsolutePath() + ", report in " + new File("results").getAbsolutePath());
        ok.forEach((name, n) -> System.out.println("jcstress-gate:   [OK] " + name + " x" + n));
        if (rc != 0) {
            problems.add("jcstress exited with code " + rc);
        }
        if (summarized == 0) {
            problems.add("no test ran (check the -t regexp and that the annotation processor ran)");
        }
        if (!problems.isEmpty()) {
            System.out.println("jcstress-gate: FAILED");
            problems.stream().distinct().forEach(s -> System.out.println("jcstress-gate:   " + s));
            System.exit(1);
        }
        System.out.println("jcstress-gate: PASSED");
    }
}
