using System.Security.Authentication;
using Grpc.Core;

namespace Notifications.Bus.PubSub;

/// <summary>A failed call as one line an operator can act on, with no stack trace.</summary>
internal static class RpcFailure
{
    /// <summary>
    /// The status detail, or for a TLS handshake that failed (a certificate this machine does not trust,
    /// say) what the handshake said, since gRPC's own detail only says the call could not start.
    /// </summary>
    public static string Describe(RpcException e, string endpoint)
    {
        for (var inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException tls)
                return $"the TLS handshake with {endpoint} failed: {tls.Message}{Cause(tls)} (is the CA that signed its certificate trusted on this machine? SSL_CERT_FILE names a trusted CA file)";
        }
        return e.Status.Detail.Length > 0 ? e.Status.Detail : e.StatusCode.ToString();
    }

    private static string Cause(Exception tls) => tls.InnerException is { } cause ? $" ({cause.Message})" : "";
}
