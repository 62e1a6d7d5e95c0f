using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Notifications.Tests.Pusher.Harness;

/// <summary>
/// The Laravel app's side for tests against real server instances: the Echo page and a <c>/broadcasting/auth</c>
/// that signs with the Node SDK, on a host of its own (as a Laravel app is on its own host); the page's sockets
/// go to whichever instance <see cref="PageUri"/> names.
/// </summary>
internal sealed class PageHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PageHost(WebApplication app, Uri baseUri) => (_app, BaseUri) = (app, baseUri);

    public Uri BaseUri { get; }

    public static async Task<PageHost> StartAsync(Signer signer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/broadcasting/auth", (Delegate)((HttpContext c) => PusherTestHost.AuthorizeAsync(c, signer)));
        PusherTestHost.MapPage(app);
        app.MapGet("/favicon.ico", () => Results.NoContent());
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new PageHost(app, new Uri(address));
    }

    /// <summary>The Echo page for a user, its sockets pointed at <paramref name="server"/>.</summary>
    public Uri PageUri(Uri server, string key, string user, string name) =>
        new(BaseUri, $"/echo.html?key={key}&host=127.0.0.1&port={server.Port}&user={Uri.EscapeDataString(user)}&name={Uri.EscapeDataString(name)}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
