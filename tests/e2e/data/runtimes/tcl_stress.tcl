# Tcl with the Thread package: exec pipelines and exit codes, a "|cat"
# channel, thread::create/join/send (sync and async) with tsv, a socket
# server with fileevent-driven async clients, after timers, files,
# background exec.
package require Thread
puts "tcl [info patchlevel] thread [package present Thread]"
# exec and pipes
puts "exec: [exec echo hello | tr a-z A-Z]"
set rc [catch {exec sh -c "exit 3"} msg opts]
puts "exit code: [lindex [dict get $opts -errorcode] 2]"
set f [open "|cat" r+]
fconfigure $f -buffering line
puts $f "through cat"
puts "pipe: [gets $f]"
close $f
set big [string repeat x 200000]
puts "big: [exec wc -c << $big]"
# threads
set tids {}
for {set i 0} {$i < 4} {incr i} {
  lappend tids [thread::create -joinable [format {
    set s 0
    for {set k 0} {$k < 100000} {incr k} { incr s $k }
    tsv::set res %d $s
  } $i]]
}
foreach t $tids { thread::join $t }
set total 0
foreach i {0 1 2 3} { incr total [tsv::get res $i] }
puts "threads total $total"
set t [thread::create]
puts "send: [thread::send $t {expr {6 * 7}}]"
thread::send -async $t {after 50; set done 1} ::asyncres
vwait ::asyncres
puts "async send done $::asyncres"
thread::release $t
# sockets and fileevent
proc accept {chan addr port} {
  fconfigure $chan -buffering line -blocking 0
  fileevent $chan readable [list echo $chan]
}
proc echo {chan} {
  if {[gets $chan line] >= 0} { puts $chan [string toupper $line] } elseif {[eof $chan]} { close $chan }
}
set srv [socket -server accept -myaddr 127.0.0.1 0]
set port [lindex [fconfigure $srv -sockname] 2]
set replies {}
proc client {i} {
  global port
  set c [socket -async 127.0.0.1 $port]
  fconfigure $c -buffering line -blocking 0
  fileevent $c writable [list sendit $c $i]
}
proc sendit {c i} {
  fileevent $c writable {}
  puts $c "msg$i"
  fileevent $c readable [list getreply $c]
}
proc getreply {c} {
  global replies
  if {[gets $c line] >= 0} { lappend replies $line; close $c; if {[llength $replies] == 5} { set ::alldone 1 } }
}
for {set i 0} {$i < 5} {incr i} { client $i }
after 10000 { set ::alldone timeout }
vwait ::alldone
puts "sockets: [lsort $replies]"
close $srv
# timers
set order {}
after 30 { lappend order 30 }
after 10 { lappend order 10 }
after 20 { lappend order 20 }
after 50 { set ::tdone 1 }
vwait ::tdone
puts "after order: $order"
set t0 [clock milliseconds]; after 100; puts "sleep ok [expr {[clock milliseconds] - $t0 >= 100}]"
# files
set fn /tmp/rt2_tcl_[pid]
set fh [open $fn w]; puts -nonewline $fh [string repeat abc 10000]; close $fh
puts "file size [file size $fn]"; file delete $fn
# background exec
set p [exec sleep 0.1 &]
puts "bg pid [string is integer $p]"
puts "glob [llength [glob -nocomplain /etc/host*]] > 0"
puts done
