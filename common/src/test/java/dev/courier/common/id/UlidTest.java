package dev.courier.common.id;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UlidTest {

    @Test
    void idsAreWellFormedUniqueAndSortInTheOrderTheyWereMade() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            ids.add(Ulid.next());
        }
        assertThat(ids).allMatch(Ulid::isValid);
        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        assertThat(ids).isSorted();
    }

    @Test
    void theTimestampIsTheMillisecondTheIdWasMade() {
        long before = System.currentTimeMillis();
        String id = Ulid.next();
        long after = System.currentTimeMillis();
        assertThat(Ulid.timestamp(id)).isBetween(before, after);
    }

    @Test
    void aDerivedIdIsStableForTheSameNameAndDiffersForAnother() {
        String first = Ulid.derived(1_700_000_000_000L, "courier.requests/3/42");
        assertThat(Ulid.derived(1_700_000_000_000L, "courier.requests/3/42")).isEqualTo(first);
        assertThat(Ulid.derived(1_700_000_000_000L, "courier.requests/3/43")).isNotEqualTo(first);
        assertThat(Ulid.isValid(first)).isTrue();
        assertThat(Ulid.timestamp(first)).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void malformedIdsAreRecognised() {
        assertThat(Ulid.isValid("01K1Q6K12C1BT01KRZJ000HKB")).isFalse(); // 25 characters
        assertThat(Ulid.isValid("01K1Q6K12C1BT01KRZJ000HKBU")).isFalse(); // U is not Crockford base32
        assertThat(Ulid.isValid("81K1Q6K12C1BT01KRZJ000HKB9")).isFalse(); // beyond 128 bits
        assertThat(Ulid.isValid("01K1Q6K12C1BT01KRZJ000HKB9")).isTrue();
    }
}
