#!/usr/bin/env bash
# How soon a silo is ready, from its launch to a ready answer (Active in the cluster), in PostgreSQL mode: three silos
# started one after another (each as soon as the one before is ready, so the second and third join a running
# cluster), once from `dotnet build`'s output (JIT only) and once from the ReadyToRun publish the cluster runner and
# the container image run, alternating, for TRIALS rounds on one throwaway PostgreSQL. Each round is a cluster of its
# own (a new cluster id); its silos stop gracefully before the next round starts.
#
# usage: tools/bench/silo-start.sh [TRIALS=5]
#   SILO_START_KEEP=1 keeps the silos' logs and prints their folder; with Logging__Json=true and
#   'Serilog__MinimumLevel__Override__Orleans.Runtime.SiloLifecycleSubject=Debug' they time each lifecycle stage.
set -euo pipefail
cd "$(dirname "$0")/../.."
trials=${1:-5}
bin=$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)")
port=${SILO_START_PG_PORT:-56432}
work=$(mktemp -d /tmp/sg-silo-start-XXXX)
chmod 777 "$work"
as_postgres=(); [ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$work/data" stop -m immediate >/dev/null 2>&1 || true
    [ -n "${SILO_START_KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"
}
trap cleanup EXIT

dotnet build Silo -c Release -v quiet -nologo >/dev/null
bash tools/cluster/grid-cluster.sh build >/dev/null
declare -A assembly=([build]=Silo/bin/Release/net10.0/ShipmentGrid.Silo.dll [readytorun]=artifacts/publish/silo/ShipmentGrid.Silo.dll)

"${as_postgres[@]}" "$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
"${as_postgres[@]}" "$bin/pg_ctl" -D "$work/data" -o "-p $port -k $work -c max_connections=200" -l "$work/pg.log" -w start >/dev/null
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
dotnet "${assembly[build]}" migrate >/dev/null

echo "machine: $(nproc) cores ($(sed -n "s/^model name\t*: //p" /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$bin/postgres" --version)"
echo "ready after (s): first, second, third silo"
for ((t = 1; t <= trials; t++)); do
    for variant in build readytorun; do
        pids=(); times=()
        for ((i = 0; i < 3; i++)); do
            started=$(date +%s.%N)
            dotnet "${assembly[$variant]}" --Orleans:ClusterId="start-$t-$variant" --Orleans:SiloPort=$((21111 + i)) \
                --Orleans:GatewayPort=$((31000 + i)) --Urls=http://127.0.0.1:$((28081 + i)) >"$work/silo-$t-$variant-$i.log" 2>&1 &
            pids+=($!)
            until curl -sf http://127.0.0.1:$((28081 + i))/health/ready >/dev/null; do sleep 0.05; done
            times+=("$(echo "$(date +%s.%N) - $started" | bc | xargs printf '%.2f')")
        done
        printf '%-11s round %d: %s\n' "$variant" "$t" "${times[*]}"
        kill -TERM "${pids[@]}"
        wait "${pids[@]}" 2>/dev/null || true
    done
done
