/**
 * Sensitive header values at rest: which headers are sensitive ({@link dev.courier.common.secret.SensitiveHeaders}),
 * the keys that seal them ({@link dev.courier.common.secret.HeaderKeys}) and the sealed form a value has in every
 * Kafka record ({@link dev.courier.common.secret.SealedHeaders}, {@code enc:v1:<keyId>:<base64>}). The accepter seals,
 * the listener opens; both must agree on the format byte for byte, which is why its codec lives with the wire types.
 */
package dev.courier.common.secret;
