# e2e tests of Linux behaviour the LibOS lacked (long paths, unshare,
# sched_setattr, per-thread /proc fields), each compared with the same
# program on Linux; included by CMakeLists.txt.

# Paths deeper than PATH_MAX reached by relative steps (openat from a deep
# descriptor, chdir, fchdir) failed with ENAMETOOLONG: the LibOS handed
# the host the whole path below the mount. Arguments of PATH_MAX bytes,
# names over NAME_MAX, getcwd and /proc/self/fd of deep files as Linux.
add_executable(e2e_fs_long_paths progs/fs_long_paths.c)
junction_e2e(fs_long_paths COMMAND $<TARGET_FILE:e2e_fs_long_paths>)
# mkdir -p, cd, pwd, find, du, tar and rm -r on a 5.5 KB deep tree.
junction_e2e(fs_deep_tree_tools COMMAND bash ${E2E_DATA}/gaps/deep_tree.sh)
