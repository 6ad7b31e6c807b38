#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine with the .NET 10 SDK: installs the PostgreSQL server
# binaries (the tests start their own throwaway server) and Debian's chromium (the operations page's browser
# test drives it with Playwright; no browser is downloaded) when they are missing, builds and runs every test.
# Test artifacts (the browser test's screenshots) are kept in artifacts/test, or in $SHIPMENTGRID_TEST_ARTIFACTS.
set -euo pipefail
cd "$(dirname "$0")/.."

have_postgres() {
    command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

missing=()
have_postgres || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "Not found: installing Debian's ${missing[*]}."
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

export SHIPMENTGRID_TEST_ARTIFACTS="${SHIPMENTGRID_TEST_ARTIFACTS:-$PWD/artifacts/test}"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
dotnet build Orleans.sln --configuration Release || exit 1
# The cluster runner's test starts the silos and the API from the ReadyToRun publish, as a newcomer's `up` does.
bash tools/cluster/grid-cluster.sh build || exit 1
# One test assembly at a time: on two cores the process-level cluster tests would otherwise starve the
# in-process test silos of the other assembly.
for project in tests/ShipmentGrid.Tests tests/ShipmentGrid.IntegrationTests; do
    dotnet test "$project" --configuration Release --no-build \
        --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" || status=$?
done

# One closing line over all test projects, counted from the TRX reports.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$skipped" -ne 0 ] && [ "$status" -eq 0 ]; then
    echo "A skipped test is a set-up failure."
    status=1
fi
exit "$status"
