using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Notifications.Transport;

/// <summary>One send of <see cref="SendRing.SendAll"/>: a socket's handle and the bytes for it.</summary>
internal readonly record struct RingSend(SafeSocketHandle Handle, byte[] Buffer, int Length);

/// <summary>
/// An io_uring (Linux) that makes many non-blocking sends, each to its own socket, in one system call: a
/// broadcast's part of the sockets costs one entry into the kernel instead of one per socket, which on a
/// virtual machine is much of a send's price. Each send completes at once, as a <c>send()</c> with
/// <c>MSG_DONTWAIT</c> would: with what the socket took, or an error (<c>EAGAIN</c> when it took
/// nothing), never waiting. One thread uses a ring at a time (<see cref="SendRings"/> lends them out).
/// </summary>
internal sealed class SendRing : IDisposable
{
    private const long SetupCall = 425, EnterCall = 426, RegisterCall = 427; // the same on every architecture
    private const long EnterGetEvents = 1, RegisterProbe = 8;
    private const byte SendOp = 26;
    private const ushort OpSupported = 1;
    private const uint FeatureSingleMmap = 1;
    private const int ProtReadWrite = 3, MapShared = 1, MapPopulate = 0x8000;
    private const long SqRingOffset = 0, CqRingOffset = 0x8000000, SqesOffset = 0x10000000;
    private const int DontWait = 0x40, NoSignal = 0x4000;
    private const int SqeSize = 64, CqeSize = 16;
    private const int Interrupted = 4, InputOutput = 5, BadDescriptor = 9, Again = 11, OutOfMemory = 12, Busy = 16;

    /// <summary>Bytes staged per submission: a broadcast's frame once for all the sockets it goes to, and a socket's frame of its own each.</summary>
    public const int StagingBytes = 64 * 1024;

    /// <summary>A send's result when the ring failed before making it: nothing was sent, and the caller sends it another way.</summary>
    public const int NotSent = int.MinValue;

    private readonly int _fd;
    private readonly nint _sqRing, _cqRing, _sqes;
    private readonly nuint _sqRingSize, _cqRingSize, _sqesSize;
    private readonly nint _sqHead, _sqTail, _sqArray, _cqHead, _cqTail, _cqes;
    private readonly uint _sqMask, _cqMask;
    // Per entry of one submission: the handle counted until its send has completed.
    private readonly bool[] _counted;
    // Per queued entry of one submission: the index of its send.
    private readonly int[] _sendOf;
    // Where the sends' bytes are copied for the kernel to read: native memory, which the GC never moves.
    private readonly nint _staging;
    // A send the kernel took may still read it (see Complete): then it is never freed.
    private bool _stagingInUse;
    private bool _disposed;

    /// <summary>Sends per submission; <see cref="SendAll"/> takes any number, this many at a time.</summary>
    public int Capacity { get; }

    private SendRing(int fd, in RingParams p, nint sqRing, nuint sqRingSize, nint cqRing, nuint cqRingSize, nint sqes, nuint sqesSize)
    {
        _fd = fd;
        // A completion ring of size 0 shares the submission ring's mapping (IORING_FEAT_SINGLE_MMAP).
        (_sqRing, _sqRingSize, _cqRing, _cqRingSize, _sqes, _sqesSize) = (sqRing, sqRingSize, cqRing, cqRingSize, sqes, sqesSize);
        _sqHead = sqRing + (nint)p.SqHead;
        _sqTail = sqRing + (nint)p.SqTail;
        _sqMask = (uint)Marshal.ReadInt32(sqRing + (nint)p.SqRingMask);
        _sqArray = sqRing + (nint)p.SqArray;
        _cqHead = cqRing + (nint)p.CqHead;
        _cqTail = cqRing + (nint)p.CqTail;
        _cqMask = (uint)Marshal.ReadInt32(cqRing + (nint)p.CqRingMask);
        _cqes = cqRing + (nint)p.Cqes;
        Capacity = (int)p.SqEntries;
        _counted = new bool[Capacity];
        _sendOf = new int[Capacity];
        _staging = Marshal.AllocHGlobal(StagingBytes);
        // The submission array maps slot i to entry i, once: entries are always filled in slot order.
        for (int i = 0; i < Capacity; i++)
            Marshal.WriteInt32(_sqArray + i * 4, i);
    }

    /// <summary>A ring of <paramref name="entries"/> sends; null with the reason when this kernel or its sandbox has none to give.</summary>
    public static SendRing? TryCreate(int entries, out string? unavailable)
    {
        unavailable = null;
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            unavailable = "not 64-bit Linux";
            return null;
        }
        var p = new RingParams();
        int fd;
        try
        {
            fd = (int)syscall(SetupCall, entries, ref p, 0, 0, 0, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            unavailable = e.Message;
            return null;
        }
        if (fd < 0)
        {
            // ENOSYS before Linux 5.1, EPERM where a sandbox (seccomp) or kernel.io_uring_disabled forbids it.
            unavailable = $"io_uring_setup failed (errno {Marshal.GetLastPInvokeError()})";
            return null;
        }
        nint sqRing = -1, cqRing = -1, sqes = -1;
        nuint sqSize = p.SqArray + p.SqEntries * 4, cqSize = p.Cqes + p.CqEntries * CqeSize, sqesSize = p.SqEntries * SqeSize;
        bool single = (p.Features & FeatureSingleMmap) != 0;
        if (single)
            sqSize = cqSize = Math.Max(sqSize, cqSize);
        sqRing = mmap(0, sqSize, ProtReadWrite, MapShared | MapPopulate, fd, SqRingOffset);
        cqRing = single ? sqRing : mmap(0, cqSize, ProtReadWrite, MapShared | MapPopulate, fd, CqRingOffset);
        sqes = mmap(0, sqesSize, ProtReadWrite, MapShared | MapPopulate, fd, SqesOffset);
        if (sqRing == -1 || cqRing == -1 || sqes == -1 || !SupportsSend(fd))
        {
            unavailable = sqes == -1 || sqRing == -1 || cqRing == -1 ? "mapping the ring failed" : "this kernel's io_uring has no send (before Linux 5.6)";
            Unmap(sqRing, sqSize);
            if (!single)
                Unmap(cqRing, cqSize);
            Unmap(sqes, sqesSize);
            close(fd);
            return null;
        }
        return new SendRing(fd, p, sqRing, sqSize, cqRing, single ? 0 : cqSize, sqes, sqesSize);
    }

    private static bool SupportsSend(int fd)
    {
        // struct io_uring_probe: 16 bytes, then 8 per operation; an operation's flags are its bytes 2 and 3.
        const int Ops = 64;
        var probe = new byte[16 + Ops * 8];
        if (syscall(RegisterCall, fd, RegisterProbe, probe, Ops, 0, 0) < 0)
            return false;
        int opsLength = probe[1];
        return SendOp < opsLength && (BitConverter.ToUInt16(probe, 16 + SendOp * 8 + 2) & OpSupported) != 0;
    }

    /// <summary>
    /// Sends each of <paramref name="sends"/> without waiting; <paramref name="results"/>[i] is how many bytes the
    /// socket took, or the negated <c>errno</c> (-11, <c>EAGAIN</c>, when it took none; -9, <c>EBADF</c>, when the socket was closed
    /// already), or <see cref="NotSent"/>.
    /// </summary>
    public void SendAll(ReadOnlySpan<RingSend> sends, Span<int> results)
    {
        results.Fill(NotSent);
        for (int start = 0; start < sends.Length && !_disposed;)
        {
            int count = Math.Min(Capacity, sends.Length - start);
            start += Submit(sends.Slice(start, count), results.Slice(start, count));
        }
    }

    /// <summary>
    /// Submits the sends from the start of <paramref name="sends"/> until the staging area is full, and returns how many it took.
    /// Each send's bytes are copied there first, so the kernel reads no managed memory: a frame pinned for the
    /// submission's length would hold up the GC's compaction of the newest objects in every collection that came meanwhile.
    /// </summary>
    private int Submit(ReadOnlySpan<RingSend> sends, Span<int> results)
    {
        int taken = 0, queued = 0, staged = 0, stagedLength = 0;
        byte[]? last = null;
        nint address = 0;
        try
        {
            uint tail = (uint)Marshal.ReadInt32(_sqTail);
            for (; taken < sends.Length; taken++)
            {
                var send = sends[taken];
                ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)send.Length, (uint)send.Buffer.Length, nameof(sends));
                // A send longer than the whole area sends what fits; the caller sends the rest, as after any partial send.
                int length = Math.Min(send.Length, StagingBytes);
                // A broadcast gives most sockets the same frame: staged once for all of them.
                bool stagedAlready = ReferenceEquals(send.Buffer, last) && length <= stagedLength;
                if (!stagedAlready && staged + length > StagingBytes)
                    break;
                // Counted until the send completes, so the descriptor cannot be closed and given to another socket meanwhile.
                try
                {
                    send.Handle.DangerousAddRef(ref _counted[taken]);
                }
                catch (ObjectDisposedException)
                {
                    results[taken] = -BadDescriptor;
                    continue;
                }
                if (!stagedAlready)
                {
                    address = _staging + staged;
                    Marshal.Copy(send.Buffer, 0, address, length);
                    staged += length;
                    (last, stagedLength) = (send.Buffer, length);
                }
                WriteSend(tail + (uint)queued, (int)send.Handle.DangerousGetHandle(), address, length, taken);
                _sendOf[queued++] = taken;
            }
            if (queued > 0)
            {
                Interlocked.MemoryBarrier();
                Marshal.WriteInt32(_sqTail, (int)(tail + (uint)queued));
                Submissions++;
                Complete(tail, queued, results);
            }
            return taken;
        }
        finally
        {
            for (int i = 0; i < sends.Length; i++)
            {
                if (_counted[i])
                {
                    sends[i].Handle.DangerousRelease();
                    _counted[i] = false;
                }
            }
        }
    }

    private void WriteSend(uint position, int descriptor, nint buffer, int length, int index)
    {
        nint sqe = _sqes + (nint)((position & _sqMask) * SqeSize);
        Marshal.WriteInt64(sqe, SendOp);            // opcode, flags, ioprio, then fd at 4
        Marshal.WriteInt32(sqe + 4, descriptor);
        Marshal.WriteInt64(sqe + 8, 0);             // offset
        Marshal.WriteInt64(sqe + 16, buffer);
        Marshal.WriteInt32(sqe + 24, length);
        Marshal.WriteInt32(sqe + 28, DontWait | NoSignal);
        Marshal.WriteInt64(sqe + 32, index);        // user_data
        Marshal.WriteInt64(sqe + 40, 0);
        Marshal.WriteInt64(sqe + 48, 0);
        Marshal.WriteInt64(sqe + 56, 0);
    }

    /// <summary>
    /// Hands the queued sends (from <paramref name="tail"/> on) to the kernel and reads every completion; they are done
    /// inline, since none may wait. If the kernel refuses the call itself, what it had not taken is taken back (reported
    /// <see cref="NotSent"/>); a send it took and did not answer may still be under way, so it is reported failed
    /// (<c>-EIO</c>: its connection is dropped) and the staging area it may still read is never freed.
    /// </summary>
    private void Complete(uint tail, int queued, Span<int> results)
    {
        int seen = 0;
        while (seen < queued)
        {
            uint unsubmitted = (uint)Marshal.ReadInt32(_sqTail) - (uint)Marshal.ReadInt32(_sqHead);
            long entered = syscall(EnterCall, _fd, unsubmitted, queued - seen, EnterGetEvents, 0, 0);
            int errno = entered < 0 ? Marshal.GetLastPInvokeError() : 0;
            seen += Harvest(results);
            if (entered >= 0 || errno == Interrupted)
                continue;
            Marshal.WriteInt32(_sqTail, Marshal.ReadInt32(_sqHead));
            seen += Harvest(results);
            int consumed = (int)((uint)Marshal.ReadInt32(_sqHead) - tail);
            for (int q = 0; q < consumed; q++)
            {
                if (results[_sendOf[q]] == NotSent)
                {
                    results[_sendOf[q]] = -InputOutput;
                    _stagingInUse = true;
                }
            }
            // Out of memory for the requests is passing; anything else means the ring itself is wrong.
            if (_stagingInUse || errno is not (Again or Busy or OutOfMemory))
            {
                IsBroken = true;
                Dispose();
            }
            return;
        }
    }

    /// <summary>Reads the completions posted so far into <paramref name="results"/>; returns how many.</summary>
    private int Harvest(Span<int> results)
    {
        uint head = (uint)Marshal.ReadInt32(_cqHead);
        Interlocked.MemoryBarrier();
        uint tail = (uint)Marshal.ReadInt32(_cqTail);
        Interlocked.MemoryBarrier();
        int count = 0;
        for (; head != tail; head++, count++)
        {
            nint cqe = _cqes + (nint)((head & _cqMask) * CqeSize);
            results[(int)Marshal.ReadInt64(cqe)] = Marshal.ReadInt32(cqe + 8);
        }
        Interlocked.MemoryBarrier();
        Marshal.WriteInt32(_cqHead, (int)head);
        return count;
    }

    /// <summary>The kernel refused the ring itself (not a send on it); it is closed, and its sends not made were reported <see cref="NotSent"/>.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>Submissions made, for tests that check how sends were grouped.</summary>
    internal long Submissions { get; private set; }

    /// <summary>The ring's descriptor, for tests that put another file in its place so that the kernel refuses the ring.</summary>
    internal int Descriptor => _fd;

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Unmap(_sqes, _sqesSize);
        if (_cqRingSize != 0)
            Unmap(_cqRing, _cqRingSize);
        Unmap(_sqRing, _sqRingSize);
        close(_fd);
        if (!_stagingInUse)
            Marshal.FreeHGlobal(_staging);
    }

    private static void Unmap(nint address, nuint size)
    {
        if (address != -1 && address != 0)
            munmap(address, size);
    }

    /// <summary>struct io_uring_params: what the kernel says of the ring it made, and where each part lies in its mappings.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RingParams
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd, Resv0, Resv1, Resv2;
        public uint SqHead, SqTail, SqRingMask, SqRingEntries, SqFlags, SqDropped, SqArray, SqResv1;
        public ulong SqUserAddr;
        public uint CqHead, CqTail, CqRingMask, CqRingEntries, CqOverflow, Cqes, CqFlags, CqResv1;
        public ulong CqUserAddr;
    }

    // DllImport, as DescriptorSend: every argument is blittable, and the project needs no unsafe code.
    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long syscall(long number, long entries, ref RingParams p, long a3, long a4, long a5, long a6);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long syscall(long number, long fd, long opcode, byte[] arg, long count, long a5, long a6);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long syscall(long number, long fd, long toSubmit, long minComplete, long flags, long a5, long a6);

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint address, nuint length);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
