-- get.lua — wrk script for bench/api.sh: GET one path with a bearer token.
-- BENCH_TOKEN: the session token (empty for the minimal server); BENCH_PATH: the path.
local token = os.getenv("BENCH_TOKEN") or ""
local path = os.getenv("BENCH_PATH") or "/"

wrk.method = "GET"
wrk.path = path
wrk.headers["Accept"] = "application/json"
if token ~= "" then
	wrk.headers["Authorization"] = "Bearer " .. token
end
