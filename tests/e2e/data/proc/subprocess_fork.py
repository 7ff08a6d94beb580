import os, subprocess, multiprocessing
r = subprocess.run(["echo", "hello from child"], capture_output=True, text=True)
print(r.returncode, r.stdout.strip())
r = subprocess.run("exit 7", shell=True)
print("shell rc", r.returncode)
pid = os.fork()
if pid == 0:
    os._exit(5)
_, st = os.waitpid(pid, 0)
print("fork status", os.waitstatus_to_exitcode(st))
