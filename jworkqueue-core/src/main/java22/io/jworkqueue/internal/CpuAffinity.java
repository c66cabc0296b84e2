package io.jworkqueue.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.BitSet;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pins the calling thread to a set of runtime CPUs with the operating system: the JDK 22+
 * version (in {@code META-INF/versions/22} of the multi-release jar; the base version in
 * {@code src/main/java} pins nothing). Linux only: glibc's {@code sched_getaffinity} and
 * {@code sched_setaffinity} through the FFM API ({@code java.lang.foreign}), with pid 0, which on
 * Linux means the calling thread.
 *
 * <p>The first use (only ever when a runtime pins its workers) looks the two functions up and
 * reads the CPUs the process may use ({@code sched_getaffinity} of the calling thread, which has
 * not been pinned yet: a container's cpuset or {@code taskset} narrow it), once; runtime CPUs map
 * onto them as {@link CpuPinning} says. Looking up a native function is a restricted method: start
 * the JVM with {@code --enable-native-access=io.jworkqueue} (module path) or
 * {@code =ALL-UNNAMED} (class path), else JDK 22-25 print a warning on that first use, and a JVM
 * that denies native access makes pinning unsupported, with {@link #status()} saying why.
 *
 * <p>Nothing here throws to its caller (a worker starting): a failure is remembered for dumps
 * ({@link #lastFailure()}), logged once, and the thread runs unpinned.
 */
final class CpuAffinity {
    private static final System.Logger LOG = System.getLogger("io.jworkqueue");
    private static final int EPERM = 1, ESRCH = 3, EFAULT = 14, EINVAL = 22;

    /** Set before the first pin: from then on a new thread may inherit a pinned thread's affinity. */
    private static volatile boolean pinnedAny;
    private static volatile String lastFailure;
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private CpuAffinity() {}

    /** @return whether pinning works here */
    static boolean supported() {
        return Native.UNSUPPORTED == null;
    }

    /** @return why pinning is not available (for dumps), or {@code "supported"} */
    static String status() {
        return Native.UNSUPPORTED == null ? "supported" : Native.UNSUPPORTED;
    }

    /** @return the OS CPUs this process may run on, ascending; empty where unknown */
    static int[] allowedCpus() {
        return Native.ALLOWED.clone();
    }

    /** @return the last failure of a pin (for dumps), or null */
    static String lastFailure() {
        return lastFailure;
    }

    /**
     * Pins the calling platform thread to the OS CPUs that {@code runtimeCpus} map onto
     * ({@link CpuPinning#osCpus}). Never throws.
     *
     * @return true if the thread is now pinned
     */
    static boolean pinCurrentThread(BitSet runtimeCpus) {
        try {
            if (Thread.currentThread().isVirtual() || !supported()) {
                return false;
            }
            BitSet os = CpuPinning.osCpus(runtimeCpus, Native.ALLOWED);
            Faults.at("pin", os); // tests: throw, or change the mask into one the OS refuses
            pinnedAny = true;
            return Native.setAffinity(os);
        } catch (Throwable t) {
            failed("pinning " + Thread.currentThread().getName(), t.toString());
            return false;
        }
    }

    /**
     * Gives the calling platform thread all the CPUs the process may use again, if any thread of
     * this JVM was pinned (a thread inherits the affinity of the thread that started it). Never
     * throws; touches nothing native when nothing was pinned.
     */
    static void unpinInherited() {
        if (!pinnedAny || Thread.currentThread().isVirtual()) {
            return;
        }
        try {
            Native.setAffinity(CpuPinning.set(Native.ALLOWED));
        } catch (Throwable t) {
            failed("unpinning " + Thread.currentThread().getName(), t.toString());
        }
    }

    /** Remembers a failure and logs the first one; never throws (its caller is a starting thread). */
    private static void failed(String what, String why) {
        try {
            String text = what + ": " + why;
            lastFailure = text;
            if (WARNED.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "jworkqueue CPU pinning failed: " + text
                        + "; the thread keeps the CPUs it had (reported once; WorkqueueRuntime.dump()"
                        + " of a pinning runtime shows the last failure)");
            }
        } catch (Throwable ignored) {
            // a logger that throws must not take the worker down
        }
    }

    private static String errno(int e) {
        String name = switch (e) {
            case EPERM -> " (EPERM)";
            case ESRCH -> " (ESRCH)";
            case EFAULT -> " (EFAULT)";
            case EINVAL -> " (EINVAL)";
            default -> "";
        };
        return "errno " + e + name;
    }

    /** The native side, set up on first use (so that merely loading the outer class calls nothing native). */
    private static final class Native {
        /** Null if pinning works, else why not. */
        static final String UNSUPPORTED;
        /** The OS CPUs the process may use, ascending (empty if unsupported). */
        static final int[] ALLOWED;
        /** {@code int sched_setaffinity(pid_t, size_t, const cpu_set_t *)}, capturing errno. */
        private static final MethodHandle SET;
        private static final StructLayout CAPTURE;
        private static final VarHandle ERRNO;
        /** The size of a CPU mask the kernel accepts: a multiple of 8 bytes (unsigned longs). */
        private static final long MASK_BYTES;

        static {
            String why = null;
            int[] allowed = new int[0];
            MethodHandle get = null, set = null;
            StructLayout capture = null;
            VarHandle errno = null;
            long bytes = 128; // glibc's cpu_set_t: 1024 CPUs
            String os = System.getProperty("os.name", "");
            try {
                if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                    why = "needs Linux (sched_setaffinity); this is " + os;
                } else if (ADDRESS.byteSize() != 8) {
                    why = "needs a 64-bit JVM";
                } else {
                    Linker linker = Linker.nativeLinker();
                    SymbolLookup libc = linker.defaultLookup();
                    Linker.Option errnoOption = Linker.Option.captureCallState("errno");
                    FunctionDescriptor fd = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);
                    MemorySegment getFn = libc.find("sched_getaffinity").orElse(null);
                    MemorySegment setFn = libc.find("sched_setaffinity").orElse(null);
                    if (getFn == null || setFn == null) {
                        why = "the C library has no sched_getaffinity/sched_setaffinity";
                    } else {
                        get = downcall(linker, getFn, fd, errnoOption);
                        set = downcall(linker, setFn, fd, errnoOption);
                        capture = Linker.Option.captureStateLayout();
                        errno = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                        try (Arena arena = Arena.ofConfined()) {
                            MemorySegment state = arena.allocate(capture);
                            while (true) {
                                MemorySegment mask = arena.allocate(bytes, 8);
                                int r = (int) get.invokeExact(state, 0, bytes, mask);
                                if (r == 0) {
                                    allowed = BitSet.valueOf(mask.toArray(JAVA_LONG)).stream().toArray();
                                    break;
                                }
                                int e = (int) errno.get(state, 0L);
                                if (e != EINVAL || bytes >= (1 << 20)) {
                                    why = "sched_getaffinity failed: " + errno(e);
                                    break;
                                }
                                bytes *= 2; // more CPUs than the mask holds
                            }
                        }
                        if (why == null && allowed.length == 0) {
                            why = "sched_getaffinity reported no CPUs";
                        }
                    }
                }
            } catch (IllegalCallerException e) {
                why = "native access is denied (" + e.getMessage() + "): start the JVM with --enable-native-access="
                        + (CpuAffinity.class.getModule().isNamed() ? "io.jworkqueue" : "ALL-UNNAMED");
            } catch (Throwable t) {
                why = "the FFM API failed: " + t;
            }
            UNSUPPORTED = why;
            ALLOWED = why == null ? allowed : new int[0];
            SET = set;
            CAPTURE = capture;
            ERRNO = errno;
            MASK_BYTES = bytes;
        }

        /** A restricted method: see the class comment for the JVM's native-access flag. */
        @SuppressWarnings("restricted")
        private static MethodHandle downcall(Linker linker, MemorySegment fn, FunctionDescriptor fd, Linker.Option option) {
            return linker.downcallHandle(fn, fd, option);
        }

        /** {@code sched_setaffinity(0, ...)}: the calling thread may run on {@code osCpus} only. */
        static boolean setAffinity(BitSet osCpus) throws Throwable {
            long bytes = Math.max(MASK_BYTES, (osCpus.length() + 63) / 64 * 8L);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment mask = arena.allocate(bytes, 8);
                mask.fill((byte) 0);
                long[] words = osCpus.toLongArray();
                MemorySegment.copy(words, 0, mask, JAVA_LONG, 0, words.length);
                MemorySegment state = arena.allocate(CAPTURE);
                int r = (int) SET.invokeExact(state, 0, bytes, mask);
                if (r == 0) {
                    return true;
                }
                failed("sched_setaffinity(" + CpuList.format(osCpus) + ") for " + Thread.currentThread().getName(),
                        errno((int) ERRNO.get(state, 0L)));
                return false;
            }
        }
    }
}
