using Notifications.Bench.Reference;

// The idiomatic ASP.NET Core WebSocket server, as the documentation and templates write one: the
// WebSockets middleware, AcceptWebSocketAsync, one bounded Channel and one writer per socket, and
// System.Text.Json with a source-generated context. It speaks what the bench's clients need (welcome,
// alerts broadcast to everyone, /healthz with the socket count) and nothing more: the yardstick for
// "what a good ASP.NET developer would write", beside bench/Floor ("the least any server can do").
//
//   dotnet build -c Release bench/Reference
//   dotnet run -c Release --project bench -- compare --servers ours,floor,reference,node
//
// It listens where the bench tells a server to (ASPNETCORE_URLS).

var builder = WebApplication.CreateBuilder(args);
// What the template's appsettings.json says: the framework's per-request lines only from Warning up.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
// The listen backlog the floor and ours use (Kestrel's default is 512), so a reconnect storm measures
// the server, not SYNs dropped by a short accept queue.
builder.WebHost.UseSockets(o => o.Backlog = 4096);
builder.Services.AddSingleton<Peers>();

var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
app.MapGet("/healthz", (Peers peers) => Results.Json(new Health("ready", peers.Count), WireJson.Default.Health));
app.Map("/ws", async (HttpContext context, Peers peers) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
        return Results.BadRequest();
    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    await new Peer(socket, peers, app.Logger).RunAsync(context.RequestAborted);
    return Results.Empty;
});
app.Run();
