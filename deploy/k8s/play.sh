#!/usr/bin/env bash
# Runs Courier's rendered Kubernetes Deployments for real with `podman kube play`, on the images of
# deploy/images/build.sh, and sends one invocation through them:
#
#   1. starts the Kafka broker of deploy/local/run.sh on 127.0.0.1:9092 (fresh data every time, automatic topic
#      creation off as on the cluster's broker), creates the topics of deploy/local/topics.conf, and starts the echo
#      target (deploy/local/EchoTarget.java) on 127.0.0.1:9000;
#   2. renders deploy/k8s/overlays/podman (overlays/local minus what podman cannot play, addresses on 127.0.0.1: its
#      kustomization.yaml lists every difference) and plays it: `podman kube play --network=host`;
#   3. waits until every container answers 200 on /q/health/ready (podman 4.3 runs no readiness or startup probe; the
#      liveness probe becomes a podman health check, which is reported too);
#   4. POSTs one invocation to the accepter for an HTTP target on the echo target, waits until its status is
#      SUCCEEDED and checks that the echo target received the call;
#   5. tears everything down (`podman kube play --down`, the shared volume, the echo target, the broker), also on
#      failure or Ctrl-C. With --keep it stays up after the check until Ctrl-C.
#
# Usage: deploy/k8s/play.sh [--keep]
#
# Needs podman and runc (Debian: apt-get install -y podman runc), kubectl (renders the overlay), Java 17, Maven (the
# broker's classpath, once), curl, and the images (deploy/images/build.sh). The services use the manifests' ports
# 8080, 8081, 8082 and, for the cache reader, 8083 (overlays/podman): they must be free, as must 9092, 9093 and 9000.
# Podman's settings come from deploy/images/containers.conf unless CONTAINERS_CONF is set. Everything it writes is
# under .local/play/ (logs/, the rendered courier-podman.yaml). READY_TIMEOUT (default 180) bounds the wait for all
# pods to be ready, STATUS_TIMEOUT (default 60) the wait for SUCCEEDED.
set -euo pipefail

PLAY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$PLAY_DIR/../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$REPO_ROOT/deploy/images/containers.conf}"
# The broker and echo target of deploy/local/run.sh (sourced: its functions only), with their own state directory.
# The ports are the ones overlays/podman/podman.env and the invocation below use.
export LOCAL_STATE_DIR="$REPO_ROOT/.local/play"
export KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093 ECHO_PORT=9000
# Before run.sh sets its own default (90 s, for one service on a quiet machine).
export READY_TIMEOUT="${READY_TIMEOUT:-180}"
# shellcheck source=../local/run.sh
source "$REPO_ROOT/deploy/local/run.sh"

STATUS_TIMEOUT="${STATUS_TIMEOUT:-60}"
MANIFEST="$STATE_DIR/courier-podman.yaml"
# Deployment -> the port its container serves on (the manifests' containerPort, the cache reader's moved by
# overlays/podman).
PLAYED=(courier-accepter:8080 courier-listener:8081 courier-cache-writer:8082 courier-cache-reader:8083)
START=$SECONDS

elapsed() { printf '%ds' $((SECONDS - START)); }
fail() {
    printf 'play.sh: error: %s\n' "$*" >&2
    exit 1
}

# podman names the pod of Deployment <name> <name>-pod-0 and its containers <pod>-<container>.
containers_of() { podman ps -a --filter "pod=$1-pod-0" --format '{{.Names}}' | grep -v -- '-infra$' || true; }

show_container_logs() {
    local played name container
    for played in "${PLAYED[@]}"; do
        name="${played%%:*}"
        for container in $(containers_of "$name"); do
            printf '\n---- last lines of podman logs %s ----\n' "$container" >&2
            podman logs --tail 30 "$container" >&2 2>&1 || true
        done
    done
}

# The volumes podman made for the manifest (the claim courier-objects, the emptyDirs): every podman volume whose name
# the manifest gives to a volume or a claim. Each play starts from empty ones, as a new pod does.
remove_volumes() {
    local volume
    [[ -f "$MANIFEST" ]] || return 0
    for volume in $(podman volume ls --format '{{.Name}}'); do
        if grep -q -E "^ *(- )?(name|claimName): $volume\$" "$MANIFEST"; then
            podman volume rm -f "$volume" >/dev/null 2>&1 || true
        fi
    done
}

teardown() {
    local rc=$?
    trap '' INT TERM
    trap - EXIT
    if ((rc != 0)); then
        show_container_logs
    fi
    say "Tearing down ($(elapsed))"
    if [[ -f "$MANIFEST" ]]; then
        podman kube play --down "$MANIFEST" >/dev/null 2>&1 || true
    fi
    remove_volumes
    stop_group echo
    stop_group kafka
    exit "$rc"
}

check_tools() {
    local tool
    for tool in podman kubectl curl "$JAVA"; do
        command -v "$tool" >/dev/null || fail "'$tool' not found on PATH (README \"Deploy (Kubernetes)\" says what to install)"
    done
}

render() {
    say "Rendering deploy/k8s/overlays/podman into ${MANIFEST#"$REPO_ROOT"/}"
    # No kubeconfig needed to render; an empty one keeps kubectl from ever asking localhost:8080 (the accepter).
    kubectl --kubeconfig=/dev/null kustomize "$REPO_ROOT/deploy/k8s/overlays/podman" >"$MANIFEST"
    local image
    for image in $(awk '$1 == "image:" { print $2 }' "$MANIFEST" | sort -u); do
        podman image exists "$image" || fail "image $image is not in podman: run deploy/images/build.sh first"
    done
}

start_broker() {
    assemble_kafka_libs
    rm -rf "$KAFKA_DATA"
    write_kafka_config
    # As the cluster's broker (overlays/local, KAFKA_AUTO_CREATE_TOPICS_ENABLE=false): a topic missing from
    # topics.conf fails instead of appearing with a default partition count.
    sed -i 's/^auto.create.topics.enable=.*/auto.create.topics.enable=false/' "$KAFKA_CONFIG"
    format_kafka_storage
    start_kafka
    create_topics
    start_echo
}

play() {
    say "podman kube play --network=host ($(elapsed))"
    podman kube play --network=host "$MANIFEST" >"$LOG_DIR/kube-play.log" 2>&1 || {
        show_log "$LOG_DIR/kube-play.log"
        fail "podman kube play failed"
    }
    podman ps --format '    {{.Names}}  {{.Image}}  {{.Status}}' | grep -v -- '-infra ' || true
}

wait_ready() {
    local played name port code deadline=$((SECONDS + READY_TIMEOUT)) container
    for played in "${PLAYED[@]}"; do
        name="${played%%:*}"
        port="${played##*:}"
        until code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/q/health/ready")" && [[ "$code" == 200 ]]; do
            for container in $(containers_of "$name"); do
                [[ "$(podman inspect --format '{{.State.Running}}' "$container")" == true ]] ||
                    fail "container $container is not running"
            done
            ((SECONDS < deadline)) || fail "$name not ready on 127.0.0.1:$port within ${READY_TIMEOUT}s (last: $code)"
            sleep 1
        done
        say "$name ready on 127.0.0.1:$port ($(elapsed))"
    done
    # The liveness probes, run by podman as health checks (curl inside the container).
    for played in "${PLAYED[@]}"; do
        for container in $(containers_of "${played%%:*}"); do
            podman healthcheck run "$container" >/dev/null 2>&1 && say "$container: podman health check (liveness probe) passes" ||
                fail "$container: podman health check (liveness probe) fails"
        done
    done
}

invoke() {
    local marker response id status="" deadline
    marker="play-$$-$RANDOM"
    say "POST /v1/invocations: an HTTP call to the echo target, marker $marker"
    response="$(curl -sS -X POST http://127.0.0.1:8080/v1/invocations -H 'Content-Type: application/json' \
        -d "{\"target\":{\"type\":\"http\",\"url\":\"http://127.0.0.1:$ECHO_PORT/play?marker=$marker\",\"method\":\"POST\"},
             \"headers\":{\"X-Play-Marker\":\"$marker\"},\"body\":{\"marker\":\"$marker\"}}" -w '\n%{http_code}')"
    printf '    %s\n' "$response"
    [[ "${response##*$'\n'}" == 202 ]] || fail "the accepter did not answer 202"
    id="$(printf '%s' "$response" | sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p' | head -n 1)"
    [[ -n "$id" ]] || fail "no invocation id in the accepter's answer"
    deadline=$((SECONDS + STATUS_TIMEOUT))
    until [[ "$status" == SUCCEEDED ]]; do
        ((SECONDS < deadline)) || fail "invocation $id not SUCCEEDED within ${STATUS_TIMEOUT}s (last status: ${status:-none})"
        sleep 0.5
        status="$(curl -s "http://127.0.0.1:8080/v1/invocations/$id" | sed -n 's/.*"status" *: *"\([A-Z]*\)".*/\1/p' | head -n 1)"
        case "$status" in FAILED | EXPIRED | CANCELLED) fail "invocation $id ended $status" ;; esac
    done
    say "GET /v1/invocations/$id: SUCCEEDED ($(elapsed))"
    printf '    %s\n' "$(curl -s "http://127.0.0.1:8080/v1/invocations/$id")"
    curl -s "http://127.0.0.1:$ECHO_PORT/_received" | grep -q -- "$marker" ||
        fail "the echo target did not receive the call with marker $marker"
    say "The echo target received the call (marker $marker)"
}

main() {
    local keep=false
    case "${1:-}" in
        --keep) keep=true ;;
        "") ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' && exit 0 ;;
        *) fail "unknown argument '$1' (--help lists them)" ;;
    esac
    check_tools
    mkdir -p "$LOG_DIR" "$PID_DIR"
    check_not_running "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$ECHO_PORT" 8080 8081 8082 8083
    render
    # Leftovers of an interrupted play.
    podman kube play --down "$MANIFEST" >/dev/null 2>&1 || true
    remove_volumes
    trap teardown EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start_broker
    play
    wait_ready
    invoke
    say "Done: the rendered Deployments ran on podman and delivered one invocation ($(elapsed))"
    if [[ "$keep" == true ]]; then
        say "--keep: up until Ctrl-C (accepter http://127.0.0.1:8080, echo target http://127.0.0.1:$ECHO_PORT/_received)"
        while :; do sleep 1; done
    fi
}

main "$@"
