#!/usr/bin/env bash
# Profiles our server while the bench's connect-rate scenario drives it (connects at 1,000 to 10,000/s
# and a 10,000-socket reconnect storm): perf samples of the server process only, with the runtime's
# perf map so managed frames have names. Extra arguments go to the bench (e.g. --server-env
# LOG_LEVEL=Warning). Writes perf.data and two reports next to it:
#
#   bench/Profile/connects.sh [bench options...]      # output in /tmp/notifications-profile-*/
#
# Needs perf (Debian: apt-get install -y linux-perf). Software clock sampling, so it works in VMs
# without hardware counters.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d -t notifications-profile-XXXX)
dotnet build -c Release "$root/bench" -nologo -v quiet >/dev/null
dotnet "$root/bench/bin/Release/net10.0/Notifications.Bench.dll" connect-rate --no-gc \
  --server-env DOTNET_PerfMapEnabled=1 --out "$out/bench.json" "$@" >"$out/bench.log" 2>&1 &
bench=$!
server=""
for _ in $(seq 1 600); do
  server=$(pgrep -P "$bench" -f Notifications.dll | head -1 || true)
  [[ -n "$server" ]] && break
  sleep 0.1
done
[[ -n "$server" ]] || { echo "no server started; see $out/bench.log" >&2; exit 1; }
echo "server pid $server; profiling until the scenario ends..."
perf record -F 999 -g -p "$server" -o "$out/perf.data" 2>"$out/perf.log" &
perf=$!
wait "$bench" || true
kill -INT "$perf" 2>/dev/null || true
wait "$perf" || true
perf report -i "$out/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | grep -v '^$' | head -150 >"$out/self.txt"
perf report -i "$out/perf.data" --children --sort sym --stdio -g none 2>/dev/null | grep -v '^$' | head -400 >"$out/inclusive.txt"
grep -E 'connects/s|storm' "$out/bench.log" || true
echo "reports: $out/self.txt (by function) and $out/inclusive.txt (with callees); raw: $out/perf.data"
