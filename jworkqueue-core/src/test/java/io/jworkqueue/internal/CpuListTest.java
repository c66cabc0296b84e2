package io.jworkqueue.internal;

import static org.junit.jupiter.api.Assertions.*;

import java.util.BitSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link CpuList}: the Linux CPU list syntax, both ways. */
class CpuListTest {

    private static BitSet of(int... cpus) {
        BitSet b = new BitSet();
        IntStream.of(cpus).forEach(b::set);
        return b;
    }

    @Test
    void parse_rangesSinglesAndBlanks() {
        assertEquals(of(0, 1, 2, 3, 8, 9, 10, 11), CpuList.parse("0-3,8-11"));
        assertEquals(of(5), CpuList.parse("5\n"));
        assertEquals(of(0, 2, 7), CpuList.parse(" 0 , 2,7-7 "));
        assertEquals(new BitSet(), CpuList.parse(""));
        assertEquals(new BitSet(), CpuList.parse(" \n"));
        assertEquals(of(CpuList.MAX_CPU), CpuList.parse(String.valueOf(CpuList.MAX_CPU)));
    }

    @Test
    void parse_groupForm_firstUsedOfEachGroup() {
        assertEquals(of(0, 1, 4, 5), CpuList.parse("0-7:2/4"));
        assertEquals(of(0, 2, 4, 6), CpuList.parse("0-7:1/2"));
        assertEquals(of(1, 2, 3, 4), CpuList.parse("1-4:4/4"));
        assertEquals(of(0, 1, 2, 4, 5, 6, 8), CpuList.parse("0-8:3/4"), "the last group is cut at the range's end");
    }

    @Test
    void parse_garbage_refusedNamingTheItem() {
        String[] bad = {"a", "0-", "-3", "3-1", "1,,2", "1,", "0-7:2", "0-7:0/4", "0-7:5/4", "0-7:2/x",
            "65536", "99999999999", "0x3", "1 2", "+1"};
        for (String b : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuList.parse(b), b);
            assertTrue(e.getMessage().contains("is not a CPU list item"), b + ": " + e.getMessage());
        }
        assertEquals("list", assertThrows(NullPointerException.class, () -> CpuList.parse(null)).getMessage());
    }

    @Test
    void format_foldsRanges_andRoundTrips() {
        assertEquals("", CpuList.format(new BitSet()));
        assertEquals("0-3,6", CpuList.format(of(0, 1, 2, 3, 6)));
        assertEquals("1,3,5-6", CpuList.format(of(1, 3, 5, 6)));
        for (String s : new String[] {"0", "0-1", "0,2", "0-3,8-11", "4095"}) {
            assertEquals(s, CpuList.format(CpuList.parse(s)));
        }
    }
}
