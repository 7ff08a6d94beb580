# os, shutil, tempfile, glob, mmap and fcntl.flock on the VFS.
import fcntl, glob, mmap, os, shutil, tempfile

d = tempfile.mkdtemp()
p = os.path.join(d, "f")
with open(p, "w") as f:
    f.write("hello world\n" * 100)
with open(p, "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    m[0:5] = b"HELLO"
    m.flush()
    m.close()
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fcntl.flock(f, fcntl.LOCK_UN)
print(open(p).read(12), end="")
os.makedirs(os.path.join(d, "a", "b", "c"))
for i in range(5):
    open(os.path.join(d, "a", "b", f"x{i}.txt"), "w").write(str(i))
os.symlink("a/b", os.path.join(d, "lnk"))
print(sorted(os.path.basename(x) for x in glob.glob(os.path.join(d, "lnk", "*.txt"))))
shutil.copytree(os.path.join(d, "a"), os.path.join(d, "copy"), symlinks=True)
print(sorted(os.listdir(os.path.join(d, "copy", "b"))))
st = os.stat(p)
print(st.st_size, oct(st.st_mode & 0o777))
os.rename(os.path.join(d, "copy"), os.path.join(d, "moved"))
print([e.name for e in sorted(os.scandir(d), key=lambda e: e.name)])
print(os.path.realpath(os.path.join(d, "lnk")) == os.path.join(d, "a", "b"))
with tempfile.NamedTemporaryFile(dir=d) as t:
    t.write(b"x" * 10)
    t.flush()
    print(os.path.getsize(t.name))
shutil.rmtree(d)
print(os.path.exists(d))
print(os.readlink("/proc/self/cwd") == os.getcwd(), os.path.isdir("/proc/self/fd"))
