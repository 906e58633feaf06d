# Runs a command (Debian's age) under a pseudo-terminal and types AGE_TEST_PASSPHRASE at each of its
# passphrase prompts: age reads passphrases only from a terminal. Used by the xunit and Pester tests.
# Usage: python3 age-with-passphrase.py age -d -o out file.age
import os, pty, sys
pw = os.environ["AGE_TEST_PASSPHRASE"].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
seen, answered = b"", 0
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    prompts = seen.lower().count(b"passphrase")
    if prompts > answered and seen.rstrip().endswith(b":"):
        os.write(fd, pw)
        answered = prompts
_, status = os.waitpid(pid, 0)
sys.stderr.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
