package dev.courier.oci.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link ObjectStore} does, whatever is behind it. Each store's test runs these against a real one. */
abstract class ObjectStoreContract {

    /** The store under test, empty. */
    abstract ObjectStore store();

    @Test
    void anObjectReadsBackAsWrittenWithTheETagThePutAnswered() {
        byte[] content = bytes("hello, object");
        String etag = store().put("bodies/a", content, Precondition.NONE);

        Optional<StoredObject> read = store().get("bodies/a");
        assertThat(read).isPresent();
        assertThat(read.get().content()).isEqualTo(content);
        assertThat(read.get().etag()).isEqualTo(etag);
        assertThat(store().head("bodies/a")).hasValue(etag);
    }

    @Test
    void aMissingObjectIsEmptyNotAnError() {
        assertThat(store().get("bodies/none")).isEmpty();
        assertThat(store().head("bodies/none")).isEmpty();
        assertThat(store().delete("bodies/none")).isFalse();
    }

    @Test
    void ifNoneMatchCreatesOnceAndRefusesTheSecondWriterWith412() {
        store().put("snapshots/0/1", bytes("first"), Precondition.ABSENT);

        assertThatThrownBy(() -> store().put("snapshots/0/1", bytes("second"), Precondition.ABSENT))
                .isInstanceOf(PreconditionFailedException.class);
        assertThat(store().get("snapshots/0/1").orElseThrow().content()).isEqualTo(bytes("first"));
    }

    @Test
    void ifMatchReplacesOnlyTheVersionItNames() {
        String first = store().put("k", bytes("v1"), Precondition.NONE);
        String second = store().put("k", bytes("v2"), Precondition.matching(first));

        assertThatThrownBy(() -> store().put("k", bytes("v3"), Precondition.matching(first)))
                .isInstanceOf(PreconditionFailedException.class);
        assertThat(store().get("k").orElseThrow().content()).isEqualTo(bytes("v2"));
        assertThat(store().get("k").orElseThrow().etag()).isEqualTo(second);
        assertThatThrownBy(() -> store().put("absent", bytes("x"), Precondition.matching(first)))
                .isInstanceOf(PreconditionFailedException.class);
        assertThat(store().head("absent")).isEmpty();
    }

    @Test
    void anUnconditionalPutReplaces() {
        store().put("k", bytes("v1"), Precondition.NONE);
        store().put("k", bytes("v2"), Precondition.NONE);
        assertThat(store().get("k").orElseThrow().content()).isEqualTo(bytes("v2"));
    }

    @Test
    void aDeletedObjectIsGone() {
        store().put("bodies/gone", bytes("x"), Precondition.NONE);
        assertThat(store().delete("bodies/gone")).isTrue();
        assertThat(store().get("bodies/gone")).isEmpty();
        assertThat(store().delete("bodies/gone")).isFalse();
    }

    @Test
    void listingIsByPrefixInNameOrderPageByPage() {
        for (String name : List.of("snapshots/1/0003", "snapshots/1/0001", "snapshots/1/0002", "snapshots/10/0001")) {
            store().put(name, bytes(name), Precondition.NONE);
        }
        store().put("bodies/x", bytes("x"), Precondition.NONE);

        List<String> names = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String start = null;
        do {
            ObjectListing page = store().list("snapshots/1/", start, 2);
            names.addAll(page.names());
            pageSizes.add(page.names().size());
            start = page.nextStart();
        } while (start != null);

        assertThat(names).containsExactly("snapshots/1/0001", "snapshots/1/0002", "snapshots/1/0003");
        assertThat(pageSizes).containsExactly(2, 1);
        assertThat(store().list("snapshots/", null, 10).names()).hasSize(4);
        assertThat(store().list("nothing/", null, 10).names()).isEmpty();
    }

    @Test
    void aNameThatCouldEscapeOrHideIsRefused() {
        for (String name : List.of("../outside", "a/../b", ".hidden", "a//b", "/absolute", "")) {
            assertThatThrownBy(() -> store().put(name, bytes("x"), Precondition.NONE))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
