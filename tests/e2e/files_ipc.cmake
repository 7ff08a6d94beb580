# e2e tests of files, terminals and IPC objects (issue 5), kept apart from
# programs.cmake so parallel work does not collide; included by
# CMakeLists.txt after it.

# Terminals (issue 5): a session on a pty (isatty, window size, termios,
# SIGWINCH, ^Z, ^C, ^D, a stop and continue) compared transcript for
# transcript, and a pty pair the guest opens itself.
add_test(NAME e2e.pty_session
         COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/pty_session_test.py $<TARGET_FILE:junction>
                 ${E2E_APP} ${E2E_DATA}/pty_guest.py)
set_tests_properties(e2e.pty_session PROPERTIES LABELS e2e TIMEOUT 120
  PASS_REGULAR_EXPRESSION "PASS: same terminal session")
junction_e2e(pty_openpty COMMAND python3 ${E2E_DATA}/pty_openpty.py)
# A background process changing its terminal (tcsetpgrp, tcsetattr) with
# SIGTTOU blocked, ignored (allowed) and default (stopped until continued).
add_executable(e2e_pty_background_tcsetpgrp progs/pty_background_tcsetpgrp.c)
junction_e2e(pty_background_tcsetpgrp COMMAND $<TARGET_FILE:e2e_pty_background_tcsetpgrp>)
# A pty's slave opened by a process that holds no end of it while another
# holds the master (run_erl's child), and gone once the master is closed.
add_executable(e2e_pty_slave_other_process progs/pty_slave_other_process.c)
junction_e2e(pty_slave_other_process COMMAND $<TARGET_FILE:e2e_pty_slave_other_process>)

# signalfd (readers, poll and epoll woken when a signal becomes pending;
# siginfo fields by sender; SIGCHLD) and the temporary masks of
# ppoll/pselect6/epoll_pwait while the handler runs; on one core and two.
add_executable(e2e_ipc_signalfd progs/ipc_signalfd.c)
target_link_libraries(e2e_ipc_signalfd PRIVATE pthread)
junction_e2e(ipc_signalfd COMMAND $<TARGET_FILE:e2e_ipc_signalfd>)
junction_e2e(ipc_signalfd_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_ipc_signalfd>)

# timerfd, and TFD_TIMER_CANCEL_ON_SET with CLOCK_REALTIME set from outside
# (to its own value; skipped without CAP_SYS_TIME).
add_executable(e2e_ipc_timerfd progs/ipc_timerfd.c)
target_link_libraries(e2e_ipc_timerfd PRIVATE pthread)
junction_e2e(ipc_timerfd COMMAND $<TARGET_FILE:e2e_ipc_timerfd>)
add_test(NAME e2e.ipc_timerfd_cancel
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/timerfd_cancel_test.sh $<TARGET_FILE:junction> ${E2E_APP}
                 $<TARGET_FILE:e2e_ipc_timerfd>)
set_tests_properties(e2e.ipc_timerfd_cancel PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77)

# The CPUs a program sees are the container's cores (sysfs possible/present/
# online and cpuN, /proc/cpuinfo, sysconf, affinity, getcpu), and file
# mappings in /proc/self/maps carry their device and inode: compared with
# native on a two-core container (this machine's size), and on one core
# against the expected values.
junction_e2e(cpu_view_2cores_vs_native APP ${E2E_DATA}/two_cores.toml COMMAND sh ${E2E_DATA}/cpu_view.sh)
add_test(NAME e2e.cpu_view_1core COMMAND $<TARGET_FILE:junction> run -- sh ${E2E_DATA}/cpu_view.sh)
set_tests_properties(e2e.cpu_view_1core PROPERTIES LABELS e2e
  PASS_REGULAR_EXPRESSION "possible 0\npresent 0\nonline 0\ncpu0\nonline\npossible\npresent\n.*nproc 1 conf 1 onln 1\ncpuinfo processors 1\ncpu_count 1 affinity \\[0\\]\ngetcpu in range True\nsched_getcpu in range True\nfile mappings checked True"
  FAIL_REGULAR_EXPRESSION "mismatch")

# The CPU topology in sysfs (cpuN/topology, node/node0): each core its own,
# in one package and one NUMA node, compared with native on two cores and
# against the expected values on one (cluster_id is 65535 where the host
# kernel knows no clusters, as 6.x kernels on these VMs, else the core).
junction_e2e(cpu_topology_2cores_vs_native APP ${E2E_DATA}/two_cores.toml COMMAND sh ${E2E_DATA}/cpu_topology.sh)
add_test(NAME e2e.cpu_topology_1core COMMAND $<TARGET_FILE:junction> run -- sh ${E2E_DATA}/cpu_topology.sh)
set_tests_properties(e2e.cpu_topology_1core PROPERTIES LABELS e2e
  PASS_REGULAR_EXPRESSION "^cpu0/cluster_cpus: 1\ncpu0/cluster_cpus_list: 0\ncpu0/cluster_id: (0|65535)\ncpu0/core_cpus: 1\ncpu0/core_cpus_list: 0\ncpu0/core_id: 0\ncpu0/core_siblings: 1\ncpu0/core_siblings_list: 0\ncpu0/die_cpus: 1\ncpu0/die_cpus_list: 0\ncpu0/die_id: 0\ncpu0/package_cpus: 1\ncpu0/package_cpus_list: 0\ncpu0/physical_package_id: 0\ncpu0/thread_siblings: 1\ncpu0/thread_siblings_list: 0\nhas_cpu\nhas_memory\nhas_normal_memory\nnode0\nonline\npossible\nnode/online: 0\nnode/possible: 0\nnode/has_cpu: 0\nnode/has_memory: 0\nnode/has_normal_memory: 0\ncpu0\ncpulist\ncpumap\nnode0 cpulist 0 cpumap 1\n/sys/devices/system/node/node0/cpu0 -> ../../cpu/cpu0 0\n$")

# Unix sockets on paths make socket files (EADDRINUSE, ENOENT after unlink,
# relative paths, symlinks); mkfifo.
junction_e2e(ipc_unix_paths COMMAND python3 ${E2E_DATA}/ipc_unix_paths.py)
junction_e2e(fs_synthetic_new_names COMMAND python3 ${E2E_DATA}/fs_synthetic_new_names.py)

# Unix stream sends in Linux's skb units (36544 bytes): a buffer faulting
# part-way (past a file's end, past the mapping) sends the units before the
# fault with send, sendto, sendmsg and write; the send buffer's limits as
# Linux charges them (sizes from 1 byte to 64 KiB, SO_SNDBUF set, POLLOUT
# at a quarter); a 256 MiB blocking send read by another thread (one core
# and two).
add_executable(e2e_ipc_unix_stream_units progs/ipc_unix_stream_units.c)
target_link_libraries(e2e_ipc_unix_stream_units PRIVATE pthread)
junction_e2e(ipc_unix_stream_units COMMAND $<TARGET_FILE:e2e_ipc_unix_stream_units>)
junction_e2e(ipc_unix_stream_units_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_ipc_unix_stream_units>)
# A send that queues nothing takes its SCM_RIGHTS back; a sender blocked on
# a full socket learns of its peer closing or shutting reading (EPIPE, SIGPIPE
# after the bytes).
add_executable(e2e_ipc_unix_send_failure progs/ipc_unix_send_failure.c)
target_link_libraries(e2e_ipc_unix_send_failure PRIVATE pthread)
junction_e2e(ipc_unix_send_failure COMMAND $<TARGET_FILE:e2e_ipc_unix_send_failure>)

# EPOLLEXCLUSIVE wakes one of two epoll instances waiting on one eventfd.
add_executable(e2e_ipc_epoll_exclusive progs/ipc_epoll_exclusive.c)
target_link_libraries(e2e_ipc_epoll_exclusive PRIVATE pthread)
junction_e2e(ipc_epoll_exclusive COMMAND $<TARGET_FILE:e2e_ipc_epoll_exclusive>)
junction_e2e(ipc_epoll_exclusive_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_ipc_epoll_exclusive>)

# Blocking FIFO opens park the uthread, not the kthread: a read-open and a
# write-open in two threads of one process (one core and two), O_NONBLOCK
# opens (ENXIO without a reader), O_RDWR; and a shell using mkfifo.
add_executable(e2e_fs_fifo_open progs/fs_fifo_open.c)
target_link_libraries(e2e_fs_fifo_open PRIVATE pthread)
junction_e2e(fs_fifo_open COMMAND $<TARGET_FILE:e2e_fs_fifo_open>)
junction_e2e(fs_fifo_open_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_fs_fifo_open>)
junction_e2e(fs_fifo_shell COMMAND bash ${E2E_DATA}/fs_fifo_shell.sh)

# inotify on a host directory, compared with native (events of create,
# write, rename, chmod, unlink, mkdir/rmdir; blocking read, poll, epoll,
# errors).
add_executable(e2e_fs_inotify progs/fs_inotify.c)
target_link_libraries(e2e_fs_inotify PRIVATE pthread)
junction_e2e(fs_inotify COMMAND $<TARGET_FILE:e2e_fs_inotify>)
# compare.sh with junction serving /dev/shm and config tmpfs mounts from
# the LibOS's own tmpfs, as on a host without a writable /dev/shm
# (data/junction_libos_tmpfs.sh; skipped without the root it needs).
function(junction_e2e_libos_tmpfs name app)
  add_test(NAME e2e.${name}
           COMMAND sh -c "unshare --mount true 2>/dev/null && exec \"$@\" || exit 77" sh
                   ${E2E_COMPARE} ${E2E_DATA}/junction_libos_tmpfs.sh ${app} ${ARGN})
  set_tests_properties(e2e.${name} PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77
                       ENVIRONMENT "JUNCTION=$<TARGET_FILE:junction>")
endfunction()
# inotify on tmpfs (progs/fs_inotify_tmpfs.c on /dev/shm: natively the
# host's tmpfs, under junction the LibOS's, one core and two, or the
# host-backed /dev/shm), with a host directory on the same descriptor (one
# order), the queue's merging and overflow, readiness and blocking calls
# woken by either kind, procfs and sysfs watches.
add_executable(e2e_fs_inotify_tmpfs progs/fs_inotify_tmpfs.c)
target_link_libraries(e2e_fs_inotify_tmpfs PRIVATE pthread)
junction_e2e_libos_tmpfs(fs_inotify_tmpfs ${E2E_APP} -- $<TARGET_FILE:e2e_fs_inotify_tmpfs> /dev/shm)
junction_e2e_libos_tmpfs(fs_inotify_tmpfs_2cores ${E2E_DATA}/two_cores.toml
                         -- $<TARGET_FILE:e2e_fs_inotify_tmpfs> /dev/shm)
junction_e2e(fs_inotify_shm COMMAND $<TARGET_FILE:e2e_fs_inotify_tmpfs> /dev/shm)
# Real programs: CPython (ctypes for the inotify calls) on the LibOS tmpfs,
# then an instance on a host directory shared across fork; Node's fs.watch
# (libuv: inotify in its epoll loop) on the LibOS tmpfs and on a host
# directory; inotifywait (inotify-tools) in a child process watching a host
# directory that its parent shell changes.
junction_e2e_libos_tmpfs(fs_inotify_python ${E2E_APP} -- python3 ${E2E_DATA}/fs_inotify.py /dev/shm)
junction_e2e_libos_tmpfs(fs_inotify_node ${E2E_APP} -- node ${E2E_DATA}/node_fs_watch.js /dev/shm /tmp)
junction_e2e(fs_inotifywait COMMAND bash ${E2E_DATA}/fs_inotifywait.sh)

# Context switch counts per thread in /proc/self/status, task/TID/status and
# thread-self (voluntary: sleeps; involuntary: two spinners on one CPU).
add_executable(e2e_proc_ctxt_switches progs/proc_ctxt_switches.c)
target_link_libraries(e2e_proc_ctxt_switches PRIVATE pthread)
junction_e2e(proc_ctxt_switches COMMAND $<TARGET_FILE:e2e_proc_ctxt_switches>)
junction_e2e(proc_ctxt_switches_2cores APP ${E2E_DATA}/two_cores.toml COMMAND $<TARGET_FILE:e2e_proc_ctxt_switches>)

# A config tmpfs mount shared across fork and exec (files a child makes are
# the parent's, a shell subprocess's too), statfs, and its size limit held
# across processes, compared with a real 1M tmpfs; its host directory is
# gone after the container exits.
add_executable(e2e_fs_tmpfs_shared progs/fs_tmpfs_shared.c)
add_test(NAME e2e.fs_tmpfs_shared
         COMMAND bash ${E2E_DATA}/fs_tmpfs_shared.sh $<TARGET_FILE:junction>
                 $<TARGET_FILE:e2e_fs_tmpfs_shared> ${E2E_DATA}/tmpfs_shared.toml)
set_tests_properties(e2e.fs_tmpfs_shared PROPERTIES LABELS e2e TIMEOUT 120)
# A full tmpfs (1M): a write that does not fit writes what fits and
# returns the short count, then ENOSPC (write, pwrite, writev, pwritev,
# O_APPEND); holes are free, fallocate gets all of its range or ENOSPC.
# On the shared config mount (fs_tmpfs_shared.sh), and on the LibOS's own
# tmpfs (the same config, run through junction_libos_tmpfs.sh: needs root).
add_executable(e2e_fs_tmpfs_full progs/fs_tmpfs_full.c)
add_test(NAME e2e.fs_tmpfs_full
         COMMAND bash ${E2E_DATA}/fs_tmpfs_shared.sh $<TARGET_FILE:junction>
                 $<TARGET_FILE:e2e_fs_tmpfs_full> ${E2E_DATA}/tmpfs_shared.toml)
set_tests_properties(e2e.fs_tmpfs_full PROPERTIES LABELS e2e TIMEOUT 120)
add_test(NAME e2e.fs_tmpfs_full_libos
         COMMAND sh -c "unshare --mount true 2>/dev/null && exec \"$@\" || exit 77" sh
                 bash ${E2E_DATA}/fs_tmpfs_shared.sh ${E2E_DATA}/junction_libos_tmpfs.sh
                 $<TARGET_FILE:e2e_fs_tmpfs_full> ${E2E_DATA}/tmpfs_shared.toml)
set_tests_properties(e2e.fs_tmpfs_full_libos PROPERTIES LABELS e2e TIMEOUT 120 SKIP_RETURN_CODE 77
                     ENVIRONMENT "JUNCTION=$<TARGET_FILE:junction>")

# O_TMPFILE on a host directory and on tmpfs, named later with linkat.
add_executable(e2e_fs_tmpfile progs/fs_tmpfile.c)
junction_e2e(fs_tmpfile COMMAND $<TARGET_FILE:e2e_fs_tmpfile>)

# A static program trying every way out of a bare container root
# (e2e.fs_root_boundary in programs.cmake runs it).
add_executable(e2e_fs_escape progs/fs_escape.c)
target_link_options(e2e_fs_escape PRIVATE -static)

# cat /proc/self/maps: the same files at the same offsets with the same
# permissions as natively (addresses and the kernel's [vvar]/[vsyscall]
# differ).
junction_e2e(fs_proc_self_maps FILTER "awk '$6 ~ /^\\//{print $2, $3, $6}' | sort" COMMAND cat /proc/self/maps)
# faccessat2(fd, "", AT_EMPTY_PATH) after the file was renamed or unlinked.
add_executable(e2e_fs_access_empty_path progs/fs_access_empty_path.c)
junction_e2e(fs_access_empty_path COMMAND $<TARGET_FILE:e2e_fs_access_empty_path>)
