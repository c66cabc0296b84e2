package io.jworkqueue.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code jwq.jar} as a user runs it: {@code java -jar jwq.jar ...} in a child JVM,
 * from a directory outside the source tree, with nothing but the jar. Runs in failsafe's
 * {@code integration-test} phase, after {@code package} built the jar; the expected version is the
 * pom's, passed in by the build ({@code jwq.expectedVersion}).
 */
class JwqJarIT {

    record Run(int code, String out) {}

    /** Surefire runs this class too when -Dtest names classes by exclusion; only failsafe, after package, passes the jar. */
    @BeforeAll
    static void runByFailsafe() {
        assumeTrue(System.getProperty("jwq.jar") != null,
                "JwqJarIT runs in failsafe's integration-test phase (mvn verify), after package built jwq.jar");
    }

    static Run javaJar(Path dir, String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("jwq.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "no jar at " + jar);
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Xmx64m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("CLASSPATH");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -jar jwq.jar did not exit");
        return new Run(p.exitValue(), out);
    }

    @Test
    @Timeout(120)
    void version_fromAnotherDirectory_printsThePomVersionFromTheManifest(@TempDir Path dir) throws Exception {
        String expected = System.getProperty("jwq.expectedVersion");
        assertFalse(expected == null || expected.isBlank() || expected.contains("${"), "the build passes jwq.expectedVersion");
        Run r = javaJar(dir, "--version");
        assertEquals(0, r.code(), r.out());
        assertEquals("jwq " + expected, r.out().strip());
    }

    @Test
    @Timeout(120)
    void help_fromAnotherDirectory_listsTheCommands(@TempDir Path dir) throws Exception {
        Run r = javaJar(dir, "--help");
        assertEquals(0, r.code(), r.out());
        for (String c : new String[] {"demo", "monitor", "dump"}) {
            assertTrue(r.out().contains(c), c + " missing:\n" + r.out());
        }
    }

    @Test
    @Timeout(120)
    void jar_isMultiRelease_withTheJdk22CpuAffinityAndNativeAccess() throws Exception {
        Path jar = Path.of(System.getProperty("jwq.jar"));
        try (JarFile f = new JarFile(jar.toFile(), true, ZipFile.OPEN_READ, Runtime.version())) {
            assertTrue(f.isMultiRelease(), "no Multi-Release: true in " + jar);
            assertEquals("ALL-UNNAMED", f.getManifest().getMainAttributes().getValue("Enable-Native-Access"));
            assumeTrue(Runtime.version().feature() >= 22, "JDK 21 builds and loads the base CpuAffinity only");
            JarEntry e = f.getJarEntry("io/jworkqueue/internal/CpuAffinity.class");
            assertEquals("META-INF/versions/22/io/jworkqueue/internal/CpuAffinity.class", e.getRealName(),
                    "a JDK " + Runtime.version().feature() + " loads this CpuAffinity");
        }
    }
}
