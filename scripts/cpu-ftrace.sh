#!/bin/bash
# Records what runs on one CPU (interrupts, softirqs, page faults, switches,
# wake-ups, hrtimer expiries, system calls, TLB flushes, signals) in a
# private ftrace instance with the CLOCK_MONOTONIC trace clock, so events can
# be matched to a guest's deadlines (scripts/round-events.py; docs/
# performance.md, "Busy grant tail, fifth session"). Root only.
# Usage: scripts/cpu-ftrace.sh start [CPU]     (default cpu1)
#        scripts/cpu-ftrace.sh stop OUT        (writes the trace to OUT, removes the instance)
set -eu
I=/sys/kernel/tracing/instances/junction-cpu-ftrace
case ${1:?start or stop} in
start)
  mkdir -p $I
  echo 0 >$I/tracing_on
  echo mono >$I/trace_clock
  printf '%x\n' $((1 << ${2:-1})) >$I/tracing_cpumask
  echo 200000 >$I/buffer_size_kb
  for e in irq_vectors/local_timer_entry irq_vectors/local_timer_exit irq_vectors/call_function_entry \
           irq_vectors/call_function_single_entry irq_vectors/reschedule_entry irq_vectors/irq_work_entry \
           irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit \
           exceptions/page_fault_user exceptions/page_fault_kernel sched/sched_switch sched/sched_wakeup \
           timer/hrtimer_expire_entry raw_syscalls/sys_enter tlb/tlb_flush signal/signal_generate \
           signal/signal_deliver; do
    echo 1 >$I/events/$e/enable
  done
  echo 1 >$I/tracing_on ;;
stop)
  echo 0 >$I/tracing_on
  cat $I/trace >"${2:?output file}"
  echo 0 >$I/events/enable
  rmdir $I ;;
esac
