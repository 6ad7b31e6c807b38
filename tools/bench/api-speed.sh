#!/usr/bin/env bash
# API speed in PostgreSQL mode beside the database's own single-row write rate, in one run on this machine:
# a throwaway PostgreSQL, the schema migrated, one Silo and the API; pgbench (32 clients, 1 KB single-row upserts)
# before and after; tools/LoadGen through the API in between, with a bootstrap admin key, verifying the end state and
# the ERP ledger in that database. Prints every figure; BENCHMARKS.md records them. Exits with LoadGen's exit code.
#
# usage: tools/bench/api-speed.sh [--silos N] [--profile] [LoadGen options, e.g. --shipments 10000 --routes json --anomalies off]
#   --silos N starts N silos (default 1) on this machine, all behind the one API; their CPU and peak RSS are summed.
#   --profile samples every CPU of the machine with perf during the LoadGen run (the .NET processes write perf maps, so
#     JIT-compiled frames have names) and prints the hottest functions of each process, and PostgreSQL's statements by
#     total time from pg_stat_statements. Sampling costs a few per cent; compare figures only between runs alike.
#   --jit runs the silos and the API from `dotnet build`'s output (JIT only) instead of the ReadyToRun publish the
#     cluster runner and the container image run, to compare the two.
#   --runtime-env "NAME=VALUE ..." sets runtime settings for the silos and the API only (not LoadGen), e.g.
#     "DOTNET_TieredCompilation=0", to compare them.
#   --warmup N first sends N shipments through their whole lifecycle (verified, not measured), so the measured run
#     finds the silos and the API past their JIT warm-up (the tiered JIT takes a quarter of the CPU for the first
#     minute of load; BENCHMARKS.md).
#   --npgsql OPTIONS appends Npgsql connection-string options for the silos and the API (e.g. "Max Auto Prepare=0" to
#     turn statement preparation off and compare).
#   (LoadGen's --api and --postgres are set here; see tools/LoadGen/LoadOptions.cs for the rest)
# API_SPEED_KEEP=1 keeps the run's folder (the silos', the API's and PostgreSQL's logs, LoadGen's report) and prints it.
set -euo pipefail
cd "$(dirname "$0")/../.."
silos=1
profile=false
npgsql=""
jit=false
runtime_env=()
warmup=0
while [ $# -gt 0 ]; do
    case "$1" in
        --silos) silos=$2; shift 2 ;;
        --profile) profile=true; shift ;;
        --npgsql) npgsql=";$2"; shift 2 ;;
        --jit) jit=true; shift ;;
        --runtime-env) read -ra runtime_env <<< "$2"; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        *) break ;;
    esac
done
bin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)")
port=55433
work=$(mktemp -d /tmp/sg-bench-XXXX)
chmod 777 "$work"
pg_options="-p $port -k $work -c max_connections=200"
if $profile; then
    pg_options+=" -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
    # Without W^X double mapping, perf finds the JIT-compiled code the perf maps name (else it is "memfd:doublemapper").
    export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
fi
as_postgres=(); [ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
pids=()
cleanup() {
    for pid in "${pids[@]}" ${perf_pid:-}; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true
    [ -n "${API_SPEED_KEEP:-}" ] && echo "kept: $work (PostgreSQL's data, the logs, LoadGen's report)" || rm -rf "$work"
}
trap cleanup EXIT

"${as_postgres[@]}" "$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
"${as_postgres[@]}" "$bin/pg_ctl" -D "$work/data" -o "$pg_options" -l "$work/pg.log" -w start >/dev/null
psql_run() { psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"; }
if $profile; then psql_run -c "CREATE EXTENSION pg_stat_statements"; fi
psql_run -c "CREATE TABLE bench_kv (id integer PRIMARY KEY, payload text NOT NULL)"
cat > "$work/upsert.sql" <<'SQL'
\set id random(1, 100000)
INSERT INTO bench_kv (id, payload) VALUES (:id, repeat('x', 1000)) ON CONFLICT (id) DO UPDATE SET payload = excluded.payload;
SQL
# CPU-seconds a process (or, for PostgreSQL, every server process) has used so far, from /proc.
cpu_of() { awk -v tick="$(getconf CLK_TCK)" '{ s += ($14 + $15) / tick } END { printf "%.1f", s }' "$@"; }
# pids holds the silos first, then the API.
silo_stats() { for pid in "${pids[@]:0:$silos}"; do echo "/proc/$pid/$1"; done; }
api_pid() { echo "${pids[$silos]}"; }
cpu_now() {
    echo "$(cpu_of $(silo_stats stat)) $(cpu_of "/proc/$(api_pid)/stat") $(cpu_of $(pgrep -u postgres -x postgres | sed 's|.*|/proc/&/stat|'))"
}
pgbench_run() {
    pgbench -h 127.0.0.1 -p "$port" -U postgres -n -c 32 -j 2 -T 20 -f "$work/upsert.sql" postgres 2>/dev/null \
        | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

# The silo and the API run as they are deployed: published ReadyToRun, as the cluster runner and the container image do.
dotnet build tools/LoadGen -c Release -v quiet -nologo >/dev/null
if $jit; then
    dotnet build Client.Api -c Release -v quiet -nologo >/dev/null && dotnet build Silo -c Release -v quiet -nologo >/dev/null
    silo_dll=Silo/bin/Release/net10.0/ShipmentGrid.Silo.dll api_dll=Client.Api/bin/Release/net10.0/ShipmentGrid.Api.dll
else
    bash tools/cluster/grid-cluster.sh build >/dev/null
    silo_dll=artifacts/publish/silo/ShipmentGrid.Silo.dll api_dll=artifacts/publish/api/ShipmentGrid.Api.dll
fi
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres$npgsql"
# The API accepts this throwaway bootstrap admin key; LoadGen registers with it and mints the run's own keys.
# The per-key rate limits are raised far above what this machine can send: the bench measures the grid's speed, not
# the limits (with the defaults, 1000 requests/s and 20000 events/s per key, LoadGen would be throttled).
export Auth__BootstrapKey="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export Auth__RequestsPerSecond=1000000 Auth__EventsPerSecond=100000000
dotnet $silo_dll migrate >/dev/null
# Silos start one after another; each one's time from launch to a ready answer (Active in the cluster) is printed.
ready_times=()
for ((i = 0; i < silos; i++)); do
    started=$(date +%s.%N)
    env "${runtime_env[@]}" dotnet $silo_dll --Orleans:SiloPort=$((21111 + i)) \
        --Orleans:GatewayPort=$((31000 + i)) --Urls=http://127.0.0.1:$((28081 + i)) >"$work/silo$i.log" 2>&1 &
    pids+=($!)
    until curl -sf http://127.0.0.1:$((28081 + i))/health/ready >/dev/null; do sleep 0.05; done
    ready_times+=("$(echo "$(date +%s.%N) - $started" | bc | xargs printf '%.2f')")
done
env "${runtime_env[@]}" dotnet $api_dll --Urls=http://127.0.0.1:25080 >"$work/api.log" 2>&1 &
pids+=($!)
until curl -sf http://127.0.0.1:25080/health/ready >/dev/null; do sleep 0.5; done

echo "silos: $silos, each ready after ${ready_times[*]} s (launch to /health/ready)"
echo "machine: $(nproc) cores ($(sed -n "s/^model name\t*: //p" /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$bin/postgres" --version)"
loadgen_run() {
    SHIPMENTGRID_API_KEY="$Auth__BootstrapKey" dotnet tools/LoadGen/bin/Release/net10.0/ShipmentGrid.LoadGen.dll \
        --api http://127.0.0.1:25080 --postgres "$ConnectionStrings__Postgres" "$@"
}
if [ "$warmup" -gt 0 ]; then
    # The same options, fewer shipments (LoadGen takes the last of a repeated option); its own report, kept apart.
    loadgen_run "$@" --shipments "$warmup" --out "$work/warmup" >"$work/warmup.log" 2>&1 \
        || { echo "the warm-up run failed:"; tail -n 30 "$work/warmup.log"; exit 1; }
    echo "warm-up: $warmup shipments through their lifecycle, verified ($(grep -o 'writes acknowledged for [0-9.]* s' "$work/warmup.log"))"
fi
echo "pgbench before: $(pgbench_run) single-row 1 KB upserts/s (32 clients)"
loadgen=0
read -r silo_cpu api_cpu pg_cpu <<< "$(cpu_now)"
if $profile; then
    psql_run -c "SELECT pg_stat_statements_reset()" >/dev/null
    perf record -e cpu-clock -F 99 -g -a -o "$work/perf.data" >/dev/null 2>&1 &
    perf_pid=$!
fi
loadgen_run "$@" || loadgen=$?
read -r silo_end api_end pg_end <<< "$(cpu_now)"
if $profile; then
    kill -INT "$perf_pid"; wait "$perf_pid" || true
    # Self time by function, per process: where each process spends its CPU, hottest first.
    hottest() { # label, then perf report's filter (--pid LIST or --comm NAME)
        echo "## where $1 spends its CPU: by binary (JIT-compiled .NET code is the perf map, 'perf-PID.map')"
        perf report -i "$work/perf.data" --no-children "$2" "$3" --sort dso --stdio -g none --percentage relative \
            --percent-limit 2 2>/dev/null | grep -E '^ +[0-9]' | head -n 8 || true
        echo "## hottest functions: $1 (self time, % of that process's samples)"
        perf report -i "$work/perf.data" --no-children "$2" "$3" --sort dso,symbol --stdio -g none --percentage relative \
            --percent-limit 1 2>/dev/null | grep -E '^ +[0-9]' | head -n 25 || true
    }
    hottest silo --pid "$(IFS=,; echo "${pids[*]:0:$silos}")"
    hottest API --pid "$(api_pid)"
    hottest PostgreSQL --comm postgres
    echo "## PostgreSQL statements by total time (pg_stat_statements)"
    psql_run -P pager=off -c "SELECT calls, round(total_exec_time::numeric) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms, rows,
        left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS statement
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15"
fi
echo "CPU-seconds during the LoadGen run: silo $(echo "$silo_end - $silo_cpu" | bc), API $(echo "$api_end - $api_cpu" | bc), PostgreSQL $(echo "$pg_end - $pg_cpu" | bc)"
echo "peak RSS: silos $(awk '/VmHWM/ {printf "%s%s kB", sep, $2; sep=" + "}' $(silo_stats status)), API $(awk '/VmHWM/ {print $2, $3}' "/proc/$(api_pid)/status")"
echo "pgbench after: $(pgbench_run) single-row 1 KB upserts/s (32 clients)"
exit "$loadgen"
