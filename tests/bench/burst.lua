-- tests/bench/burst.lua: a wrk(1) script for scripts/bench: every
-- connection sends the same credential, then pauses, so that the
-- connections of one wrk thread ask together, again and again.
-- Arguments: the pause (ms) after each answer, and the Authorization
-- header's value.  Counts the statuses it gets.
local threads = {}
function setup(thread)
	table.insert(threads, thread)
end
function init(args)
	pause = tonumber(args[1]) or 0
	auth = args[2]
	statuses = {}
end
function delay()
	return pause
end
function request()
	return wrk.format("GET", nil, { ["Authorization"] = auth })
end
function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
	local all = {}
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("statuses")) do all[k] = (all[k] or 0) + v end
	end
	for k, v in pairs(all) do io.write(string.format("status %d %d\n", k, v)) end
end
