package dev.courier.common.validation;

import jakarta.validation.ConstraintValidatorContext;

/** Collects cross-field violations of a class-level constraint, each attached to the field it concerns. */
final class Violations {
    private final ConstraintValidatorContext context;
    private boolean any;

    Violations(ConstraintValidatorContext context) {
        this.context = context;
        context.disableDefaultConstraintViolation();
    }

    void add(String field, String message) {
        any = true;
        context.buildConstraintViolationWithTemplate(escape(message))
                .addPropertyNode(field)
                .addConstraintViolation();
    }

    boolean none() {
        return !any;
    }

    /** Messages are templates: user input in them must not be interpreted as EL or parameters. */
    private static String escape(String message) {
        return message.replace("\\", "\\\\")
                .replace("{", "\\{")
                .replace("}", "\\}")
                .replace("$", "\\$");
    }
}
