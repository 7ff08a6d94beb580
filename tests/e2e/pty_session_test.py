#!/usr/bin/env python3
"""A terminal session natively and under `junction run`, compared.

usage: pty_session_test.py JUNCTION APP_TOML GUEST_SCRIPT

Runs `python3 GUEST_SCRIPT` in the foreground process group of a pty
slave (its stdin and stdout; stderr to a pipe), answers its prompts
through the pty master, changes the window size, types ^Z (to a handler,
then as a stop that the session leader sees and continues), ^C and ^D,
and records what the terminal shows. The two transcripts, exit statuses and stderr must
match. Every wait is bounded (a hang fails the test, it never passes it).
"""
import fcntl, os, select, signal, struct, sys, termios, time

# What the driver types after each prompt; None: a special action.
SCRIPT = [
    (b"[0]> ", b"hello\n"),
    (b"[1]> ", b"from a pty\n"),
    (b"[2]> ", b"third line\n"),
    (b"secret> ", b"hunter2\n"),
    (b"keys> ", b"abc"),
    (b"winch> ", "winch"),
    (b"tstp> ", "tstp"),
    (b"stop> ", "stop"),
    (b"intr> ", b"\x03"),
    (b"eof> ", b"\x04"),
]
TIMEOUT = 30.0


def run(cmd):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    err_r, err_w = os.pipe()
    stop_r, stop_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # A session leader owning the terminal, like a shell: the command
        # runs in its own foreground process group (not an orphaned one,
        # so ^Z really stops it); stops are reported on stop_w, then the
        # command is continued.
        os.close(master)
        os.close(err_r)
        os.close(stop_r)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        child = os.fork()
        if child == 0:
            os.setpgid(0, 0)
            signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            os.tcsetpgrp(slave, os.getpgrp())
            signal.signal(signal.SIGTTOU, signal.SIG_DFL)
            os.dup2(slave, 0)
            os.dup2(slave, 1)
            os.dup2(err_w, 2)
            os.closerange(3, 256)
            os.execvp(cmd[0], cmd)
        os.close(slave)
        os.close(err_w)
        while True:
            _, status = os.waitpid(child, os.WUNTRACED)
            if os.WIFSTOPPED(status):
                os.write(stop_w, b"S")
                os.kill(child, signal.SIGCONT)
                continue
            os._exit(os.waitstatus_to_exitcode(status) & 0xff)
    os.close(slave)
    os.close(err_w)
    os.close(stop_w)
    transcript = b""
    deadline = time.monotonic() + TIMEOUT

    def read_until(marker):
        nonlocal transcript
        while marker not in transcript:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([master], [], [], left)[0]:
                raise TimeoutError(f"no {marker!r} after {TIMEOUT}s; got {transcript!r}")
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the slave side is gone
                raise TimeoutError(f"terminal closed before {marker!r}; got {transcript!r}")
            transcript += data
        # Prompts are consumed once: the next wait looks past this one.
        head, _, tail = transcript.partition(marker)
        return head + marker, tail

    done = b""
    try:
        for marker, action in SCRIPT:
            head, transcript = read_until(marker)
            done += head
            # Signals: the line follows once the handler said it ran, as a
            # person would type on (a line typed at once may be read before
            # the signal is taken, natively too).
            if action == "winch":
                fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 132, 0, 0))
                head, transcript = read_until(b"[winch] ")
                done += head
                os.write(master, b"after winch\n")
            elif action == "tstp":
                os.write(master, b"\x1a")
                head, transcript = read_until(b"[tstp] ")
                done += head
                os.write(master, b"after tstp\n")
            elif action == "stop":
                os.write(master, b"\x1a")  # the default action stops the command
                if not select.select([stop_r], [], [], deadline - time.monotonic())[0]:
                    raise TimeoutError("^Z did not stop the command")
                os.read(stop_r, 1)
                transcript += b"[stopped, continued] "
                os.write(master, b"after cont\n")
            else:
                os.write(master, action)
        while True:  # the rest, until the guest closes the terminal
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([master], [], [], left)[0]:
                raise TimeoutError(f"no exit after {TIMEOUT}s")
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            transcript += data
    except TimeoutError as e:
        os.kill(pid, 9)  # the leader; its death hangs up the command
        os.waitpid(pid, 0)
        os.close(master)
        return None, str(e).encode(), b""
    done += transcript
    _, status = os.waitpid(pid, 0)
    err = b""
    while chunk := os.read(err_r, 4096):
        err += chunk
    os.close(master)
    return os.waitstatus_to_exitcode(status), done, err


def main():
    junction, app, guest = sys.argv[1:4]
    py = "/usr/bin/python3"
    results = {}
    for mode, cmd in (("native", [py, guest]), ("junction", [junction, "run", app, "--", py, guest])):
        results[mode] = run(cmd)
        rc, transcript, err = results[mode]
        print(f"--- {mode}: exit {rc}")
        sys.stdout.write(transcript.decode(errors="replace").replace("\r\n", "\n"))
        if err:
            sys.stdout.write("[stderr] " + err.decode(errors="replace"))
    if results["native"][0] is None:
        print("FAIL: the native run did not finish")
        return 1
    if results["native"] != results["junction"]:
        print("FAIL: the sessions differ")
        return 1
    print("PASS: same terminal session")
    return 0


sys.exit(main())
