using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Notifications.Bench.Ws;

/// <summary>
/// The clients' event loop: one thread per core, each with its own epoll set, waking once for every
/// batch of ready sockets and reading each with one <c>recv()</c> into the thread's one buffer (level
/// triggered: a socket with more left is reported again). .NET's socket engine reads twice per wake-up
/// (the read that completes and the next read, which finds nothing and parks) and keeps a buffer per
/// socket; this keeps the load generator's share of the two cores small, so the server is what saturates.
/// </summary>
internal sealed unsafe class EpollLoop
{
    public const int BufferSize = 64 * 1024;
    private const int MaxEvents = 512;
    private static readonly EpollLoop[] Loops = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(i => new EpollLoop(i))];
    private static long _nextId;

    /// <summary>
    /// How long a loop rests after handling a wake-up's sockets before it asks for more: what arrives
    /// meanwhile is taken in one wake-up instead of one each (interrupt coalescing, as a NIC does). It
    /// delays a receipt by at most this much, and that delay counts as the server's latency; it spares
    /// the sender the wake-ups, and the machine the context switches. 0 waits for each socket at once.
    /// </summary>
    public static int CoalesceMicroseconds { get; set; } = 500;

    private readonly int _epoll = Linux.EpollCreate();
    private readonly ConcurrentDictionary<long, WsClient> _clients = new();
    private readonly byte[] _buffer = new byte[BufferSize];

    private EpollLoop(int index) =>
        new Thread(Run) { IsBackground = true, Name = $"bench epoll {index}" }.Start();

    /// <summary>The loop that serves client <paramref name="index"/>: clients are spread over the loops round robin.</summary>
    public static EpollLoop For(int index) => Loops[index % Loops.Length];

    /// <summary>Takes <paramref name="client"/> on and starts watching its socket for <paramref name="events"/>.</summary>
    public void Add(WsClient client, int fd, long id, uint events)
    {
        _clients[id] = client;
        Watch(fd, id, events);
    }

    /// <summary>A client's key in its loop, unique in the process: epoll hands it back with each event.</summary>
    public static long NextId() => Interlocked.Increment(ref _nextId);

    public void Watch(int fd, long id, uint events) => Ctl(Linux.EPOLL_CTL_ADD, fd, id, events);

    public void Change(int fd, long id, uint events) => Ctl(Linux.EPOLL_CTL_MOD, fd, id, events);

    /// <summary>Stops watching the socket (a paused client); the client stays known.</summary>
    public void Unwatch(int fd) => Linux.EpollCtl(_epoll, Linux.EPOLL_CTL_DEL, fd, 0, 0);

    /// <summary>Forgets the client: no event is handed to it again, even one already fetched.</summary>
    public void Remove(int fd, long id)
    {
        _clients.TryRemove(id, out _);
        Unwatch(fd);
    }

    private void Ctl(int op, int fd, long id, uint events)
    {
        int errno = Linux.EpollCtl(_epoll, op, fd, events, id);
        if (errno != 0)
            throw new System.ComponentModel.Win32Exception(errno, "epoll_ctl failed");
    }

    private void Run()
    {
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Linux.EventSize));
        while (true)
        {
            int n = Linux.EpollWait(_epoll, events, MaxEvents, -1);
            for (int i = 0; i < n; i++)
            {
                if (_clients.TryGetValue(Linux.EventData(events, i), out var client))
                    client.OnReady(_buffer);
            }
            if (n is > 0 and < MaxEvents && CoalesceMicroseconds > 0)
                Linux.Sleep(CoalesceMicroseconds);
        }
    }
}
