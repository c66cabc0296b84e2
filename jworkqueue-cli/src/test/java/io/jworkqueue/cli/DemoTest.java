package io.jworkqueue.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's first command, in-process and without a terminal. */
class DemoTest {

    @Test
    @Timeout(90)
    void demo_shortRunWithoutTerminal_printsTimelinesTablesAndSummary() {
        JwqTest.Result r = JwqTest.jwq("demo", "--seconds", "3", "--plain", "-i", "1");
        assertEquals(0, r.code(), r::toString);
        String out = r.out();
        System.out.println(out);
        for (String s : new String[] {"max_active >= 3:", "max_active == 2:", "CPU_INTENSIVE workqueue:", "ordered workqueue",
                "[demo]", "Summary", "0 out of order"}) {
            assertTrue(out.contains(s), s + " missing\n" + r);
        }
        assertTrue(!out.contains("\033["), "no cursor movement without a terminal");
        // timelines: three rows each, drawn with '#', '~' and '.'
        assertTrue(Pattern.compile("(?m)^  w2  [.]+#+~+\\s+start\\s+\\d+\\s+finish\\s+\\d+ ms$").matcher(out).find(), out);
        // the table moved: indexer ran items
        assertTrue(Pattern.compile("(?m)^indexer\\s+[1-9]\\d*\\s").matcher(out).find(), out);
    }
}
