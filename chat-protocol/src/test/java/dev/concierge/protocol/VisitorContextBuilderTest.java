package dev.concierge.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link VisitorContext#builder()}: the record's fields by name, its limits checked at each setter. */
final class VisitorContextBuilderTest {
    @Test
    void buildsTheSameContextAsTheConstructor() {
        Page page = new Page("https://shop.example.com/orders/1234", "Order 1234", null);
        VisitorContext built = VisitorContext.builder()
                .name("Ada Lovelace")
                .email("ada@example.com")
                .language("en-GB")
                .timeZone("Europe/London")
                .userAgent("JUnit")
                .page(page)
                .attribute("plan", "gold")
                .attributes(Map.of("orders", "3"))
                .build();
        assertThat(built)
                .isEqualTo(new VisitorContext(
                        "Ada Lovelace",
                        "ada@example.com",
                        "en-GB",
                        "Europe/London",
                        "JUnit",
                        page,
                        Map.of("plan", "gold", "orders", "3")));
        assertThat(VisitorContext.builder().build()).isEqualTo(VisitorContext.empty());
    }

    @Test
    void eachSetterRejectsABadValueAtOnce_namingTheField() {
        VisitorContext.Builder b = VisitorContext.builder();
        assertThatThrownBy(() -> b.name("n".repeat(201))).hasMessageContaining("context.name");
        assertThatThrownBy(() -> b.email("not-an-address")).hasMessageContaining("context.email");
        assertThatThrownBy(() -> b.language("l".repeat(36))).hasMessageContaining("context.language");
        assertThatThrownBy(() -> b.timeZone("t".repeat(65))).hasMessageContaining("context.timeZone");
        assertThatThrownBy(() -> b.userAgent("u".repeat(513))).hasMessageContaining("context.userAgent");
        assertThatThrownBy(() -> b.attribute("bad key", "x")).hasMessageContaining("context.attributes");
        assertThatThrownBy(() -> b.attribute("k", "two\nlines")).hasMessageContaining("context.attributes.k");
        for (int i = 0; i < VisitorContext.MAX_ATTRIBUTES; i++) {
            b.attribute("k" + i, "v");
        }
        assertThatThrownBy(() -> b.attribute("one-more", "v")).hasMessageContaining("context.attributes");
        b.attribute("k0", "replaced"); // replacing one is not one more
        assertThat(b.build().attributes())
                .hasSize(VisitorContext.MAX_ATTRIBUTES)
                .containsEntry("k0", "replaced");
    }

    @Test
    void build_rejectsAContextLongerThanTheTotal() {
        VisitorContext.Builder b = VisitorContext.builder();
        for (int i = 0; i < 17; i++) {
            b.attribute("k" + i, "v".repeat(VisitorContext.MAX_ATTRIBUTE_VALUE));
        }
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("context");
    }
}
