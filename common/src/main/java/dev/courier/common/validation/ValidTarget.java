package dev.courier.common.validation;

import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import dev.courier.common.request.TargetType;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * The rules of a {@link dev.courier.common.request.Target} that depend on its type. Each violation names the field
 * it concerns.
 */
@Retention(RUNTIME)
@Target(TYPE)
@Constraint(validatedBy = ValidTarget.Validator.class)
public @interface ValidTarget {
    String message() default "invalid target";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks {@link ValidTarget}. */
    class Validator implements ConstraintValidator<ValidTarget, dev.courier.common.request.Target> {
        @Override
        public boolean isValid(dev.courier.common.request.Target target, ConstraintValidatorContext context) {
            if (target == null || target.type() == null) {
                return true; // @NotNull on the fields reports these
            }
            Violations violations = new Violations(context);
            if (target.type() == TargetType.HTTP) {
                if (target.url() == null && target.route() == null) {
                    violations.add("url", "an http target needs a url or a route");
                } else if (target.url() != null && target.route() != null) {
                    violations.add("url", "give either url or route, not both");
                } else if (target.url() != null && !WireRules.isAbsoluteHttpUrl(target.url())) {
                    violations.add("url", "must be an absolute http or https URL");
                }
                if (target.method() != null && !WireRules.METHODS.contains(target.method())) {
                    violations.add(
                            "method",
                            "must be one of "
                                    + String.join(
                                            ", ",
                                            WireRules.METHODS.stream().sorted().toList()));
                }
                if (target.functionId() != null) {
                    violations.add("functionId", "only a function target has a functionId");
                }
                if (target.path() != null && target.route() == null) {
                    violations.add("path", "only a route target has a path; with a url, put the path in the url");
                } else if (target.path() != null && !WireRules.isRelativePath(target.path())) {
                    violations.add(
                            "path", "must be a relative URL path (percent-encoded, no query) without . or .. segments");
                }
            } else {
                if (target.functionId() == null || target.functionId().isBlank()) {
                    violations.add("functionId", "a function target needs the function's OCID");
                }
                if (target.invokeEndpoint() != null && !WireRules.isAbsoluteHttpUrl(target.invokeEndpoint())) {
                    violations.add("invokeEndpoint", "must be an absolute http or https URL");
                }
                if (target.url() != null || target.route() != null) {
                    violations.add("url", "a function target is named by functionId, not url or route");
                }
                if (target.path() != null) {
                    violations.add("path", "only a route target has a path");
                }
            }
            return violations.none();
        }
    }
}
