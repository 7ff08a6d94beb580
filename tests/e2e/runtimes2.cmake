# More language runtimes and toolchains, each compared with native on two
# cores (and the threaded ones on one): Erlang/OTP (SMP schedulers, ports
# through erl_child_setup, the inet driver, distribution through epmd),
# Ruby, PHP (CLI, pcntl, the built-in web server), Tcl with threads, Lua,
# an offline cargo build with Debian's Rust, gcc/clang LTO builds, programs
# built with ASan/UBSan and TSan.
# scripts/install-deps.sh installs them. Included by CMakeLists.txt.
set(_rt ${E2E_DATA}/runtimes)
set(_two ${E2E_DATA}/two_cores.toml)
junction_e2e(erlang_stress_2cores APP ${_two} TIMEOUT 120 COMMAND escript ${_rt}/erlang_stress.escript)
junction_e2e(erlang_stress TIMEOUT 120 COMMAND escript ${_rt}/erlang_stress.escript)
# Scheduler binding (+sbt db) reads the CPU topology from sysfs and binds
# each scheduler thread with sched_setaffinity.
junction_e2e(erlang_sched_bind_2cores APP ${_two} COMMAND erl +S 2:2 +sbt db -noshell -eval
             "io:format(\"~p~n~p~n~p~n\", [erlang:system_info(cpu_topology), erlang:system_info(scheduler_bindings), erlang:system_info(scheduler_bind_type)]), halt().")
# inet:getiflist and inet:ifget (SIOCGIFCONF, SIOCGIF* on an inet socket).
junction_e2e(erlang_ifget COMMAND erl -noshell -eval
             "{ok, L} = inet:getiflist(), {ok, Lo} = inet:ifget(\"lo\", [addr, netmask, flags, mtu, hwaddr]), io:format(\"~p~n~p~n\", [lists:member(\"lo\", L), Lo]), halt().")
junction_e2e(erlang_tls_2cores APP ${_two} COMMAND escript ${_rt}/erlang_tls.escript)
junction_e2e(erlang_run_erl_2cores APP ${_two} COMMAND ${_rt}/erlang_run_erl.sh)
junction_e2e(erlang_dist_2cores APP ${_two} TIMEOUT 120 COMMAND ${_rt}/erlang_dist.sh)
junction_e2e(ruby_stress_2cores APP ${_two} TIMEOUT 120 COMMAND ruby ${_rt}/ruby_stress.rb)
junction_e2e(ruby_stress TIMEOUT 120 COMMAND ruby ${_rt}/ruby_stress.rb)
junction_e2e(php_stress_2cores APP ${_two} TIMEOUT 120 COMMAND php ${_rt}/php_stress.php)
junction_e2e(php_server_2cores APP ${_two} TIMEOUT 120 COMMAND ${_rt}/php_server.sh)
junction_e2e(tcl_threads_2cores APP ${_two} TIMEOUT 120 COMMAND tclsh ${_rt}/tcl_stress.tcl)
junction_e2e(lua_stress_2cores APP ${_two} TIMEOUT 120 COMMAND lua5.4 ${_rt}/lua_stress.lua)
junction_e2e(cargo_build_2cores APP ${_two} TIMEOUT 180 COMMAND ${_rt}/cargo_build.sh)
junction_e2e(c_toolchains_2cores APP ${_two} TIMEOUT 120 COMMAND ${_rt}/c_toolchains.sh)
junction_e2e(c_sanitizers_2cores APP ${_two} TIMEOUT 120 COMMAND ${_rt}/c_sanitizers.sh)
