# e2e tests of everyday Unix tools and scripts (shells, coreutils, git,
# make, archives), kept apart from programs.cmake so parallel work does not
# collide; included by CMakeLists.txt after it.

# `ulimit -s`: the main stack of an exec'd program grows to RLIMIT_STACK
# (8 MiB was fixed), and execve's argument limits follow it (E2BIG before
# the old image is gone).
# Limits below 128 KiB too (the strings may not outgrow the limit).
add_executable(e2e_proc_stack_rlimit progs/proc_stack_rlimit.c)
target_compile_options(e2e_proc_stack_rlimit PRIVATE -O0)
add_executable(e2e_proc_exec_arg_rlimit progs/proc_exec_arg_rlimit.c)
junction_e2e(tools_stack_limits COMMAND bash ${E2E_DATA}/tools/stack_limits.sh $<TARGET_FILE:e2e_proc_stack_rlimit>
             $<TARGET_FILE:e2e_proc_exec_arg_rlimit>)
# SIGSEGV/SIGBUS/SIGILL/SIGFPE sent by kill, not a fault: the target died
# with status 0 after a "LibOS bug" line, and a guest handler never ran.
junction_e2e(tools_signals_sent_faults COMMAND bash ${E2E_DATA}/tools/signals_sent_faults.sh)
# The guest's int3 with SIGTRAP default, ignored, handled or blocked, and a
# SIGTRAP sent by another process: a sent one was lost and left the host's
# SIGTRAP action at its default (a later int3 with a handler dumped core);
# an int3 with no handler went on past itself.
add_executable(e2e_signals_int3 progs/signals_int3.c)
junction_e2e(tools_signals_int3 COMMAND $<TARGET_FILE:e2e_signals_int3>)
# Everyday workloads compared with Linux on two cores: bash features
# scripts lean on, git's whole local workflow, and tar with its compressor
# children (gzip, xz -T2, bzip2, zstd).
junction_e2e(tools_bash_features APP ${E2E_DATA}/two_cores.toml COMMAND bash ${E2E_DATA}/tools/bash_features.sh)
junction_e2e(tools_git_workflow APP ${E2E_DATA}/two_cores.toml COMMAND bash ${E2E_DATA}/tools/git_workflow.sh)
junction_e2e(tools_archives APP ${E2E_DATA}/two_cores.toml COMMAND bash ${E2E_DATA}/tools/archives.sh)
# F_GETLK from a host-backed file named the holder by its host pid.
add_executable(e2e_fs_getlk_pid progs/fs_getlk_pid.c)
junction_e2e(tools_getlk_pid COMMAND $<TARGET_FILE:e2e_fs_getlk_pid>)
# A pidfd's fdinfo had no Pid:/NSpid: lines.
junction_e2e(tools_pidfd_fdinfo COMMAND python3 ${E2E_DATA}/tools/pidfd_fdinfo.py)
# /proc/self/stat and status had the host parent's pid, the pid as group
# and session, one thread, and no NS*id lines.
junction_e2e(tools_proc_self_ids COMMAND python3 ${E2E_DATA}/tools/proc_self_ids.py)
# vmstat(8) needs /proc/vmstat ("Unable to create vmstat structure"); its
# figures differ from run to run: the headers and the -s line names.
junction_e2e(tools_vmstat FILTER "sed -e 's/^ *[0-9]* //' -e 's/  */ /g'" COMMAND bash -c "vmstat | head -2 && vmstat -s")
# /proc/self/stat's CPU times and start time were 0.
junction_e2e(tools_proc_self_times COMMAND python3 ${E2E_DATA}/tools/proc_self_times.py)
# mlock family (ENOSYS before: gpg warned "using insecure memory").
add_executable(e2e_mm_mlock progs/mm_mlock.c)
junction_e2e(tools_mm_mlock COMMAND $<TARGET_FILE:e2e_mm_mlock>)
