using Notifications.Hosting;

var builder = NotificationsApp.CreateBuilder(args);
builder.AddNotifications();

var app = builder.Build();
app.MapNotifications();

await app.RunAsync();
