#!/usr/bin/env bash
# Courier's one-command local run, no Docker needed.
#
# `run.sh` (or `run.sh up`) builds the services, starts a real single-node Kafka broker (KRaft) as its own
# process, creates the topics listed in topics.conf, starts a demo HTTP target (EchoTarget.java) and the
# three services, waits until everything is healthy, prints where it all listens and stays in the
# foreground: Ctrl-C stops everything it started (services, then the echo target, then Kafka).
#
# Usage: deploy/local/run.sh [up] [-s|--skip-build] [--no-services]
#        deploy/local/run.sh kafka     Kafka + topics + echo target only (= up --no-services)
#        deploy/local/run.sh stop      stop a run (works from another terminal)
#        deploy/local/run.sh clean     stop, then delete the Kafka data
#        deploy/local/run.sh topics    describe the topics of the running broker
#
# Everything it writes goes under <repo>/.local/ (git-ignored): kafka-libs/ (broker classpath, assembled
# once), kafka-data/ (kept across runs), logs/<name>.log, pids/<name>.pid. See README.md for the
# environment variables. Runs on bash 3.2+ (macOS) and Linux.
#
# Sourced instead of run (`source deploy/local/run.sh`), it only defines its settings and functions:
# bench/run.sh starts the same broker and services with them.
set -euo pipefail

# ---------------------------------------------------------------------------------------------------------
# Locations: everything is found from this script's own path, so it works from any directory.
# ---------------------------------------------------------------------------------------------------------
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
# LOCAL_STATE_DIR moves the data, logs and pids (bench/run.sh keeps its own); the broker classpath stays shared.
STATE_DIR="${LOCAL_STATE_DIR:-$ROOT/.local}"
# Each cache-service instance's state on disk (RocksDB), built from the broker's change log: kept across runs with the
# broker's data, deleted with it (clean).
CACHE_STATE_DIR="$STATE_DIR/cache-state"
KAFKA_LIBS="$ROOT/.local/kafka-libs"
KAFKA_DATA="$STATE_DIR/kafka-data"
KAFKA_CONFIG="$STATE_DIR/kafka-server.properties"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"
KAFKA_LOG4J="$SCRIPT_DIR/kafka/log4j2.properties"
TOPICS_FILE="$SCRIPT_DIR/topics.conf"

# ---------------------------------------------------------------------------------------------------------
# Settings: each one can be overridden from the environment.
# ---------------------------------------------------------------------------------------------------------
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
ECHO_PORT="${ECHO_PORT:-9000}"
ACCEPTER_PORT="${ACCEPTER_PORT:-8080}"
LISTENER_PORT="${LISTENER_PORT:-8081}"
CACHE_PORT="${CACHE_PORT:-8082}"
KAFKA_LOG_LEVEL="${KAFKA_LOG_LEVEL:-INFO}"
READY_TIMEOUT="${READY_TIMEOUT:-90}"     # seconds to wait for each service to be ready
KAFKA_TIMEOUT="${KAFKA_TIMEOUT:-60}"     # seconds to wait for the broker to listen
STOP_TIMEOUT="${STOP_TIMEOUT:-15}"       # seconds between SIGTERM and SIGKILL
SERVICE_JAVA_OPTS="${SERVICE_JAVA_OPTS:-}" # extra JVM options for the three services, e.g. -Dfoo=bar
if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="${JAVA:-$JAVA_HOME/bin/java}"
else
    JAVA="${JAVA:-java}"
fi
# Maven: the repository's wrapper when there is one. Maven itself is a JVM too: bound its heap.
if [[ -x "$ROOT/mvnw" ]]; then MVN="${MVN:-$ROOT/mvnw}"; else MVN="${MVN:-mvn}"; fi
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g}"

SERVICES=(accepter listener cache) # start order; also the stop order
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
# Every process this script starts carries -D$MARKER=<name>: `stop` only signals a recorded pid whose
# command line still has it (a stale pid file never kills an unrelated process that reused the pid).
MARKER="courier-local-run"

# ---------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
say() { printf '==> %s\n' "$*"; }
warn() { printf 'run.sh: warning: %s\n' "$*" >&2; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

# The HTTP port of a service.
service_port() {
    case "$1" in
        accepter) echo "$ACCEPTER_PORT" ;;
        listener) echo "$LISTENER_PORT" ;;
        cache) echo "$CACHE_PORT" ;;
    esac
}

# True if something accepts TCP connections on 127.0.0.1:<port> (bash's /dev/tcp, no extra tool).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True if <pid> is alive (an exited child that was not reaped yet, a zombie, counts as dead).
is_running() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
    [[ -n "$state" && "$state" != Z* ]]
}

# Prints the recorded pid of process <name> if it is alive and still the process this script started.
live_pid() {
    local file="$PID_DIR/$1.pid" pid args
    [[ -f "$file" ]] || return 1
    pid="$(cat "$file")"
    if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! is_running "$pid"; then
        return 1
    fi
    args="$(ps -ww -o args= -p "$pid" 2>/dev/null || true)"
    [[ "$args" == *"-D$MARKER=$1"* || ( "$1" == run && "$args" == *run.sh* ) ]] || return 1
    echo "$pid"
}

# Starts a process in the background: start_process <name> <command...>. Its stdout and stderr go to
# .local/logs/<name>.log (truncated), its pid to .local/pids/<name>.pid. It runs in the repository root.
start_process() {
    local name="$1"
    shift
    (cd "$ROOT" && exec "$@") >"$LOG_DIR/$name.log" 2>&1 </dev/null &
    echo "$!" >"$PID_DIR/$name.pid"
}

# Stops a group of processes together: SIGTERM, wait up to STOP_TIMEOUT seconds, then SIGKILL.
stop_group() {
    local name pid pids="" waited=0
    for name in "$@"; do
        if pid="$(live_pid "$name")"; then
            say "Stopping $name (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            pids="$pids $pid"
        fi
        rm -f "$PID_DIR/$name.pid"
    done
    for pid in $pids; do
        while is_running "$pid" && ((waited < STOP_TIMEOUT * 10)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if is_running "$pid"; then
            warn "pid $pid did not stop within ${STOP_TIMEOUT}s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true # reaps our own children; a no-op for processes of another run
    done
}

# Stops every recorded process in order: services first, then the echo target, then Kafka.
stop_all() {
    stop_group "${SERVICES[@]}"
    stop_group echo
    stop_group kafka
}

# Prints the last lines of a log, for a failure message.
show_log() {
    printf '\n---- last lines of %s ----\n' "$1" >&2
    tail -n "${2:-40}" "$1" >&2 || true
    printf -- '----\n\n' >&2
}

# Runs a Kafka command-line tool: kafka_tool <main class> <args...>. The tool's own logging goes to
# .local/logs/kafka-tools.log so that its output can be parsed. Short-lived JVM: C1 only and the serial
# GC start it about a third faster (3.3 s -> 2.0 s for TopicCommand here).
kafka_tool() {
    "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile="$KAFKA_LOG4J" \
        -Dcourier.kafka.log.level=WARN -Dcourier.kafka.log.target=SYSTEM_ERR \
        -cp "$KAFKA_LIBS/*" "$@" 2>>"$LOG_DIR/kafka-tools.log"
}

# ---------------------------------------------------------------------------------------------------------
# Steps of `up`
# ---------------------------------------------------------------------------------------------------------
check_prerequisites() {
    local tool version port
    for tool in "$JAVA" curl; do
        command -v "$tool" >/dev/null || die "'$tool' not found on PATH"
    done
    version="$("$JAVA" -Xmx32m -XshowSettings:properties -version 2>&1 |
        awk -F' = ' '/java.specification.version/ { print $2 }')"
    [[ "${version%%.*}" =~ ^[0-9]+$ && "${version%%.*}" -ge 17 ]] || die "Java 17+ needed ('$JAVA' is ${version:-unknown})"
    for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$ECHO_PORT" "$ACCEPTER_PORT" "$LISTENER_PORT" "$CACHE_PORT" \
        "$READY_TIMEOUT" "$KAFKA_TIMEOUT" "$STOP_TIMEOUT"; do
        [[ "$port" =~ ^[0-9]+$ ]] || die "not a number: '$port' (check the port and timeout variables)"
    done
}

# Refuses to start twice, or next to something that already holds one of our ports.
check_not_running() {
    local name pid port
    for name in run kafka echo "${SERVICES[@]}"; do
        if pid="$(live_pid "$name")"; then
            die "already running ($name, pid $pid): use 'run.sh stop' first"
        fi
    done
    for port in "$@"; do
        if port_open "$port"; then
            die "port $port on 127.0.0.1 is already in use (set the *_PORT variables to move)"
        fi
    done
}

# mvn package at the repository root, which produces <module>/target/quarkus-app/quarkus-run.jar.
build_services() {
    say "Building the services (mvn package, tests skipped)"
    (cd "$ROOT" && "$MVN" -B -q -DskipTests -Dspotless.check.skip=true package) || die "the build failed"
}

# The packaged application of a module (accepter, listener, cache).
service_jar() { echo "$ROOT/$1-service/target/quarkus-app/quarkus-run.jar"; }

check_service_jars() {
    local name jar missing=""
    for name in "${SERVICES[@]}"; do
        jar="$(service_jar "$name")"
        [[ -f "$jar" ]] || missing="$missing ${jar#"$ROOT"/}"
    done
    [[ -z "$missing" ]] || die "missing:$missing (build them: run without --skip-build)"
}

# Copies the broker's runtime classpath (kafka/pom.xml) into .local/kafka-libs, once: a stamp file holds
# the pom's checksum, so editing the pom (e.g. a Kafka upgrade) assembles it again.
assemble_kafka_libs() {
    local stamp tmp="$KAFKA_LIBS.tmp"
    stamp="$(cksum <"$KAFKA_POM")"
    if [[ -f "$KAFKA_LIBS/.assembled" && "$(cat "$KAFKA_LIBS/.assembled")" == "$stamp" ]]; then
        return
    fi
    say "Assembling the Kafka broker classpath into .local/kafka-libs (once)"
    rm -rf "$KAFKA_LIBS" "$tmp"
    if ! "$MVN" -B -q -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$LOG_DIR/kafka-libs.log" 2>&1; then
        show_log "$LOG_DIR/kafka-libs.log"
        die "could not assemble the Kafka classpath (see above)"
    fi
    echo "$stamp" >"$tmp/.assembled"
    mv "$tmp" "$KAFKA_LIBS"
}

# Single-node KRaft broker+controller, written on every start (ports may change between runs).
write_kafka_config() {
    cat >"$KAFKA_CONFIG" <<EOF
# Generated by deploy/local/run.sh on every start: edit run.sh, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
# 127.0.0.1 only: nothing outside this machine can reach the local broker.
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DATA
# One broker: every internal topic gets replication factor 1.
offsets.topic.replication.factor=1
# Consumer offsets: 5 partitions instead of 50 are plenty locally and start faster (fixed at creation).
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Otherwise every first consumer-group join waits 3 s.
group.initial.rebalance.delay.ms=0
# Topics missing from topics.conf (e.g. retry delay tiers) are created on first use like the listed ones.
auto.create.topics.enable=true
num.partitions=3
EOF
}

# Formats the data directory once (KRaft needs a cluster id and the initial controller, --standalone:
# this node is the whole quorum); later runs keep the data.
format_kafka_storage() {
    local cluster_id
    [[ -f "$KAFKA_DATA/meta.properties" ]] && return
    say "Formatting the Kafka data directory .local/kafka-data (once)"
    mkdir -p "$KAFKA_DATA"
    cluster_id="$(kafka_tool kafka.tools.StorageTool random-uuid)" || die "StorageTool random-uuid failed"
    kafka_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONFIG" --standalone \
        >>"$LOG_DIR/kafka-tools.log" || {
        show_log "$LOG_DIR/kafka-tools.log"
        die "formatting the Kafka storage failed"
    }
}

start_kafka() {
    local pid deadline=$((SECONDS + KAFKA_TIMEOUT))
    say "Starting Kafka on 127.0.0.1:$KAFKA_PORT"
    start_process kafka "$JAVA" -Xmx512m -D$MARKER=kafka \
        -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dcourier.kafka.log.level="$KAFKA_LOG_LEVEL" \
        -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONFIG"
    pid="$(cat "$PID_DIR/kafka.pid")"
    until port_open "$KAFKA_PORT"; do
        is_running "$pid" || startup_failed kafka "Kafka exited during startup"
        ((SECONDS < deadline)) || startup_failed kafka "Kafka did not open port $KAFKA_PORT within ${KAFKA_TIMEOUT}s"
        sleep 0.2
    done
}

# Creates the topics of topics.conf that do not exist yet (TopicCommand --create --if-not-exists). One
# --describe first: it waits until the broker answers, and an existing topic costs no JVM start.
create_topics() {
    local described line topic partitions extra existing
    described="$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
        --describe --exclude-internal)" || startup_failed kafka "the broker does not answer (TopicCommand --describe failed)"
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line%%#*}"
        line="${line//$'\r'/}" # tolerate CRLF line ends
        read -r topic partitions extra <<<"$line" || true
        [[ -n "${topic:-}" ]] || continue
        [[ "${partitions:-}" =~ ^[1-9][0-9]*$ && -z "${extra:-}" ]] ||
            die "topics.conf: expected '<topic-name> <partitions>', got '$line'"
        existing="$(printf '%s\n' "$described" | awk -v topic="$topic" '
            $1 == "Topic:" && $2 == topic { for (i = 3; i < NF; i++) if ($i == "PartitionCount:") print $(i + 1) }')"
        if [[ -z "$existing" ]]; then
            say "Creating topic $topic ($partitions partitions)"
            kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
                --topic "$topic" --partitions "$partitions" --replication-factor 1 >/dev/null ||
                startup_failed kafka "could not create topic $topic (see .local/logs/kafka-tools.log)"
        elif [[ "$existing" != "$partitions" ]]; then
            warn "topic $topic has $existing partitions, topics.conf says $partitions (fixed at creation: 'run.sh clean' recreates it)"
        fi
    done <"$TOPICS_FILE"
}

start_echo() {
    local pid deadline=$((SECONDS + 30))
    say "Starting the echo target on 127.0.0.1:$ECHO_PORT"
    start_process echo "$JAVA" -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -D$MARKER=echo "$SCRIPT_DIR/EchoTarget.java" "$ECHO_PORT"
    pid="$(cat "$PID_DIR/echo.pid")"
    until port_open "$ECHO_PORT"; do
        is_running "$pid" || startup_failed echo "the echo target exited during startup"
        ((SECONDS < deadline)) || startup_failed echo "the echo target did not start within 30s"
        sleep 0.2
    done
}

start_services() {
    local name extra=()
    # Word-splitting SERVICE_JAVA_OPTS into separate JVM options is the point here.
    read -r -a extra <<<"$SERVICE_JAVA_OPTS" || true
    for name in "${SERVICES[@]}"; do
        start_service "$name" "$name" "$(service_port "$name")" ${extra[@]+"${extra[@]}"}
    done
}

# Starts one instance of a packaged service: start_service <name> <module> <port> [JVM options...], e.g.
# start_service cache cache 8082. <name> names its log, pid file and marker (a second instance of a module
# needs another name); <module> is accepter, listener or cache. The options come after the defaults, so
# they can override them.
start_service() {
    local name="$1" module="$2" port="$3"
    shift 3
    say "Starting $name ($module-service) on 127.0.0.1:$port"
    # The cache's state directory as an environment variable, which a service without that setting ignores.
    start_process "$name" env COURIER_CACHE_STATE_DIRECTORY="$CACHE_STATE_DIR/$name" "$JAVA" -Xmx256m -D$MARKER="$name" \
        -Dquarkus.profile=local \
        -Dkafka.bootstrap.servers="$BOOTSTRAP" \
        -Dquarkus.http.host=127.0.0.1 \
        -Dquarkus.http.port="$port" \
        "$@" \
        -jar "$(service_jar "$module")"
}

# Polls /q/health/ready of every service until it answers 200.
wait_for_services() {
    local name
    for name in "${SERVICES[@]}"; do
        wait_for_service "$name" "$(service_port "$name")"
    done
}

# wait_for_service <name> <port>: polls its /q/health/ready until it answers 200; fails if it exits or takes
# longer than READY_TIMEOUT.
wait_for_service() {
    local name="$1" port="$2" pid code deadline
    pid="$(cat "$PID_DIR/$name.pid")"
    deadline=$((SECONDS + READY_TIMEOUT))
    while :; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/q/health/ready" || true)"
        [[ "$code" == 200 ]] && break
        is_running "$pid" || startup_failed "$name" "$name exited during startup"
        ((SECONDS < deadline)) ||
            startup_failed "$name" "$name not ready within ${READY_TIMEOUT}s (last /q/health/ready: $code)"
        sleep 1
    done
    say "$name is ready"
}

# Prints why startup failed and the tail of that process's log, then exits: the EXIT trap stops the rest.
startup_failed() {
    show_log "$LOG_DIR/$1.log"
    die "$2"
}

print_summary() {
    local services="$1"
    cat <<EOF

Courier local run is up. Ctrl-C (or 'deploy/local/run.sh stop') stops everything.

  Kafka           127.0.0.1:$KAFKA_PORT  (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, data $KAFKA_DATA)
EOF
    if [[ "$services" == true ]]; then
        cat <<EOF
  accepter        http://127.0.0.1:$ACCEPTER_PORT   (/q/health, /q/metrics, /q/openapi)
  listener        http://127.0.0.1:$LISTENER_PORT
  cache           http://127.0.0.1:$CACHE_PORT
EOF
    fi
    cat <<EOF
  echo target     http://127.0.0.1:$ECHO_PORT   (GET /_received lists what it got)
  logs            $LOG_DIR/
  topics          deploy/local/run.sh topics

EOF
    if [[ "$services" == true ]]; then
        cat <<EOF
Make a real delivery (the echo target receives the call, then the callback):

  curl -i -X POST http://127.0.0.1:$ACCEPTER_PORT/v1/invocations -H 'Content-Type: application/json' -d '{"target":{"type":"http","url":"http://127.0.0.1:$ECHO_PORT/hello","method":"POST"},"headers":{"X-Demo":"1"},"query":{"lang":["en"]},"body":{"greeting":"hi"},"callback":{"url":"http://127.0.0.1:$ECHO_PORT/callback"}}'
  curl -s http://127.0.0.1:$ECHO_PORT/_received

EOF
    else
        cat <<EOF
Services not started (--no-services): run them from your IDE or with quarkus:dev against $BOOTSTRAP.

EOF
    fi
}

# Stays in the foreground until every started process has exited (or Ctrl-C / `run.sh stop`).
supervise() {
    local name pid alive reported=" "
    while :; do
        alive=0
        for name in "$@"; do
            pid="$(cat "$PID_DIR/$name.pid" 2>/dev/null || true)"
            if [[ -n "$pid" ]] && is_running "$pid"; then
                alive=$((alive + 1))
            elif [[ "$reported" != *" $name "* ]]; then
                warn "$name exited unexpectedly: see $LOG_DIR/$name.log"
                reported="$reported$name "
            fi
        done
        ((alive > 0)) || die "every process has exited"
        sleep 1
    done
}

# On any exit of `up` (Ctrl-C, SIGTERM, a startup failure): stop what was started.
on_exit() {
    local rc=$?
    # Ignore further Ctrl-C: an interrupted stop would leave processes behind (SIGKILL bounds the wait).
    trap '' INT TERM
    trap - EXIT
    printf '\n'
    stop_all
    rm -f "$PID_DIR/run.pid"
    exit "$rc"
}

# ---------------------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------------------
cmd_up() {
    local skip_build="$1" services="$2" ports
    check_prerequisites
    mkdir -p "$LOG_DIR" "$PID_DIR"
    ports=("$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$ECHO_PORT")
    if [[ "$services" == true ]]; then
        ports+=("$ACCEPTER_PORT" "$LISTENER_PORT" "$CACHE_PORT")
    fi
    check_not_running "${ports[@]}"

    if [[ "$services" == true ]]; then
        [[ "$skip_build" == true ]] || build_services
        check_service_jars
    fi
    assemble_kafka_libs

    echo "$$" >"$PID_DIR/run.pid"
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    write_kafka_config
    format_kafka_storage
    start_kafka
    create_topics
    start_echo
    if [[ "$services" == true ]]; then
        start_services
        wait_for_services
        print_summary true
        supervise kafka echo "${SERVICES[@]}"
    else
        print_summary false
        supervise kafka echo
    fi
}

# Stops a run started from another terminal: asks its run.sh to stop (it stops its processes in order),
# then stops anything still recorded in .local/pids (e.g. after run.sh itself was killed).
cmd_stop() {
    local pid waited=0
    if pid="$(live_pid run)"; then
        say "Stopping the run (run.sh pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        while is_running "$pid" && ((waited < (3 * STOP_TIMEOUT + 10) * 10)); do
            sleep 0.1
            waited=$((waited + 1))
        done
    fi
    [[ -d "$PID_DIR" ]] || return 0
    stop_all
    rm -f "$PID_DIR/run.pid"
}

cmd_clean() {
    cmd_stop
    say "Deleting the Kafka data ($KAFKA_DATA) and the cache's state built from it ($CACHE_STATE_DIR)"
    rm -rf "$KAFKA_DATA" "$CACHE_STATE_DIR"
}

cmd_topics() {
    mkdir -p "$LOG_DIR"
    [[ -f "$KAFKA_LIBS/.assembled" ]] || die "no Kafka classpath yet: start a run first"
    port_open "$KAFKA_PORT" || die "no broker listens on $BOOTSTRAP"
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --describe --exclude-internal
}

main() {
    local command=up skip_build=false services=true
    while (($# > 0)); do
        case "$1" in
            up | stop | clean | topics) command="$1" ;;
            kafka) command=up services=false ;;
            -s | --skip-build) skip_build=true ;;
            --no-services) services=false ;;
            -h | --help | help) usage && exit 0 ;;
            *) usage >&2 && exit 2 ;;
        esac
        shift
    done
    case "$command" in
        up) cmd_up "$skip_build" "$services" ;;
        stop) cmd_stop ;;
        clean) cmd_clean ;;
        topics) cmd_topics ;;
    esac
}

# Run, not sourced: do what the command line says.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
