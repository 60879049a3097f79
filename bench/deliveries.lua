-- SPDX-License-Identifier: ISC
-- bench/deliveries.lua: wrk script that POSTs pre-generated, distinct
-- deliveries (bench/mkdeliveries.js), never the same one twice.
--
--   wrk -t T -c C -d D+GRACE -s bench/deliveries.lua URL -- FILE D T [wrap]
--
-- FILE holds one delivery a line, "<x-timestamp>\t<x-signature>\t<body>";
-- thread i of T takes lines i, i+T, i+2T, ...  For D seconds from its
-- first request each thread sends deliveries; after that it sends one request that never
-- completes (its body never arrives), so the deliveries in flight at D all
-- finish and are counted, and wrk cuts off nothing but those.  A thread
-- that has sent all its deliveries stops the same way (unless "wrap" is
-- given: for a target that keeps no rows, deliveries may repeat).  The
-- latency histogram therefore holds deliveries only.  The rate is, summed
-- over the threads (which wrk starts one after the other), each thread's
-- responses over the time from its first request to its last response.
--
-- done() prints one line: "wrkresult k=v ..." for bench/run.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } hwb_timespec;
int clock_gettime(int clk, hwb_timespec *ts);
]]
local ts = ffi.new("hwb_timespec")
local function now()
	ffi.C.clock_gettime(1, ts)	-- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

local reqs, n, i = {}, 0, 0
local duration, deadline, hang, probed, wrap
sent, ok, bad, wrapped, exhausted, first, last = 0, 0, 0, 0, 0, 0, 0

function init(args)
	local file = args[1]
	duration = tonumber(args[2])
	local nthreads = tonumber(args[3])
	wrap = args[4] == "wrap"
	-- wrk calls thread 0's request() once before it starts, to look at it.
	probed = tid ~= 0
	local path = wrk.path
	local k = 0
	for line in io.lines(file) do
		if k % nthreads == tid then
			local t, s, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
			n = n + 1
			reqs[n] = wrk.format("POST", path, {
				["Content-Type"] = "application/json",
				["X-Timestamp"] = t,
				["X-Signature"] = s,
			}, body)
		end
		k = k + 1
	end
	-- Held open by nginx until wrk quits: its body never comes.
	hang = "POST /hang HTTP/1.1\r\nHost: " .. wrk.host ..
	    "\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n"
end

function request()
	if not probed then
		probed = true
		return n > 0 and reqs[1] or hang
	end
	local t = now()
	if deadline == nil then
		first = t
		deadline = t + duration
	end
	if i >= n and not wrap then
		exhausted = 1
	end
	if t >= deadline or n == 0 or exhausted == 1 then
		return hang
	end
	i = i + 1
	if i > n then
		i = 1
		wrapped = wrapped + 1
	end
	sent = sent + 1
	return reqs[i]
end

function response(status, headers, body)
	if status == 200 then
		ok = ok + 1
	else
		bad = bad + 1
	end
	last = now()
end

function done(summary, latency, requests)
	local s, o, b, w, x, rps, secs = 0, 0, 0, 0, 0, 0, 0
	for _, t in ipairs(threads) do
		local to, tb = t:get("ok"), t:get("bad")
		local tf, tl = t:get("first"), t:get("last")
		s = s + t:get("sent")
		o = o + to
		b = b + tb
		w = w + t:get("wrapped")
		x = x + t:get("exhausted")
		if tl > tf then
			rps = rps + (to + tb) / (tl - tf)
			secs = math.max(secs, tl - tf)
		end
	end
	local e = summary.errors
	io.write(string.format("wrkresult sent=%d completed=%d ok=%d bad=%d " ..
	    "wrapped=%d exhausted=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d " ..
	    "max_us=%d errors=%d\n", s, summary.requests, o, b, w, x, secs,
	    rps,
	    latency:percentile(50), latency:percentile(99), latency.max,
	    e.connect + e.read + e.write + e.timeout))
end
