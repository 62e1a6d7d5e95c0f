#!/usr/bin/env python3
"""Where a connection's CPU goes: `perf script -i perf.data | bench/Profile/steps.py`.

Each sample's stack is read from the leaf towards the root; the first frame that names one of the
steps below decides where the sample counts (so a log call inside the welcome counts as logging,
a send() inside the 101 as the 101). Samples with no such frame count by where they ran: the JIT,
the runtime (libcoreclr: allocation, GC, stubs, type loads), or the kernel outside any known step.
Needs the runtime's perf map for managed names (DOTNET_PerfMapEnabled=1; with W^X on, JIT-compiled
code sits in a memfd that perf cannot name, so profile with DOTNET_EnableWriteXorExecute=0).
"""
import collections
import re
import sys

STEPS = [
    ('logging', r'Serilog|Microsoft\.Extensions\.Logging|LoggerMessage|\+Log::|\.Log::|LogOpened|LogClosed'),
    ('metrics', r'NotificationsMetrics|System\.Diagnostics\.Metrics|Prometheus|MeterListener|Instrument`'),
    ('SHA-1 (accept key)', r'SHA1|libcrypto|HashProviderDispenser|EvpHash|CryptoNative_Evp'),
    ('welcome JSON', r'Frames::Welcome|JsonSerializer|Utf8JsonWriter|WelcomeMessage|NotificationsJsonContext|FleetDirectory::Presence'),
    ('registry + attach (fan-out)', r'ConnectionRegistry|AlertFanout::Attach|RecentAlerts'),
    ('admission', r'Admission::|OriginPolicy'),
    ('parse the head', r'UpgradeRequest::'),
    ('101 (build + send)', r'SwitchingProtocols|DirectWire::WriteAsync'),
    ('peek (wait, MSG_PEEK, discard)', r'DirectUpgrade::Peek|PeekHandshake|DirectUpgrade::Discard|ReceiveAsync.*Empty'),
    ('connection object, pumps, keep-alive', r'Connection::\.ctor|Connection::RunAsync|PumpStarter|KeepAlive|TokenBucket'),
    ('receive loop and close (reset, teardown)', r'Connection::Receive|SocketReader|Connection::Send|DirectWire::|SocketWire|CloseReason|Connection::Finish|Connection::Abort'),
    ('accept (thread, accept4, socket object)', r'DirectListener::AcceptLoop|DirectListener::AcceptOne|Socket::Accept|accept4|__sys_accept|inet_csk_accept'),
    ('upgrade plumbing (DirectUpgrade, listener)', r'DirectUpgrade::|DirectListener::'),
    ('HTTP (/healthz via Kestrel)', r'Kestrel|Microsoft\.AspNetCore'),
    ('thread pool, timers, async machinery', r'PortableThreadPool|ThreadPoolWorkQueue|WorkerThread|LowLevelLifoSemaphore|TimerQueue|sched_yield|AsyncStateMachineBox|ExecutionContext::Run'),
    ('socket engine (epoll loop)', r'SocketAsyncEngine|SocketAsyncContext|epoll_wait|do_epoll'),
]
COMPILED = [(name, re.compile(pattern)) for name, pattern in STEPS]

counts = collections.Counter()
where = collections.Counter()
total = 0
stack = []


def flush():
    global total
    if not stack:
        return
    total += 1
    for frame in stack:
        for name, pattern in COMPILED:
            if pattern.search(frame):
                counts[name] += 1
                return
    leaf = stack[0]
    if 'libclrjit' in leaf:
        counts['JIT (libclrjit, tiering)'] += 1
    elif 'libcoreclr' in leaf:
        counts['runtime, no managed caller known (GC, stubs, type loads)'] += 1
    elif '[kernel' in leaf:
        counts['kernel, no managed caller known (TCP, softirq, scheduler)'] += 1
    else:
        counts['other'] += 1
        where[leaf.split()[-1] if leaf.split() else leaf] += 1


for line in sys.stdin:
    line = line.rstrip('\n')
    if not line.strip():
        flush()
        stack = []
    elif line.startswith((' ', '\t')):
        stack.append(line.strip())
    # a header line starts a sample: its frames follow, leaf first
flush()

print(f'{total} samples')
for name, n in counts.most_common():
    print(f'{100 * n / total:6.1f} %  {name}')
if where:
    print('\n"other" leaves:', ', '.join(f'{k} {v}' for k, v in where.most_common(8)))
