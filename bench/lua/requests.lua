-- Replays prepared requests: one line per request in the file named by
-- the BENCH_REQUESTS environment variable, "METHOD\tPATH\tCOOKIE\tBODY".
-- Each wrk thread takes every n-th line, so no two requests repeat a signer.
local requests = {}
local counter = 0
local thread_index = 0
local threads_total = 1

function setup(thread)
  thread:set("index", thread_index)
  thread_index = thread_index + 1
  threads_total = thread_index
end

function init(args)
  local path = os.getenv("BENCH_REQUESTS")
  local n = 0
  local total = tonumber(os.getenv("BENCH_THREADS") or "1")
  for line in io.lines(path) do
    if n % total == index then
      local method, target, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      if cookie ~= "" then headers["Cookie"] = cookie end
      if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      table.insert(requests, wrk.format(method, target, headers, body ~= "" and body or nil))
    end
    n = n + 1
  end
end

function request()
  counter = counter + 1
  if counter > #requests then
    -- Out of prepared requests: repeat the last (the server refuses a second signature).
    counter = #requests
  end
  return requests[counter]
end

function done(summary, latency, requests_done)
  io.write(string.format("BENCH p50=%d p99=%d requests=%d errors_status=%d errors_connect=%d errors_timeout=%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.status, summary.errors.connect, summary.errors.timeout))
end
