namespace Notifications.Bench.Infra;

/// <summary>
/// A server the bench can start: ours as the image runs it (or another build of it), the floor, the
/// idiomatic ASP.NET reference, or Node's <c>ws</c>. Only ours takes our settings (the bench's admission
/// defaults, <c>--server-env</c>, a metrics port of its own); the others get the listen address alone.
/// </summary>
internal sealed record ServerKind(string Name, string Program, IReadOnlyList<string> Args, bool TakesOurSettings)
{
    public const string Ours = "ours", Floor = "floor", Reference = "reference", Node = "node";
    public static readonly string[] Known = [Ours, Floor, Reference, Node];

    public override string ToString() => $"{Name}: {Program} {string.Join(' ', Args)}";
}
