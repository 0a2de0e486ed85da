package dev.courier.common.validation;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.RECORD_COMPONENT;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/** The annotated string, when present, is an absolute {@code http} or {@code https} URL with a host. */
@Retention(RUNTIME)
@Target({FIELD, METHOD, PARAMETER, RECORD_COMPONENT})
@Constraint(validatedBy = HttpUrl.Validator.class)
public @interface HttpUrl {
    String message() default "must be an absolute http or https URL";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks {@link HttpUrl}. */
    class Validator implements ConstraintValidator<HttpUrl, String> {
        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || WireRules.isAbsoluteHttpUrl(value);
        }
    }
}
