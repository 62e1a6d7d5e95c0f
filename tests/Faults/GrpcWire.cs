using System.Buffers.Binary;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Notifications.Tests.Faults;

/// <summary>The little of gRPC's HTTP/2 mapping the front needs: length-prefixed messages, statuses, the request body passed on as it arrives.</summary>
internal static class GrpcWire
{
    /// <summary>Completes when the token fires.</summary>
    public static Task WhenCancelled(this CancellationToken token) => Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default);

    /// <summary>One whole gRPC message (its 5-byte prefix included), or null at the end of the stream.</summary>
    public static async Task<byte[]?> ReadMessageAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[5];
        int read = 0;
        while (read < prefix.Length)
        {
            int n = await stream.ReadAsync(prefix.AsMemory(read), cancellationToken);
            if (n == 0)
                return read == 0 ? null : throw new IOException("The gRPC stream ended inside a message prefix.");
            read += n;
        }
        int length = BinaryPrimitives.ReadInt32BigEndian(prefix.AsSpan(1));
        var message = new byte[prefix.Length + length];
        prefix.CopyTo(message, 0);
        await stream.ReadExactlyAsync(message.AsMemory(prefix.Length), cancellationToken);
        return message;
    }

    /// <summary>A trailers-only answer: HTTP 200 with the status in the headers and no body, as a gRPC server refuses a call.</summary>
    public static void RefuseInHeaders(HttpResponse response, StatusCode status, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString();
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }

    /// <summary>Ends a response whose headers and messages went out already with a status in its trailers.</summary>
    public static void EndWithTrailers(HttpResponse response, StatusCode status, string message)
    {
        response.AppendTrailer("grpc-status", ((int)status).ToString());
        response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
    }

    /// <summary>
    /// The request body, copied to the emulator as it arrives (a StreamingPull's acks flow for as long as the
    /// stream lives). It ends when the client half-closes, or when <paramref name="halfClose"/> fires: then the
    /// emulator's request is completed, a graceful half-close. A client that vanishes is only noticed then.
    /// </summary>
    public sealed class StreamingBody(Stream source, CancellationToken halfClose) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream target, TransportContext? context, CancellationToken cancellationToken)
        {
            var buffer = new byte[16 * 1024];
            while (await ReadAsync(buffer) is > 0 and var read)
            {
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await target.FlushAsync(cancellationToken);
            }
        }

        private async Task<int> ReadAsync(byte[] buffer)
        {
            try
            {
                return await source.ReadAsync(buffer, halfClose);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                await halfClose.WhenCancelled();
                return 0;
            }
        }

        protected override Task SerializeToStreamAsync(Stream target, TransportContext? context) =>
            SerializeToStreamAsync(target, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
