package dev.courier.common.validation;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import dev.courier.common.request.InvocationRequest;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * The rules of an {@link InvocationRequest} that span fields: mutually exclusive fields, base64, header syntax and
 * the 30-day deferral bound. Each violation names the field it concerns.
 */
@Retention(RUNTIME)
@Target(TYPE)
@Constraint(validatedBy = ValidInvocationRequest.Validator.class)
public @interface ValidInvocationRequest {
    String message() default "invalid invocation request";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks {@link ValidInvocationRequest}. */
    class Validator implements ConstraintValidator<ValidInvocationRequest, InvocationRequest> {
        /** Clock skew tolerated on {@code deliverAt} before it counts as more than 30 days ahead. */
        private static final Duration SKEW = Duration.ofMinutes(5);

        @Override
        public boolean isValid(InvocationRequest request, ConstraintValidatorContext context) {
            if (request == null) {
                return true;
            }
            Violations violations = new Violations(context);
            if (request.body() != null && request.bodyBase64() != null) {
                violations.add("bodyBase64", "give either body or bodyBase64, not both");
            }
            if (request.bodyRef() != null && (request.body() != null || request.bodyBase64() != null)) {
                violations.add("bodyRef", "a stored body excludes body and bodyBase64");
            }
            if (request.bodyBase64() != null && !isBase64(request.bodyBase64())) {
                violations.add("bodyBase64", "must be standard base64");
            }
            if (request.deliverAt() != null && request.delaySeconds() != null) {
                violations.add("delaySeconds", "give either deliverAt or delaySeconds, not both");
            }
            if (request.deliverAt() != null
                    && request.deliverAt()
                            .isAfter(Instant.now()
                                    .plusSeconds(InvocationRequest.MAX_DEFERRAL_SECONDS)
                                    .plus(SKEW))) {
                violations.add("deliverAt", "must be at most 30 days ahead");
            }
            if (request.expiresAt() != null && request.maxAgeSeconds() != null) {
                violations.add("maxAgeSeconds", "give either expiresAt or maxAgeSeconds, not both");
            }
            checkHeaders(request.headers(), "headers", violations);
            if (request.callback() != null) {
                checkHeaders(request.callback().headers(), "callback.headers", violations);
            }
            checkQuery(request.query(), violations);
            return violations.none();
        }

        private static void checkHeaders(Map<String, String> headers, String field, Violations violations) {
            if (headers == null) {
                return;
            }
            headers.forEach((name, value) -> {
                if (!WireRules.isHeaderName(name)) {
                    violations.add(field, "'" + name + "' is not a valid header name");
                } else if (!WireRules.isHeaderValue(value)) {
                    violations.add(field, "value of '" + name + "' must be a string without CR, LF or NUL");
                }
            });
        }

        private static void checkQuery(Map<String, List<String>> query, Violations violations) {
            if (query == null) {
                return;
            }
            query.forEach((name, values) -> {
                if (name.isEmpty() || values == null || values.stream().anyMatch(v -> v == null)) {
                    violations.add("query", "'" + name + "' must have a non-empty name and a list of strings");
                }
            });
        }

        private static boolean isBase64(String value) {
            try {
                Base64.getDecoder().decode(value);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }
}
