using System.Net.Sockets;
using Google.Apis.Auth.OAuth2;
using Grpc.Core;
using Grpc.Net.Client;
using Notifications.Configuration;

namespace Notifications.Bus.PubSub;

/// <summary>Opens the gRPC channel: plaintext HTTP/2 to the emulator, or TLS with OAuth tokens to Google.</summary>
internal static class PubSubChannelFactory
{
    private const string PubSubScope = "https://www.googleapis.com/auth/pubsub";

    /// <summary>The channel and the project it addresses (from the settings, else from the service account key).</summary>
    public static (GrpcChannel Channel, string Project) Create(PubSubOptions options)
    {
        if (options.Mode == BusMode.Emulator)
            return (GrpcChannel.ForAddress($"http://{options.EmulatorHost}", ChannelOptions(null)), options.EffectiveProjectId!);

        var serviceAccount = LoadServiceAccount(options);
        string project = options.EffectiveProjectId ?? serviceAccount.ProjectId
            ?? throw new InvalidOperationException("No Pub/Sub project: set PUBSUB_PROJECT_ID, or use a service account key that names its project_id.");

        // PUBSUB_ENDPOINT: Google's global endpoint, or a locational one that keeps messages in one region.
        string endpoint = $"https://{options.Endpoint}";
        var credential = serviceAccount.ToGoogleCredential().CreateScoped(PubSubScope);
        var token = (ITokenAccess)credential;
        var callCredentials = CallCredentials.FromInterceptor(async (context, metadata) =>
        {
            string accessToken = await token.GetAccessTokenForRequestAsync(endpoint, context.CancellationToken);
            metadata.Add("authorization", $"Bearer {accessToken}");
        });
        var credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, callCredentials);
        return (GrpcChannel.ForAddress(endpoint, ChannelOptions(credentials)), project);
    }

    // Type-specific loading: a key of any other type (an external account, say) is refused
    // instead of being trusted blindly, which is why GoogleCredential.FromJson is obsolete.
    internal static ServiceAccountCredential LoadServiceAccount(PubSubOptions options) =>
        string.IsNullOrWhiteSpace(options.CredentialsJson)
            ? CredentialFactory.FromFile<ServiceAccountCredential>(options.CredentialsFile!)
            : CredentialFactory.FromJson<ServiceAccountCredential>(options.CredentialsJson);

    /// <summary>Connects to the endpoint SocketsHttpHandler asks for (TLS, when used, goes on top), with no delay on small writes.</summary>
    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static GrpcChannelOptions ChannelOptions(ChannelCredentials? credentials) => new()
    {
        Credentials = credentials ?? ChannelCredentials.Insecure,
        HttpHandler = new SocketsHttpHandler
        {
            // Pings notice a half-open connection that would otherwise leave the pull stream silent forever. Only while
            // a call is open: a server may answer pings on a connection with no calls as abuse (gRPC's "too_many_pings").
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
            // A connect of our own (the plain one SocketsHttpHandler would make) keeps Grpc.Net.Client from
            // putting its own socket transport under the handler, which connects and watches the socket for its
            // load balancing: one Pub/Sub endpoint needs none of it, and it is more for the JIT to compile
            // before the first call can complete (docs/benchmarks.md, decision log).
            ConnectCallback = ConnectAsync,
        },
        // A pull response holds at most what PubSubBus lets be outstanding plus the message that crossed it (Pub/Sub's
        // messages are up to 10 MB). One too large for this limit would fail the stream every time it came back.
        MaxReceiveMessageSize = 32 * 1024 * 1024,
    };
}
