"""Reading `strace -f -y -o FILE` output.

With -f, a call interrupted by another traced process is split into
"NAME(ARGS <unfinished ...>" and later "<... NAME resumed>ARGS) = RET";
a parser that reads single lines only loses such calls. read_calls()
joins the halves and keeps the call at the place where it started, so
"X happened before call Y started" checks stay strict."""
import re

_WHOLE = re.compile(r"^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")
_START = re.compile(r"^(\d+)\s+(\w+)\((.*?)\s*<unfinished \.\.\.>\s*$")
_RESUMED = re.compile(r"^(\d+)\s+<\.\.\. (\w+) resumed>\s*(.*)\)\s+=\s+(-?\d+|\?)")
_FD = re.compile(r"^\d+<([^>]*)>")


def read_calls(path):
    """[(pid, name, args, ret)] in start order; unfinished calls that
    never resumed (the process was killed or strace detached) are kept
    with ret '?'."""
    calls = []
    pending = {}
    for line in open(path, errors="replace"):
        m = _WHOLE.match(line)
        if m and "<unfinished ...>" not in line:
            calls.append([int(m.group(1)), m.group(2), m.group(3), m.group(4)])
            continue
        m = _START.match(line)
        if m:
            call = [int(m.group(1)), m.group(2), m.group(3), "?"]
            pending[(call[0], call[1])] = call
            calls.append(call)
            continue
        m = _RESUMED.match(line)
        if m:
            call = pending.pop((int(m.group(1)), m.group(2)), None)
            if call is not None:
                call[2] += m.group(3)
                call[3] = m.group(4)
    return [tuple(c) for c in calls]


def fd_path(args):
    """The path strace -y printed for a call's first (fd) argument."""
    m = _FD.match(args)
    return m.group(1) if m else None
