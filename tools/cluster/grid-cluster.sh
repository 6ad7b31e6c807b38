#!/usr/bin/env bash
# A throwaway PostgreSQL-mode cluster on this machine: PostgreSQL, the schema, N silos and the API, and the faults a
# scale test needs (kill, restart, isolate a silo). As root each silo runs in a network namespace of its own, joined to
# the others, PostgreSQL and the API by a bridge, so `isolate` cuts it off from its peers and the database at once;
# without root the silos share the loopback and `isolate` is refused.
#
# usage: tools/cluster/grid-cluster.sh up [silos=3]   start everything; prints the API address and an admin key
#        tools/cluster/grid-cluster.sh status          each process, its address and whether it is ready
#        tools/cluster/grid-cluster.sh kill N          SIGKILL silo N (1-based)
#        tools/cluster/grid-cluster.sh restart N       start silo N again (after kill), same address
#        tools/cluster/grid-cluster.sh isolate N       cut silo N off the network (root only)
#        tools/cluster/grid-cluster.sh heal N          connect it again
#        tools/cluster/grid-cluster.sh stop            stop every process and PostgreSQL, keeping the cluster's files
#        tools/cluster/grid-cluster.sh start           start a stopped cluster again on its own data (after stop, a
#                                                      reboot or a kill of everything): a full restart
#        tools/cluster/grid-cluster.sh down            stop everything and remove the cluster's files and namespaces
#        tools/cluster/grid-cluster.sh build           only publish the silo and the API as the cluster runs them
# The cluster's files live in ${GRID_CLUSTER_DIR:-/tmp/shipment-grid-cluster}: logs, the admin key, pids. Ports:
# GRID_CLUSTER_PG_PORT (55440), GRID_CLUSTER_API_PORT (5080), GRID_CLUSTER_PORT_BASE (11110); GRID_CLUSTER_NO_BUILD=1
# skips the build (up and start then run what the last build published).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
dir=${GRID_CLUSTER_DIR:-/tmp/shipment-grid-cluster}
pg_port=${GRID_CLUSTER_PG_PORT:-55440}
api_port=${GRID_CLUSTER_API_PORT:-5080}
base=${GRID_CLUSTER_PORT_BASE:-11110}   # silo n listens on base+n (silo), base+1000+n (gateway), base+2000+n (HTTP)
bridge=sgbr0
subnet=10.77.0
netns=false; [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && netns=true
as_postgres=(); [ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
# The silo and the API run as the container image ships them: published ReadyToRun (compiled ahead of time for this
# machine's architecture), so a silo does not JIT-compile its host, Orleans and its grains at every start. Measured on
# two cores: a silo joining running ones is ready after 2.6-3.4 s, against 3.8-5.1 s from `dotnet build`'s output
# (tools/bench/silo-start.sh).
published=$root/artifacts/publish
silo_dll=$published/silo/ShipmentGrid.Silo.dll
api_dll=$published/api/ShipmentGrid.Api.dll
pg_bin() { dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)"; }
host_ip() { if $netns; then echo "$subnet.1"; else echo 127.0.0.1; fi; }
silo_ip() { if $netns; then echo "$subnet.$((10 + $1))"; else echo 127.0.0.1; fi; }
silo_http() { echo "http://$(silo_ip "$1"):$((base + 2000 + $1))"; }
connection() { echo "Host=$(host_ip);Port=$pg_port;Username=postgres;Database=shipmentgrid"; }
die() { echo "grid-cluster: $*" >&2; exit 1; }

build() {
    dotnet publish "$root/Silo/Silo.csproj" -c Release --use-current-runtime -o "$published/silo" -v quiet -nologo >/dev/null
    dotnet publish "$root/Client.Api/Client.Api.csproj" -c Release --use-current-runtime -o "$published/api" -v quiet -nologo >/dev/null
}
maybe_build() {
    if [ -n "${GRID_CLUSTER_NO_BUILD:-}" ]; then
        [ -f "$silo_dll" ] && [ -f "$api_dll" ] || die "GRID_CLUSTER_NO_BUILD is set but nothing is published in $published; run '$0 build'"
    else
        build
    fi
}

wait_ready() { # url, what, seconds
    for _ in $(seq $(( $3 * 5 ))); do curl -sf "$1/health/ready" >/dev/null && return 0; sleep 0.2; done
    die "$2 not ready within $3 s (see $dir/*.log)"
}

network_up() {
    $netns || return 0
    ip link show "$bridge" >/dev/null 2>&1 || { ip link add "$bridge" type bridge; ip addr add "$subnet.1/24" dev "$bridge"; ip link set "$bridge" up; }
}

silo_namespace() { # n: its namespace, joined to the bridge by a veth pair
    local n=$1 ns="sg-silo-$1"
    # The host's resolver is out of the namespace's reach, so a name lookup /etc/hosts does not answer waits for it to time
    # out (twice 5 s); the silo's start makes one, and waited 10 s at each launch. `ip netns exec` mounts this file as the
    # namespace's /etc/resolv.conf: a resolver on the namespace's own loopback, which refuses at once.
    mkdir -p "/etc/netns/$ns"
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "/etc/netns/$ns/resolv.conf"
    ip netns list | grep -qw "$ns" && return 0
    ip netns add "$ns"
    ip link add "sgv$n" type veth peer name eth0 netns "$ns"
    ip link set "sgv$n" master "$bridge" up
    ip -n "$ns" addr add "$(silo_ip "$n")/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$subnet.1"
}

start_silo() { # n
    local n=$1 run=()
    if $netns; then silo_namespace "$n"; run=(ip netns exec "sg-silo-$n"); fi
    ConnectionStrings__Postgres=$(connection) Orleans__SiloPort=$((base + n)) Orleans__GatewayPort=$((base + 1000 + n)) \
        Orleans__AdvertisedIp=$(silo_ip "$n") Urls=$(silo_http "$n") \
        setsid "${run[@]}" dotnet "$silo_dll" >>"$dir/silo-$n.log" 2>&1 < /dev/null &
    echo $! > "$dir/silo-$n.pid"
}

start_postgres() {
    "${as_postgres[@]}" "$(pg_bin)/pg_ctl" -D "$dir/pg" -l "$dir/postgres.log" -w start \
        -o "-p $pg_port -k $dir -c listen_addresses='$(host_ip)' -c max_connections=300" >/dev/null
}

launch() { # silos: each silo, then the API, each waited for until ready
    for n in $(seq "$1"); do start_silo "$n"; done
    for n in $(seq "$1"); do wait_ready "$(silo_http "$n")" "silo $n" 120; done
    ConnectionStrings__Postgres=$(connection) Urls="http://127.0.0.1:$api_port" \
        setsid dotnet "$api_dll" >>"$dir/api.log" 2>&1 < /dev/null &
    echo $! > "$dir/api.pid"
    wait_ready "http://127.0.0.1:$api_port" "the API" 90
}

stop() { # every process, then PostgreSQL (a clean shutdown unless told "immediate"); the files stay
    for f in "$dir"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; done
    "${as_postgres[@]}" "$(pg_bin)/pg_ctl" -D "$dir/pg" stop -m "${1:-fast}" >/dev/null 2>&1 || true
}

start() { # a stopped cluster on its own data: PostgreSQL (unless it runs), the schema's newer migrations, silos, API
    [ -f "$dir/silos" ] || die "no cluster in $dir; run '$0 up' first"
    for f in "$dir"/*.pid; do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && die "the cluster in $dir still runs; run '$0 stop' first"; done
    maybe_build
    network_up
    "${as_postgres[@]}" "$(pg_bin)/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1 || start_postgres
    ConnectionStrings__Postgres=$(connection) dotnet "$silo_dll" migrate >>"$dir/migrate.log" 2>&1
    launch "$(cat "$dir/silos")"
    echo "cluster started again: $(cat "$dir/silos") silos on the data in $dir; API http://127.0.0.1:$api_port"
}

pid_of() { [ -f "$dir/$1.pid" ] && cat "$dir/$1.pid"; }

up() {
    local silos=${1:-3}
    [ -d "$dir" ] && die "a cluster already runs in $dir; run '$0 down' first"
    mkdir -p "$dir" && chmod 777 "$dir"
    echo "$silos" > "$dir/silos"
    maybe_build
    network_up
    local bin; bin=$(pg_bin)
    "${as_postgres[@]}" "$bin/initdb" -D "$dir/pg" -A trust -U postgres >/dev/null
    $netns && echo "host all all $subnet.0/24 trust" >> "$dir/pg/pg_hba.conf"
    start_postgres
    psql -h "$(host_ip)" -p "$pg_port" -U postgres -d postgres -qc "CREATE DATABASE shipmentgrid" >/dev/null
    ConnectionStrings__Postgres=$(connection) dotnet "$silo_dll" migrate >"$dir/migrate.log" 2>&1
    ConnectionStrings__Postgres=$(connection) dotnet "$silo_dll" \
        mint-key --partner cluster-admin --roles admin 2>>"$dir/migrate.log" | grep -o 'sgk_[A-Za-z0-9_-]*' > "$dir/admin-key"
    launch "$silos"
    echo "cluster up: $silos silos$($netns && echo ' (each in its own network namespace)'), PostgreSQL on $(host_ip):$pg_port"
    echo "API:        http://127.0.0.1:$api_port   (dashboard: /dashboard, reference: /reference/)"
    echo "admin key:  $(cat "$dir/admin-key")"
}

status() {
    [ -d "$dir" ] || die "no cluster in $dir"
    for n in $(seq "$(cat "$dir/silos")"); do
        local pid; pid=$(pid_of "silo-$n" || true)
        local state=stopped; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && state=running
        curl -sf -m 2 "$(silo_http "$n")/health/ready" >/dev/null 2>&1 && state="$state, ready"
        $netns && ip link show "sgv$n" 2>/dev/null | grep -q 'state DOWN' && state="$state, isolated"
        echo "silo $n  $(silo_ip "$n")  pid ${pid:-none}  $state"
    done
    echo "api     127.0.0.1:$api_port  pid $(pid_of api || echo none)  $(curl -sf -m 2 "http://127.0.0.1:$api_port/health/ready" >/dev/null && echo ready || echo 'not ready')"
}

down() {
    [ -d "$dir" ] || return 0
    stop immediate
    if $netns; then
        for ns in $(ip netns list | awk '/^sg-silo-/ {print $1}'); do ip netns pids "$ns" | xargs -r kill -9; ip netns delete "$ns"; rm -rf "/etc/netns/$ns"; done
        ip link delete "$bridge" 2>/dev/null || true
    fi
    rm -rf "$dir"
    echo "cluster down"
}

silo_arg() { [[ "${1:-}" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le "$(cat "$dir/silos")" ] || die "name a silo from 1 to $(cat "$dir/silos")"; }

case "${1:-}" in
    up) up "${2:-3}" ;;
    status) status ;;
    stop) [ -d "$dir" ] || die "no cluster in $dir"; stop; echo "cluster stopped; its data stays in $dir" ;;
    start) start ;;
    kill) silo_arg "${2:-}"; pid=$(pid_of "silo-$2"); kill -9 "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "silo $2 killed (SIGKILL)" ;;
    restart) silo_arg "${2:-}"; kill -9 "$(pid_of "silo-$2")" 2>/dev/null || true; start_silo "$2"
        wait_ready "$(silo_http "$2")" "silo $2" 120; echo "silo $2 running again" ;;
    isolate) silo_arg "${2:-}"; $netns || die "isolating a silo needs root (network namespaces)"; ip link set "sgv$2" down; echo "silo $2 cut off" ;;
    heal) silo_arg "${2:-}"; $netns || die "healing needs root (network namespaces)"; ip link set "sgv$2" up; echo "silo $2 connected again" ;;
    down) down ;;
    build) build; echo "published: $silo_dll, $api_dll" ;;
    *) awk 'NR > 1 && /^#/ { print } /^set -/ { exit }' "$0"; exit 2 ;;
esac
