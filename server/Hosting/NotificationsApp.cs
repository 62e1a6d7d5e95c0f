namespace Notifications.Hosting;

public static class NotificationsApp
{
    /// <summary>
    /// A slim builder rooted at the app's own folder, so the page in <c>wwwroot/</c> is found
    /// whatever directory the server is started from.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
}
