/* Offsets into ThreadState used by the entry assembly (checked by
 * static_assert in thread_state.h). Included from .S and C++. */
#pragma once

#define TS_SELF 0
#define TS_GUEST_RSP 8
#define TS_LIBOS_STACK_TOP 16
#define TS_GUEST_FS 24
#define TS_LIBOS_FS 32
#define TS_SUD_SELECTOR 40
#define TS_SIGNAL_PENDING 41
#define TS_IN_LIBOS 42
#define TS_RSB_SPOILT 45
#define TS_HOST_WAIT_ABORT 46
#define TS_CUR_SYSCALL 72
