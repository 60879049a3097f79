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
-- done() prints one line: "wrkresult k=v ..." for bench/run, with the
-- machine's busy CPU ticks from the first request to the deadline and the
-- responses within that window (the CPU a request costs).
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

-- The machine's busy CPU time so far, in clock ticks (/proc/stat: user,
-- nice, system, irq, softirq, steal), for the CPU a request costs.
local function busy()
	local f = io.open("/proc/stat")
	if f == nil then
		return 0
	end
	local l = f:read("*l")
	f:close()
	local v, k = {}, 0
	for x in l:gmatch("%d+") do
		k = k + 1
		v[k] = tonumber(x)
	end
	return v[1] + v[2] + v[3] + v[6] + v[7] + (v[8] or 0)
end

local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

local reqs, n, i = {}, 0, 0
local duration, deadline, hang, probed, wrap
sent, ok, bad, wrapped, exhausted, first, last = 0, 0, 0, 0, 0, 0, 0
-- The CPU window, from the first request to the deadline: busy ticks at
-- either end, its length, and the responses that came within it.
busy0, busy1, window, inwin = 0, -1, 0, 0

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
		busy0 = busy()
		first = t
		deadline = t + duration
	end
	if i >= n and not wrap then
		exhausted = 1
	end
	if t >= deadline or n == 0 or exhausted == 1 then
		if busy1 < 0 then
			busy1 = busy()
			window = t - first
			inwin = ok + bad
		end
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
	local ticks, cwin, cn = 0, 0, 0
	for _, t in ipairs(threads) do
		-- The window of the first thread (the others' start within
		-- milliseconds of it); the responses of all within theirs.
		if ticks == 0 and t:get("busy1") >= 0 then
			ticks = t:get("busy1") - t:get("busy0")
			cwin = t:get("window")
		end
		cn = cn + t:get("inwin")
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
	    "max_us=%d errors=%d cpu_ticks=%d cpu_window=%.3f " ..
	    "cpu_responses=%d\n", s, summary.requests, o, b, w, x, secs,
	    rps,
	    latency:percentile(50), latency:percentile(99), latency.max,
	    e.connect + e.read + e.write + e.timeout, ticks, cwin, cn))
end
