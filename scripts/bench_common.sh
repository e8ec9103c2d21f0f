# Helpers the benchmark scripts share (sourced, not run).

# A process's resident memory in kB.
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# Nanoseconds now.
now_ns() { date +%s%N; }
# wrk's latency ("512.00us", "1.20ms", "2.00s") in microseconds.
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'; }
# A HelpCrunch state document of N customers for ACCOUNT, on stdout: helpcrunch_doc N ACCOUNT.
helpcrunch_doc() {
  python3 - "$1" "$2" <<'PY'
import sys
n, account = int(sys.argv[1]), sys.argv[2]
out = sys.stdout
out.write('{"vendor": "helpcrunch", "accounts": {"%s": {"customers": [' % account)
for i in range(1, n + 1):
    out.write(('' if i == 1 else ',') + '{"id":%d,"name":"Customer %d","email":"c%d@example.com","createdAt":%d}' % (i, i, i, 1700000000 + i))
out.write(']}}}')
PY
}
# Starts the release binary on PORT with rate limits off (its pid in `pid`; the caller's trap
# kills it) and imports a HelpCrunch account of N customers as `default`, through WORK (a
# scratch directory): serve_helpcrunch N PORT WORK.
serve_helpcrunch() {
  local n=$1 port=$2 work=$3
  [ -x target/release/mockdesk ] || cargo build --release -q -p mock-server --bin mockdesk
  target/release/mockdesk --listen "127.0.0.1:${port}" --rate-limits off >/dev/null 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:${port}/__admin/health" >/dev/null 2>&1; do sleep 0.01; done
  helpcrunch_doc "$n" default >"$work/doc.json"
  curl -fs -XPUT "http://127.0.0.1:${port}/__admin/state/helpcrunch?account=default" \
    -H "content-type: application/json" --data-binary @"$work/doc.json" >/dev/null
  rm -f "$work/doc.json"
}
