#!/usr/bin/env bash
# Radix support-requests benchmark: the advisor dashboard / team view, a municipality file and
# request pages under load, signed in as an advisor, on SQLite and on PostgreSQL, with
# 50,000 requests, 100,000 messages and 20,000 meetings in the database.
#
#   bench/support.sh                          # install tools if missing, build release, measure
#   SKIP_BUILD=1 bench/support.sh             # reuse target/release/radix as it is
#   BACKENDS=sqlite bench/support.sh          # one backend only (default: "sqlite postgres")
#   DURATION=10 WARMUP=2 bench/support.sh     # wrk run lengths in seconds (defaults shown)
#   SUPPORT_REQUESTS=50000 bench/support.sh   # size of the load data set (demo --support-requests)
#   KEEP_TMP=1 bench/support.sh               # keep the temp dir (wrk outputs, server logs)
#   QUIET_WAIT=300 bench/support.sh           # wait up to this long in total for other CPU
#                                             # load (builds, tests, browsers) to end; a wrk
#                                             # run during which other processes took > 10 %
#                                             # of the CPU is repeated (RETRIES=2 times at
#                                             # most) while that time lasts
#
# What it does, per backend:
#   1. seeds a fresh database: `radix --data-dir DIR [--database-url URL] demo
#      --support-requests N` (the demonstration accounts plus N requests, 2N messages and
#      0.4N meetings; the counts it prints are checked against 50,000 / 100,000 / 20,000);
#      PostgreSQL: database radix_bench_support on 127.0.0.1:5432, dropped and created here;
#   2. starts `radix serve` on a free loopback port;
#   3. signs advisor@demo.radix.invalid in with bench/support_sign_in.py (password, then the
#      TOTP enrolment that staff go through at their first sign-in, code computed from the
#      secret shown), and passes the session cookie to wrk and curl;
#   4. checks every endpoint once (200, signed in), then for each endpoint separately runs
#      `wrk -t2 -c32 --latency` (WARMUP s warm-up, DURATION s measured):
#        - the team view and advisor dashboard `/nl/support` (one page: counts, overdue,
#          unassigned, assigned to me, my meetings, my actions);
#        - the municipality file of Gent `/nl/support/municipalities/44021`;
#        - municipality files rotating over 30 NIS codes (one at random per request);
#        - request pages `/nl/support/{id}` rotating over a few ids taken from the team view;
#      plus one curl per endpoint on a single connection (no concurrency) for reference;
#   5. peak RSS of the server (VmHWM) at the end.
# "server CPU / request" counts radix and, on PostgreSQL, the database backends it is
# connected to; "other load" is the CPU taken by anything else (wrk and this script excluded).
# Then it prints a table per backend and PASS/FAIL per target: p99 < 50 ms at 32
# connections for each endpoint and backend. The exit code is 0 whether targets pass or
# not; it is non-zero only when the benchmark could not run (2: an error; 3: a requested
# backend could not be measured, the others are reported).
#
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit,
# the temp dir is removed and the radix_bench_support database is dropped. If PostgreSQL
# was not running and this script started it (`service postgresql start`), it stops it again.
# Runtime: build + seeding (about a minute per backend) + about 2 minutes of measuring per backend.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
THREADS=2
CONNECTIONS=32
SUPPORT_REQUESTS="${SUPPORT_REQUESTS:-50000}"
RETRIES="${RETRIES:-2}"   # re-measurements when other processes took > 10% of the CPU
BACKENDS="${BACKENDS:-sqlite postgres}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-3600}"   # seconds
APT_TIMEOUT="${APT_TIMEOUT:-1200}"       # seconds spent waiting for the dpkg lock at most
SEED_TIMEOUT="${SEED_TIMEOUT:-1200}"     # seconds for `demo --support-requests` per backend
PG_HOST=127.0.0.1
PG_PORT=5432
PG_DB=radix_bench_support
PG_URL="postgres://postgres@$PG_HOST:$PG_PORT/$PG_DB"
ADVISOR_EMAIL="advisor@demo.radix.invalid"
ADVISOR_PASSWORD="Demonstratie zonder echte gegevens"
SIGN_IN="$ROOT/bench/support_sign_in.py"

# Targets (from the issue).
MAX_P99_MS="50"
MIN_REQUESTS=50000
MIN_MESSAGES=100000
MIN_MEETINGS=20000

# Municipality files: Gent alone, and 30 valid 2025 NIS codes (data/geo/municipalities.csv).
GENT=44021
NIS_CODES=(11001 11002 12009 13040 21004 21009 23062 24062 25072 31005 33041 34022 35013 36015
    37015 38025 41002 42006 43010 44021 45041 46021 51065 52011 53053 55086 57081 61003 62063
    63023)
REQUEST_IDS_WANTED="${REQUEST_IDS:-8}"   # request pages measured (ids from the team view)

log() { printf '[support %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
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
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    if [[ " $BACKENDS " == *" postgres "* ]]; then
        command -v createdb >/dev/null 2>&1 && command -v pg_isready >/dev/null 2>&1 \
            && command -v psql >/dev/null 2>&1 \
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
HEAVY_RE='^(cargo|rustc|cc1|cc1plus|ld|ld.lld|mold|chromium|chrome|chrome_crashpad|headless_shell|node)$'
heavy_pids() { pgrep -d ' ' "$HEAVY_RE" 2>/dev/null || true; }
QUIET_WAIT="${QUIET_WAIT:-300}"   # seconds, in total, to wait for other CPU load to end
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
SERVER_PIDS=()
server_pids() { # sets SERVER_PIDS: radix, plus the PostgreSQL backends connected to the bench database
    SERVER_PIDS=("$RADIX_PID")
    if [[ "${CUR_BE:-}" == "postgres" ]]; then
        local pid
        while read -r pid; do
            [[ -n "$pid" ]] && SERVER_PIDS+=("$pid")
        done < <(timeout 10 psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d "$PG_DB" -At \
            -c "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()" 2>/dev/null || true)
    fi
}
run_wrk() { # run_wrk LUA OUTFILE: warm-up, then the measured run with --latency
    local lua="$1" out="$2" url="http://127.0.0.1:$PORT/"
    run_cmd $((WARMUP + 30)) /dev/null wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s -s "$lua" "$url" || true
    local busy0 srv0 kids0 t0 busy1 srv1 kids1 t1
    server_pids   # after the warm-up: the pool has opened its connections
    busy0=$(busy_ticks); srv0=$(pids_ticks "${SERVER_PIDS[@]}"); children_cpu_s; kids0=$CHILD_CPU; t0=$EPOCHREALTIME
    run_cmd $((DURATION + 30)) "$out" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s "$lua" "$url" \
        || die "wrk failed ($lua): $(cat "$out")"
    busy1=$(busy_ticks); srv1=$(pids_ticks "${SERVER_PIDS[@]}"); children_cpu_s; kids1=$CHILD_CPU; t1=$EPOCHREALTIME
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

write_lua() { # write_lua FILE PATH...: the session cookie on every request, one path at random
    local file="$1"
    shift
    {
        echo "-- generated by bench/support.sh"
        echo "local paths = {"
        local p
        for p in "$@"; do printf '  "%s",\n' "$p"; done
        echo "}"
        echo "local n = #paths"
        echo "local tid = 0"
        echo "function setup(thread) tid = tid + 1; thread:set('tid', tid) end"
        echo "function init(args) math.randomseed(os.time() * 1000 + (tid or 0)); for i = 1, 10 do math.random() end end"
        printf 'wrk.headers["Cookie"] = "%s"\n' "$COOKIE"
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

COOKIE=""
fetch() { # fetch PATH OUTFILE [curl args...] -> "code size time" (signed in)
    local path="$1" out="$2"
    shift 2
    curl -sS --max-time 60 -o "$out" -w '%{http_code} %{size_download} %{time_total}' \
        -H "Cookie: $COOKIE" "$@" "http://127.0.0.1:$PORT$path" || echo "000 0 0"
}

# ---------------------------------------------------------------------------------------
# Main.
# ---------------------------------------------------------------------------------------
TMP="$(mktemp -d /tmp/radix-support.XXXXXX)"
TIMES_FILE="$TMP/times.txt"

ensure_tools
build_release

BIN="${BENCH_BIN:-$ROOT/target/release/radix}"   # BENCH_BIN: another binary (testing the script)
[[ -x "$BIN" ]] || die "$BIN not found (build first or drop SKIP_BUILD)"
"$BIN" demo --help 2>/dev/null | grep -q -- '--support-requests' \
    || die "$BIN has no 'demo --support-requests': the binary is out of date (drop SKIP_BUILD)"
[[ -r "$SIGN_IN" ]] || die "$SIGN_IN not found"

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
EP_KEYS=(team gent nis requests)
declare -A EP_NAME=(
    [team]="team view + advisor dashboard \`/nl/support\`"
    [gent]="municipality file Gent \`/nl/support/municipalities/$GENT\`"
    [nis]="municipality files, ${#NIS_CODES[@]} NIS codes rotating"
    [requests]="request pages \`/nl/support/{id}\`, ids rotating"
)

bench_backend() { # bench_backend sqlite|postgres
    local be="$1" dir="$TMP/$be" i key res
    CUR_BE="$be"
    local -a global=(--data-dir "$dir/data")
    mkdir -p "$dir/data"
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
    local t0=$SECONDS line
    log "[$be] radix ${global[*]} demo --support-requests $SUPPORT_REQUESTS"
    run_cmd "$SEED_TIMEOUT" "$dir/demo.log" "$BIN" "${global[@]}" demo --support-requests "$SUPPORT_REQUESTS" \
        || { tail -n 20 "$dir/demo.log" >&2; die "[$be] demo --support-requests failed or took over ${SEED_TIMEOUT}s"; }
    R[$be.seed_s]=$((SECONDS - t0))
    line=$(sed 's/\x1b\[[0-9;]*m//g' "$dir/demo.log" | grep -E 'Load-test support data added' | tail -n1 || true)
    [[ -n "$line" ]] || { tail -n 20 "$dir/demo.log" >&2; die "[$be] demo printed no support counts"; }
    R[$be.requests]=$(sed -nE 's/.* ([0-9]+) requests.*/\1/p' <<<"$line")
    R[$be.messages]=$(sed -nE 's/.* ([0-9]+) messages.*/\1/p' <<<"$line")
    R[$be.meetings]=$(sed -nE 's/.* ([0-9]+) meetings.*/\1/p' <<<"$line")
    log "[$be] ${line#"${line%%[![:space:]]*}"} (seeding ${R[$be.seed_s]} s)"
    if [[ "$be" == "sqlite" ]]; then
        R[$be.db_size]=$(du -sk "$dir/data" | cut -f1)
    else
        R[$be.db_size]=$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d "$PG_DB" -At \
            -c "select pg_database_size(current_database()) / 1024" 2>/dev/null || echo 0)
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
    log "[$be] radix is up (pid $RADIX_PID); RSS $(awk '/^VmRSS:/ {print $2, $3}' "/proc/$RADIX_PID/status")"
    R[$be.rss_start_kb]=$(awk '/^VmRSS:/ {print $2}' "/proc/$RADIX_PID/status")

    # 3. Sign in (password + TOTP enrolment) as the demonstration advisor.
    COOKIE=$(timeout 60 python3 "$SIGN_IN" "$PORT" "$ADVISOR_EMAIL" "$ADVISOR_PASSWORD" 2>"$dir/sign-in.err") \
        || die "[$be] sign-in failed: $(cat "$dir/sign-in.err")"
    log "[$be] signed in as $ADVISOR_EMAIL (second factor enrolled)"

    # 4. Check every endpoint once; request ids from the links of the team view.
    res=$(fetch /nl/support "$dir/team.html")
    [[ "${res%% *}" == "200" ]] || die "[$be] /nl/support answered ${res%% *} (signed in?)"
    grep -q 'name="password"' "$dir/team.html" && die "[$be] /nl/support shows a sign-in form: the session was not accepted"
    R[$be.team_bytes]=$(echo "$res" | cut -d' ' -f2)
    res=$(fetch "/nl/support/municipalities/$GENT" "$dir/gent.html")
    [[ "${res%% *}" == "200" ]] || die "[$be] /nl/support/municipalities/$GENT answered ${res%% *}"
    R[$be.gent_bytes]=$(echo "$res" | cut -d' ' -f2)
    # Half the ids from the team view (recent requests), half from the Gent file.
    local -a ids=()
    mapfile -t ids < <({
        grep -oE 'href="/nl/support/[0-9]+"' "$dir/team.html" | grep -oE '[0-9]+' | head -n $((REQUEST_IDS_WANTED / 2)) || true
        grep -oE 'href="/nl/support/[0-9]+"' "$dir/gent.html" | grep -oE '[0-9]+' || true
    } | awk '!seen[$0]++' | head -n "$REQUEST_IDS_WANTED")
    ((${#ids[@]} > 0)) || die "[$be] no request link (/nl/support/{id}) on the team view or the Gent file"
    R[$be.ids]="${ids[*]}"
    local -a team_paths=(/nl/support) gent_paths=("/nl/support/municipalities/$GENT") nis_paths=() requests_paths=()
    for i in "${NIS_CODES[@]}"; do nis_paths+=("/nl/support/municipalities/$i"); done
    for i in "${ids[@]}"; do requests_paths+=("/nl/support/$i"); done
    local bad=0 p
    for p in "${nis_paths[@]}" "${requests_paths[@]}"; do
        res=$(fetch "$p" /dev/null)
        if [[ "${res%% *}" != "200" ]]; then
            log "[$be] $p answered ${res%% *}"
            bad=$((bad + 1))
        fi
    done
    ((bad == 0)) || die "[$be] $bad endpoint(s) did not answer 200"
    res=$(fetch "/nl/support/${ids[0]}" "$dir/request.html")
    R[$be.request_bytes]=$(echo "$res" | cut -d' ' -f2)

    # One request at a time (no concurrency), for reference: 5 each, median and max.
    wait_quiet
    for key in "${EP_KEYS[@]}"; do
        local -n eps="${key}_paths"
        : >"$dir/single-$key.txt"
        for i in 1 2 3 4 5; do
            p="${eps[$(( (i - 1) % ${#eps[@]} ))]}"
            res=$(fetch "$p" /dev/null)
            echo "$res" | cut -d' ' -f3 >>"$dir/single-$key.txt"
        done
        R[$be.$key.single]=$(median_max "$dir/single-$key.txt")
        unset -n eps
    done

    # Load per endpoint.
    for key in "${EP_KEYS[@]}"; do
        local -n eps="${key}_paths"
        write_lua "$dir/$key.lua" "${eps[@]}"
        unset -n eps
        wait_quiet
        log "[$be] wrk $key (${WARMUP}s warm-up + ${DURATION}s, -c$CONNECTIONS)"
        measure "$be" "$key" "$dir/$key.lua"
    done

    # 5. Memory.
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
        R[$be.$key.err]+="${R[$be.$key.err]:+;}no request completed during the run (wrk --timeout 10s)"
        R[$be.$key.p50]="nan"; R[$be.$key.p90]="nan"; R[$be.$key.p99]="nan"
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

START=$SECONDS
for be in $BACKENDS; do
    case "$be" in
        sqlite | postgres) bench_backend "$be" ;;
        *) die "unknown backend '$be' (sqlite or postgres)" ;;
    esac
done
ELAPSED=$((SECONDS - START))

# ---------------------------------------------------------------------------------------
# 6. Report.
# ---------------------------------------------------------------------------------------
FAILS=0
VERDICTS=()
verdict() { # verdict OK(0/1) TEXT
    if [[ "$1" == "1" ]]; then VERDICTS+=("  PASS  $2"); else VERDICTS+=("  FAIL  $2"); FAILS=$((FAILS + 1)); fi
}

echo
echo "Support requests; $(date -u '+%Y-%m-%d %H:%M UTC'); binary $(stat -c '%y' "$BIN" | cut -d. -f1); $NCPU cores; measuring took ${ELAPSED}s"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency (after ${WARMUP}s warm-up), 127.0.0.1, signed in as $ADVISOR_EMAIL"
for be in "${MEASURED[@]}"; do
    echo
    echo "### $be"
    echo
    echo "Data: ${R[$be.requests]} requests, ${R[$be.messages]} messages, ${R[$be.meetings]} meetings (demo --support-requests $SUPPORT_REQUESTS; seeding ${R[$be.seed_s]} s; database $(mib "${R[$be.db_size]}") MiB); request ids: ${R[$be.ids]}"
    echo "Page sizes: /nl/support $(kb "${R[$be.team_bytes]}") KB, Gent file $(kb "${R[$be.gent_bytes]}") KB, request page $(kb "${R[$be.request_bytes]}") KB"
    echo
    echo "| endpoint | req/s | p50 | p90 | p99 | server CPU / request | 1 connection: median / max | other load | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    for key in "${EP_KEYS[@]}"; do
        read -r med mx <<<"${R[$be.$key.single]}"
        printf '| %s | %s | %s ms | %s ms | %s ms | %s ms | %s / %s ms | %s%% | %s |\n' "${EP_NAME[$key]}" \
            "${R[$be.$key.rps]}" "${R[$be.$key.p50]}" "${R[$be.$key.p90]}" "${R[$be.$key.p99]}" \
            "${R[$be.$key.cpu_ms]}" "$med" "$mx" "${R[$be.$key.other]}" "${R[$be.$key.err]:-none}"
    done
    echo
    echo "Server RSS: VmHWM $(mib "${R[$be.hwm_kb]}") MiB at the end (VmRSS $(mib "${R[$be.rss_start_kb]}") MiB after start, $(mib "${R[$be.rss_end_kb]}") MiB at the end)"
    for key in "${EP_KEYS[@]}"; do
        if ((R[$be.$key.other] > 10)); then
            echo "WARNING: other processes used ${R[$be.$key.other]}% of the CPU during the $key run: numbers are depressed"
        fi
        if ((R[$be.$key.log] > 0)); then
            echo "WARNING: radix wrote ${R[$be.$key.log]} log lines during the $key run; most frequent:"
            sed 's/^/    /' "$TMP/$be/log-top-$key.txt" 2>/dev/null || true
        fi
    done

    ok=$(( R[$be.requests] >= MIN_REQUESTS && R[$be.messages] >= MIN_MESSAGES && R[$be.meetings] >= MIN_MEETINGS ))
    verdict "$ok" "$be: data set ${R[$be.requests]} requests >= $MIN_REQUESTS, ${R[$be.messages]} messages >= $MIN_MESSAGES, ${R[$be.meetings]} meetings >= $MIN_MEETINGS"
    for key in "${EP_KEYS[@]}"; do
        ok=$(awk -v p="${R[$be.$key.p99]}" -v m="$MAX_P99_MS" 'BEGIN { print (p != "nan" && p < m) ? 1 : 0 }')
        [[ -n "${R[$be.$key.err]}" ]] && ok=0
        note=""
        if ((R[$be.$key.other] > 10)); then note=" [other processes took ${R[$be.$key.other]}% of the CPU: re-run on a quiet machine]"; fi
        verdict "$ok" "$be: ${EP_NAME[$key]} p99 ${R[$be.$key.p99]} ms < $MAX_P99_MS ms at -c$CONNECTIONS${R[$be.$key.err]:+ (errors: ${R[$be.$key.err]})}$note"
    done
done
echo
echo "Targets:"
printf '%s\n' "${VERDICTS[@]}"
for be in "${SKIPPED[@]}"; do echo "  SKIP  $be: could not be measured (see the log above)"; done
echo
if ((FAILS == 0)); then
    echo "RESULT: all measured targets PASS"
else
    echo "RESULT: $FAILS target(s) FAIL"
fi
((${#SKIPPED[@]} == 0)) || exit 3
exit 0
