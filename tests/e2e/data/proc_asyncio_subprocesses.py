# asyncio runs 30 subprocesses at once, ten times: each child's output
# comes back and each exits 0. (Python's subprocess vforks; under junction
# a vfork parent woken for a closed descriptor's leftover host epoll entry
# let its child go before the exec, which then died of SIGPIPE: about one
# run in four of these rounds on two cores.)
import asyncio


async def child(i):
    p = await asyncio.create_subprocess_exec("sh", "-c", f"echo {i}; sleep 0.0{i % 5}",
                                             stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate()
    return out == f"{i}\n".encode() and p.returncode == 0


async def main():
    ok = total = 0
    for _ in range(10):
        res = await asyncio.gather(*(child(i) for i in range(30)))
        ok += sum(res)
        total += len(res)
    print(f"{ok} of {total} children printed their number and exited 0")


asyncio.run(main())
