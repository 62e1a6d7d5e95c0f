using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Notifications.Transport;

/// <summary>
/// A non-blocking send on a socket's descriptor, straight to libc's <c>send()</c> (Linux only). A broadcast
/// sends to every socket, and the socket's own <c>Send</c> walks three layers and the socket object for each;
/// this touches only the handle, which stays counted for the call so the descriptor cannot be closed and
/// reused by another connection meanwhile.
/// </summary>
internal static class DescriptorSend
{
    private const int DontWait = 0x40;
    private const int NoSignal = 0x4000;
    public const int Interrupted = 4;
    private const int BadDescriptor = 9;
    public const int WouldBlock = 11;
    private const int BrokenPipe = 32;
    private const int ConnectionReset = 104;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>
    /// Sends what the kernel takes of <paramref name="bytes"/> now; returns how much, with <see cref="SocketError.WouldBlock"/>
    /// when it takes nothing. Throws <see cref="ObjectDisposedException"/> once the socket is closed, as the socket's own send does.
    /// </summary>
    public static int Send(SafeSocketHandle handle, ReadOnlySpan<byte> bytes, out SocketError error)
    {
        bool counted = false;
        try
        {
            handle.DangerousAddRef(ref counted);
            int descriptor = (int)handle.DangerousGetHandle();
            ref byte start = ref MemoryMarshal.GetReference(bytes);
            while (true)
            {
                nint sent = send(descriptor, ref start, (nuint)bytes.Length, DontWait | NoSignal);
                if (sent >= 0)
                {
                    error = SocketError.Success;
                    return (int)sent;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interrupted)
                    continue;
                error = ErrorOf(errno);
                return 0;
            }
        }
        finally
        {
            if (counted)
                handle.DangerousRelease();
        }
    }

    /// <summary>A failed send's <c>errno</c> as .NET names it; <see cref="SocketError.OperationAborted"/> for a descriptor closed already.</summary>
    public static SocketError ErrorOf(int errno) => errno switch
    {
        WouldBlock => SocketError.WouldBlock,
        ConnectionReset => SocketError.ConnectionReset,
        // The peer is gone and the socket can send no more.
        BrokenPipe => SocketError.Shutdown,
        BadDescriptor => SocketError.OperationAborted,
        _ => SocketError.SocketError,
    };

    // DllImport, not LibraryImport: every argument is blittable, so there is nothing to generate, and the project needs no unsafe code.
    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern nint send(int socket, ref byte buffer, nuint length, int flags);
}
