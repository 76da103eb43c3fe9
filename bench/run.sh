#!/usr/bin/env bash
# Radix page-serving benchmark: Radix versus nginx serving the very same HTML bytes.
#
#   bench/run.sh                      # install tools if missing, build release, measure
#   SKIP_BUILD=1 bench/run.sh         # reuse target/release/radix as it is
#   DURATION=10 WARMUP=3 bench/run.sh # wrk run lengths in seconds (defaults shown)
#   QUIET_WAIT=600 bench/run.sh       # wait up to this long in total for other CPU load
#                                     # (a build, a test run) to end before each measurement
#
# What it does:
#   1. installs wrk and nginx-light with apt-get if missing (waits for a busy dpkg lock),
#      builds `cargo build --release` (in the background, waiting for it; cargo itself
#      waits when another build holds the target-dir lock);
#   2. starts `target/release/radix serve` on a free loopback port with a fresh data dir;
#   3. saves the exact HTML of three pages and serves those bytes with nginx (child
#      process, worker_processes 2, access_log off, every path inside a temp dir);
#   4. runs `wrk -t2 -c64 -d10s --latency` (after a short warm-up) against both servers,
#      sampling Radix's VmRSS while it is under load and VmHWM at the end;
#   5. prints a table and PASS/FAIL per target (ratio >= 0.5 of nginx, p99 < 10 ms,
#      peak RSS < 64 MiB). The exit code is 0 whether targets pass or not; it is non-zero
#      only when the benchmark itself could not run.
#
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit,
# and the temp dir is removed. Runtime: build + about 90 s of measuring.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
THREADS=2
CONNECTIONS=64
BUILD_TIMEOUT="${BUILD_TIMEOUT:-3600}"   # seconds
APT_TIMEOUT="${APT_TIMEOUT:-1200}"       # seconds spent waiting for the dpkg lock at most
PAGES=("/nl/" "/nl/municipalities" "/nl/municipalities/21009")
NAMES=("home" "municipalities" "municipality-21009")

# Targets.
MIN_RATIO="0.5"
MAX_P99_MS="10"
MAX_RSS_MIB="64"

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

# ---------------------------------------------------------------------------------------
# Cleanup: stop exactly what we started, by PID.
# ---------------------------------------------------------------------------------------
TMP=""
BUILD_PID=""
RADIX_PID=""
NGINX_PID=""
SAMPLER_PID=""

stop_pid() { # stop_pid PID NAME: TERM, wait up to 10 s, then KILL
    local pid="$1" name="$2" i
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name (pid $pid) did not stop on TERM: killing"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$SAMPLER_PID" "rss sampler"
    stop_pid "$NGINX_PID" "nginx"     # the master stops its own workers on TERM
    stop_pid "$RADIX_PID" "radix"
    stop_pid "$BUILD_PID" "cargo build"
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        rm -rf -- "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# 1. Tools and build.
# ---------------------------------------------------------------------------------------
apt_install() {
    local deadline=$((SECONDS + APT_TIMEOUT)) out updated=0
    while :; do
        if out=$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 \
                install -y -qq "$@" 2>&1); then
            return 0
        fi
        if grep -qiE 'unable to locate|has no installation candidate' <<<"$out" && ((updated == 0)); then
            log "package lists look stale: apt-get update"
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 update -qq || true
            updated=1
            continue
        fi
        if grep -qiE 'lock|dpkg was interrupted' <<<"$out" && ((SECONDS < deadline)); then
            log "dpkg/apt is busy (another install running): waiting 15 s and retrying"
            sleep 15
            continue
        fi
        printf '%s\n' "$out" >&2
        return 1
    done
}

ensure_tools() {
    local missing=()
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
    command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    if ((${#missing[@]})); then
        log "installing: ${missing[*]}"
        apt_install "${missing[@]}" || die "could not install ${missing[*]}"
    fi
    # Another process may have just installed the binaries while dpkg is still configuring
    # them: wait until dpkg is done so that we do not measure next to a package install.
    local deadline=$((SECONDS + APT_TIMEOUT))
    while pgrep -x dpkg >/dev/null 2>&1 && ((SECONDS < deadline)); do
        log "dpkg is still running (another install): waiting"
        sleep 10
    done
    command -v wrk >/dev/null 2>&1 || die "wrk not found after install"
}

build_release() {
    if [[ "${SKIP_BUILD:-0}" == "1" ]]; then
        log "SKIP_BUILD=1: using target/release/radix as it is"
        return 0
    fi
    log "cargo build --release (minutes on 2 cores; cargo waits if another build holds the lock)"
    local build_log="$TMP/cargo-build.log"
    (cd "$ROOT" && exec timeout "$BUILD_TIMEOUT" cargo build --release) >"$build_log" 2>&1 &
    BUILD_PID=$!
    local last=""
    while kill -0 "$BUILD_PID" 2>/dev/null; do
        sleep 15
        local now
        now=$(grep -E 'Compiling|Blocking|Finished' "$build_log" | tail -n1 || true)
        if [[ -n "$now" && "$now" != "$last" ]]; then
            log "build: ${now#"${now%%[![:space:]]*}"}"
            last="$now"
        fi
    done
    local rc=0
    wait "$BUILD_PID" || rc=$?
    BUILD_PID=""
    if ((rc != 0)); then
        tail -n 40 "$build_log" >&2
        die "cargo build --release failed (exit $rc)"
    fi
    local final
    final=$(tail -n1 "$build_log")
    [[ "$final" == "$last" ]] || log "build: ${final#"${final%%[![:space:]]*}"}"
}

# ---------------------------------------------------------------------------------------
# Helpers.
# ---------------------------------------------------------------------------------------
free_port() { # a currently free TCP port on 127.0.0.1
    local port i
    for i in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
            # double-check: nothing answers a connect
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                echo "$port"
                return 0
            fi
        fi
    done
    die "no free port found"
}

wait_http() { # wait_http URL SECONDS PID
    local url="$1" limit="$2" pid="$3" deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

to_ms() { # "1.23ms" / "850.00us" / "1.20s" -> milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000
        else if (v ~ /ms$/) n = n
        else if (v ~ /m$/) n = n * 60000
        else if (v ~ /s$/) n = n * 1000
        printf "%.2f", n
    }'
}

busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
pids_ticks() { # utime+stime of the given PIDs (all threads), in clock ticks
    local total=0 pid t
    for pid in "$@"; do
        t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
        total=$((total + t))
    done
    echo "$total"
}
TIMES_FILE=""
CHILD_CPU=0
children_cpu_s() { # sets CHILD_CPU: CPU seconds of this shell's finished children (wrk, curl, ...)
    # `times` must run in this shell, not in a $(...) subshell, which has children of its own.
    times >"$TIMES_FILE"
    CHILD_CPU=$(awk 'NR == 2 {
        split($1, u, /[ms]/); split($2, s, /[ms]/)
        printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2]
    }' "$TIMES_FILE")
}
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)
OTHER_PCT=0
QUIET_WAIT="${QUIET_WAIT:-600}"   # seconds, in total, to wait for other CPU load to end
QUIET_DEADLINE=""
wait_quiet() { # wait (bounded) until the machine is idle enough to measure
    local b0 b1 pct
    [[ -n "$QUIET_DEADLINE" ]] || QUIET_DEADLINE=$((SECONDS + QUIET_WAIT))
    while :; do
        b0=$(busy_ticks); sleep 2; b1=$(busy_ticks)
        pct=$(( 100 * (b1 - b0) / (2 * CLK_TCK * NCPU) ))
        ((pct <= 15)) && return 0
        if ((SECONDS >= QUIET_DEADLINE)); then
            log "machine still busy (${pct}% CPU) after waiting: measuring anyway"
            return 0
        fi
        log "machine busy (${pct}% CPU used by other processes): waiting before measuring"
        sleep 8
    done
}
run_wrk() { # run_wrk URL OUTFILE SERVER_PID...: warm-up, then the measured run with --latency
    local url="$1" out="$2"
    shift 2
    timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
    # CPU used during the measured run by anything that is neither the server nor the
    # benchmark itself (another build or test run on the same 2 cores distorts the numbers).
    local busy0 srv0 kids0 t0 busy1 srv1 kids1 t1
    busy0=$(busy_ticks); srv0=$(pids_ticks "$@"); children_cpu_s; kids0=$CHILD_CPU; t0=$EPOCHREALTIME
    timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$out" 2>&1 \
        || die "wrk failed against $url: $(cat "$out")"
    busy1=$(busy_ticks); srv1=$(pids_ticks "$@"); children_cpu_s; kids1=$CHILD_CPU; t1=$EPOCHREALTIME
    OTHER_PCT=$(awk -v b=$((busy1 - busy0)) -v s=$((srv1 - srv0)) -v k0="$kids0" -v k1="$kids1" \
        -v hz="$CLK_TCK" -v t0="$t0" -v t1="$t1" -v n="$NCPU" 'BEGIN {
            other = (b - s) / hz - (k1 - k0)
            if (other < 0) other = 0
            printf "%.0f", 100 * other / ((t1 - t0) * n)
        }')
}

wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_pct() { # wrk_pct FILE 50 -> ms
    local raw
    raw=$(awk -v p="$2%" '$1 == p {print $2; exit}' "$1")
    [[ -n "$raw" ]] && to_ms "$raw" || echo "nan"
}
wrk_errors() { # non-2xx and socket errors, or empty
    local e
    e=$(grep -E 'Non-2xx|Socket errors' "$1" | sed 's/^ *//' | paste -sd';' - || true)
    echo "$e"
}

sample_rss() { # sample_rss PID OUTFILE: VmRSS in kB every 0.25 s until stopped
    local pid="$1" out="$2"
    while kill -0 "$pid" 2>/dev/null; do
        awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null >>"$out" || true
        sleep 0.25
    done
}

# ---------------------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------------------
TMP="$(mktemp -d /tmp/radix-bench.XXXXXX)"
TIMES_FILE="$TMP/times.txt"
chmod 755 "$TMP"   # nginx workers run as an unprivileged user and must read the web root

ensure_tools
build_release

BIN="$ROOT/target/release/radix"
[[ -x "$BIN" ]] || die "$BIN not found (build first or drop SKIP_BUILD)"

# 2. Radix on a free loopback port with a fresh data dir.
RADIX_PORT=$(free_port)
mkdir -p "$TMP/data"
log "starting radix on 127.0.0.1:$RADIX_PORT (data dir $TMP/data)"
(cd "$TMP" && exec env -u RADIX_CONFIG -u RADIX_DATABASE_URL -u RADIX_DEMO \
    "$BIN" serve --bind "127.0.0.1:$RADIX_PORT" --data-dir "$TMP/data") \
    >"$TMP/radix.log" 2>&1 &
RADIX_PID=$!
if ! wait_http "http://127.0.0.1:$RADIX_PORT/healthz" 120 "$RADIX_PID"; then
    tail -n 30 "$TMP/radix.log" >&2
    die "radix did not answer /healthz"
fi
log "radix is up (pid $RADIX_PID), RSS after start: $(awk '/^VmRSS:/ {print $2, $3}' /proc/$RADIX_PID/status)"

# 3. Save the exact bytes of each page and serve them with nginx.
WWW="$TMP/www"
mkdir -p "$WWW"
chmod 755 "$WWW"
declare -a BYTES
for i in "${!PAGES[@]}"; do
    path="${PAGES[$i]}"
    file="$WWW/${NAMES[$i]}"
    code=$(curl -sS --max-time 10 -o "$file" -w '%{http_code}' "http://127.0.0.1:$RADIX_PORT$path")
    [[ "$code" == "200" ]] || die "GET $path answered $code"
    chmod 644 "$file"
    BYTES[i]=$(stat -c %s "$file")
    # Is the page byte-stable between requests? (Otherwise nginx serves one snapshot.)
    if ! curl -sS --max-time 10 "http://127.0.0.1:$RADIX_PORT$path" | cmp -s - "$file"; then
        log "note: $path differs between two requests; nginx serves the first snapshot"
    fi
done

NGINX_PORT=$(free_port)
NGX="$TMP/nginx"
mkdir -p "$NGX"
{
    echo "worker_processes 2;"
    echo "pid $NGX/nginx.pid;"
    echo "error_log $NGX/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "    access_log off;"
    echo "    types { }"
    echo "    default_type text/html;"
    echo "    sendfile on;"
    echo "    tcp_nopush on;"
    echo "    keepalive_requests 1000000;"
    echo "    keepalive_timeout 65;"
    echo "    client_body_temp_path $NGX/client_body;"
    echo "    proxy_temp_path $NGX/proxy;"
    echo "    fastcgi_temp_path $NGX/fastcgi;"
    echo "    uwsgi_temp_path $NGX/uwsgi;"
    echo "    scgi_temp_path $NGX/scgi;"
    echo "    server {"
    echo "        listen 127.0.0.1:$NGINX_PORT;"
    echo "        root $WWW;"
    for i in "${!PAGES[@]}"; do
        echo "        location = ${PAGES[$i]} { try_files /${NAMES[$i]} =404; }"
    done
    echo "        location / { return 404; }"
    echo "    }"
    echo "}"
} >"$NGX/nginx.conf"

NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX_BIN" -t -q -p "$NGX" -e "$NGX/error.log" -c "$NGX/nginx.conf" -g 'daemon off;' \
    || die "nginx configuration test failed"
log "starting nginx on 127.0.0.1:$NGINX_PORT"
"$NGINX_BIN" -p "$NGX" -e "$NGX/error.log" -c "$NGX/nginx.conf" -g 'daemon off;' \
    >"$NGX/stdout.log" 2>&1 &
NGINX_PID=$!
if ! wait_http "http://127.0.0.1:$NGINX_PORT${PAGES[0]}" 20 "$NGINX_PID"; then
    cat "$NGX/error.log" >&2 || true
    die "nginx did not start"
fi
for i in "${!PAGES[@]}"; do
    curl -sS --max-time 10 "http://127.0.0.1:$NGINX_PORT${PAGES[$i]}" | cmp -s - "$WWW/${NAMES[$i]}" \
        || die "nginx does not serve the same bytes for ${PAGES[$i]}"
done

# 4. Measure.
RSS_SAMPLES="$TMP/rss.txt"
: >"$RSS_SAMPLES"
declare -a R_RPS R_P50 R_P99 N_RPS N_P50 N_P99 R_ERR N_ERR R_LOG R_OTHER N_OTHER
for i in "${!PAGES[@]}"; do
    path="${PAGES[$i]}"
    wait_quiet
    log "wrk $path -> radix (${WARMUP}s warm-up + ${DURATION}s)"
    log_before=$(wc -l <"$TMP/radix.log")
    sample_rss "$RADIX_PID" "$RSS_SAMPLES" &
    SAMPLER_PID=$!
    run_wrk "http://127.0.0.1:$RADIX_PORT$path" "$TMP/wrk-radix-$i.txt" "$RADIX_PID"
    R_OTHER[i]=$OTHER_PCT
    stop_pid "$SAMPLER_PID" "rss sampler"
    SAMPLER_PID=""
    # Log lines the server wrote under load (per-request logging distorts a benchmark).
    R_LOG[i]=$(( $(wc -l <"$TMP/radix.log") - log_before ))
    if ((R_LOG[i] > 0)); then
        tail -n +"$((log_before + 1))" "$TMP/radix.log" | sed 's/\x1b\[[0-9;]*m//g' \
            | sed -E 's/^[0-9T:.Z-]+ +//; s/\{[^}]*\}//g; s/id="[0-9a-f]+"//g' \
            | sort | uniq -c | sort -rn | head -n 3 >"$TMP/radix-log-top-$i.txt" || true
    fi
    kill -0 "$RADIX_PID" 2>/dev/null || die "radix exited during the run"
    R_RPS[i]=$(wrk_rps "$TMP/wrk-radix-$i.txt")
    R_P50[i]=$(wrk_pct "$TMP/wrk-radix-$i.txt" 50)
    R_P99[i]=$(wrk_pct "$TMP/wrk-radix-$i.txt" 99)
    R_ERR[i]=$(wrk_errors "$TMP/wrk-radix-$i.txt")

    wait_quiet
    log "wrk $path -> nginx (${WARMUP}s warm-up + ${DURATION}s)"
    # shellcheck disable=SC2046
    run_wrk "http://127.0.0.1:$NGINX_PORT$path" "$TMP/wrk-nginx-$i.txt" "$NGINX_PID" $(pgrep -P "$NGINX_PID")
    N_OTHER[i]=$OTHER_PCT
    N_RPS[i]=$(wrk_rps "$TMP/wrk-nginx-$i.txt")
    N_P50[i]=$(wrk_pct "$TMP/wrk-nginx-$i.txt" 50)
    N_P99[i]=$(wrk_pct "$TMP/wrk-nginx-$i.txt" 99)
    N_ERR[i]=$(wrk_errors "$TMP/wrk-nginx-$i.txt")
    if [[ "${VERBOSE:-0}" == "1" ]]; then
        cat "$TMP/wrk-radix-$i.txt" "$TMP/wrk-nginx-$i.txt" >&2
    fi
done

RSS_MAX_KB=$(sort -n "$RSS_SAMPLES" | tail -n1)
RSS_END_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$RADIX_PID/status")
HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$RADIX_PID/status")
PEAK_KB=$HWM_KB
((${RSS_MAX_KB:-0} > PEAK_KB)) && PEAK_KB=$RSS_MAX_KB
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# 5. Report.
echo
echo "Radix vs nginx, same bytes; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency (after ${WARMUP}s warm-up), 127.0.0.1"
echo
echo "| page | bytes | radix req/s | nginx req/s | ratio | radix p50 | radix p99 | nginx p50 | nginx p99 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
declare -a RATIO
for i in "${!PAGES[@]}"; do
    RATIO[i]=$(awk -v r="${R_RPS[$i]}" -v n="${N_RPS[$i]}" 'BEGIN { printf "%.3f", (n > 0 ? r / n : 0) }')
    printf '| `%s` | %s | %s | %s | %s | %s ms | %s ms | %s ms | %s ms |\n' \
        "${PAGES[$i]}" "${BYTES[$i]}" "${R_RPS[$i]}" "${N_RPS[$i]}" "${RATIO[$i]}" \
        "${R_P50[$i]}" "${R_P99[$i]}" "${N_P50[$i]}" "${N_P99[$i]}"
done
echo
echo "Radix RSS: peak $(mib "$PEAK_KB") MiB (VmHWM $(mib "$HWM_KB") MiB; max sampled VmRSS under load $(mib "${RSS_MAX_KB:-0}") MiB; VmRSS at end $(mib "$RSS_END_KB") MiB)"
echo "CPU taken by other processes during the measured runs (% of all $NCPU cores; radix/nginx):" \
    "$(for i in "${!PAGES[@]}"; do printf '%s %s%%/%s%%  ' "${PAGES[$i]}" "${R_OTHER[$i]}" "${N_OTHER[$i]}"; done)"
for i in "${!PAGES[@]}"; do
    if ((R_OTHER[i] > 10 || N_OTHER[i] > 10)); then
        echo "WARNING: other processes used over 10% of the CPU during the ${PAGES[$i]} runs: numbers are depressed; re-run on a quiet machine"
    fi
    if ((R_LOG[i] > 0)); then
        echo "WARNING: radix wrote ${R_LOG[$i]} log lines while under load on ${PAGES[$i]} (measurement includes that logging); most frequent:"
        sed 's/^/    /' "$TMP/radix-log-top-$i.txt" 2>/dev/null || true
    fi
    [[ -n "${R_ERR[$i]}" ]] && echo "radix errors on ${PAGES[$i]}: ${R_ERR[$i]}"
    [[ -n "${N_ERR[$i]}" ]] && echo "nginx errors on ${PAGES[$i]}: ${N_ERR[$i]}"
done
echo
echo "Targets:"
FAILS=0
verdict() { # verdict OK(0/1) TEXT
    if [[ "$1" == "1" ]]; then echo "  PASS  $2"; else echo "  FAIL  $2"; FAILS=$((FAILS + 1)); fi
}
for i in "${!PAGES[@]}"; do
    ok=$(awk -v r="${RATIO[$i]}" -v m="$MIN_RATIO" 'BEGIN { print (r >= m) ? 1 : 0 }')
    [[ -n "${R_ERR[$i]}" ]] && ok=0
    verdict "$ok" "${PAGES[$i]}: radix/nginx throughput ${RATIO[$i]} >= $MIN_RATIO${R_ERR[$i]:+ (errors: ${R_ERR[$i]})}"
done
for i in "${!PAGES[@]}"; do
    ok=$(awk -v p="${R_P99[$i]}" -v m="$MAX_P99_MS" 'BEGIN { print (p != "nan" && p < m) ? 1 : 0 }')
    verdict "$ok" "${PAGES[$i]}: radix p99 ${R_P99[$i]} ms < $MAX_P99_MS ms"
done
ok=$(awk -v k="$PEAK_KB" -v m="$MAX_RSS_MIB" 'BEGIN { print (k / 1024 < m) ? 1 : 0 }')
verdict "$ok" "radix peak RSS $(mib "$PEAK_KB") MiB < $MAX_RSS_MIB MiB"
echo
if ((FAILS == 0)); then
    echo "RESULT: all targets PASS"
else
    echo "RESULT: $FAILS target(s) FAIL"
fi
exit 0
