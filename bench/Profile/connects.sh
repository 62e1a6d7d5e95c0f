#!/usr/bin/env bash
# Profiles our server while the bench's connect-rate scenario drives it (connects at 1,000 to 10,000/s
# and a 10,000-socket reconnect storm): perf samples of the whole machine, reported for the server
# process only (attached by pid, perf would miss the threads the server starts after it is found), with
# the runtime's perf map so managed frames have names (and W^X off: with it on, JIT-compiled code lives
# in a memfd perf cannot name); a Native AOT binary is named by the Notifications.dbg beside it. Extra
# arguments go to the bench (e.g. --server-env LOG_LEVEL=Warning, --server /tmp/aot/Notifications).
# Writes perf.data and three reports next to it (by function, with callees, and by connection step):
#
#   bench/Profile/connects.sh [bench options...]      # output in /tmp/notifications-profile-*/
#
# Needs perf (Debian: apt-get install -y linux-perf). Software clock sampling, so it works in VMs
# without hardware counters.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d -t notifications-profile-XXXX)
dotnet build -c Release "$root/bench" -nologo -v quiet >/dev/null
perf record -a -F 999 -g -o "$out/perf.data" 2>"$out/perf.log" &
perf=$!
dotnet "$root/bench/bin/Release/net10.0/Notifications.Bench.dll" connect-rate --no-gc \
  --server-env DOTNET_PerfMapEnabled=1 --server-env DOTNET_EnableWriteXorExecute=0 --out "$out/bench.json" "$@" >"$out/bench.log" 2>&1 &
bench=$!
server=""
for _ in $(seq 1 600); do
  server=$(pgrep -P "$bench" | head -1 || true)
  [[ -n "$server" ]] && break
  sleep 0.1
done
[[ -n "$server" ]] || { kill -INT "$perf"; echo "no server started; see $out/bench.log" >&2; exit 1; }
echo "server pid $server; profiling until the scenario ends..."
wait "$bench" || true
kill -INT "$perf" 2>/dev/null || true
wait "$perf" || true
perf report -i "$out/perf.data" --pid "$server" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^$' | head -150 >"$out/self.txt" || true
perf report -i "$out/perf.data" --pid "$server" --children --sort sym --stdio -g none 2>/dev/null | grep -v '^$' | head -400 >"$out/inclusive.txt" || true
perf report -i "$out/perf.data" --pid "$server" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20 >"$out/by-dso.txt" || true
perf script -i "$out/perf.data" --pid "$server" 2>/dev/null | python3 "$root/bench/Profile/steps.py" >"$out/steps.txt" || true
cat "$out/steps.txt"
grep -E 'connects/s|storm' "$out/bench.log" || true
echo "reports: $out/steps.txt (by step), $out/by-dso.txt, $out/self.txt (by function), $out/inclusive.txt (with callees); raw: $out/perf.data"
