-- A GET storm on one path; reports percentiles in a machine-readable line.
function done(summary, latency, requests_done)
  io.write(string.format("BENCH p50=%d p99=%d requests=%d errors_status=%d errors_connect=%d errors_timeout=%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.status, summary.errors.connect, summary.errors.timeout))
end
