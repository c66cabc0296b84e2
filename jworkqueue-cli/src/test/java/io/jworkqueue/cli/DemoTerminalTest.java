package io.jworkqueue.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jwq demo} as a person sees it: run in a real terminal (a tmux pane of 120x45), then the
 * screen read back with {@code tmux capture-pane}. The live table must be redrawn in place from the
 * first frame to the last (one table header on screen, no stale first frame above it) and the
 * summary must be the last thing shown. Skipped where tmux is not installed ({@code .ci/run}
 * installs it).
 */
class DemoTerminalTest {

    private static final String DONE = "DEMO-EXIT";

    @Test
    @Timeout(180)
    void demo_inATerminal_redrawsTheTableInPlaceAndEndsWithTheSummary(@TempDir Path dir) throws Exception {
        assumeTrue(tmuxInstalled(), "tmux is not installed (apt-get install -y tmux); the terminal test needs it");
        String server = "jwq-test-" + ProcessHandle.current().pid();
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path script = dir.resolve("demo.sh");
        // The demo's CPU hog is reported through the logger about a second in: the message that
        // used to push the frames apart. Five seconds of workload redraw the table five times.
        Files.writeString(script, String.join("\n",
                "cd " + quote(dir.toString()),
                quote(java) + " -Xmx128m -cp " + quote(System.getProperty("java.class.path"))
                        + " io.jworkqueue.cli.Jwq demo --seconds 5 --no-timelines",
                "echo \"" + DONE + " $?\"",
                "sleep 600", ""), StandardCharsets.UTF_8);
        try {
            tmux(server, "new-session", "-d", "-s", "demo", "-x", "120", "-y", "45", "bash " + quote(script.toString()));
            String screen = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (!screen.contains(DONE) && System.nanoTime() < deadline) {
                Thread.sleep(200); // polling a screen: there is nothing to wait on but the screen itself
                screen = tmux(server, "capture-pane", "-p", "-t", "demo", "-S", "-", "-E", "-");
            }
            assertTrue(screen.contains(DONE + " 0"), "the demo did not end with exit code 0:\n" + screen);

            List<String> lines = new ArrayList<>(screen.lines().map(String::stripTrailing).toList());
            int done = indexOf(lines, l -> l.startsWith(DONE));
            List<String> shown = lines.subList(0, done);
            assertEquals(1, count(shown, l -> l.startsWith("[demo]")), "one table header on screen:\n" + screen);
            assertEquals(1, count(shown, l -> l.startsWith("t=")), "one frame, no stale one above it:\n" + screen);
            int frame = indexOf(shown, l -> l.startsWith("t="));
            Matcher t = Pattern.compile("t=\\s*(\\d+\\.\\d)/5 s.*").matcher(shown.get(frame));
            assertTrue(t.matches() && Double.parseDouble(t.group(1)) >= 5.0,
                    "the frame left on screen is the last one, drawn after the run's 5 s:\n" + screen);
            assertEquals(frame + 1, indexOf(shown, l -> l.startsWith("[demo]")), "the header follows the frame's time line:\n" + screen);
            int summary = indexOf(shown, l -> l.equals("Summary"));
            assertTrue(summary > frame, "the summary follows the table:\n" + screen);
            assertEquals(1, count(shown.subList(0, summary), l -> l.matches("indexer\\s+[1-9]\\d*\\s.*")),
                    "the table's rows are drawn once, with the workload's counts:\n" + screen);
            List<String> after = shown.subList(summary, shown.size()).stream().filter(l -> !l.isBlank()).toList();
            assertTrue(after.getLast().startsWith("heartbeat"), "the summary is the last thing shown:\n" + screen);
            assertEquals(0, count(after, l -> l.startsWith("[demo]") || l.startsWith("t=")), "no table after the summary:\n" + screen);
        } finally {
            try {
                tmux(server, "kill-server");
            } catch (IOException | AssertionError e) {
                // already gone
            }
        }
    }

    private static boolean tmuxInstalled() {
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String tmux(String server, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", server));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("TMUX");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "tmux " + args[0] + " hung");
        if (p.exitValue() != 0) {
            throw new AssertionError("tmux " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static long count(List<String> lines, java.util.function.Predicate<String> p) {
        return lines.stream().filter(p).count();
    }

    private static int indexOf(List<String> lines, java.util.function.Predicate<String> p) {
        for (int i = 0; i < lines.size(); i++) {
            if (p.test(lines.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such line in:\n" + String.join("\n", lines));
    }
}
