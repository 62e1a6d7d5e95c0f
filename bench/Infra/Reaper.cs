using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Notifications.Bench.Infra;

/// <summary>
/// Every child process the bench starts is registered here and killed, with its whole process group,
/// when the bench exits for any reason: normal end, failure, Ctrl-C or SIGTERM.
/// </summary>
internal static class Reaper
{
    public const int SigKill = 9, SigTerm = 15;
    private static readonly HashSet<int> Groups = [];
    private static readonly CancellationTokenSource StopSource = new();
    private static PosixSignalRegistration? _sigint, _sigterm;

    /// <summary>Fires on the first Ctrl-C or SIGTERM; scenarios stop at their next check and clean up.</summary>
    public static CancellationToken Stopping => StopSource.Token;

    public static void Install()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    private static void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (StopSource.IsCancellationRequested)
        {
            // A second Ctrl-C: no more patience; kill everything and leave now.
            KillAll();
            Environment.Exit(130);
        }
        Console.Error.WriteLine("Stopping: cleaning up the processes this run started (Ctrl-C again to kill at once)...");
        StopSource.Cancel();
    }

    /// <summary>Starts a program as the leader of a new process group (via setsid), so its children die with it.</summary>
    public static Process StartGroup(string program, IEnumerable<string> args, string logPath, IDictionary<string, string?> env)
    {
        // setsid execs in place (the child is not a group leader), and sh execs the program, so the pid is the program's.
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (string a in new[] { "sh", "-c", "log=$1; shift; exec \"$@\" >\"$log\" 2>&1", "sh", logPath, program }.Concat(args))
            info.ArgumentList.Add(a);
        foreach (var (key, value) in env)
        {
            if (value is null)
                info.Environment.Remove(key);
            else
                info.Environment[key] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        lock (Groups)
            Groups.Add(process.Id);
        return process;
    }

    public static void Signal(int pid, int signal) => _ = kill(pid, signal);

    public static void SignalGroup(int pid, int signal) => _ = kill(-pid, signal);

    public static void Forget(int pid)
    {
        lock (Groups)
            Groups.Remove(pid);
    }

    public static void KillAll()
    {
        lock (Groups)
        {
            foreach (int pid in Groups)
                SignalGroup(pid, SigKill);
            Groups.Clear();
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
