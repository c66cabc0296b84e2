package io.jworkqueue.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's view of a thread, where the platform offers it (Linux {@code /proc}). The JVM
 * reports a thread blocked in native I/O as RUNNABLE, exactly like one that is merely waiting
 * for a CPU; the kernel's scheduler state tells them apart ('R' runnable, 'S' / 'D' sleeping).
 */
final class NativeThreads {
    private NativeThreads() {}

    private static final Path SELF = Path.of("/proc/thread-self");

    /** @return the calling thread's kernel thread id, or -1 where unknown */
    static int currentTid() {
        try {
            Path target = Files.readSymbolicLink(SELF); // "<pid>/task/<tid>"
            return Integer.parseInt(target.getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @param tid a kernel thread id of this process
     * @return the scheduler state letter of {@code /proc/self/task/<tid>/stat}, or 0 where unknown
     */
    static char schedulerState(int tid) {
        if (tid < 0) {
            return 0;
        }
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/self/task/" + tid + "/stat"));
            for (int i = b.length - 1; i > 0; i--) { // "tid (comm) S ...": comm may hold ')'
                if (b[i] == ')') {
                    return i + 2 < b.length ? (char) b[i + 2] : 0;
                }
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
