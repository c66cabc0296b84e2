package io.jworkqueue.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A child process for the CLI tests: a JVM running a test main class, or any command. */
final class ChildJvm implements AutoCloseable {
    final Process process;

    private ChildJvm(Process process) {
        this.process = process;
    }

    /** Starts the same java with the test class path on {@code main}, and waits for READY. */
    static ChildJvm java(Class<?> main) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", cp, main.getName()));
        ChildJvm c = new ChildJvm(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        try {
            c.awaitReady();
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Starts a command that is not a JVM. */
    static ChildJvm command(String... cmd) throws IOException {
        return new ChildJvm(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    long pid() {
        return process.pid();
    }

    private void awaitReady() throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.equals("READY")) {
                        // keep draining so the child never blocks on a full pipe
                        Thread.ofPlatform().daemon(true).start(() -> {
                            try {
                                while (r.readLine() != null) {
                                    // discard
                                }
                            } catch (IOException ignored) {
                                // child gone
                            }
                        });
                        return "READY";
                    }
                    seen.append(line).append('\n');
                }
            } catch (IOException e) {
                seen.append(e);
            }
            return "child exited before READY:\n" + seen;
        });
        String got = ready.get(60, TimeUnit.SECONDS);
        if (!got.equals("READY")) {
            throw new AssertionError(got);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
