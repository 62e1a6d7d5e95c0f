# The image Fly builds on `fly deploy`. tests/Deploy/DockerfileTests.cs replays the build stage
# without Docker, and every test that runs the server as its own process runs what that replay
# published, so keep the build stage to WORKDIR, ENV, COPY and RUN lines that are plain `dotnet`
# commands (no shell syntax).

# The SDK with Native AOT's prerequisites (clang, the linker): the server is compiled to one native
# executable, no JIT (docs/benchmarks.md, decision log).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble-aot AS build
WORKDIR /src

# Restore on its own layer: it is rebuilt only when the project or SDK settings change, not the code.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY server/Notifications.Server.csproj server/
# The runtime identifier is restored here too: publish below compiles ahead of time for it.
RUN dotnet restore server/Notifications.Server.csproj -r linux-x64

# The server project links ../client-web/** into wwwroot, so the page comes along.
COPY server/ server/
COPY client-web/ client-web/
# PublishAot is set in the project; the executable carries the runtime, so the final image needs none.
RUN dotnet publish server/Notifications.Server.csproj -c Release -o /app/publish --no-restore -r linux-x64


# Chiseled: no shell, no package manager, no .NET runtime: only what a native .NET executable links
# against (libc, OpenSSL for TLS to Google, CA certificates). It defines the non-root user `app`.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS final
WORKDIR /app
COPY --from=build /app/publish .

# The server listens on every address at PORT (Fly's convention). ASPNETCORE_HTTP_PORTS is cleared
# because PORT supersedes it, and ASP.NET would otherwise warn "Overriding HTTP_PORTS" on every boot.
# Production switches the log to one JSON object per line.
ENV PORT=8080 \
    ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080

# uid 1654, `app`; explicit so the image stays non-root whatever the base image's default becomes.
USER $APP_UID

# Exec form: the server is PID 1 and gets Fly's SIGTERM/SIGINT itself, so it drains before exiting.
ENTRYPOINT ["./Notifications"]
