using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Notifications.WebSockets;

/// <summary>
/// Checks a text message's UTF-8 piece by piece, as its fragments arrive, so bad text fails the
/// connection at the fragment that holds it (RFC 6455 §8.1) rather than once the message is whole. A
/// character may be cut by a fragment boundary: its first bytes are kept until the rest arrives.
/// </summary>
internal struct Utf8Validator
{
    private const int MaxSequence = 4;

    // The first bytes of a character cut by the end of the last piece, low byte first, and how many.
    private uint _pending;
    private byte _pendingCount;

    /// <summary>True when no character is left half-received: the message may end here.</summary>
    public readonly bool AtCharacterBoundary => _pendingCount == 0;

    /// <summary>Checks the next piece of the message; false as soon as it cannot be UTF-8, whatever follows.</summary>
    public bool Append(ReadOnlySpan<byte> piece)
    {
        if (_pendingCount > 0 && !FinishPending(ref piece))
            return false;
        if (piece.IsEmpty)
            return true;
        int cut = IncompleteTail(piece);
        if (!Utf8.IsValid(piece[..cut]))
            return false;
        return Keep(piece[cut..]);
    }

    /// <summary>Completes the character the last piece ended inside with this piece's first bytes.</summary>
    private bool FinishPending(ref ReadOnlySpan<byte> piece)
    {
        Span<byte> joined = stackalloc byte[MaxSequence];
        for (int i = 0; i < _pendingCount; i++)
            joined[i] = (byte)(_pending >> (8 * i));
        int taken = Math.Min(MaxSequence - _pendingCount, piece.Length);
        piece[..taken].CopyTo(joined[_pendingCount..]);
        var status = Rune.DecodeFromUtf8(joined[..(_pendingCount + taken)], out _, out int consumed);
        if (status == OperationStatus.NeedMoreData)
        {
            // Still short of a whole character, and what there is may yet become one: the piece was all of it.
            bool kept = Keep(joined[..(_pendingCount + taken)]);
            piece = piece[taken..];
            return kept;
        }
        if (status != OperationStatus.Done)
            return false;
        piece = piece[(consumed - _pendingCount)..];
        _pendingCount = 0;
        return true;
    }

    /// <summary>Where the last character of <paramref name="piece"/> starts if it is cut short by the piece's end; else the piece's length.</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> piece)
    {
        for (int i = piece.Length - 1; i >= Math.Max(0, piece.Length - (MaxSequence - 1)); i--)
        {
            byte b = piece[i];
            if (b < 0x80)
                break;
            if (b >= 0xC0)
            {
                int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return piece.Length - i < length ? i : piece.Length;
            }
        }
        return piece.Length;
    }

    /// <summary>Keeps the start of a cut character; false if no continuation could make it valid.</summary>
    private bool Keep(ReadOnlySpan<byte> tail)
    {
        if (!tail.IsEmpty && Rune.DecodeFromUtf8(tail, out _, out _) != OperationStatus.NeedMoreData)
            return false;
        _pending = 0;
        for (int i = 0; i < tail.Length; i++)
            _pending |= (uint)tail[i] << (8 * i);
        _pendingCount = (byte)tail.Length;
        return true;
    }
}
