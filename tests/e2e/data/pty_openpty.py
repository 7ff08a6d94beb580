# A pseudo-terminal pair made by the guest (/dev/ptmx, /dev/pts/N through
# devfs) behaves as a terminal; pts numbers it does not hold stay hidden.
import os, termios
m, s = os.openpty()
print(os.ttyname(s).startswith("/dev/pts/"), os.isatty(s), os.isatty(m))
os.write(m, b"hi\n")
print(os.read(s, 10))
attrs = termios.tcgetattr(s)
attrs[3] &= ~termios.ECHO
termios.tcsetattr(s, termios.TCSANOW, attrs)
print(bool(termios.tcgetattr(s)[3] & termios.ECHO))
print(os.path.exists(os.ttyname(s)), os.path.exists("/dev/pts/99999"))
