-- tests/bench/flood.lua: a wrk(1) script for scripts/bench: a new wrong
-- password for the bench user on every request; counts the statuses it
-- gets.  Argument: the pause (ms) between two requests of one connection
-- (0: as fast as answered).
local b64c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s)
	return ((s:gsub(".", function(x)
		local r, b = "", x:byte()
		for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
		return r
	end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
		if #x < 6 then return "" end
		local c = 0
		for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
		return b64c:sub(c + 1, c + 1)
	end) .. ({ "", "==", "=" })[#s % 3 + 1])
end
local threads = {}
function setup(thread)
	table.insert(threads, thread)
	thread:set("tid", #threads)
end
function init(args)
	pause = tonumber(args[1]) or 0
	n = 0
	statuses = {}
	math.randomseed(os.time() * 1000 + (tid or 0))
end
function delay()
	return pause
end
function request()
	n = n + 1
	local pw = string.format("wrong-%d-%d-%d", tid or 0, n, math.random(1, 2000000000))
	return wrk.format("GET", nil, { ["Authorization"] = "Basic " .. b64("bench:" .. pw) })
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
