"""Where runnable threads wait for a core: records the scheduler's switches and wake-ups for SECONDS with `perf sched
record` (root) and prints, per thread that ran, its CPU time on each core, how often and how long it waited runnable (from
being woken or preempted to running again), how much of that wait another core sat idle, and how many of its wake-ups
found the core it ran on idle, with their mean latency (the time an idle core takes to wake up and switch to it); and
each core's idle time. A thread that waits while another core idles is waiting on the scheduler's placement, not on the
machine's capacity.
usage: python3 bench/sched-waits.py [SECONDS, default 1] [THREADS, default 8]   (run it while traffic flows)"""
import collections
import re
import subprocess
import sys
import tempfile

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
shown = int(sys.argv[2]) if len(sys.argv) > 2 else 8
EVENT = re.compile(r'\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:(\w+):\s+(.*)')
PREV = re.compile(r'prev_comm=(.+?) prev_pid=(\d+)')
NEXT = re.compile(r'next_comm=(.+?) next_pid=(\d+)')
WOKEN = re.compile(r'comm=(.+?) pid=(\d+)')

with tempfile.NamedTemporaryFile(suffix='.data') as data:
    subprocess.run(['perf', 'sched', 'record', '-o', data.name, '--', 'sleep', str(seconds)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    script = subprocess.run(['perf', 'script', '-i', data.name, '-F', 'comm,tid,cpu,time,event,trace'],
                            check=True, capture_output=True, text=True).stdout

running = {}                                  # core -> (thread, since)
idle = collections.defaultdict(list)          # core -> [(from, to)]
ran = collections.defaultdict(lambda: collections.defaultdict(float))  # thread -> core -> seconds
runnable_since = {}                           # thread -> (when it became runnable, which cores were idle then)
waits = collections.defaultdict(list)         # thread -> [(from, to, core it then ran on, whether that core was idle)]
names = {}
first = last = None
for line in script.splitlines():
    m = EVENT.match(line)
    if not m:
        continue
    _, _, core, at, event, rest = m.groups()
    core, at = int(core), float(at)
    first = at if first is None else first
    last = at
    if event == 'sched_switch':
        prev, nxt = PREV.search(rest), NEXT.search(rest)
        prev_pid, next_pid = int(prev.group(2)), int(nxt.group(2))
        names[prev_pid], names[next_pid] = prev.group(1), nxt.group(1)
        if core in running:
            thread, since = running[core]
            if thread == 0:
                idle[core].append((since, at))
            else:
                ran[thread][core] += at - since
        running[core] = (next_pid, at)
        if 'prev_state=R' in rest and prev_pid != 0:  # preempted: runnable from now
            runnable_since[prev_pid] = (at, {})
        if next_pid in runnable_since:
            since, idle_then = runnable_since.pop(next_pid)
            waits[next_pid].append((since, at, core, idle_then[core] if core in idle_then else False))
    elif event in ('sched_waking', 'sched_wakeup'):
        woken = WOKEN.search(rest)
        runnable_since.setdefault(int(woken.group(2)), (at, {c: t == 0 for c, (t, _) in running.items()}))


def overlap(intervals, start, end):
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)


cores = sorted(set(idle) | set(c for t in ran.values() for c in t))
print(f'{last - first:.3f} s recorded; idle: ' + ', '.join(f'core {c} {sum(b - a for a, b in idle[c]):.3f} s' for c in cores))
print(f'{"thread":<18}{"tid":>8}  ' + ''.join(f'{"ran on " + str(c):>10}' for c in cores)
      + f'{"waits":>8}{"waited":>10}{"another core idle":>19}{"onto an idle core":>19}{"mean":>9}')
for thread in sorted(ran, key=lambda t: -sum(ran[t].values()))[:shown]:
    w = waits.get(thread, [])
    waited = sum(b - a for a, b, _, _ in w)
    beside_idle = sum(overlap(idle[c], a, b) for a, b, on, _ in w for c in cores if c != on)
    woke_idle = [b - a for a, b, _, was_idle in w if was_idle]
    mean = sum(woke_idle) / len(woke_idle) * 1e6 if woke_idle else 0
    print(f'{names.get(thread, "?"):<18}{thread:>8}  ' + ''.join(f'{ran[thread][c]:>9.3f}s' for c in cores)
          + f'{len(w):>8}{waited:>9.3f}s{beside_idle:>18.3f}s{len(woke_idle):>19}{mean:>7.0f}us')
