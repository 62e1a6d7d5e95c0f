namespace Notifications.Channels;

internal sealed partial class ChannelIndex<TMember>
{
    /// <summary>
    /// One channel's members, held as cheaply as their number allows: most channels are a user's, with one
    /// member, held in a field; up to <see cref="ScanLimit"/> sit in an array that is scanned; beyond, a
    /// set (O(1) leave, about 20 bytes a member, half an array plus a position map). Locked with
    /// <c>lock (this)</c>, not a <see cref="Lock"/>: the monitor lives in the object's header, where a Lock
    /// would add an object to every user channel. Only the index sees it.
    /// </summary>
    private sealed class Members
    {
        private const int ScanLimit = 16;

        private TMember? _single;
        private TMember[]? _items;
        private HashSet<TMember>? _set;
        private int _count;
        private bool _visiting;

        public bool Removed { get; set; }

        public int Count => _count;

        public bool Add(TMember member)
        {
            ThrowIfVisiting();
            if (_set is not null)
                return Counted(_set.Add(member), +1);
            if (_count == 0 && _items is null)
            {
                _single = member;
                _count = 1;
                return true;
            }
            if (Contains(member))
                return false;
            if (_count == ScanLimit)
            {
                _set = new HashSet<TMember>(_items!.Append(member), ReferenceEqualityComparer.Instance);
                _items = null;
                _count++;
                return true;
            }
            if (_items is null)
            {
                _items = new TMember[4];
                _items[0] = _single!;
                _single = null;
            }
            else if (_count == _items.Length)
            {
                Array.Resize(ref _items, Math.Min(_count * 2, ScanLimit));
            }
            _items[_count++] = member;
            return true;
        }

        public bool Remove(TMember member)
        {
            ThrowIfVisiting();
            if (_set is not null)
                return Counted(_set.Remove(member), -1);
            if (_items is null)
            {
                if (_count == 0 || !ReferenceEquals(_single, member))
                    return false;
                _single = null;
                _count = 0;
                return true;
            }
            int at = IndexOf(member);
            if (at < 0)
                return false;
            // Swap the last into the hole: order means nothing here.
            int last = --_count;
            _items[at] = _items[last];
            _items[last] = null!;
            return true;
        }

        public bool Contains(TMember member) =>
            _set?.Contains(member) ?? (_items is null ? _count == 1 && ReferenceEquals(_single, member) : IndexOf(member) >= 0);

        public int VisitAll<TVisitor>(ref TVisitor visitor) where TVisitor : struct, IChannelVisitor<TMember>
        {
            _visiting = true;
            try
            {
                int took = 0;
                if (_set is not null)
                {
                    foreach (var member in _set)
                    {
                        if (visitor.Visit(member))
                            took++;
                    }
                }
                else if (_items is null)
                {
                    took = _count == 1 && visitor.Visit(_single!) ? 1 : 0;
                }
                else
                {
                    for (int i = 0; i < _count; i++)
                    {
                        if (visitor.Visit(_items[i]))
                            took++;
                    }
                }
                return took;
            }
            finally
            {
                _visiting = false;
            }
        }

        /// <summary>By reference, as the set compares: a member type's own Equals must not merge two sockets.</summary>
        private int IndexOf(TMember member)
        {
            for (int i = 0; i < _count; i++)
            {
                if (ReferenceEquals(_items![i], member))
                    return i;
            }
            return -1;
        }

        private bool Counted(bool changed, int delta)
        {
            if (changed)
                _count += delta;
            return changed;
        }

        /// <summary>A visitor that joined or left this channel would change the members under its own loop.</summary>
        private void ThrowIfVisiting()
        {
            if (_visiting)
                throw new InvalidOperationException("A channel's members cannot change while it is being visited.");
        }
    }
}
