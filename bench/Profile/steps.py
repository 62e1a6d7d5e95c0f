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

# Frames are named either way: the JIT's perf map writes Namespace.Class::Method, a Native AOT image's
# symbols Assembly_Namespace_Class__Method. M joins a class to its method in both.
M = r'(?:::|__)'
STEPS = [
    ('logging', r'Serilog|Microsoft[._]Extensions[._]Logging|LoggerMessage|[+_.]Log' + M + r'|LogOpened|LogClosed|ConnectionSummaryLog'),
    ('metrics', r'NotificationsMetrics|System[._]Diagnostics[._]Metrics|Prometheus|MeterListener|Instrument`'),
    ('SHA-1 (accept key)', r'SHA1|libcrypto|HashProviderDispenser|EvpHash|CryptoNative_Evp|Handshake' + M + r'AcceptKey'),
    ('101 (build)', r'SwitchingProtocols'),
    ('welcome JSON', r'Frames' + M + r'Welcome|JsonSerializer|Utf8JsonWriter|WelcomeMessage|NotificationsJsonContext|FleetDirectory' + M + r'Presence|Welcomes' + M),
    ('registry + join (feed)', r'ConnectionRegistry|AlertFanout' + M + r'Join|RecentAlerts'),
    ('close and reset (receive loop end, teardown)', r'Connection' + M + r'RunAsync|SocketReader|SocketReceiver|BareSocketWire' + M + r'(?:End|Close|Abort)|CloseReason|Connection' + M + r'RequestClose|BareSocketListener' + M + r'(?:Ended|Left)|Admission' + M + r'Release|Socket' + M + r'Dispose|SafeSocketHandle'),
    ('admission', r'Admission' + M + r'|OriginPolicy|Handshake' + M + r'Check|TokenCarrier'),
    ('parse the head', r'HandshakeHead' + M + r'|UpgradeRequest' + M),
    ('send (101 and welcome: pump, send())', r'BareSocketWire' + M + r'(?:WriteAsync|Send|WriteAfterAnswer)|Connection' + M + r'(?:PumpAsync|TakeBatch|RunPump|ReleasePump|EnqueueReplay|Open)|IThreadPoolWorkItem_Execute|DirectWire' + M + r'WriteAsync'),
    ('peek (MSG_PEEK, wait, discard)', r'BareSocketHandshake' + M + r'(?:Peek|WaitForFirstBytes|Discard)|PeekHandshake|DirectUpgrade' + M + r'(?:Peek|Discard)'),
    ('connection object, keep-alive', r'Connection' + M + r'_?ctor|Connection' + M + r'\.ctor|ConnectionHost' + M + r'|KeepAlive|TokenBucket|FrameReader'),
    ('accept (thread, accept4, socket object)', r'BareSocketListener' + M + r'Accept|DirectListener' + M + r'Accept|Socket' + M + r'Accept|accept4|__sys_accept|inet_csk_accept'),
    ('upgrade plumbing (handshake, listener)', r'BareSocketHandshake' + M + r'|BareSocketListener' + M + r'|DirectUpgrade' + M + r'|DirectListener' + M),
    ('GC (collections)', r'gc_heap|WKS::|SVR::|GCHeap|GCToEEInterface|gc_thread'),
    ('HTTP (/healthz via Kestrel)', r'Kestrel|Microsoft[._]AspNetCore'),
    ('thread pool spinning (sched_yield)', r'LowLevelSpinWaiter|sched_yield|Thread' + M + r'Yield|RhSpinWait'),
    ('thread pool, timers, async machinery', r'PortableThreadPool|ThreadPoolWorkQueue|WorkerThread|LowLevelLifoSemaphore|TimerQueue|AsyncStateMachineBox|ExecutionContext' + M + r'Run|AsyncTaskMethodBuilder|futex'),
    # libc's syscall wrappers have no frame pointers, so perf's stacks stop there: named by the call.
    ('send() (the 101, the welcome; caller not unwound)', r'\b__send\b|__libc_send\b'),
    ('recv() (peek, discard, reads; caller not unwound)', r'__libc_recv\b|\b__recv\b'),
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
