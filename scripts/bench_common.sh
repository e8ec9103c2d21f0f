# Helpers the benchmark scripts share (sourced, not run).

# A process's resident memory in kB.
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# Nanoseconds now.
now_ns() { date +%s%N; }
# wrk's latency ("512.00us", "1.20ms", "2.00s") in microseconds.
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'; }
