-- fcgi-authz.lua: an HAProxy (2.6 or later) action that asks fcgi-authzd's
-- HTTP forward-auth listener before a request is served (docs/servers.md,
-- HTTP forward auth), with HAProxy's own HTTP client (core.httpclient).
-- fcgi-authz.cfg beside it shows the frontend that uses it.
--
--     global
--         lua-load /etc/haproxy/fcgi-authz.lua
--     frontend www
--         http-request lua.fcgi_authz unix@/run/fcgi-authz/http.sock
--
-- The argument is the listener's address as HAProxy writes one:
-- unix@/path for [server] http = unix:/path, or 127.0.0.1:9092.
--
-- The daemon is asked with a GET that describes the client's request in
-- headers set here from HAProxy's own sample fetches, never copied from
-- the client: X-Forwarded-Method, X-Forwarded-Uri (the path and query as
-- received), X-Forwarded-For (the address HAProxy saw), X-Forwarded-Proto
-- and X-Forwarded-Host.  Only the client's Authorization goes with them.
-- What the daemon answered is left in variables for the frontend's rules:
--   txn.authz_status       its status; 500 when it could not be asked
--   txn.authz_user         Remote-User, Remote-Groups and Remote-Rule of
--   txn.authz_groups       a 200 (empty on a public path)
--   txn.authz_rule
--   txn.authz_challenge    the first WWW-Authenticate of a 401
--   txn.authz_retry_after  Retry-After of a 429

-- The first value of a header of the daemon's answer, or "".
local function answer_header(res, name)
	local h = res.headers and res.headers[name]
	if h == nil or h[0] == nil then
		return ""
	end
	return h[0]
end

local function fcgi_authz(txn, dst)
	local headers = {
		["x-forwarded-method"] = { txn.sf:method() },
		["x-forwarded-uri"] = { txn.sf:pathq() },
		["x-forwarded-for"] = { txn.sf:src() },
		["x-forwarded-proto"] = { txn.sf:ssl_fc() and "https" or "http" },
		["x-forwarded-host"] = { txn.sf:req_hdr("host") or "" },
	}
	-- Every Authorization line the client sent: the daemon refuses a
	-- repeated one, which a single value would hide.
	local auth = txn.http:req_get_headers()["authorization"]
	if auth ~= nil then
		local lines = {}
		for _, v in pairs(auth) do
			lines[#lines + 1] = v
		end
		headers["authorization"] = lines
	end

	local res = core.httpclient():get{
		url = "http://fcgi-authz/",
		dst = dst,
		headers = headers,
		timeout = 30000,
	}
	-- No answer (the daemon is down, or too slow): fail closed.
	if res == nil or res.status == nil or res.status == 0 then
		txn:set_var("txn.authz_status", 500)
		return
	end
	txn:set_var("txn.authz_status", res.status)
	txn:set_var("txn.authz_user", answer_header(res, "remote-user"))
	txn:set_var("txn.authz_groups", answer_header(res, "remote-groups"))
	txn:set_var("txn.authz_rule", answer_header(res, "remote-rule"))
	txn:set_var("txn.authz_challenge",
	    answer_header(res, "www-authenticate"))
	txn:set_var("txn.authz_retry_after", answer_header(res, "retry-after"))
end

core.register_action("fcgi_authz", { "http-req" }, fcgi_authz, 1)
