-- post.lua — wrk script for bench/run.sh: POST /api/v1/cases with a bearer token, each
-- request a generated fictional case with its own combination of names, counting the
-- 201s (each one a committed case) and every other answer.
--
-- BENCH_TOKEN: the session token. BENCH_TEMPLATES: a file of case bodies, one JSON
-- object a line, with the placeholders @FIRST@ and @LAST@ for the child's names.
-- BENCH_FIRST: a file of "SEX NAME" lines (a first name and the sex of the child who
-- bore it); BENCH_LAST: a file of last names, one a line; names JSON-escaped. All three come from cases
-- that `routecare gen` made (fictional). done() prints one line:
--     bench-post created=N other=N duration_us=N
local token = os.getenv("BENCH_TOKEN") or ""
local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

local function lines(path)
	local t = {}
	for l in io.lines(path) do
		if l ~= "" then
			t[#t + 1] = l
		end
	end
	if #t == 0 then
		error("post.lua: " .. path .. " is empty")
	end
	return t
end

function init(args)
	local all = {}

	templates = lines(os.getenv("BENCH_TEMPLATES"))
	lasts = lines(os.getenv("BENCH_LAST"))
	firsts = {}		-- sex -> first names
	for _, l in ipairs(lines(os.getenv("BENCH_FIRST"))) do
		local sex, name = l:match("^(%S+) (.+)$")
		if sex ~= nil then
			firsts[sex] = firsts[sex] or {}
			table.insert(firsts[sex], name)
			all[#all + 1] = name
		end
	end
	sexes = {}		-- template -> the first names that fit its sex
	for i, t in ipairs(templates) do
		sexes[i] = firsts[t:match('"sex":"(%a+)"') or ""] or all
	end
	created, other, n = 0, 0, 0
	headers = {
		["Content-Type"] = "application/json",
		["Accept"] = "application/json",
		["Authorization"] = "Bearer " .. token,
	}
end

-- Request n of thread tid: templates in turn, first names of the template's sex and
-- last names walked at different strides, each thread starting elsewhere.
function request()
	local i = (n + 7 * tid) % #templates + 1
	local f = sexes[i]
	local first = f[(math.floor(n / #templates) + tid) % #f + 1]
	local last = lasts[(n + 31 * tid) % #lasts + 1]
	local body = templates[i]

	n = n + 1
	body = body:gsub("@FIRST@", (first:gsub("%%", "%%%%")))
	body = body:gsub("@LAST@", (last:gsub("%%", "%%%%")))
	return wrk.format("POST", "/api/v1/cases", headers, body)
end

function response(status, hdrs, body)
	if status == 201 then
		created = created + 1
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local c, o = 0, 0
	for _, t in ipairs(threads) do
		c = c + t:get("created")
		o = o + t:get("other")
	end
	io.write(string.format("bench-post created=%d other=%d duration_us=%d\n", c, o,
	    summary.duration))
end
