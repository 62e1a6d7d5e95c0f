using System.Runtime.InteropServices;

namespace Notifications.Bench.Ws;

/// <summary>
/// The few Linux calls the clients' own event loop makes (<see cref="EpollLoop"/>): epoll, and
/// non-blocking connect, send and recv on a socket's descriptor. .NET's own socket engine never sees
/// these sockets, so no wake-up or receive is paid twice.
/// </summary>
internal static unsafe partial class Linux
{
    public const int EAGAIN = 11, EINTR = 4, EINPROGRESS = 115;
    public const uint EPOLLIN = 0x001, EPOLLOUT = 0x004;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    private const int MSG_DONTWAIT = 0x40, MSG_NOSIGNAL = 0x4000, EPOLL_CLOEXEC = 0x80000;
    private const short POLLOUT = 0x004;

    /// <summary>
    /// <c>struct epoll_event</c> is packed on x86-64 (12 bytes, data at 4) and naturally aligned elsewhere
    /// (16 bytes, data at 8), so events are read from raw bytes at the right stride.
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = EventSize == 12 ? 4 : 8;

    public static int EpollCreate() => Check(epoll_create1(EPOLL_CLOEXEC), "epoll_create1");

    /// <summary>Adds, changes or removes <paramref name="fd"/>; returns the errno (0 on success).</summary>
    public static int EpollCtl(int epoll, int op, int fd, uint events, long data)
    {
        byte* e = stackalloc byte[16];
        *(uint*)e = events;
        *(long*)(e + DataOffset) = data;
        return epoll_ctl(epoll, op, fd, e) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>Waits for events into <paramref name="events"/> (room for <paramref name="max"/>); returns how many, 0 on EINTR.</summary>
    public static int EpollWait(int epoll, byte* events, int max, int timeoutMs)
    {
        int n = epoll_wait(epoll, events, max, timeoutMs);
        return n >= 0 ? n : Marshal.GetLastPInvokeError() == EINTR ? 0 : Check(n, "epoll_wait");
    }

    public static long EventData(byte* events, int i) => *(long*)(events + i * EventSize + DataOffset);

    /// <summary>Starts a non-blocking connect to an IPv4 address; returns the errno (0 if already connected, EINPROGRESS if under way).</summary>
    public static int ConnectIPv4(int fd, ReadOnlySpan<byte> address, int port)
    {
        byte* sa = stackalloc byte[16];
        new Span<byte>(sa, 16).Clear();
        *(ushort*)sa = 2; // AF_INET, host order
        sa[2] = (byte)(port >> 8);
        sa[3] = (byte)port;
        address.CopyTo(new Span<byte>(sa + 4, 4));
        return connect(fd, sa, 16) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>One non-blocking recv: bytes read, 0 at end of stream, or minus the errno.</summary>
    public static int Recv(int fd, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            nint n = recv(fd, b, buffer.Length, MSG_DONTWAIT);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>One non-blocking send: bytes written, or minus the errno.</summary>
    public static int Send(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* b = data)
        {
            nint n = send(fd, b, data.Length, MSG_DONTWAIT | MSG_NOSIGNAL);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Waits until <paramref name="fd"/> can take more bytes, or the timeout passes.</summary>
    public static void WaitWritable(int fd, int timeoutMs)
    {
        long pfd = (uint)fd | ((long)POLLOUT << 32); // struct pollfd { int fd; short events; short revents; }
        poll(&pfd, 1, timeoutMs);
    }

    /// <summary>The <see cref="System.Net.Sockets.SocketError"/> for the errnos a client socket meets, so failures read as .NET's would.</summary>
    public static System.Net.Sockets.SocketError ToSocketError(int errno) => errno switch
    {
        111 => System.Net.Sockets.SocketError.ConnectionRefused,
        104 => System.Net.Sockets.SocketError.ConnectionReset,
        110 => System.Net.Sockets.SocketError.TimedOut,
        32 => System.Net.Sockets.SocketError.Shutdown, // EPIPE
        99 => System.Net.Sockets.SocketError.AddressNotAvailable,
        98 => System.Net.Sockets.SocketError.AddressAlreadyInUse,
        101 => System.Net.Sockets.SocketError.NetworkUnreachable,
        103 => System.Net.Sockets.SocketError.ConnectionAborted,
        105 => System.Net.Sockets.SocketError.NoBufferSpaceAvailable,
        113 => System.Net.Sockets.SocketError.HostUnreachable,
        107 => System.Net.Sockets.SocketError.NotConnected,
        9 => System.Net.Sockets.SocketError.OperationAborted, // EBADF: closed under us
        _ => System.Net.Sockets.SocketError.SocketError,
    };

    /// <summary>Sleeps for microseconds (<c>Thread.Sleep</c> counts in milliseconds).</summary>
    public static void Sleep(int microseconds) => usleep((uint)microseconds);

    private static int Check(int result, string call) =>
        result >= 0 ? result : throw new System.ComponentModel.Win32Exception(Marshal.GetLastPInvokeError(), $"{call} failed");

    [LibraryImport("libc")]
    private static partial int usleep(uint us);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, byte* addr, int len);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(long* fds, nuint nfds, int timeout);
}
