package dev.courier.common.validation;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WireRulesTest {

    @Test
    void aPathOfThousandsOfSegmentsIsJudgedWithoutOverflowingTheStack() {
        // Found by the fuzz test: the path pattern repeated an alternation, which Java matches by recursion.
        assertThat(WireRules.isRelativePath("a/".repeat(20_000) + "b")).isTrue();
        assertThat(WireRules.isRelativePath("%41/".repeat(20_000) + "%zz")).isFalse();
    }

    @Test
    void percentIsAllowedOnlyAsAnEscape() {
        assertThat(WireRules.isRelativePath("orders/%2042")).isTrue();
        assertThat(WireRules.isRelativePath("orders/%4")).isFalse();
        assertThat(WireRules.isRelativePath("orders/%zz")).isFalse();
        assertThat(WireRules.isRelativePath("100%")).isFalse();
        assertThat(WireRules.isRelativePath("a b")).isFalse();
        assertThat(WireRules.isRelativePath("a?b")).isFalse();
    }
}
