-- Lua 5.4: coroutines (thousands), io.popen both ways, os.execute exit
-- codes and signals, files, GC, stack overflow caught by pcall.
-- Lua 5.4: coroutines, io.popen, os.execute, files, GC
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); local c = coroutine.yield(b * 2); return c .. "!" end)
print("coroutine", co(1), co(10), co("end"))
local gens = {}
for i = 1, 5000 do gens[i] = coroutine.create(function() coroutine.yield(i); return i * 2 end) end
local s1, s2 = 0, 0
for i = 1, 5000 do local _, v = coroutine.resume(gens[i]); s1 = s1 + v end
for i = 1, 5000 do local _, v = coroutine.resume(gens[i]); s2 = s2 + v end
print("coroutines", s1, s2)
local p = io.popen("seq 1 1000 | awk '{s+=$1} END {print s}'")
print("popen", p:read("*l")); print("close", p:close())
local w = io.popen("wc -c > /tmp/rt2_lua_wc", "w"); w:write(string.rep("y", 100000)); w:close()
local f = io.open("/tmp/rt2_lua_wc"); print("popen write", f:read("*l")); f:close(); os.remove("/tmp/rt2_lua_wc")
print("execute", os.execute("exit 4"))
print("execute sig", os.execute("kill -TERM $$"))
local fn = os.tmpname(); local fh = io.open(fn, "w"); for i = 1, 10000 do fh:write(i, "\n") end; fh:close()
local n = 0; for l in io.lines(fn) do n = n + tonumber(l) end; print("lines", n); os.remove(fn)
local t = {}; for i = 1, 200000 do t[i] = { i, tostring(i) } end; t = nil; collectgarbage(); print("gc", collectgarbage("count") < 10000)
print("clock", os.clock() >= 0, os.time() > 0, os.getenv("HOME") ~= nil)
print("date", os.date("!%Y", 0))
print(select("#", pcall(error, {code = 1})))
local ok, err = pcall(function() local function r() return 1 + r() end; return r() end); print("overflow", ok, err:match("stack overflow") ~= nil)
