# The image Fly builds on `fly deploy`. tests/Deploy/DockerfileTests.cs replays the build stage
# without Docker and starts the result as ENTRYPOINT says, so keep the build stage to WORKDIR, ENV,
# COPY and RUN lines that are plain `dotnet` commands (no shell syntax).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore on its own layer: it is rebuilt only when the project or SDK settings change, not the code.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY server/Notifications.Server.csproj server/
# The runtime identifier is restored here too: publish below compiles ahead of time for it.
RUN dotnet restore server/Notifications.Server.csproj -r linux-x64 -p:PublishReadyToRun=true

# The server project links ../client-web/** into wwwroot, so the page comes along.
COPY server/ server/
COPY client-web/ client-web/
# ReadyToRun: code compiled ahead of time, so a new Machine is ready sooner (less JIT at startup; see
# docs/benchmarks.md). Framework-dependent: the runtime comes from the final image, where it is
# precompiled too.
# UseAppHost=false: ENTRYPOINT starts the dll through `dotnet`, so the native launcher is dead weight.
RUN dotnet publish server/Notifications.Server.csproj -c Release -o /app/publish --no-restore -r linux-x64 --self-contained false -p:PublishReadyToRun=true -p:UseAppHost=false


# Chiseled: no shell, no package manager, just the ASP.NET runtime; it defines the non-root user `app`.
# Composite: that runtime (.NET and ASP.NET together) is one ReadyToRun image, so the framework's generic
# code our startup needs is compiled ahead of time too (docs/benchmarks.md, decision log). The bench
# measures the same split on this machine.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-composite AS final
WORKDIR /app
COPY --from=build /app/publish .

# The server listens on every address at PORT (Fly's convention). The base image's
# ASPNETCORE_HTTP_PORTS=8080 is cleared because PORT supersedes it, and ASP.NET would otherwise warn
# "Overriding HTTP_PORTS" on every boot. Production switches the log to one JSON object per line.
ENV PORT=8080 \
    ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080

# uid 1654, `app`; explicit so the image stays non-root whatever the base image's default becomes.
USER $APP_UID

# Exec form: the server is PID 1 and gets Fly's SIGTERM/SIGINT itself, so it drains before exiting.
ENTRYPOINT ["dotnet", "Notifications.dll"]
