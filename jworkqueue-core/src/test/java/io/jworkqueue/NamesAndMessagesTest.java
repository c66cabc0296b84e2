package io.jworkqueue;

import static io.jworkqueue.TestSupport.WAIT_S;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Names (API.md: 1 to 32 characters, no control characters, not blank), the messages that show
 * them, and what a destroyed workqueue does with each call.
 */
@Timeout(60)
class NamesAndMessagesTest {

    /** Names no workqueue or runtime may have, with what each breaks. */
    private static final List<String> BAD_NAMES = List.of(
            "a\nb", "tab\there", "esc\u001b[31mred", "nul\u0000", "del\u007f", "c1\u009b", "cr\r",
            "line\u2028sep", "para\u2029sep", " ", "   ", "\t", "\u3000\u2003");

    private static IllegalArgumentException assertRefused(Executable call, String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, () -> "accepted the name " + escape(name));
        String m = e.getMessage();
        for (char c : m.toCharArray()) {
            assertFalse(Character.isISOControl(c) || c == '\u2028' || c == '\u2029',
                    () -> "the message must show control characters escaped: " + escape(m));
        }
        assertTrue(m.contains("control character") || m.contains("blank"), m);
        return e;
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.chars().forEach(c -> sb.append(c < 0x20 || c >= 0x7f ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return sb.toString();
    }

    @Test
    void workqueueNames_controlCharactersOrBlank_refusedWithEscapedMessage() {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            int before = rt.workqueues().size();
            for (String n : BAD_NAMES) {
                assertRefused(() -> rt.alloc(n, Set.of(), 0), n);
                assertRefused(() -> rt.allocOrdered(n, Set.of()), n);
                assertRefused(() -> rt.create(n), n);
                assertRefused(() -> rt.createSinglethread(n), n);
                assertRefused(() -> rt.createFreezable(n), n);
            }
            IllegalArgumentException e = assertRefused(() -> rt.alloc("a\nb", Set.of(), 0), "a\nb");
            assertTrue(e.getMessage().contains("'a\\nb'") && e.getMessage().contains("U+000A"), e.getMessage());
            assertEquals(before, rt.workqueues().size(), "a refused name allocated a workqueue");
            // what is allowed: inner spaces, punctuation, non-ASCII letters
            assertEquals("a b/c-d_e:1", rt.alloc("a b/c-d_e:1", Set.of(), 0).name());
            assertEquals("état", rt.alloc("état", Set.of(), 0).name());
        }
    }

    @Test
    void runtimeNames_controlCharactersBlankOrTooLong_refused() {
        WorkqueueRuntime.Builder b = WorkqueueRuntime.builder();
        for (String n : BAD_NAMES) {
            assertRefused(() -> b.name(n), n);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.name("r".repeat(10_000)));
        assertTrue(e.getMessage().contains("10000") && e.getMessage().contains("1..32"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, "the message echoes the whole name: " + e.getMessage().length() + " chars");
        assertThrows(IllegalArgumentException.class, () -> b.name(""));
        assertThrows(NullPointerException.class, () -> b.name(null));
        try (WorkqueueRuntime rt = b.name("r".repeat(32)).cpus(1).build()) {
            assertEquals("r".repeat(32), rt.name());
        }
    }

    @Test
    void overLongWorkqueueName_messageShowsItShortened() {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            String huge = "n".repeat(10_000);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rt.alloc(huge, Set.of(), 0));
            String m = e.getMessage();
            assertTrue(m.length() < 300, "the message echoes the whole name: " + m.length() + " chars");
            assertTrue(m.contains("10000") && m.contains("1..32") && m.contains("nnnn...'"), m);
        }
    }

    @Test
    void delayedWorkGetDelay_nullUnit_throwsNpeNamingIt() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new DelayedWork(self -> {}).getDelay(null));
        assertEquals("unit", e.getMessage());
    }

    @Test
    void jmxRegistrationWarning_quotesNameOnce() throws Exception {
        try (LogCapture log = new LogCapture();
             WorkqueueRuntime first = WorkqueueRuntime.builder().name("nm_dup").cpus(1).build();
             WorkqueueRuntime second = WorkqueueRuntime.builder().name("nm_dup").cpus(1).build()) {
            List<String> warnings = log.containing("cannot register its MXBean");
            assertFalse(warnings.isEmpty(), "the second runtime of a name should warn");
            assertTrue(warnings.get(0).contains("runtime 'nm_dup':"), warnings.get(0));
            assertFalse(warnings.get(0).contains("''"), warnings.get(0));
            assertNotNull(first);
            assertNotNull(second);
        }
    }

    @Test
    void drainRefusal_messageShowsTheItemAsNotPending() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime(); TestSupport.Helpers helpers = new TestSupport.Helpers("nm-drain")) {
            Workqueue wq = TestSupport.unbound(rt, "nm_drain", 0);
            TestSupport.Blocker b = TestSupport.startBlocker(wq);
            Future<?> drain = helpers.startWaiter(() -> {
                wq.drain();
                return null;
            });
            Work outsider = new Work(self -> {});
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> wq.queue(outsider));
            assertTrue(e.getMessage().contains("'nm_drain' is draining"), e.getMessage());
            assertFalse(outsider.isPending());
            assertFalse(e.getMessage().contains("pending"), "the item is shown pending: " + e.getMessage());
            DelayedWork delayed = new DelayedWork(self -> {});
            IllegalStateException d = assertThrows(IllegalStateException.class, () -> wq.queueDelayed(delayed, Duration.ofHours(1)));
            assertFalse(d.getMessage().contains("pending"), "the item is shown pending: " + d.getMessage());
            b.release();
            drain.get(WAIT_S, SECONDS);
            wq.destroy();
            IllegalStateException x = assertThrows(IllegalStateException.class, () -> wq.modDelayed(delayed, Duration.ofHours(1)));
            assertTrue(x.getMessage().contains("'nm_drain' is destroyed"), x.getMessage());
            assertFalse(x.getMessage().contains("pending"), "the item is shown pending: " + x.getMessage());
        }
    }

    @Test
    void destroyedWorkqueue_readsAndWaitsReturnAtOnce_mutationsThrow() throws Exception {
        try (WorkqueueRuntime rt = TestSupport.newRuntime()) {
            for (Workqueue wq : List.of(rt.alloc("nm_gone", Set.of(), 4), rt.allocOrdered("nm_gone_ord", Set.of()),
                    TestSupport.unbound(rt, "nm_gone_unb", 0))) {
                CountDownLatch ran = new CountDownLatch(1);
                assertTrue(wq.queue(new Work(self -> ran.countDown())));
                wq.destroy();
                TestSupport.await(ran, "queued work runs before destroy returns");
                assertTimeoutPreemptively(Duration.ofSeconds(WAIT_S), () -> {
                    wq.flush();
                    wq.drain();
                    wq.destroy();
                    wq.close();
                }, "a wait on a destroyed workqueue did not return");
                assertFalse(wq.isCongested(0));
                assertTrue(wq.isDestroyed());
                assertEquals(1, wq.stats().completed());
                assertThrows(IllegalArgumentException.class, () -> wq.isCongested(99), "argument checks come first");
                String quoted = "workqueue '" + wq.name() + "' is destroyed";
                IllegalStateException q = assertThrows(IllegalStateException.class, () -> wq.queue(new Work(self -> {})));
                assertTrue(q.getMessage().contains(quoted), q.getMessage());
                assertThrows(IllegalStateException.class, () -> wq.queueOn(0, new Work(self -> {})));
                assertThrows(IllegalStateException.class, () -> wq.queueDelayed(new DelayedWork(self -> {}), Duration.ofHours(1)));
                assertThrows(IllegalStateException.class, () -> wq.modDelayed(new DelayedWork(self -> {}), Duration.ZERO));
                IllegalStateException m = assertThrows(IllegalStateException.class, () -> wq.setMaxActive(2));
                assertTrue(m.getMessage().contains("workqueue '" + wq.name() + "'"), m.getMessage());
            }
        }
    }
}
