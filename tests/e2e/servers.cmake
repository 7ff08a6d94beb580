# Servers an operator runs (gunicorn, memcached, lighttpd, haproxy) natively
# and under junction, and the focused regression tests of the LibOS bugs
# they found.

# Signal frames carry the XSAVE image Linux gives the process (no AMX tile
# data unless asked for; gunicorn's gthread workers crashed the LibOS when
# a preemption copied a larger image past the top of its signal stack),
# and one too big for the alternate stack kills with SIGSEGV.
add_executable(e2e_signals_xstate_frame progs/signals_xstate_frame.c)
junction_e2e(signals_xstate_frame COMMAND $<TARGET_FILE:e2e_signals_xstate_frame>)
