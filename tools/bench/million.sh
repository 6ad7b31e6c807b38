#!/usr/bin/env bash
# One million shipments through their whole lifecycle in one benchmark run that survives interruption (issue 9,
# point 4): a cluster from tools/cluster/grid-cluster.sh on data that stays in DIR, and tools/LoadGen sending the
# shipments in segments, each a verified LoadGen run of its own (its own customers, carriers and keys; every
# acknowledged event applied once, one invoice and posting per billable shipment, the ERP ledger checked). After each
# segment it records the segment's figures, the silo's and the API's resident memory and the database's size in
# DIR/progress.tsv; the same command resumes after the last finished segment (a segment cut short is sent again as a new
# run; what it had sent stays, outside the count). Before each segment it checks that the disk holds what the rest
# of the run will write, from the bytes per shipment measured so far, and stops if not.
#
# usage: tools/bench/million.sh [--dir DIR] [--shipments N] [--segment N] [--silos N] [-- LoadGen options]
#        tools/bench/million.sh --report [--dir DIR]     the table of finished segments, and nothing else
#   --dir DIR        where the cluster's data, logs and progress live (default /var/tmp/shipment-grid-million)
#   --shipments N    the whole run (default 1000000)
#   --segment N      shipments per segment (default 20000); 200 customers and 10 carriers each, so a million is
#                    10,000 customers and 500 carriers, the scale of docs in ../shared/DOMAIN.md
#   --silos N        silos of the cluster when it is first made (default 1)
# Remove the run with GRID_CLUSTER_DIR=DIR/cluster tools/cluster/grid-cluster.sh down, then rm -r DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=/var/tmp/shipment-grid-million
total=1000000
segment=20000
silos=1
report_only=false
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=$2; shift 2 ;;
        --shipments) total=$2; shift 2 ;;
        --segment) segment=$2; shift 2 ;;
        --silos) silos=$2; shift 2 ;;
        --report) report_only=true; shift ;;
        --) shift; break ;;
        *) sed -n '2,20p' "$0"; exit 2 ;;
    esac
done
progress=$dir/progress.tsv

report() {
    [ -f "$progress" ] || { echo "no finished segment in $dir"; return 0; }
    column -t -s $'\t' "$progress"
    awk -F'\t' 'NR > 1 { n = $3; if (!($9 in low) || $10 < low[$9]) low[$9] = $10; if ($10 > high[$9]) high[$9] = $10; last = $9 }
        END { printf "\n%d shipments in %d segments; silo resident memory per process life (MiB, lowest..highest after a segment):", n, NR - 1
              for (p in low) printf " pid %s %d..%d", p, low[p], high[p]; print "" }' "$progress"
}
if $report_only; then report; exit 0; fi
command -v python3 >/dev/null || { echo "million.sh reads LoadGen's report.json with python3; install it" >&2; exit 1; }

export GRID_CLUSTER_DIR=$dir/cluster GRID_CLUSTER_PG_PORT=${GRID_CLUSTER_PG_PORT:-55450}
export GRID_CLUSTER_API_PORT=${GRID_CLUSTER_API_PORT:-25180} GRID_CLUSTER_PORT_BASE=${GRID_CLUSTER_PORT_BASE:-12110}
# The per-key rate limits are raised far above what one machine sends: the run measures the grid, not the limits.
export Auth__RequestsPerSecond=1000000 Auth__EventsPerSecond=100000000
cluster=tools/cluster/grid-cluster.sh
api=http://127.0.0.1:$GRID_CLUSTER_API_PORT
mkdir -p "$dir/segments"
dotnet build tools/LoadGen -c Release -v quiet -nologo >/dev/null   # the cluster runner publishes only the silo and the API

# Disk first: the rest of the run must fit, at the bytes per shipment measured so far (before any, 40 KB: the journal,
# snapshots, read models, outbox, ledger and their indexes, with room), with 2 GiB to spare.
disk_check() { # shipments done, database bytes
    local per=40960 free need
    [ "$1" -gt 0 ] && [ "$2" -gt 0 ] && per=$(( $2 / $1 ))
    free=$(df --output=avail -B1 "$dir" | tail -n 1)
    need=$(( (total - $1) * per + 2 * 1024 * 1024 * 1024 ))
    if [ "$free" -lt "$need" ]; then
        echo "million.sh: $((free / 1048576)) MiB free in $dir, the remaining $((total - $1)) shipments need about $((need / 1048576)) MiB ($per bytes each); stopping" >&2
        exit 1
    fi
    echo "disk: $((free / 1048576)) MiB free, about $((need / 1048576)) MiB needed for the remaining $((total - $1)) shipments"
}

done_shipments() { [ -f "$progress" ] && awk -F'\t' 'END { print (NR > 1 ? $3 : 0) }' "$progress" || echo 0; }
database_bytes() {
    psql -h "$(awk -F'[=;]' '{print $2}' <<< "$connection")" -p "$GRID_CLUSTER_PG_PORT" -U postgres -d shipmentgrid -tAc "SELECT pg_database_size('shipmentgrid')"
}
memory_mib() { awk -v key="$2:" '$1 == key { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

disk_check "$(done_shipments)" 0
if [ ! -d "$GRID_CLUSTER_DIR" ]; then
    bash "$cluster" up "$silos"
elif ! curl -sf -m 5 "$api/health/ready" >/dev/null; then
    bash "$cluster" stop >/dev/null
    bash "$cluster" start
fi
GRID_CLUSTER_NO_BUILD=1 bash "$cluster" status
admin_key=$(cat "$GRID_CLUSTER_DIR/admin-key")
host=$(ip -4 addr show sgbr0 2>/dev/null | awk '/inet / {split($2, a, "/"); print a[1]}')
connection="Host=${host:-127.0.0.1};Port=$GRID_CLUSTER_PG_PORT;Username=postgres;Database=shipmentgrid"
[ -f "$progress" ] || printf 'segment\trun\tshipments\tfinished\tevents_per_s\twrites_per_s\tpod_posted_p99_ms\tverified\tsilo_pid\tsilo_rss_mib\tsilo_peak_mib\tapi_rss_mib\tdatabase_mib\tfree_disk_mib\n' > "$progress"

while [ "$(done_shipments)" -lt "$total" ]; do
    done_so_far=$(done_shipments)
    number=$(( $(wc -l < "$progress") ))
    disk_check "$done_so_far" "$(database_bytes)"
    size=$(( total - done_so_far < segment ? total - done_so_far : segment ))
    out=$dir/segments/$(printf '%03d' "$number")-$(date +%s)
    echo "segment $number: $size shipments ($done_so_far done) -> $out"
    SHIPMENTGRID_API_KEY=$admin_key dotnet tools/LoadGen/bin/Release/net10.0/ShipmentGrid.LoadGen.dll --api "$api" \
        --postgres "$connection" --shipments "$size" --customers $(( size / 100 )) --carriers $(( size / 2000 > 0 ? size / 2000 : 1 )) \
        --concurrency 64 --batch 100 --out "$out" "$@" > "$out.log" 2>&1 \
        || { echo "million.sh: segment $number failed verification or was refused; see $out.log" >&2; tail -n 30 "$out.log" >&2; exit 1; }
    silo=$(cat "$GRID_CLUSTER_DIR/silo-1.pid")
    python3 - "$out/report.json" "$number" "$(( done_so_far + size ))" "$silo" "$(memory_mib "$silo" VmRSS)" "$(memory_mib "$silo" VmHWM)" \
        "$(memory_mib "$(cat "$GRID_CLUSTER_DIR/api.pid")" VmRSS)" "$(( $(database_bytes) / 1048576 ))" \
        "$(( $(df --output=avail -B1 "$dir" | tail -n 1) / 1048576 ))" >> "$progress" <<'PY'
import datetime, json, sys
report = json.load(open(sys.argv[1]))
throughput = report["throughput"]
posted = next((l["p99"] for l in report["latencies"] if l["operation"].startswith("proof of delivery")), 0)
print("\t".join([sys.argv[2], report["run"], sys.argv[3], datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    f'{throughput["eventsPerSecond"]:.0f}', f'{throughput["writes"] / max(throughput["sendingSeconds"], 0.001):.0f}', f"{posted:.0f}",
    "passed" if report["verification"]["passed"] else "FAILED", *sys.argv[4:]]))
PY
    tail -n 1 "$progress"
done
report
