-- tests/servers/status.lua: a wrk script that counts the answers by
-- status and prints them, one "status N: COUNT" line each, at the end.
-- Each wrk thread has its own Lua state: done() adds up what setup()
-- kept of every thread.
local threads = {}
counts = {}

function setup(thread)
	table.insert(threads, thread)
end

function response(status, headers, body)
	counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
	local total = {}
	for _, t in ipairs(threads) do
		for status, n in pairs(t:get("counts")) do
			total[status] = (total[status] or 0) + n
		end
	end
	for status, n in pairs(total) do
		io.write(string.format("status %d: %d\n", status, n))
	end
	local e = summary.errors
	io.write(string.format("socket errors: %d\n",
	    e.connect + e.read + e.write + e.timeout))
end
