#!/usr/bin/env bash
# Radix national cartography benchmark: the map page, the summary API and the statuses API
# under load, on SQLite and on PostgreSQL, with a demonstration LIVC-R history of at least
# 50,000 observations and the municipal boundaries loaded.
#
#   bench/cartography.sh                      # install tools if missing, build release, measure
#   SKIP_BUILD=1 bench/cartography.sh         # reuse target/release/radix as it is
#   BACKENDS=sqlite bench/cartography.sh      # one backend only (default: "sqlite postgres")
#   DURATION=10 WARMUP=2 bench/cartography.sh # wrk run lengths in seconds (defaults shown)
#   COLD_DATES=20 OBSERVATIONS=50000 bench/cartography.sh
#   KEEP_TMP=1 bench/cartography.sh           # keep the temp dir (wrk outputs, server logs)
#   QUIET_WAIT=300 bench/cartography.sh       # wait up to this long in total per backend for
#                                             # other CPU load (builds, tests, browsers) to
#                                             # end before each measurement; a wrk run
#                                             # during which other processes took > 10 % of
#                                             # the CPU is repeated (RETRIES=2 times at most)
#                                             # while that time lasts
#
# What it does, per backend:
#   1. seeds a fresh database: `radix --data-dir DIR [--database-url URL] demo --observations N`
#      (PostgreSQL: database radix_bench on 127.0.0.1:5432, dropped and created here; if the
#      command leaves fewer than N observations it is run again with a larger N, and the
#      shortfall is reported) and imports ../shared/data/boundaries-2025.geojson and boundaries-2019.geojson (relative to
#      the repository; the geographic checks are skipped when they are absent);
#   2. starts `radix serve` on a free loopback port and checks every endpoint once;
#   3. records the sizes of the map page (plain and gzip), of the geographic view and of
#      map.svg (view=geo for a 2024 and a 2025+ date, view=tiles);
#   4. "warm" load: for each of the map page, the summary API and the statuses API
#      separately, requests every first day of a quarter from 2019-01-01 to today once
#      (about 32 dates, fewer than the 64 entries of the rendered-answer cache), then runs
#      `wrk -t2 -c64 --latency` with a Lua script that picks one of those dates per request
#      (WARMUP s warm-up, DURATION s measured);
#      two extra runs are reported for information, without a target: the three endpoints
#      mixed (about 96 distinct queries, more than the cache holds) and the map page with
#      `Accept-Encoding: gzip` (what browsers send);
#   5. "cold" rendering: for COLD_DATES dates never requested before (the 15th of random
#      months), one curl per endpoint on a single connection; median and max of time_total
#      (also, for information, the geographic view and map.svg view=tiles and view=geo);
#   6. peak RSS of the server (VmHWM) at the end.
# Then it prints a table per backend and PASS/FAIL per target: p99 < 25 ms warm for each
# endpoint and backend, map.svg with boundaries (view=geo) < 600 KB. The exit code is 0
# whether targets pass or not; it is non-zero only when the benchmark could not run
# (2: an error; 3: a requested backend could not be measured, the others are reported).
#
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit,
# the temp dir is removed and the radix_bench database is dropped. If PostgreSQL was not
# running and this script started it (`service postgresql start`), it stops it again.
# Runtime: build + about 4 minutes of seeding and measuring for both backends on a quiet
# machine; on a busy one, up to QUIET_WAIT more per backend.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
THREADS=2
CONNECTIONS=64
OBSERVATIONS="${OBSERVATIONS:-50000}"
COLD_DATES="${COLD_DATES:-20}"
RETRIES="${RETRIES:-2}"   # re-measurements when other processes took > 10% of the CPU
BACKENDS="${BACKENDS:-sqlite postgres}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-3600}"   # seconds
APT_TIMEOUT="${APT_TIMEOUT:-1200}"       # seconds spent waiting for the dpkg lock at most
PG_HOST=127.0.0.1
PG_PORT=5432
PG_DB=radix_bench
PG_URL="postgres://postgres@$PG_HOST:$PG_PORT/$PG_DB"
SHARED_DATA="$ROOT/../shared/data"
BOUNDARY_FILES=("boundaries-2025.geojson" "boundaries-2019.geojson")

# Targets.
MAX_P99_MS="25"
MAX_SVG_KB="600"     # KB = 1000 bytes

# The three measured endpoints (path without the date value).
EP_NAMES=("map page" "summary API" "statuses API")
EP_PATHS=("/nl/cartography?date=" "/api/v1/cartography/summary?date=" "/api/v1/cartography?date=")

log() { printf '[cartography %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

# Settings of the caller's shell must not leak into the server (config file, database...).
while read -r var; do unset "$var"; done < <(compgen -e | grep '^RADIX_' || true)

# ---------------------------------------------------------------------------------------
# Cleanup: stop exactly what we started, by PID.
# ---------------------------------------------------------------------------------------
TMP=""
BUILD_PID=""
RADIX_PID=""
CMD_PID=""
PG_CREATED=0
PG_STARTED=0

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

drop_bench_db() {
    timeout 60 dropdb -h "$PG_HOST" -p "$PG_PORT" -U postgres --if-exists --force "$PG_DB" \
        >/dev/null 2>&1 || log "could not drop database $PG_DB"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$CMD_PID" "command"
    stop_pid "$RADIX_PID" "radix"
    stop_pid "$BUILD_PID" "cargo build"
    if ((PG_CREATED)); then
        drop_bench_db
    fi
    if ((PG_STARTED)); then
        log "stopping PostgreSQL (this script started it)"
        timeout 60 service postgresql stop >/dev/null 2>&1 || log "could not stop PostgreSQL"
    fi
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        if [[ "${KEEP_TMP:-0}" == "1" ]]; then
            log "KEEP_TMP=1: outputs kept in $TMP (remove it yourself)"
        else
            rm -rf -- "$TMP"
        fi
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
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v gzip >/dev/null 2>&1 || missing+=(gzip)
    if [[ " $BACKENDS " == *" postgres "* ]]; then
        command -v createdb >/dev/null 2>&1 && command -v pg_isready >/dev/null 2>&1 \
            || missing+=(postgresql-client)
    fi
    if ((${#missing[@]})); then
        log "installing: ${missing[*]}"
        apt_install "${missing[@]}" || die "could not install ${missing[*]}"
    fi
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
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                echo "$port"
                return 0
            fi
        fi
    done
    die "no free port found"
}

wait_http() { # wait_http URL SECONDS PID
    local url="$1" deadline=$((SECONDS + $2)) pid="$3"
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

run_cmd() { # run_cmd SECONDS OUTFILE CMD...: run in the background (stoppable by the trap)
    local limit="$1" out="$2" rc=0
    shift 2
    timeout "$limit" "$@" >"$out" 2>&1 &
    CMD_PID=$!
    wait "$CMD_PID" || rc=$?
    CMD_PID=""
    return "$rc"
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
    times >"$TIMES_FILE"
    CHILD_CPU=$(awk 'NR == 2 {
        split($1, u, /[ms]/); split($2, s, /[ms]/)
        printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2]
    }' "$TIMES_FILE")
}
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)
HEAVY_RE='^(cargo|rustc|cc1|cc1plus|ld|ld.lld|mold|chromium|chrome|chrome_crashpad|headless_shell)$'
heavy_pids() { pgrep -d ' ' "$HEAVY_RE" 2>/dev/null || true; }
QUIET_WAIT="${QUIET_WAIT:-300}"   # seconds, in total per backend, to wait for other CPU load to end
QUIET_DEADLINE=""
wait_quiet() { # wait (bounded) until the machine is idle enough to measure
    local b0 b1 pct h0 h1 hpct pids names
    [[ -n "$QUIET_DEADLINE" ]] || QUIET_DEADLINE=$((SECONDS + QUIET_WAIT))
    while :; do
        # shellcheck disable=SC2207
        pids=($(heavy_pids))
        b0=$(busy_ticks); h0=$(pids_ticks "${pids[@]}")
        sleep 2
        b1=$(busy_ticks); h1=$(pids_ticks "${pids[@]}")
        pct=$(( 100 * (b1 - b0) / (2 * CLK_TCK * NCPU) ))
        hpct=$(( 100 * (h1 - h0) / (2 * CLK_TCK * NCPU) ))
        ((hpct >= 0)) || hpct=0   # some of those processes ended during the sample
        # Any rustc means a compilation is under way, even between two crates.
        if ((pct <= 15 && hpct <= 3)) && ! pgrep -x rustc >/dev/null 2>&1; then
            return 0
        fi
        names=$(for p in "${pids[@]}"; do cat "/proc/$p/comm" 2>/dev/null || true; done | sort | uniq -c \
            | awk '{printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1}')
        if ((SECONDS >= QUIET_DEADLINE)); then
            log "machine still busy (${pct}% CPU; build/browser processes: ${names:-none}) after waiting: measuring anyway"
            return 0
        fi
        log "machine busy (${pct}% CPU; build/browser processes: ${names:-none}, ${hpct}%): waiting before measuring"
        sleep 8
    done
}

OTHER_PCT=0
SRV_CPU_S=0
run_wrk() { # run_wrk LUA OUTFILE: warm-up, then the measured run with --latency
    local lua="$1" out="$2" url="http://127.0.0.1:$PORT/"
    run_cmd $((WARMUP + 30)) /dev/null wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s -s "$lua" "$url" || true
    local busy0 srv0 kids0 t0 busy1 srv1 kids1 t1
    busy0=$(busy_ticks); srv0=$(pids_ticks "$RADIX_PID"); children_cpu_s; kids0=$CHILD_CPU; t0=$EPOCHREALTIME
    run_cmd $((DURATION + 30)) "$out" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s "$lua" "$url" \
        || die "wrk failed ($lua): $(cat "$out")"
    busy1=$(busy_ticks); srv1=$(pids_ticks "$RADIX_PID"); children_cpu_s; kids1=$CHILD_CPU; t1=$EPOCHREALTIME
    SRV_CPU_S=$(awk -v s=$((srv1 - srv0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", s / hz }')
    OTHER_PCT=$(awk -v b=$((busy1 - busy0)) -v s=$((srv1 - srv0)) -v k0="$kids0" -v k1="$kids1" \
        -v hz="$CLK_TCK" -v t0="$t0" -v t1="$t1" -v n="$NCPU" 'BEGIN {
            other = (b - s) / hz - (k1 - k0)
            if (other < 0) other = 0
            printf "%.0f", 100 * other / ((t1 - t0) * n)
        }')
}

wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_requests() { awk '/requests in/ {print $1; exit}' "$1"; }
wrk_pct() { # wrk_pct FILE 50 -> ms
    local raw
    raw=$(awk -v p="$2%" '$1 == p {print $2; exit}' "$1")
    if [[ -n "$raw" ]]; then to_ms "$raw"; else echo "nan"; fi
}
wrk_errors() { # non-2xx and socket errors, or empty
    grep -E 'Non-2xx|Socket errors' "$1" | sed 's/^ *//' | paste -sd';' - || true
}

write_lua() { # write_lua FILE "extra header lines" PATH...: one path at random per request
    local file="$1" headers="$2"
    shift 2
    {
        echo "-- generated by bench/cartography.sh"
        echo "local paths = {"
        local p
        for p in "$@"; do printf '  "%s",\n' "$p"; done
        echo "}"
        echo "local n = #paths"
        echo "local tid = 0"
        echo "function setup(thread) tid = tid + 1; thread:set('tid', tid) end"
        echo "function init(args) math.randomseed(os.time() * 1000 + (tid or 0)); for i = 1, 10 do math.random() end end"
        if [[ -n "$headers" ]]; then echo "$headers"; fi
        echo "request = function() return wrk.format(nil, paths[math.random(n)]) end"
    } >"$file"
}

ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
median_max() { # median_max FILE -> "median max" of the numbers in FILE (seconds -> ms)
    sort -g "$1" | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan nan"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f %.1f\n", m * 1000, v[NR] * 1000
    }'
}

fetch() { # fetch PATH OUTFILE [curl args...] -> "code size time"
    local path="$1" out="$2"
    shift 2
    curl -sS --max-time 60 -o "$out" -w '%{http_code} %{size_download} %{time_total}' "$@" \
        "http://127.0.0.1:$PORT$path" || echo "000 0 0"
}

# ---------------------------------------------------------------------------------------
# Dates.
# ---------------------------------------------------------------------------------------
# The server validates dates against today in Belgium (UTC+1/+2); today in UTC is never
# later than that, so dates up to UTC today are valid.
TODAY=$(date -u +%F)
QUARTER_DATES=()
for year in $(seq 2019 "${TODAY:0:4}"); do
    for month in 01 04 07 10; do
        d="$year-$month-01"
        [[ "$d" > "$TODAY" ]] || QUARTER_DATES+=("$d")
    done
done
# Cold dates: the 15th of random months (never a quarter's first day), strictly before today.
COLD=()
mapfile -t COLD < <(
    for year in $(seq 2019 "${TODAY:0:4}"); do
        for month in 01 02 03 04 05 06 07 08 09 10 11 12; do
            d="$year-$month-15"
            [[ "$d" < "$TODAY" ]] && echo "$d"
        done
    done | shuf -n "$COLD_DATES" | sort
)
((${#COLD[@]} == COLD_DATES)) || die "could not choose $COLD_DATES cold dates before $TODAY"
# Size checks: the latest quarter (565 municipalities since 2025) and the last one of 2024 (581).
DATE_NEW="${QUARTER_DATES[-1]}"
DATE_OLD="2024-10-01"

# ---------------------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------------------
TMP="$(mktemp -d /tmp/radix-cartography.XXXXXX)"
TIMES_FILE="$TMP/times.txt"

ensure_tools
build_release

BIN="${BENCH_BIN:-$ROOT/target/release/radix}"   # BENCH_BIN: another binary (testing the script)
[[ -x "$BIN" ]] || die "$BIN not found (build first or drop SKIP_BUILD)"
"$BIN" demo --help >/dev/null 2>&1 || die "$BIN has no 'demo' subcommand: the binary is out of date (drop SKIP_BUILD)"

GEO=1
for f in "${BOUNDARY_FILES[@]}"; do
    if [[ ! -r "$SHARED_DATA/$f" ]]; then
        GEO=0
        log "boundaries file $SHARED_DATA/$f not found: geographic view and map.svg size checks are SKIPPED"
    fi
done

pg_prepare() { # make sure PostgreSQL answers on 127.0.0.1; start the service if needed
    if pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
        return 0
    fi
    log "PostgreSQL does not answer on $PG_HOST:$PG_PORT: service postgresql start"
    if timeout 120 service postgresql start >"$TMP/pg-start.log" 2>&1; then
        PG_STARTED=1
    else
        cat "$TMP/pg-start.log" >&2 || true
    fi
    local deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null && return 0
        sleep 1
    done
    return 1
}

declare -A R      # results, keyed "backend.item"
MEASURED=()
SKIPPED=()

bench_backend() { # bench_backend sqlite|postgres
    local be="$1" dir="$TMP/$be" i d
    local -a global=(--data-dir "$dir/data")
    mkdir -p "$dir/data"
    QUIET_DEADLINE=$((SECONDS + QUIET_WAIT))   # each backend gets the whole waiting time
    if [[ "$be" == "postgres" ]]; then
        if ! pg_prepare; then
            log "PostgreSQL is not available on $PG_HOST:$PG_PORT: postgres backend SKIPPED"
            SKIPPED+=("$be")
            return 0
        fi
        drop_bench_db
        PG_CREATED=1
        timeout 60 createdb -h "$PG_HOST" -p "$PG_PORT" -U postgres "$PG_DB" \
            || die "createdb $PG_DB failed"
        global+=(--database-url "$PG_URL")
    fi

    # 1. Seed.
    local want="$OBSERVATIONS" count=0 attempt t0
    t0=$SECONDS
    for attempt in 1 2 3 4; do
        log "[$be] radix ${global[*]} demo --observations $want"
        run_cmd 600 "$dir/demo.log" "$BIN" "${global[@]}" demo --observations "$want" \
            || { tail -n 20 "$dir/demo.log" >&2; die "[$be] demo failed"; }
        count=$(sed 's/\x1b\[[0-9;]*m//g' "$dir/demo.log" \
            | sed -nE 's/.*Demonstration data loaded: ([0-9]+) observations.*/\1/p' | tail -n1)
        [[ -n "$count" ]] || { tail -n 20 "$dir/demo.log" >&2; die "[$be] demo printed no observation count"; }
        R[$be.demo_cmds]+="--observations $want -> $count; "
        ((count >= OBSERVATIONS)) && break
        log "[$be] WARNING: 'demo --observations $want' left $count observations (< $OBSERVATIONS): asking for more"
        want=$((want + (OBSERVATIONS - count) * 2 + 100))
    done
    ((count >= OBSERVATIONS)) || die "[$be] could not reach $OBSERVATIONS observations (got $count)"
    R[$be.observations]=$count
    R[$be.seed_s]=$((SECONDS - t0))
    log "[$be] history: $count observations (${R[$be.demo_cmds]%; })"
    if ((GEO)); then
        for f in "${BOUNDARY_FILES[@]}"; do
            run_cmd 600 "$dir/import.log" "$BIN" "${global[@]}" import boundaries "$SHARED_DATA/$f" \
                || { tail -n 20 "$dir/import.log" >&2; die "[$be] import boundaries $f failed"; }
            log "[$be] $f: $(sed 's/\x1b\[[0-9;]*m//g' "$dir/import.log" | grep -E 'boundaries stored' | tail -n1)"
        done
    fi

    # 2. Serve.
    PORT=$(free_port)
    log "[$be] starting radix on 127.0.0.1:$PORT"
    (cd "$dir" && exec "$BIN" "${global[@]}" serve --bind "127.0.0.1:$PORT") >"$dir/radix.log" 2>&1 &
    RADIX_PID=$!
    if ! wait_http "http://127.0.0.1:$PORT/readyz" 120 "$RADIX_PID"; then
        tail -n 30 "$dir/radix.log" >&2
        die "[$be] radix did not answer /readyz"
    fi
    local ready
    ready=$(curl -sS --max-time 5 "http://127.0.0.1:$PORT/readyz" || true)
    log "[$be] radix is up (pid $RADIX_PID): $ready; RSS $(awk '/^VmRSS:/ {print $2, $3}' "/proc/$RADIX_PID/status")"
    R[$be.rss_start_kb]=$(awk '/^VmRSS:/ {print $2}' "/proc/$RADIX_PID/status")
    R[$be.bin]=$(stat -c '%y' "$BIN" | cut -d. -f1)   # another build may replace it later

    # 3. Sizes (these requests use quarter dates only, which are warmed below anyway).
    local res code size
    res=$(fetch "/api/v1/cartography?date=$DATE_NEW" "$dir/statuses.json")
    [[ "${res%% *}" == "200" ]] || die "[$be] statuses API answered ${res%% *}"
    R[$be.count_new]=$(grep -o '"count":[0-9]*' "$dir/statuses.json" | head -n1 | cut -d: -f2 || true)
    res=$(fetch "/api/v1/cartography?date=$DATE_OLD" "$dir/statuses-old.json")
    R[$be.count_old]=$(grep -o '"count":[0-9]*' "$dir/statuses-old.json" | head -n1 | cut -d: -f2 || true)
    res=$(fetch "/nl/cartography?date=$DATE_NEW" "$dir/page.html")
    [[ "${res%% *}" == "200" ]] || die "[$be] map page answered ${res%% *}"
    R[$be.page_bytes]=$(echo "$res" | cut -d' ' -f2)
    res=$(fetch "/nl/cartography?date=$DATE_NEW" /dev/null --compressed)
    R[$be.page_gz_bytes]=$(echo "$res" | cut -d' ' -f2)
    R[$be.page_gz_bytes_local]=$(gzip -c "$dir/page.html" | wc -c)
    res=$(fetch "/api/v1/cartography/map.svg?date=$DATE_NEW&view=tiles&lang=nl" /dev/null)
    [[ "${res%% *}" == "200" ]] || die "[$be] map.svg view=tiles answered ${res%% *}"
    R[$be.svg_tiles]=$(echo "$res" | cut -d' ' -f2)
    if ((GEO)); then
        res=$(fetch "/nl/cartography?date=$DATE_NEW&view=geo" "$dir/geo.html")
        R[$be.geo_page_bytes]=$(echo "$res" | cut -d' ' -f2)
        res=$(fetch "/nl/cartography?date=$DATE_NEW&view=geo" /dev/null --compressed)
        R[$be.geo_page_gz_bytes]=$(echo "$res" | cut -d' ' -f2)
        for d in "$DATE_NEW" "$DATE_OLD"; do
            res=$(fetch "/api/v1/cartography/map.svg?date=$d&view=geo&lang=nl" "$dir/geo-$d.svg")
            code=${res%% *}
            size=$(echo "$res" | cut -d' ' -f2)
            if [[ "$code" != "200" ]]; then
                log "[$be] map.svg view=geo date=$d answered $code: $(head -c 300 "$dir/geo-$d.svg")"
                size=-1
            fi
            R[$be.svg_geo.$d]=$size
            R[$be.svg_geo_gz.$d]=$(gzip -c "$dir/geo-$d.svg" | wc -c)
            R[$be.svg_geo_paths.$d]=$({ grep -o '<path' "$dir/geo-$d.svg" || true; } | wc -l)
        done
    fi

    # 4. Warm load per endpoint.
    local -a paths
    for i in "${!EP_PATHS[@]}"; do
        paths=()
        for d in "${QUARTER_DATES[@]}"; do paths+=("${EP_PATHS[$i]}$d"); done
        write_lua "$dir/ep$i.lua" "" "${paths[@]}"
        wait_quiet
        warm_all "$be" "${EP_NAMES[$i]}" "${paths[@]}"
        log "[$be] wrk ${EP_NAMES[$i]} (${#QUARTER_DATES[@]} dates; ${WARMUP}s warm-up + ${DURATION}s)"
        measure "$be" "ep$i" "$dir/ep$i.lua"
    done

    # Information: the three endpoints mixed (more distinct queries than the cache holds).
    paths=()
    for i in "${!EP_PATHS[@]}"; do
        for d in "${QUARTER_DATES[@]}"; do paths+=("${EP_PATHS[$i]}$d"); done
    done
    R[$be.mixed_keys]=${#paths[@]}
    write_lua "$dir/mixed.lua" "" "${paths[@]}"
    wait_quiet
    log "[$be] wrk three endpoints mixed (${#paths[@]} distinct queries; ${WARMUP}s warm-up + ${DURATION}s)"
    measure "$be" "mixed" "$dir/mixed.lua"

    # Information: the map page as browsers ask for it (gzip, compressed by the server).
    paths=()
    for d in "${QUARTER_DATES[@]}"; do paths+=("${EP_PATHS[0]}$d"); done
    write_lua "$dir/gzip.lua" 'wrk.headers["Accept-Encoding"] = "gzip"' "${paths[@]}"
    wait_quiet
    warm_all "$be" "map page" "${paths[@]}"
    log "[$be] wrk map page with Accept-Encoding: gzip (${WARMUP}s warm-up + ${DURATION}s)"
    measure "$be" "gzip" "$dir/gzip.lua"

    # 5. Cold rendering: first request for a date never asked before, one connection.
    wait_quiet
    local -a cold_paths=("${EP_PATHS[@]}" "/nl/cartography?view=geo&date="
        "/api/v1/cartography/map.svg?view=tiles&lang=nl&date=")
    if ((GEO)); then cold_paths+=("/api/v1/cartography/map.svg?view=geo&lang=nl&date="); fi
    log "[$be] cold: ${#COLD[@]} new dates x ${#cold_paths[@]} requests, one at a time"
    local cold_log_before
    cold_log_before=$(wc -l <"$dir/radix.log")
    for i in "${!cold_paths[@]}"; do : >"$dir/cold$i.txt"; done
    R[$be.cold_errors]=""
    for d in "${COLD[@]}"; do
        for i in "${!cold_paths[@]}"; do
            res=$(fetch "${cold_paths[$i]}$d" /dev/null)
            if [[ "${res%% *}" != "200" ]]; then
                R[$be.cold_errors]+="${cold_paths[$i]}$d -> ${res%% *}; "
                continue
            fi
            echo "$res" | cut -d' ' -f3 >>"$dir/cold$i.txt"
        done
    done
    for i in "${!cold_paths[@]}"; do
        R[$be.cold$i]=$(median_max "$dir/cold$i.txt")
        # the same date again (the first fetch puts it back if the cache was emptied since)
        fetch "${cold_paths[$i]}${COLD[-1]}" /dev/null >/dev/null
        res=$(fetch "${cold_paths[$i]}${COLD[-1]}" /dev/null)
        R[$be.cold_again$i]=$(ms "$(echo "$res" | cut -d' ' -f3)")
    done
    R[$be.cold_log]=$(( $(wc -l <"$dir/radix.log") - cold_log_before ))

    # 6. Memory.
    kill -0 "$RADIX_PID" 2>/dev/null || die "[$be] radix exited during the run"
    R[$be.hwm_kb]=$(awk '/^VmHWM:/ {print $2}' "/proc/$RADIX_PID/status")
    R[$be.rss_end_kb]=$(awk '/^VmRSS:/ {print $2}' "/proc/$RADIX_PID/status")
    stop_pid "$RADIX_PID" "radix"
    RADIX_PID=""
    if [[ "$be" == "postgres" ]]; then
        drop_bench_db
        PG_CREATED=0
    fi
    MEASURED+=("$be")
}

warm_all() { # warm_all BACKEND NAME PATH...: every path once, checked, then once more
    # The cache is emptied when a 65th entry arrives, which can happen half-way through the
    # first pass; the second pass puts back what that dropped (32 entries always fit).
    local be="$1" name="$2" bad=0 p res
    shift 2
    for p in "$@"; do
        res=$(fetch "$p" /dev/null)
        if [[ "${res%% *}" != "200" ]]; then
            bad=$((bad + 1))
            log "[$be] $p answered ${res%% *}"
        fi
    done
    ((bad == 0)) || die "[$be] $name: $bad of $# requests did not answer 200"
    for p in "$@"; do fetch "$p" /dev/null >/dev/null; done
}

measure() { # measure BACKEND KEY LUA: one wrk measurement, results into R[BACKEND.KEY.*]
    local be="$1" key="$2" lua="$3" out="$TMP/$1/wrk-$2.txt" log_before n
    log_before=$(wc -l <"$TMP/$be/radix.log")
    local attempt
    for attempt in $(seq 0 "$RETRIES"); do
        run_wrk "$lua" "$out"
        # Other processes took a share of the 2 cores during the run: measure again, while
        # the time allowed for waiting (QUIET_WAIT) lasts.
        ((OTHER_PCT > 10 && attempt < RETRIES && SECONDS < QUIET_DEADLINE)) || break
        log "[$be] $key: other processes took ${OTHER_PCT}% of the CPU during the run ($(wrk_rps "$out") req/s, p99 $(wrk_pct "$out" 99) ms): measuring again"
        wait_quiet
    done
    kill -0 "$RADIX_PID" 2>/dev/null || die "[$be] radix exited during the run"
    R[$be.$key.rps]=$(wrk_rps "$out")
    R[$be.$key.p50]=$(wrk_pct "$out" 50)
    R[$be.$key.p90]=$(wrk_pct "$out" 90)
    R[$be.$key.p99]=$(wrk_pct "$out" 99)
    R[$be.$key.err]=$(wrk_errors "$out")
    n=$(wrk_requests "$out")
    if [[ -z "$n" || "$n" == "0" ]]; then
        R[$be.$key.err]+="${R[$be.$key.err]:+;}no request completed"
    fi
    R[$be.$key.other]=$OTHER_PCT
    R[$be.$key.cpu_ms]=$(awk -v s="$SRV_CPU_S" -v n="${n:-0}" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * s / n : 0) }')
    R[$be.$key.log]=$(( $(wc -l <"$TMP/$be/radix.log") - log_before ))
    if ((R[$be.$key.log] > 0)); then
        tail -n +"$((log_before + 1))" "$TMP/$be/radix.log" | sed 's/\x1b\[[0-9;]*m//g' \
            | sed -E 's/^[0-9T:.Z-]+ +//; s/\{[^}]*\}//g; s/id="[0-9a-f]+"//g' \
            | sort | uniq -c | sort -rn | head -n 3 >"$TMP/$be/log-top-$key.txt" || true
    fi
    if [[ "${VERBOSE:-0}" == "1" ]]; then cat "$out" >&2; fi
    log "[$be] $key: ${R[$be.$key.rps]} req/s, p50 ${R[$be.$key.p50]} ms, p99 ${R[$be.$key.p99]} ms, server CPU ${R[$be.$key.cpu_ms]} ms/request, other load ${OTHER_PCT}%${R[$be.$key.err]:+, errors: ${R[$be.$key.err]}}"
}

log "dates: ${#QUARTER_DATES[@]} quarter starts ${QUARTER_DATES[0]}..$DATE_NEW; cold: ${COLD[*]}"
START=$SECONDS
for be in $BACKENDS; do
    case "$be" in
        sqlite | postgres) bench_backend "$be" ;;
        *) die "unknown backend '$be' (sqlite or postgres)" ;;
    esac
done
ELAPSED=$((SECONDS - START))

# ---------------------------------------------------------------------------------------
# 7. Report.
# ---------------------------------------------------------------------------------------
FAILS=0
VERDICTS=()
verdict() { # verdict OK(0/1) TEXT
    if [[ "$1" == "1" ]]; then VERDICTS+=("  PASS  $2"); else VERDICTS+=("  FAIL  $2"); FAILS=$((FAILS + 1)); fi
}

echo
echo "National cartography; $(date -u '+%Y-%m-%d %H:%M UTC'); binary $(stat -c '%y' "$BIN" | cut -d. -f1); $NCPU cores; measuring took ${ELAPSED}s"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency (after ${WARMUP}s warm-up), 127.0.0.1; warm = ${#QUARTER_DATES[@]} dates (${QUARTER_DATES[0]} .. $DATE_NEW, first day of each quarter), one at random per request"
for be in "${MEASURED[@]}"; do
    echo
    echo "### $be"
    echo
    echo "Binary: target/release/radix of ${R[$be.bin]} (modification time when the server started)"
    echo "History: ${R[$be.observations]} observations (${R[$be.demo_cmds]%; }; seeding ${R[$be.seed_s]} s); municipalities in the statuses API: ${R[$be.count_new]} on $DATE_NEW, ${R[$be.count_old]} on $DATE_OLD; boundaries: $( ((GEO)) && echo "2025 + 2019 loaded" || echo "not loaded (files absent)")"
    echo
    echo "| endpoint (warm) | req/s | p50 | p90 | p99 | server CPU / request | other load | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    for key in ep0 ep1 ep2 mixed gzip; do
        case "$key" in
            ep*) name="${EP_NAMES[${key#ep}]} \`${EP_PATHS[${key#ep}]}…\`" ;;
            mixed) name="(info) the three mixed, ${R[$be.mixed_keys]} distinct queries > 64 cached" ;;
            gzip) name="(info) map page with \`Accept-Encoding: gzip\`" ;;
        esac
        printf '| %s | %s | %s ms | %s ms | %s ms | %s ms | %s%% | %s |\n' "$name" "${R[$be.$key.rps]}" \
            "${R[$be.$key.p50]}" "${R[$be.$key.p90]}" "${R[$be.$key.p99]}" "${R[$be.$key.cpu_ms]}" \
            "${R[$be.$key.other]}" "${R[$be.$key.err]:-none}"
    done
    echo
    echo "| endpoint (cold: first request for a new date, 1 connection, ${#COLD[@]} dates) | median | max | same date again |"
    echo "|---|---:|---:|---:|"
    cold_names=("${EP_NAMES[@]}" "(info) map page, geographic view" "(info) map.svg view=tiles")
    if ((GEO)); then cold_names+=("(info) map.svg view=geo"); fi
    for i in "${!cold_names[@]}"; do
        read -r med mx <<<"${R[$be.cold$i]}"
        printf '| %s | %s ms | %s ms | %s ms |\n' "${cold_names[$i]}" "$med" "$mx" "${R[$be.cold_again$i]}"
    done
    if [[ -n "${R[$be.cold_errors]}" ]]; then echo "Cold errors: ${R[$be.cold_errors]}"; fi
    echo
    echo "Sizes ($DATE_NEW): map page $(kb "${R[$be.page_bytes]}") KB (gzip as served $(kb "${R[$be.page_gz_bytes]}") KB);" \
        "map.svg view=tiles $(kb "${R[$be.svg_tiles]}") KB"
    if ((GEO)); then
        echo "  geographic view page $(kb "${R[$be.geo_page_bytes]}") KB (gzip as served $(kb "${R[$be.geo_page_gz_bytes]}") KB)"
        for d in "$DATE_NEW" "$DATE_OLD"; do
            echo "  map.svg view=geo date=$d: $(kb "${R[$be.svg_geo.$d]}") KB (${R[$be.svg_geo_paths.$d]} <path> elements; gzip -6 $(kb "${R[$be.svg_geo_gz.$d]}") KB)"
        done
    fi
    echo "Server RSS: VmHWM $(mib "${R[$be.hwm_kb]}") MiB at the end (VmRSS $(mib "${R[$be.rss_start_kb]}") MiB after start, $(mib "${R[$be.rss_end_kb]}") MiB at the end)"
    for key in ep0 ep1 ep2 mixed gzip; do
        if ((R[$be.$key.other] > 10)); then
            echo "WARNING: other processes used ${R[$be.$key.other]}% of the CPU during the $key run: numbers are depressed"
        fi
        if ((R[$be.$key.log] > 0)); then
            echo "WARNING: radix wrote ${R[$be.$key.log]} log lines during the $key run; most frequent:"
            sed 's/^/    /' "$TMP/$be/log-top-$key.txt" 2>/dev/null || true
        fi
    done
    if ((R[$be.cold_log] > 0)); then
        echo "note: radix wrote ${R[$be.cold_log]} log lines during the cold requests"
    fi

    for i in 0 1 2; do
        ok=$(awk -v p="${R[$be.ep$i.p99]}" -v m="$MAX_P99_MS" 'BEGIN { print (p != "nan" && p < m) ? 1 : 0 }')
        [[ -n "${R[$be.ep$i.err]}" ]] && ok=0
        note=""
        if ((R[$be.ep$i.other] > 10)); then note=" [other processes took ${R[$be.ep$i.other]}% of the CPU: re-run on a quiet machine]"; fi
        verdict "$ok" "$be: ${EP_NAMES[$i]} warm p99 ${R[$be.ep$i.p99]} ms < $MAX_P99_MS ms${R[$be.ep$i.err]:+ (errors: ${R[$be.ep$i.err]})}$note"
    done
    if ((GEO)); then
        for d in "$DATE_NEW" "$DATE_OLD"; do
            size=${R[$be.svg_geo.$d]}
            ok=$(awk -v s="$size" -v m="$MAX_SVG_KB" 'BEGIN { print (s >= 0 && s / 1000 < m) ? 1 : 0 }')
            verdict "$ok" "$be: map.svg view=geo ($d) $( ((size >= 0)) && echo "$(kb "$size") KB" || echo "not drawn") < $MAX_SVG_KB KB"
        done
    fi
done
echo
echo "Targets:"
printf '%s\n' "${VERDICTS[@]}"
((GEO)) || echo "  SKIP  map.svg view=geo < $MAX_SVG_KB KB: boundaries files not found in $SHARED_DATA"
for be in "${SKIPPED[@]}"; do echo "  SKIP  $be: could not be measured (see the log above)"; done
echo
if ((FAILS == 0)); then
    echo "RESULT: all measured targets PASS"
else
    echo "RESULT: $FAILS target(s) FAIL"
fi
((${#SKIPPED[@]} == 0)) || exit 3
exit 0
