# The guest side of the terminal session (pty_session_test.py drives it):
# terminal queries, line-mode input with and without echo, cbreak mode,
# the signals a terminal sends (SIGWINCH, ^Z to a handler and as a stop,
# ^C) and EOF (^D).
import fcntl, os, select, signal, struct, sys, termios, tty

def out(s):
    sys.stdout.write(s + "\n")
    sys.stdout.flush()

def prompt(s):
    sys.stdout.write(s)
    sys.stdout.flush()

def winsize(fd):
    return struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8)))[:2]

out(f"isatty {os.isatty(0)} {os.isatty(1)} {os.isatty(2)}")
out(f"winsize {winsize(1)}")
out(f"foreground {os.tcgetpgrp(0) == os.getpgrp()}")
out(f"ttyname same {os.ttyname(0) == os.ttyname(1)} {os.ttyname(0).startswith('/dev/pts/')}")
got = []

def noted(name, *extra):
    # Says so on the terminal: the driver types on only after seeing it.
    def handler(s, f):
        got.append((name,) + tuple(f() for f in extra))
        prompt(f"[{name}] ")
    return handler

# Python runs a handler between bytecodes: one whose signal lands just
# before a blocking read would run only once the read returns (natively
# too, more rarely). Waiting in select on stdin and on the wakeup fd lets
# the handler run whenever the signal comes.
wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)


def read_line():
    while True:
        ready = select.select([sys.stdin, wake_r], [], [])[0]
        if wake_r in ready:
            os.read(wake_r, 64)
        if sys.stdin in ready:
            return sys.stdin.readline()


signal.signal(signal.SIGWINCH, noted("winch", lambda: winsize(0)))
signal.signal(signal.SIGTSTP, noted("tstp"))

for i in range(3):
    prompt(f"[{i}]> ")
    out("you said " + sys.stdin.readline().strip().upper())

old = termios.tcgetattr(0)
quiet = termios.tcgetattr(0)
quiet[3] &= ~termios.ECHO
termios.tcsetattr(0, termios.TCSANOW, quiet)
prompt("secret> ")
secret = sys.stdin.readline()
termios.tcsetattr(0, termios.TCSADRAIN, old)
out(f"\nsecret length {len(secret.strip())} echo {bool(termios.tcgetattr(0)[3] & termios.ECHO)}")

tty.setcbreak(0)
prompt("keys> ")
keys = os.read(0, 1) + os.read(0, 1) + os.read(0, 1)
termios.tcsetattr(0, termios.TCSAFLUSH, old)
out(f"\nkeys {keys!r} icanon {bool(termios.tcgetattr(0)[3] & termios.ICANON)}")

prompt("winch> ")
line = read_line().strip()
out(f"line {line} signals {got}")

prompt("tstp> ")
line = read_line().strip()
out(f"line {line} signals {got[1:]}")

signal.signal(signal.SIGTSTP, signal.SIG_DFL)
prompt("stop> ")
line = read_line().strip()
out(f"line {line} after being stopped and continued")

try:  # before the prompt: ^C may come as soon as it is shown
    prompt("intr> ")
    read_line()
    out("no interrupt")
except KeyboardInterrupt:
    out("interrupted")

prompt("eof> ")
out(f"eof {read_line()!r}")
sys.stderr.write("stderr stays separate\n")
