#!/usr/bin/env bash
# Courier's benchmark: starts the real stack on this machine (the broker and services of deploy/local/run.sh,
# as processes), measures it against baselines measured in the same run, and prints one table.
#
# Usage: bench/run.sh [--quick] [--only <sections>] [--profile <services>] [--skip-build]
#
#   --quick          seconds per measurement instead of tens of seconds (development runs; noisy)
#   --only LIST      comma-separated sections: intake,delivery,little,e2e,wait,cost,cache,status (default: all but status,
#                    which fills cache-service with BENCH_STATUS_COUNT statuses, 10 million by default)
#   --profile LIST   record a JFR profile (settings=profile) of these services: accepter,listener,cache
#                    -> .local/bench/jfr/<service>-<section>.jfr
#   --skip-build     use the packaged services and bench/target as they are
#
# Environment: BENCH_SECONDS, BENCH_WARMUP_SECONDS and the other BENCH_* sizes of set_mode() below;
# SERVICE_JAVA_OPTS (extra JVM options of every service); BENCH_APPS (run services packaged elsewhere);
# the *_PORT variables.
#
# Every figure is printed next to a baseline measured in the same run on the same machine, with the ratio, the
# target from issue 6 and the 1-minute load average when it was taken. The table also goes to
# .local/bench/results/<time>.md; logs are in .local/bench/logs/. Nothing here is part of the test suite.
# Needs Java 17+, Maven, curl, and wrk, nginx and redis from Debian (installed with apt-get when missing).
# See docs/benchmarks.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Ports and state of their own, away from run.sh's defaults: a local run on this machine is left alone.
export KAFKA_PORT="${KAFKA_PORT:-19092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
export ACCEPTER_PORT="${ACCEPTER_PORT:-18080}"
export LISTENER_PORT="${LISTENER_PORT:-18081}"
export CACHE_PORT="${CACHE_PORT:-18082}"
export ECHO_PORT="${ECHO_PORT:-19001}" # not started; run.sh checks it is a number
export KAFKA_LOG_LEVEL="${KAFKA_LOG_LEVEL:-WARN}"
export LOCAL_STATE_DIR="${LOCAL_STATE_DIR:-$(cd "$BENCH_DIR/.." && pwd)/.local/bench}"
READER_PORT="${READER_PORT:-18083}"
TARGET_PORT="${TARGET_PORT:-19000}"
NGINX_PORT="${NGINX_PORT:-18090}"
REDIS_PORT="${REDIS_PORT:-16379}"

# The broker, topics and services are started exactly as the local run starts them.
# shellcheck source=../deploy/local/run.sh
source "$BENCH_DIR/../deploy/local/run.sh"

# BENCH_APPS=<dir> runs the services packaged in <dir>/<module>-service/quarkus-app/ instead of the ones in
# <module>-service/target/ (e.g. a copy of an earlier build, for before/after figures in the same conditions).
if [[ -n "${BENCH_APPS:-}" ]]; then
    service_jar() { echo "$BENCH_APPS/$1-service/quarkus-app/quarkus-run.jar"; }
fi

BENCH_CP="$ROOT/bench/target/courier-bench.jar:$ROOT/bench/target/lib/*"
RESULTS_DIR="$STATE_DIR/results"
JFR_DIR="$STATE_DIR/jfr"
WORK_DIR="$STATE_DIR/work"
OBJECTS_DIR="$STATE_DIR/objects" # the object store: cache snapshots, large bodies
ROWS="$WORK_DIR/rows.tsv"
TARGET_URL="http://127.0.0.1:$TARGET_PORT"
LITTLE_IN_FLIGHT=256 # courier.listener.max-in-flight (default)
LITTLE_DELAY_MS=100

# ---------------------------------------------------------------------------------------------------------
# Durations and sizes: --quick for development, the default (full) for the figures in docs/benchmarks.md.
# Each can be overridden from the environment. BENCH_DELIVERY_WARMUP and BENCH_LITTLE_WARMUP are the most records a
# listener may warm up on: it is measured as soon as its JIT compiler is quiet (measure_listener).
# ---------------------------------------------------------------------------------------------------------
set_mode() {
    if [[ "$1" == quick ]]; then
        : "${BENCH_SECONDS:=3}" "${BENCH_WARMUP_SECONDS:=2}" "${BENCH_PRODUCER_RECORDS:=150000}"
        : "${BENCH_DELIVERY_WARMUP:=3000}" "${BENCH_DELIVERY_RECORDS:=5000}"
        : "${BENCH_LITTLE_WARMUP:=2000}" "${BENCH_LITTLE_RECORDS:=3000}" "${BENCH_COST_INVOCATIONS:=2000}"
        : "${BENCH_REDIS_REQUESTS:=100000}" "${BENCH_COST_MAX_WARMUP_SECONDS:=0}"
    else
        : "${BENCH_SECONDS:=20}" "${BENCH_WARMUP_SECONDS:=20}" "${BENCH_PRODUCER_RECORDS:=1000000}"
        : "${BENCH_DELIVERY_WARMUP:=200000}" "${BENCH_DELIVERY_RECORDS:=50000}"
        : "${BENCH_LITTLE_WARMUP:=120000}" "${BENCH_LITTLE_RECORDS:=25000}" "${BENCH_COST_INVOCATIONS:=10000}"
        : "${BENCH_REDIS_REQUESTS:=1000000}" "${BENCH_COST_MAX_WARMUP_SECONDS:=300}"
    fi
    : "${BENCH_CONNECTIONS:=16 64 256}" "${BENCH_INTAKE_RATE:=5000}" "${BENCH_E2E_RATES:=100 500 2000}"
    : "${BENCH_BATCH_SIZE:=100}" "${BENCH_BATCH_CONNECTIONS:=16}"
    : "${BENCH_BULK_WRITES:=100}" "${BENCH_BULK_CONNECTIONS:=16}"
    : "${BENCH_CACHE_CONNECTIONS:=64}" "${BENCH_LAG_RATE:=100}" "${BENCH_COST_RATE:=1000}"
    # cost: after BENCH_WARMUP_SECONDS, warm-up rounds of this many seconds until the JIT compilers are quiet, for
    # BENCH_COST_MAX_WARMUP_SECONDS in all at most (300 s; --quick: 0, no rounds).
    : "${BENCH_COST_ROUND_SECONDS:=20}"
    : "${BENCH_STATUS_COUNT:=10000000}"
    : "${BENCH_WAIT_RATE:=500}" "${BENCH_WAIT_N:=5}"
}

# ---------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }

# A value of a `name=value` line: field <line> <name>.
field() { tr ' ' '\n' <<<"$1" | awk -F= -v name="$2" '$1 == name { print $2; exit }'; }

# Arithmetic on decimals: calc '<awk expression>'.
calc() { awk "BEGIN { printf \"%s\", $1 }"; }
fmt_int() { awk -v v="$1" 'BEGIN { printf "%\047.0f", v }'; }
fmt_ms() { awk -v v="$1" 'BEGIN { printf (v < 10 ? "%.2f ms" : "%.0f ms"), v }'; }
fmt_cpu() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

# verdict <value> <ge|le> <threshold>: met or MISSED.
verdict() {
    awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
        if (v == "n/a" || v == "") { print "n/a"; exit }
        ok = (op == "ge") ? (v + 0 >= t + 0) : (v + 0 <= t + 0)
        print ok ? "met" : "MISSED" }'
}

# row <section> <measure> <courier> <baseline> <ratio> <target> <verdict>: one line of the table.
row() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$(load1)" >>"$ROWS"
    printf '    %-9s %-52s %s | %s | %s\n' "$1" "$2" "$3" "$4" "$5"
}

bench_java() { "$JAVA" -Xmx256m -XX:+UseSerialGC -cp "$BENCH_CP" dev.courier.bench.Bench "$@"; }

# A Kafka performance tool (full JIT, unlike run.sh's short-lived admin tools).
perf_tool() {
    "$JAVA" -Xmx512m -Dlog4j2.configurationFile="$KAFKA_LOG4J" \
        -Dcourier.kafka.log.level=WARN -Dcourier.kafka.log.target=SYSTEM_ERR \
        -cp "$KAFKA_LIBS/*" "$@" 2>>"$LOG_DIR/kafka-tools.log"
}

create_topic() {
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
        --topic "$1" --partitions "$2" --replication-factor 1 >/dev/null || die "could not create topic $1"
}

# wrk_run <wrk options...>: prints `rps=.. p50_ms=.. p99_ms=.. requests=.. non2xx=.. errors=..`.
wrk_run() {
    local out
    out="$(wrk --latency "$@" 2>&1)" || die "wrk failed: $out"
    printf '%s\n' "$out" >>"$LOG_DIR/wrk.log"
    awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v + 0
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /requests in/ { requests = $1 }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { non2xx = $NF }
        /Socket errors:/ { gsub(",", ""); errors = $4 + $6 + $8 + $10 }
        END { printf "rps=%s p50_ms=%s p99_ms=%s requests=%s non2xx=%d errors=%d\n", rps, p50, p99, requests, non2xx, errors }
    ' <<<"$out"
}

# wrk_served "<server pids>" <wrk options...>: wrk_run, plus the CPU time the serving processes spent per request
# (`cpu_us_per_req=..`): a figure that the other load on the machine changes much less than the rates.
wrk_served() {
    local pids="$1" before result
    shift
    before="$(cpu_sum $pids)"
    result="$(wrk_run "$@")"
    printf '%s cpu_us_per_req=%s\n' "$result" \
        "$(calc "($(cpu_sum $pids) - $before) * 1000000 / ($(field "$result" requests) + 0.000001)")"
}

# The p99 of a fixed-rate run (bench load), or 1e9 when some requests were not answered: then the rate was above
# what the service could take and no percentile of the answered ones means anything.
open_loop_p99() {
    if [[ "$(field "$1" completed)" == "$(field "$1" sent)" && "$(field "$1" count)" -gt 0 ]]; then
        field "$1" p99_ms
    else
        echo 1000000000
    fi
}

open_loop_text() {
    if [[ "$(open_loop_p99 "$1")" == 1000000000 ]]; then
        echo "only $(field "$1" completed) of $(field "$1" sent) answered (the rate is above capacity)"
    else
        echo "p50 $(fmt_ms "$(field "$1" p50_ms)"), p99 $(fmt_ms "$(field "$1" p99_ms)"), max $(fmt_ms "$(field "$1" max_ms)"); $(field "$1" ok) of $(field "$1" sent) accepted"
    fi
}

# A wrk script that sends <method> with the body in <file>.
wrk_script() {
    cat >"$WORK_DIR/$1.lua" <<EOF
wrk.method = "$2"
wrk.headers["Content-Type"] = "$4"
local file = io.open("$3", "rb")
wrk.body = file:read("*a")
file:close()
EOF
    echo "$WORK_DIR/$1.lua"
}

# batch_body <request file> <count>: a POST /v1/invocations/batch document holding the request <count> times.
batch_body() {
    local request i
    request="$(cat "$1")"
    printf '{"requests":['
    for ((i = 0; i < $2; i++)); do
        ((i == 0)) || printf ','
        printf '%s' "$request"
    done
    printf ']}'
}

# bulk_body <value file> <count>: a POST /v1/cache/{namespace} document writing the value to <count> keys.
bulk_body() {
    local value i
    value="$(base64 -w0 "$1")"
    printf '{"writes":['
    for ((i = 0; i < $2; i++)); do
        ((i == 0)) || printf ','
        printf '{"key":"k%d","valueBase64":"%s","contentType":"application/octet-stream"}' "$i" "$value"
    done
    printf ']}'
}

# The cache writer's count of writes answered 503 (not decided in time), bulk writes' included.
undecided_writes() {
    curl -s --max-time 5 "http://127.0.0.1:$CACHE_PORT/q/metrics" |
        awk '/^courier_cache_requests_total\{/ && /operation="put"/ && /result="503"/ { n += $NF } END { printf "%d", n }'
}

target_stats() { curl -s --max-time 5 "$TARGET_URL/_stats"; }
target_reset() { curl -s --max-time 5 -X POST "$TARGET_URL/_reset"; }

# measure_listener <records in the topic> <measured calls> <timeout>: lets the listener warm up on the first records
# until its JIT compiler is quiet (jit_quiet) or only about 1.5 × <measured calls> records are left, then measures all
# the rest. Prints the target's stats over them, their number (`measured=..`), the listener's CPU time per call
# (`cpu_us_per_call=..`, of which the JIT compiler's `jit_us_per_call=..`) and the warm-up (`warmup_calls=..`,
# `warmup_s=..`).
measure_listener() {
    local total="$1" n="$2" pid count forgotten remaining cpu_start jit_start stats started="$SECONDS"
    pid="$(cat "$PID_DIR/listener.pid")"
    await_target 1 "$3" >/dev/null
    while :; do
        count="$(field "$(target_stats)" count)"
        ((count + n * 3 / 2 < total)) || break
        jit_quiet "$pid" && break
    done
    cpu_start="$(cpu_seconds "$pid")" jit_start="$(jit_seconds "$pid")"
    forgotten="$(field "$(target_reset)" count)"
    remaining=$((total - forgotten))
    stats="$(await_target "$remaining" "$3")"
    printf '%s measured=%s cpu_us_per_call=%s jit_us_per_call=%s warmup_calls=%s warmup_s=%s\n' "$stats" "$remaining" \
        "$(calc "($(cpu_seconds "$pid") - $cpu_start) * 1000000 / $remaining")" \
        "$(calc "($(jit_seconds "$pid") - $jit_start) * 1000000 / $remaining")" "$forgotten" $((SECONDS - started))
}

# await_target <count> <timeout seconds>: waits until the target received <count> calls; prints its stats.
await_target() {
    local want="$1" deadline=$((SECONDS + $2)) counter="${3:-count}" stats count last=-1 still=0
    while :; do
        stats="$(target_stats)"
        count="$(field "$stats" "$counter")"
        ((count >= want)) && break
        ((SECONDS < deadline)) || die "the target received $count of $want calls within $2 s"
        # Nothing new for 30 s: something is stuck (see the service logs).
        if ((count == last)); then still=$((still + 1)); else still=0; fi
        ((still < 300)) || die "the target received $count of $want calls and nothing more for 30 s"
        last="$count"
        sleep 0.1
    done
    printf '%s\n' "$stats"
}

# JVM options that record a JFR profile of service <name> during section <section>, if asked for.
profile_opts() {
    if [[ ",$PROFILE," == *",$1,"* ]]; then
        mkdir -p "$JFR_DIR"
        echo "-XX:StartFlightRecording=filename=$JFR_DIR/$1-$2.jfr,settings=profile,dumponexit=true"
    fi
}

# bench_service <name> <module> <port> <section> [JVM options...]: starts a service as run.sh does, talking to the
# bench's own cache-service and broker (not to a local run's), plus SERVICE_JAVA_OPTS and a profile if asked for.
bench_service() {
    local name="$1" module="$2" port="$3" section="$4" extra=()
    shift 4
    read -r -a extra <<<"$SERVICE_JAVA_OPTS" || true
    # shellcheck disable=SC2046 # profile_opts prints zero or one option
    start_service "$name" "$module" "$port" \
        -Dcourier.accepter.cache-url="http://127.0.0.1:$CACHE_PORT" \
        -Dcourier.listener.cache-url="http://127.0.0.1:$CACHE_PORT" \
        -Dcourier.accepter.object-store.directory="$OBJECTS_DIR" \
        -Dcourier.listener.object-store.directory="$OBJECTS_DIR" \
        -Dcourier.cache.object-store.directory="$OBJECTS_DIR" \
        $(profile_opts "$name" "$section") ${extra[@]+"${extra[@]}"} "$@"
}

stop_services() { stop_group accepter listener cache cache-reader; }

# CPU seconds (user + system) a process has used so far.
cpu_seconds() {
    awk -v tick="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / tick }' "/proc/$1/stat"
}

# CPU seconds a process's JIT compiler threads (C1, C2) have used so far. With six JVMs on two cores, compilation
# takes tens of seconds of CPU per service and goes on for a minute or more under load: see docs/benchmarks.md.
jit_seconds() {
    # cat, not awk on the files: a thread that ended since the glob was expanded must not stop the sum.
    cat /proc/"$1"/task/*/stat 2>/dev/null | awk -v tick="$(getconf CLK_TCK)" '
        /\((C1|C2) CompilerThre/ { sub(/^.*\) /, ""); s += $12 + $13 } END { printf "%.2f", s / tick }'
}

# jit_quiet <pid>: true if the process's JIT compiler used under 5% of a core over the next 2 s.
jit_quiet() {
    local before
    before="$(jit_seconds "$1")"
    sleep 2
    (($(calc "($(jit_seconds "$1") - $before) < 0.1 ? 1 : 0")))
}

# sum_over <cpu_seconds|jit_seconds> <pid...>: that figure for several processes together.
sum_over() {
    local measure="$1" pid total=0
    shift
    for pid in "$@"; do
        total="$(calc "$total + $("$measure" "$pid")")"
    done
    echo "$total"
}
cpu_sum() { sum_over cpu_seconds "$@"; }
jit_sum() { sum_over jit_seconds "$@"; }

# A process and its children (nginx's workers).
with_children() { echo "$1" $(pgrep -P "$1" || true); }

# Peak resident set size of a process since it started, in MiB.
peak_rss_mib() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# Stops a bench process that carries no -D marker (nginx, redis): only if its command line still matches.
stop_unmarked() {
    local name="$1" pattern="$2" pid
    [[ -f "$PID_DIR/$name.pid" ]] || return 0
    pid="$(cat "$PID_DIR/$name.pid")"
    if is_running "$pid" && [[ "$(ps -ww -o args= -p "$pid" 2>/dev/null || true)" == *"$pattern"* ]]; then
        say "Stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_DIR/$name.pid"
}

wait_port() {
    local deadline=$((SECONDS + 120))
    until port_open "$1"; do
        ((SECONDS < deadline)) || die "nothing listens on port $1 after 120 s (see $LOG_DIR/)"
        sleep 0.2
    done
}

on_bench_exit() {
    local rc=$?
    trap '' INT TERM
    trap - EXIT
    stop_services
    stop_group target
    stop_unmarked nginx "$STATE_DIR/nginx"
    stop_unmarked redis "$REDIS_PORT"
    stop_group kafka
    rm -f "$PID_DIR/run.pid"
    exit "$rc"
}

# ---------------------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------------------
install_tools() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v redis-benchmark >/dev/null || missing+=(redis-tools)
    ((${#missing[@]} == 0)) && return
    say "Installing ${missing[*]} from Debian"
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install them by hand"
    local sudo=""
    ((EUID == 0)) || sudo=sudo
    $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
}

build() {
    build_services
    say "Building the bench programs (mvn -Pbench -pl bench package)"
    (cd "$ROOT" && "$MVN" -B -q -Pbench -pl bench -Dspotless.check.skip=true package) || die "the bench build failed"
}

setup() {
    check_prerequisites
    mkdir -p "$LOG_DIR" "$PID_DIR" "$RESULTS_DIR" "$WORK_DIR"
    check_not_running "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$ACCEPTER_PORT" "$LISTENER_PORT" "$CACHE_PORT" \
        "$READER_PORT" "$TARGET_PORT" "$NGINX_PORT" "$REDIS_PORT"
    install_tools
    [[ "$SKIP_BUILD" == true ]] || build
    check_service_jars
    [[ -f "$ROOT/bench/target/courier-bench.jar" ]] || die "bench/target/courier-bench.jar missing (run without --skip-build)"
    assemble_kafka_libs

    echo "$$" >"$PID_DIR/run.pid"
    trap on_bench_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    # A fresh broker and cache for every run: no earlier run's records or snapshots.
    rm -rf "$KAFKA_DATA" "$OBJECTS_DIR" "$JFR_DIR" "$CACHE_STATE_DIR"
    : >"$ROWS"
    write_kafka_config
    format_kafka_storage
    start_kafka
    create_topics
    create_topic bench.intake 3
    create_topic bench.raw 3
    create_topic bench.little 1
    create_topic bench.cache.changes 3

    say "Starting the bench target on $TARGET_URL"
    start_process target "$JAVA" -Xmx256m -XX:+UseSerialGC -D$MARKER=target -cp "$BENCH_CP" \
        dev.courier.bench.Bench target --port "$TARGET_PORT"
    wait_port "$TARGET_PORT"

    bench_java body --target "$TARGET_URL/noop" >"$WORK_DIR/noop.json"
    bench_java body --target "$TARGET_URL/noop" --with-id true >"$WORK_DIR/refused.json"
    bench_java body --target "$TARGET_URL/delay/$LITTLE_DELAY_MS" >"$WORK_DIR/delay.json"
}

# ---------------------------------------------------------------------------------------------------------
# 1. Intake
# ---------------------------------------------------------------------------------------------------------
# raw_producer_rate <record bytes>: records/s of Kafka's own ProducerPerformance, acks=all, linger.ms=0 (as the
# services' request-path producers), to topic bench.raw.
raw_producer_rate() {
    local producer raw
    producer="$(perf_tool org.apache.kafka.tools.ProducerPerformance --topic bench.raw \
        --num-records "$BENCH_PRODUCER_RECORDS" --record-size "$1" --throughput -1 \
        --producer-props bootstrap.servers="$BOOTSTRAP" acks=all linger.ms=0 | tail -n 1)"
    printf '%s\n' "$producer" >>"$LOG_DIR/producer-performance.log"
    raw="$(awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "records/sec") print $i }' <<<"$producer")"
    [[ -n "$raw" ]] || die "ProducerPerformance printed no rate: $producer"
    echo "$raw"
}

# redis_row <GET|SET> < redis-benchmark --csv: rps=.. p50_ms=.. p99_ms=.. of that test.
redis_row() {
    awk -F'","' -v test="\"$1" '$1 == test { gsub("\"", "", $0); split($0, f, ","); printf "rps=%s p50_ms=%s p99_ms=%s", f[2], f[5], f[7] }'
}

section_intake() {
    local url="http://127.0.0.1:$ACCEPTER_PORT/v1/invocations" accepted refused c raw result pid
    say "Intake: accepter-service alone (requests to topic bench.intake), 1 KiB bodies"
    bench_service accepter accepter "$ACCEPTER_PORT" intake -Dcourier.accepter.requests-topic=bench.intake
    wait_for_service accepter "$ACCEPTER_PORT"
    accepted="$(wrk_script accepted POST "$WORK_DIR/noop.json" application/json)"
    refused="$(wrk_script refused POST "$WORK_DIR/refused.json" application/json)"

    # The raw producer first, on an idle machine, as the reference: same record size, acks=all, linger.ms=0 as
    # the accepter's producer (RequestPublisher).
    raw="$(raw_producer_rate "$(wc -c <"$WORK_DIR/noop.json")")"

    wrk_run -t2 -c64 -d"${BENCH_WARMUP_SECONDS}s" -s "$accepted" "$url" >/dev/null # JIT warm-up
    wrk_run -t2 -c64 -d"${BENCH_WARMUP_SECONDS}s" -s "$refused" "$url" >/dev/null
    pid="$(cat "$PID_DIR/accepter.pid")"
    for c in $BENCH_CONNECTIONS; do
        result="$(wrk_served "$pid" -t2 -c"$c" -d"${BENCH_SECONDS}s" -s "$accepted" "$url")"
        (($(field "$result" non2xx) == 0 && $(field "$result" errors) == 0)) ||
            warn "intake at $c connections: $(field "$result" non2xx) non-2xx, $(field "$result" errors) socket errors"
        local rps p50 p99 cpu
        rps="$(field "$result" rps)" p50="$(field "$result" p50_ms)" p99="$(field "$result" p99_ms)"
        cpu="$(field "$result" cpu_us_per_req)"
        row intake "POST /v1/invocations, $c connections (wrk)" \
            "$(fmt_int "$rps") req/s, p50 $(fmt_ms "$p50"), p99 $(fmt_ms "$p99"); accepter CPU $(fmt_int "$cpu") µs/req" \
            "raw producer $(fmt_int "$raw") rec/s" "$(ratio "$rps" "$raw")" "≥ 0.30" \
            "$(verdict "$(ratio "$rps" "$raw")" ge 0.30)"

        result="$(wrk_served "$pid" -t2 -c"$c" -d"${BENCH_SECONDS}s" -s "$refused" "$url")"
        (($(field "$result" non2xx) > 0)) || warn "the no-Kafka baseline answered 2xx: check refused.json"
        row intake "  same, against the same app without Kafka" "$(fmt_int "$rps") req/s" \
            "accepter, same body answered 422: $(fmt_int "$(field "$result" rps)") req/s, p99 $(fmt_ms "$(field "$result" p99_ms)"); CPU $(fmt_int "$(field "$result" cpu_us_per_req)") µs/req" \
            "$(ratio "$rps" "$(field "$result" rps)")" "" ""
    done

    # The wrk runs above warmed the JIT up; 2 s more at this rate settle the connections.
    result="$(bench_java load --url "$url" --target "$TARGET_URL/noop" --rate "$BENCH_INTAKE_RATE" \
        --duration "$BENCH_SECONDS" --warmup 2)"
    printf '%s\n' "$result" >>"$LOG_DIR/load.log"
    row intake "p99 at $(fmt_int "$BENCH_INTAKE_RATE") req/s (fixed rate)" "$(open_loop_text "$result")" \
        "" "" "≤ 10 ms" "$(verdict "$(open_loop_p99 "$result")" le 10)"
    section_intake_batch "$raw"
    stop_services
}

# The batch endpoint: BENCH_BATCH_SIZE requests of 1 KiB per call, so a rate of requests, not of calls, against the
# raw producer's records/s (the same records, acks=all).
section_intake_batch() {
    local raw="$1" url="http://127.0.0.1:$ACCEPTER_PORT/v1/invocations/batch" n="$BENCH_BATCH_SIZE"
    local c="$BENCH_BATCH_CONNECTIONS" script answer result rps per_request
    batch_body "$WORK_DIR/noop.json" "$n" >"$WORK_DIR/batch.json"
    script="$(wrk_script batch POST "$WORK_DIR/batch.json" application/json)"
    # Every request of the body is accepted (a 202 alone would also hold for a batch of refused requests). The
    # fixed-rate run above may have left the accepter a backlog that times requests out for some seconds: wait for it.
    local deadline=$((SECONDS + 60))
    until answer="$(curl -s --max-time 30 -H 'Content-Type: application/json' \
        --data-binary @"$WORK_DIR/batch.json" "$url")" && [[ "$answer" == *"\"accepted\":$n,"* ]]; do
        ((SECONDS < deadline)) || die "the batch body was not accepted whole: ${answer:0:300}"
        sleep 1
    done

    wrk_run -t2 -c"$c" -d"${BENCH_WARMUP_SECONDS}s" -s "$script" "$url" >/dev/null # JIT warm-up
    result="$(wrk_served "$(cat "$PID_DIR/accepter.pid")" -t2 -c"$c" -d"${BENCH_SECONDS}s" -s "$script" "$url")"
    (($(field "$result" non2xx) == 0 && $(field "$result" errors) == 0)) ||
        warn "batch intake: $(field "$result" non2xx) non-2xx, $(field "$result" errors) socket errors"
    rps="$(calc "$(field "$result" rps) * $n")"
    per_request="$(calc "$(field "$result" cpu_us_per_req) / $n")"
    row intake "POST /v1/invocations/batch, $n × 1 KiB, $c connections (wrk)" \
        "$(fmt_int "$rps") requests/s ($(fmt_int "$(field "$result" rps)") calls/s), per call p50 $(fmt_ms "$(field "$result" p50_ms)"), p99 $(fmt_ms "$(field "$result" p99_ms)"); accepter CPU $(fmt_int "$per_request") µs/request" \
        "raw producer $(fmt_int "$raw") rec/s" "$(ratio "$rps" "$raw")" "≥ 0.70" \
        "$(verdict "$(ratio "$rps" "$raw")" ge 0.70)"
}

# ---------------------------------------------------------------------------------------------------------
# 2. Delivery
# ---------------------------------------------------------------------------------------------------------
# fill <topic> <records> <payload file>: writes the records as a direct producer would (acks=all).
fill() {
    perf_tool org.apache.kafka.tools.ProducerPerformance --topic "$1" --num-records "$2" --payload-file "$3" \
        --throughput -1 --producer-props bootstrap.servers="$BOOTSTRAP" acks=all >>"$LOG_DIR/producer-performance.log"
}

section_delivery() {
    local n="$BENCH_DELIVERY_RECORDS" warmup="$BENCH_DELIVERY_WARMUP" stats rate raw consumer
    say "Delivery: $warmup + $n records in courier.requests, no-op target, listener-service alone"
    stop_services
    fill courier.requests $((warmup + n)) "$WORK_DIR/noop.json"
    target_reset >/dev/null
    bench_service listener listener "$LISTENER_PORT" delivery
    stats="$(measure_listener $((warmup + n)) "$n" 600)"
    rate="$(field "$stats" rate)"

    consumer="$(perf_tool org.apache.kafka.tools.ConsumerPerformance --bootstrap-server "$BOOTSTRAP" \
        --topic courier.requests --messages $((warmup + n)) --group "bench-raw-$RANDOM" --timeout 60000 | tail -n 1)"
    printf '%s\n' "$consumer" >>"$LOG_DIR/consumer-performance.log"
    # fetch.nMsg.sec: records/s while fetching, without the group join (the listener's rate also starts at its
    # first call).
    raw="$(awk -F', ' '{ print $NF }' <<<"$consumer")"
    row delivery "no-op target: invocations/s, $(fmt_int "$(field "$stats" measured)") records" \
        "$(fmt_int "$rate") calls/s; $(listener_cost_text "$stats")" \
        "raw consumer $(fmt_int "$raw") rec/s" "$(ratio "$rate" "$raw")" "≥ 0.50" \
        "$(verdict "$(ratio "$rate" "$raw")" ge 0.50)"
    stop_services
}

# The listener's CPU per call in a measure_listener result, with the JIT compiler's share and the warm-up before it.
listener_cost_text() {
    printf 'listener CPU %s µs/call (JIT compiler %s); measured after %s warm-up calls, %s s' \
        "$(fmt_int "$(field "$1" cpu_us_per_call)")" "$(fmt_int "$(field "$1" jit_us_per_call)")" \
        "$(fmt_int "$(field "$1" warmup_calls)")" "$(field "$1" warmup_s)"
}

section_little() {
    local n="$BENCH_LITTLE_RECORDS" warmup="$BENCH_LITTLE_WARMUP" alone stats rate limit
    limit=$((LITTLE_IN_FLIGHT * 1000 / LITTLE_DELAY_MS))
    say "Delivery: $warmup + $n records on ONE partition, target answering after $LITTLE_DELAY_MS ms"
    stop_services
    # The target alone first: can it hold $LITTLE_IN_FLIGHT slow calls open at once?
    alone="$(wrk_run -t2 -c"$LITTLE_IN_FLIGHT" -d"${BENCH_SECONDS}s" "$TARGET_URL/delay/$LITTLE_DELAY_MS")"
    row delivery "  the target alone: $LITTLE_IN_FLIGHT connections (wrk)" "$(fmt_int "$(field "$alone" rps)") req/s" \
        "Little's law $(fmt_int "$limit")/s" "$(ratio "$(field "$alone" rps)" "$limit")" "" ""
    fill bench.little $((warmup + n)) "$WORK_DIR/delay.json"
    target_reset >/dev/null
    bench_service listener listener "$LISTENER_PORT" little \
        -Dcourier.listener.topics.requests=bench.little -Dcourier.listener.group-id=bench-little
    stats="$(measure_listener $((warmup + n)) "$n" 900)"
    rate="$(field "$stats" rate)"
    row delivery "${LITTLE_DELAY_MS} ms target, 1 partition, $(fmt_int "$(field "$stats" measured)") records" \
        "$(fmt_int "$rate") calls/s, $(field "$stats" peak_open) open at most; $(listener_cost_text "$stats")" \
        "Little's law $LITTLE_IN_FLIGHT / 0.1 s = $(fmt_int "$limit")/s" "$(ratio "$rate" "$limit")" "≥ 0.80" \
        "$(verdict "$(ratio "$rate" "$limit")" ge 0.80)"
    stop_services
}

# ---------------------------------------------------------------------------------------------------------
# 3. End to end, and 5. cost, over the whole stack
# ---------------------------------------------------------------------------------------------------------
start_stack() {
    local section="$1"
    stop_services
    bench_service accepter accepter "$ACCEPTER_PORT" "$section"
    bench_service listener listener "$LISTENER_PORT" "$section"
    bench_service cache cache "$CACHE_PORT" "$section"
    wait_for_service accepter "$ACCEPTER_PORT"
    wait_for_service listener "$LISTENER_PORT"
    wait_for_service cache "$CACHE_PORT"
}

section_e2e() {
    local url="http://127.0.0.1:$ACCEPTER_PORT/v1/invocations" rate result stats sent pids name cpu_start jit_start
    say "End to end: accepter + listener + cache, fixed rates $BENCH_E2E_RATES req/s"
    start_stack e2e
    # The whole stack's CPU per invocation: the three services, the broker and the target.
    pids="$(for name in accepter listener cache kafka target; do cat "$PID_DIR/$name.pid"; done)"
    for rate in $BENCH_E2E_RATES; do
        # The services warm up at this rate; then the measuring generator warms itself up (2 s at the same rate, its
        # requests unstamped, so the target times only the measured ones): a cold generator's first second was most
        # of the p99 (docs/benchmarks.md).
        bench_java load --url "$url" --target "$TARGET_URL/noop" --rate "$rate" --duration "$BENCH_WARMUP_SECONDS" \
            >>"$LOG_DIR/load.log"
        sleep 1
        target_reset >/dev/null
        cpu_start="$(cpu_sum $pids)" jit_start="$(jit_sum $pids)"
        result="$(bench_java load --url "$url" --target "$TARGET_URL/noop" --rate "$rate" \
            --duration "$BENCH_SECONDS" --warmup 2 --stamp true)"
        printf '%s\n' "$result" >>"$LOG_DIR/load.log"
        # The CPU is the stack's for every request of the measuring run, its warm-up included.
        sent="$(field "$result" ok)"
        stats="$(await_target "$(field "$result" measured_ok)" 300 e2e_count)"
        local target_text="" verdict_text=""
        if ((rate == 500)); then target_text="p99 ≤ 25 ms" verdict_text="$(verdict "$(field "$stats" e2e_p99_ms)" le 25)"; fi
        row e2e "accept → target at $(fmt_int "$rate") req/s (fixed rate)" \
            "p50 $(fmt_ms "$(field "$stats" e2e_p50_ms)"), p99 $(fmt_ms "$(field "$stats" e2e_p99_ms)"), max $(fmt_ms "$(field "$stats" e2e_max_ms)"); stack CPU $(fmt_int "$(calc "($(cpu_sum $pids) - $cpu_start) * 1000000 / $sent")") µs/invocation, JIT compilers $(fmt_int "$(calc "($(jit_sum $pids) - $jit_start) * 1000000 / $sent")") of it" \
            "202 answered: $(open_loop_text "$result")" "" \
            "$target_text" "$verdict_text"
    done
}

# Prefer: wait=BENCH_WAIT_N at BENCH_WAIT_RATE requests/s over the whole stack: how long a caller that waits for the
# outcome waits for its 200. The baseline is the same stack, at the same rate, just before: the e2e section's
# accept → target latency and the 202 of the same requests without waiting. A waited-for 200 is that path plus the
# invocation record written to courier.results, read by the accepter's follower and handed to the waiting request.
section_wait() {
    local url="http://127.0.0.1:$ACCEPTER_PORT/v1/invocations" rate="$BENCH_WAIT_RATE" n="$BENCH_WAIT_N"
    local base base_stats result stats other
    # Each waiting caller holds a connection until its answer: enough for every request of N seconds at the rate.
    local wait_opts=(--prefer "wait=$n" --connections $((rate * n)) --drain $((n + 30)))
    say "Prefer: wait=$n at $rate req/s: accepter + listener + cache, against the same requests without waiting"
    start_stack wait
    # The services warm up at this rate on both paths (the follower and the waiters only on the second).
    bench_java load --url "$url" --target "$TARGET_URL/noop" --rate "$rate" --duration "$BENCH_WARMUP_SECONDS" \
        >>"$LOG_DIR/load.log"
    bench_java load --url "$url" --target "$TARGET_URL/noop" --rate "$rate" --duration "$BENCH_WARMUP_SECONDS" \
        "${wait_opts[@]}" >>"$LOG_DIR/load.log"
    sleep 1
    target_reset >/dev/null
    base="$(bench_java load --url "$url" --target "$TARGET_URL/noop" --rate "$rate" \
        --duration "$BENCH_SECONDS" --warmup 2 --stamp true)"
    printf '%s\n' "$base" >>"$LOG_DIR/load.log"
    base_stats="$(await_target "$(field "$base" measured_ok)" 300 e2e_count)"
    sleep 1
    target_reset >/dev/null
    result="$(bench_java load --url "$url" --target "$TARGET_URL/noop" --rate "$rate" \
        --duration "$BENCH_SECONDS" --warmup 2 --stamp true "${wait_opts[@]}")"
    printf '%s\n' "$result" >>"$LOG_DIR/load.log"
    stats="$(await_target "$(field "$result" measured_ok)" 300 e2e_count)"
    other=$(($(field "$result" measured) - $(field "$result" measured_200) - $(field "$result" measured_202)))
    row wait "Prefer: wait=$n at $(fmt_int "$rate") req/s (fixed rate): the 200s" \
        "p50 $(fmt_ms "$(field "$result" answered_200_p50_ms)"), p99 $(fmt_ms "$(field "$result" answered_200_p99_ms)"), max $(fmt_ms "$(field "$result" answered_200_max_ms)"); $(fmt_int "$(field "$result" measured_200)") answered 200, $(fmt_int "$(field "$result" measured_202)") 202 (after $n s), $(fmt_int "$other") other of $(fmt_int "$(field "$result" measured)"); accept → target meanwhile p99 $(fmt_ms "$(field "$stats" e2e_p99_ms)")" \
        "no wait, just before: accept → target p50 $(fmt_ms "$(field "$base_stats" e2e_p50_ms)"), p99 $(fmt_ms "$(field "$base_stats" e2e_p99_ms)"), max $(fmt_ms "$(field "$base_stats" e2e_max_ms)"); 202 answered: $(open_loop_text "$base")" \
        "$(ratio "$(field "$result" answered_200_p99_ms)" "$(field "$base_stats" e2e_p99_ms)")" "" ""
    stop_services
}

# cost_warmup <accepter URL> <seconds>: invocations at BENCH_COST_RATE for that long, then until the target has them all.
cost_warmup() {
    local warmup
    target_reset >/dev/null
    warmup="$(bench_java load --url "$1" --target "$TARGET_URL/noop" --rate "$BENCH_COST_RATE" --duration "$2")"
    printf '%s\n' "$warmup" >>"$LOG_DIR/load.log"
    await_target "$(field "$warmup" ok)" 300 >/dev/null
}

# compilers_note <true|false|unchecked>: what a cost row says of the JIT compilers at the end of the warm-up.
compilers_note() {
    case "$1" in
        true) ;;
        false) echo ", compilers not yet quiet" ;;
        *) echo ", compilers not checked" ;;
    esac
}

section_cost() {
    local n="$BENCH_COST_INVOCATIONS" url="http://127.0.0.1:$ACCEPTER_PORT/v1/invocations" name pid
    local -A before=() jit_before=()
    say "Cost: $n invocations at $BENCH_COST_RATE/s through the whole stack"
    port_open "$ACCEPTER_PORT" && port_open "$LISTENER_PORT" && port_open "$CACHE_PORT" || start_stack cost
    # The cost of an invocation is a warm stack's: the stack first runs BENCH_WARMUP_SECONDS at the same rate, then
    # more rounds of BENCH_COST_ROUND_SECONDS at the rate until the four processes' JIT compilers used under 0.5 CPU s
    # per 10,000 invocations in a round (5% of a core at 1,000/s), for BENCH_COST_MAX_WARMUP_SECONDS in all at most;
    # and only once the target has every warm-up call (and the status projection has had a moment) does the measuring
    # start. Measured cold, the compilers' work on the first 10,000 was most of the figure; after 60 s it was still
    # about 40% of it, and they were done after about 150 s (docs/benchmarks.md, 2026-12-03 and 2026-12-07 evening).
    # quiet: whether the compilers were seen quiet in a round (true), still busy in the last one (false), or never
    # looked at, when the warm-up leaves no room for a round (--quick).
    local pids warmed jit_start jit_round quiet=unchecked
    pids="$(for name in accepter listener cache kafka; do cat "$PID_DIR/$name.pid"; done)"
    cost_warmup "$url" "$BENCH_WARMUP_SECONDS"
    warmed="$BENCH_WARMUP_SECONDS"
    while ((warmed + BENCH_COST_ROUND_SECONDS <= BENCH_COST_MAX_WARMUP_SECONDS)); do
        jit_start="$(jit_sum $pids)"
        cost_warmup "$url" "$BENCH_COST_ROUND_SECONDS"
        warmed=$((warmed + BENCH_COST_ROUND_SECONDS))
        jit_round="$(calc "($(jit_sum $pids) - $jit_start) * 10000 / ($BENCH_COST_ROUND_SECONDS * $BENCH_COST_RATE)")"
        quiet=false
        if (($(calc "$jit_round < 0.5 ? 1 : 0"))); then
            quiet=true
            break
        fi
    done
    sleep 3
    for name in accepter listener cache kafka; do
        pid="$(cat "$PID_DIR/$name.pid")"
        before[$name]="$(cpu_seconds "$pid")" jit_before[$name]="$(jit_seconds "$pid")"
    done
    target_reset >/dev/null
    bench_java load --url "$url" --target "$TARGET_URL/noop" --rate "$BENCH_COST_RATE" \
        --duration "$(calc "$n / $BENCH_COST_RATE")" >>"$LOG_DIR/load.log"
    await_target "$n" 300 >/dev/null
    sleep 2 # the status projection of the last records
    for name in accepter listener cache kafka; do
        pid="$(cat "$PID_DIR/$name.pid")"
        # The JIT compilers' part is printed apart: on two cores they still compile after a minute at the rate, and
        # their share moves with what else runs (docs/benchmarks.md, 2026-12-07).
        row cost "$name: CPU s per 10,000 invocations (JIT compilers' part); peak RSS" \
            "$(fmt_cpu "$(calc "($(cpu_seconds "$pid") - ${before[$name]}) * 10000 / $n")") CPU s ($(fmt_cpu "$(calc "($(jit_seconds "$pid") - ${jit_before[$name]}) * 10000 / $n")") JIT); $(peak_rss_mib "$pid") MiB; after $warmed s at the rate$(compilers_note "$quiet")" \
            "" "" "" ""
    done
}

# ---------------------------------------------------------------------------------------------------------
# 4. Cache
# ---------------------------------------------------------------------------------------------------------
start_nginx() {
    local dir="$STATE_DIR/nginx"
    mkdir -p "$dir/html" "$dir/logs"
    head -c 1024 /dev/zero | tr '\0' v >"$dir/html/value"
    cat >"$dir/nginx.conf" <<EOF
# Generated by bench/run.sh: a static file of the cached value's size, the baseline for cache GETs.
daemon off;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $dir/html;
        default_type application/octet-stream;
    }
}
EOF
    start_process nginx nginx -p "$dir" -c "$dir/nginx.conf"
    wait_port "$NGINX_PORT"
}

start_redis() {
    start_process redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
    wait_port "$REDIS_PORT"
}

section_cache() {
    local key="http://127.0.0.1:$CACHE_PORT/v1/cache/bench/value" c="$BENCH_CACHE_CONNECTIONS" cache nginx redis
    local lag put raw redis_csv redis_set bulk undecided
    say "Cache: GET of a 1 KiB value vs nginx and redis; write → visible on a read replica"
    # cache-service alone, like every other section's service, on a change log of its own and without the status
    # projector: otherwise it would replay (and hold) the statuses of every invocation the earlier sections made,
    # over 500,000 in a full run, which a 256 MiB heap does not hold (docs/benchmarks.md).
    local alone=(-Dcourier.cache.changes-topic=bench.cache.changes -Dcourier.cache.status.enabled=false)
    stop_services
    rm -rf "$CACHE_STATE_DIR/cache" "$CACHE_STATE_DIR/cache-reader" # built from another change log
    bench_service cache cache "$CACHE_PORT" cache "${alone[@]}"
    wait_for_service cache "$CACHE_PORT"
    bench_service cache-reader cache "$READER_PORT" cache "${alone[@]}" -Dcourier.cache.role=reader
    wait_for_service cache-reader "$READER_PORT"
    head -c 1024 /dev/zero | tr '\0' v >"$WORK_DIR/value"
    curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$WORK_DIR/value" "$key" ||
        die "could not write the benchmark value to cache-service"
    start_nginx
    start_redis

    wrk_run -t2 -c"$c" -d"${BENCH_WARMUP_SECONDS}s" "$key" >/dev/null
    cache="$(wrk_served "$(cat "$PID_DIR/cache.pid")" -t2 -c"$c" -d"${BENCH_SECONDS}s" "$key")"
    (($(field "$cache" non2xx) == 0)) || warn "cache GET: $(field "$cache" non2xx) non-2xx answers"
    nginx="$(wrk_served "$(with_children "$(cat "$PID_DIR/nginx.pid")")" -t2 -c"$c" -d"${BENCH_SECONDS}s" \
        "http://127.0.0.1:$NGINX_PORT/value")"
    redis_csv="$(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -t set,get -d 1024 -c "$c" -n "$BENCH_REDIS_REQUESTS" --csv)"
    redis="$(redis_row GET <<<"$redis_csv")"
    redis_set="$(redis_row SET <<<"$redis_csv")"
    row cache "GET 1 KiB, $c connections (wrk)" \
        "$(fmt_int "$(field "$cache" rps)") req/s, p99 $(fmt_ms "$(field "$cache" p99_ms)"); CPU $(fmt_int "$(field "$cache" cpu_us_per_req)") µs/req" \
        "nginx static file $(fmt_int "$(field "$nginx" rps)") req/s, p99 $(fmt_ms "$(field "$nginx" p99_ms)"); CPU $(fmt_int "$(field "$nginx" cpu_us_per_req)") µs/req" \
        "$(ratio "$(field "$cache" rps)" "$(field "$nginx" rps)")" "≥ 0.50" \
        "$(verdict "$(ratio "$(field "$cache" rps)" "$(field "$nginx" rps)")" ge 0.50)"
    row cache "  same, against redis" "$(fmt_int "$(field "$cache" rps)") req/s" \
        "redis-benchmark GET $(fmt_int "$(field "$redis" rps)") req/s, p99 $(fmt_ms "$(field "$redis" p99_ms)")" \
        "$(ratio "$(field "$cache" rps)" "$(field "$redis" rps)")" "" ""

    # A PUT is a record appended with acks=all (and applied before it is answered): the raw producer of the same
    # records is its reference, measured here as in the intake section.
    raw="$(raw_producer_rate 1100)"
    put="$(wrk_script put PUT "$WORK_DIR/value" application/octet-stream)"
    wrk_run -t2 -c"$c" -d"${BENCH_WARMUP_SECONDS}s" -s "$put" "http://127.0.0.1:$CACHE_PORT/v1/cache/bench/warm" >/dev/null
    put="$(wrk_served "$(cat "$PID_DIR/cache.pid")" -t2 -c"$c" -d"${BENCH_SECONDS}s" -s "$put" "http://127.0.0.1:$CACHE_PORT/v1/cache/bench/written")"
    (($(field "$put" non2xx) == 0)) || warn "cache PUT: $(field "$put" non2xx) non-2xx answers"
    row cache "PUT 1 KiB, $c connections (wrk)" \
        "$(fmt_int "$(field "$put" rps)") req/s, p50 $(fmt_ms "$(field "$put" p50_ms)"), p99 $(fmt_ms "$(field "$put" p99_ms)"); CPU $(fmt_int "$(field "$put" cpu_us_per_req)") µs/req" \
        "raw producer $(fmt_int "$raw") rec/s" "$(ratio "$(field "$put" rps)" "$raw")" "≥ 0.30" \
        "$(verdict "$(ratio "$(field "$put" rps)" "$raw")" ge 0.30)"
    row cache "  same, against redis" "$(fmt_int "$(field "$put" rps)") req/s" \
        "redis-benchmark SET $(fmt_int "$(field "$redis_set" rps)") req/s, p99 $(fmt_ms "$(field "$redis_set" p99_ms)")" \
        "$(ratio "$(field "$put" rps)" "$(field "$redis_set" rps)")" "" ""

    # The same writes BENCH_BULK_WRITES to a call (POST /v1/cache/{namespace}, as the accepter claims and marks a
    # batch's idempotency keys): what the write path does when HTTP is not paid per write. Each write is still one
    # record appended with acks=all and applied before the call is answered. A write not decided in time is answered
    # inside a 200 (status 503), so the writer's own count of those is read before and after.
    bulk_body "$WORK_DIR/value" "$BENCH_BULK_WRITES" >"$WORK_DIR/bulk.json"
    bulk="$(wrk_script bulk POST "$WORK_DIR/bulk.json" application/json)"
    wrk_run -t2 -c"$BENCH_BULK_CONNECTIONS" -d"${BENCH_WARMUP_SECONDS}s" -s "$bulk" \
        "http://127.0.0.1:$CACHE_PORT/v1/cache/bench-bulk-warm" >/dev/null
    undecided="$(undecided_writes)"
    bulk="$(wrk_served "$(cat "$PID_DIR/cache.pid")" -t2 -c"$BENCH_BULK_CONNECTIONS" -d"${BENCH_SECONDS}s" \
        -s "$bulk" "http://127.0.0.1:$CACHE_PORT/v1/cache/bench-bulk")"
    undecided="$(calc "$(undecided_writes) - $undecided")"
    (($(field "$bulk" non2xx) == 0)) || warn "cache bulk PUT: $(field "$bulk" non2xx) non-2xx answers"
    [[ "$undecided" == 0 ]] || warn "cache bulk PUT: $undecided writes not decided in time"
    row cache "  same, $BENCH_BULK_WRITES writes per POST, $BENCH_BULK_CONNECTIONS connections" \
        "$(fmt_int "$(calc "$(field "$bulk" rps) * $BENCH_BULK_WRITES")") writes/s ($(fmt_int "$(field "$bulk" rps)") calls/s, p99 $(fmt_ms "$(field "$bulk" p99_ms)")); CPU $(fmt_int "$(calc "$(field "$bulk" cpu_us_per_req) / $BENCH_BULK_WRITES")") µs/write; $undecided undecided" \
        "raw producer $(fmt_int "$raw") rec/s" "$(ratio "$(calc "$(field "$bulk" rps) * $BENCH_BULK_WRITES")" "$raw")" "" ""

    # The warm-up (both instances' JIT, and the probe's own start) runs in the measuring JVM, at the same rate.
    lag="$(bench_java cache-lag --writer "http://127.0.0.1:$CACHE_PORT" --reader "http://127.0.0.1:$READER_PORT" \
        --rate "$BENCH_LAG_RATE" --warmup "$BENCH_WARMUP_SECONDS" --duration "$BENCH_SECONDS")"
    printf '%s\n' "$lag" >>"$LOG_DIR/cache-lag.log"
    (($(field "$lag" failed) == 0)) || warn "cache lag: $(field "$lag" failed) writes or replica reads failed"
    row cache "write → visible on a replica at $BENCH_LAG_RATE writes/s" \
        "p50 $(fmt_ms "$(field "$lag" visible_p50_ms)"), p99 $(fmt_ms "$(field "$lag" visible_p99_ms)") (after the ack: p99 $(fmt_ms "$(field "$lag" after_ack_p99_ms)"))" \
        "" "" "p99 ≤ 50 ms" "$(verdict "$(field "$lag" visible_p99_ms)" le 50)"
    stop_unmarked nginx "$STATE_DIR/nginx"
    stop_unmarked redis "$REDIS_PORT"
}

# ---------------------------------------------------------------------------------------------------------
# 6. The status read model at scale: BENCH_STATUS_COUNT statuses held by one cache-service at -Xmx256m
# ---------------------------------------------------------------------------------------------------------
# wait_for_snapshot_after <epoch seconds>: until cache-service's newest snapshot finished after that time (its age,
# from /q/metrics, is less than the time since); at most 15 minutes.
wait_for_snapshot_after() {
    local deadline=$(($(date +%s) + 900)) age
    while (($(date +%s) < deadline)); do
        age="$(curl -sf "http://127.0.0.1:$CACHE_PORT/q/metrics" |
            awk '/^courier_cache_snapshot_age_seconds/ { print $2; exit }')" || true
        if [[ -n "$age" ]] && (($(calc "$age < $(date +%s) - $1 ? 1 : 0"))); then
            return 0
        fi
        sleep 5
    done
    die "no snapshot of cache-service after the fill within 15 minutes"
}

section_status() {
    local n="$BENCH_STATUS_COUNT" base cache="http://127.0.0.1:$CACHE_PORT" fill fill_done get pid started ready
    local alone=(-Dcourier.cache.changes-topic=bench.status.changes
        -Dcourier.cache.status.requests-topic=bench.status.requests
        -Dcourier.cache.status.group-id=bench-status -Dcourier.cache.snapshots.interval=1m)
    say "Status: $(fmt_int "$n") statuses in cache-service at -Xmx256m; GET p99; restart to ready"
    stop_services
    rm -rf "$CACHE_STATE_DIR/cache" # built from another change log
    create_topic bench.status.requests 3
    create_topic bench.status.changes 3
    bench_service cache cache "$CACHE_PORT" status "${alone[@]}"
    wait_for_service cache "$CACHE_PORT"
    base="$(($(date +%s) * 1000))"
    fill="$(bench_java status-load --phase fill --base "$base" --count "$n" --bootstrap "$BOOTSTRAP" \
        --topic bench.status.requests --cache "$cache")"
    printf '%s\n' "$fill" >>"$LOG_DIR/status-load.log"
    fill_done="$(date +%s)"
    pid="$(cat "$PID_DIR/cache.pid")"
    row status "project $(fmt_int "$n") statuses (published at once)" \
        "$(fmt_int "$(calc "$n / $(field "$fill" projected_s)")") statuses/s; cache CPU $(cpu_seconds "$pid") s, peak RSS $(peak_rss_mib "$pid") MiB, state $(du -sm "$CACHE_STATE_DIR/cache" | cut -f1) MiB on disk" \
        "" "" "" ""
    # The snapshot a new instance starts from must hold the statuses (a stop may not give the one it takes time to
    # finish), and none may be running while the reads are measured: wait for one taken after the fill.
    wait_for_snapshot_after "$fill_done"
    get="$(bench_java status-load --phase get --base "$base" --count "$n" --cache "$cache" \
        --connections "$BENCH_CACHE_CONNECTIONS" --seconds "$BENCH_SECONDS" --warmup "$BENCH_WARMUP_SECONDS")"
    printf '%s\n' "$get" >>"$LOG_DIR/status-load.log"
    (($(field "$get" non200) == 0)) || warn "status GET: $(field "$get" non200) answers that were not 200"
    row status "GET /v1/status/{random id} of $(fmt_int "$n"), $BENCH_CACHE_CONNECTIONS connections" \
        "$(fmt_int "$(field "$get" rps)") req/s, p50 $(fmt_ms "$(field "$get" get_p50_ms)"), p99 $(fmt_ms "$(field "$get" get_p99_ms)")" \
        "" "" "" ""
    # A restart of the same instance (its state directory kept): replays only what it had not applied.
    stop_group cache
    started="$(date +%s.%N)"
    bench_service cache cache "$CACHE_PORT" status "${alone[@]}"
    wait_for_service cache "$CACHE_PORT"
    ready="$(calc "$(date +%s.%N) - $started")"
    row status "restart to ready, own state kept" "$(calc "$ready") s" "" "" "" ""
    # A new instance (an empty state directory): the newest snapshot (taken at the stop), then the log since.
    stop_group cache
    rm -rf "$CACHE_STATE_DIR/cache"
    started="$(date +%s.%N)"
    bench_service cache cache "$CACHE_PORT" status "${alone[@]}"
    wait_for_service cache "$CACHE_PORT"
    ready="$(calc "$(date +%s.%N) - $started")"
    row status "new instance to ready, from the snapshot" "$(calc "$ready") s" "" "" "" ""
    stop_group cache
}

# ---------------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------------
print_table() {
    local started="$1" load_start="$2" file
    file="$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ).md"
    {
        printf 'Courier benchmark, %s (%s mode), commit %s\n' "$started" "$MODE" \
            "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+changes')"
        printf '%s cores (%s), %s GiB, %s; everything on this machine\n' "$(nproc)" \
            "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
            "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" \
            "$("$JAVA" -Xmx32m -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.runtime.version/ { print "Java " $2 }')"
        printf 'load average (1 min): %s at the start, %s at the end; per row in the last column\n' "$load_start" "$(load1)"
        printf '%s s per measurement (%s s warm-up)\n\n' "$BENCH_SECONDS" "$BENCH_WARMUP_SECONDS"
        printf '| Section | Measure | Courier | Baseline (same run) | Ratio | Target | Verdict | Load |\n'
        printf '|---|---|---|---|---|---|---|---|\n'
        awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, ($5 == "" || $5 == "n/a" ? $5 : $5 "×"), $6, $7, $8 }' "$ROWS"
    } | tee "$file"
    printf '\n(saved as %s)\n' "${file#"$ROOT"/}"
}

main_bench() {
    local sections="intake,delivery,little,e2e,wait,cost,cache" section started load_start
    MODE=full SKIP_BUILD=false PROFILE=""
    while (($# > 0)); do
        case "$1" in
            --quick) MODE=quick ;;
            --only) sections="$2" && shift ;;
            --profile) PROFILE="$2" && shift ;;
            --skip-build | -s) SKIP_BUILD=true ;;
            -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' && exit 0 ;;
            *) die "unknown option $1 (see --help)" ;;
        esac
        shift
    done
    set_mode "$MODE"
    started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    load_start="$(load1)"
    setup
    for section in ${sections//,/ }; do
        case "$section" in
            intake | delivery | little | e2e | wait | cost | cache | status) "section_$section" ;;
            *) die "unknown section $section" ;;
        esac
    done
    printf '\n'
    print_table "$started" "$load_start"
}

# Run, not sourced (sourcing gives the functions, for trying one step by hand).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main_bench "$@"
fi
