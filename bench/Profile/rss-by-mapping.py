#!/usr/bin/env python3
"""RSS of a process split by what is mapped: `bench/Profile/rss-by-mapping.py PID`.

Reads /proc/PID/smaps and sums Rss, Private_Dirty and Shared per group: each file mapped (the
framework's composite image, libcoreclr, ICU, ...), and the anonymous mappings by kind: thread
stacks (a read-write region right above a small guard region), the GC's reservation, and the
rest (the runtime's own heaps, the JIT's, native allocations). Used for docs/benchmarks.md.
"""
import collections
import re
import sys

pid = sys.argv[1]
groups = collections.defaultdict(lambda: [0, 0, 0, 0])  # rss, private dirty, shared, count
header = re.compile(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$')
current, size, prev_end, prev_perms, prev_size = None, 0, None, None, 0
with open(f'/proc/{pid}/smaps') as smaps:
    for line in smaps:
        m = header.match(line)
        if m:
            start, end, perms, name = int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4).strip()
            size = end - start
            if name.startswith('/'):
                key = name
            elif name:
                key = name  # [heap], [stack], [vdso], ...
            elif perms == 'rw-p' and prev_perms == '---p' and prev_end == start and prev_size <= 64 << 10:
                # glibc maps a thread's stack with a small guard page below it
                key = '[anon: thread stacks]'
            elif size >= 256 << 30:
                key = '[anon: GC reservation (256 GiB range)]'
            else:
                key = f'[anon {perms}]'
            current = key
            groups[current][3] += 1
            prev_end, prev_perms, prev_size = end, perms, size
            continue
        field, _, value = line.partition(':')
        if current is None:
            continue
        if field == 'Rss':
            groups[current][0] += int(value.split()[0])
        elif field == 'Private_Dirty':
            groups[current][1] += int(value.split()[0])
        elif field in ('Shared_Clean', 'Shared_Dirty'):
            groups[current][2] += int(value.split()[0])

total = sum(g[0] for g in groups.values())
print(f'{"RSS KiB":>9} {"priv dirty":>10} {"shared":>8} {"maps":>5}  mapping')
for key, (rss, dirty, shared, count) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
    if rss >= 256:
        print(f'{rss:9} {dirty:10} {shared:8} {count:5}  {key}')
print(f'{total:9} total ({total / 1024:.1f} MiB)')


def category(name):
    if name.endswith('.r2r.dll'):
        return 'composite ReadyToRun image (the framework\'s and our precompiled code)'
    if name.endswith('.dll'):
        return 'assemblies\' IL and metadata (each .dll mapped)'
    if 'doublemapper' in name:
        return 'doublemapper: JIT-compiled code, stubs, loader heaps (W^X double mapping)'
    if name.startswith('[anon rw'):
        return 'anonymous read-write: GC heap, runtime and native allocations'
    if 'thread stacks' in name:
        return 'thread stacks'
    if name == '[heap]':
        return 'malloc heap ([heap])'
    if 'libcoreclr' in name or 'libclrjit' in name:
        return 'libcoreclr.so + libclrjit.so'
    if '.so' in name:
        return 'other native libraries (libc, libstdc++, System.Native, OpenSSL, ...)'
    return 'other'


totals = collections.defaultdict(int)
for key, (rss, _, _, _) in groups.items():
    totals[category(key)] += rss
print()
for name, rss in sorted(totals.items(), key=lambda kv: -kv[1]):
    print(f'{rss / 1024:9.1f} MiB  {name}')
