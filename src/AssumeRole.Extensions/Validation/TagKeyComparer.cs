using System.Text;

namespace AssumeRole.Extensions.Validation;

/// <summary>
/// Tag keys compared as STS (a Java service) compares them: Java's <c>String.equalsIgnoreCase</c>, which takes two
/// characters as equal when their upper cases, or the lower cases of their upper cases, are equal — per code point, a
/// surrogate pair being one. So the Kelvin sign <c>K</c> (U+212A) equals <c>k</c>, <c>İ</c> (U+0130) equals <c>i</c> and
/// <c>ſ</c> (U+017F) equals <c>s</c>, which <see cref="StringComparer.OrdinalIgnoreCase"/> (upper case only) keeps apart.
/// Checked against Java 17 and 25 over every code point: the same except where .NET's and Java's Unicode versions differ
/// (characters assigned in Unicode 14–16), which the tag character check of this .NET version refuses anyway as
/// unassigned, and U+0130/U+0131, which .NET's invariant casing leaves alone and this class maps as Java does.
/// </summary>
internal sealed class TagKeyComparer : IEqualityComparer<string>
{
    public static readonly TagKeyComparer Instance = new();

    private TagKeyComparer()
    {
    }

    public bool Equals(string? x, string? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && string.Equals(Fold(x), Fold(y), StringComparison.Ordinal));

    public int GetHashCode(string obj) => string.GetHashCode(Fold(obj), StringComparison.Ordinal);

    /// <summary>
    /// Each code point as the lower case of its upper case: two characters are equal ignoring case in Java exactly when
    /// these are equal (equal characters and equal upper cases both give equal lower cases of the upper case).
    /// </summary>
    private static string Fold(string value)
    {
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length;)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var used) == System.Buffers.OperationStatus.Done)
            {
                // .NET's invariant casing leaves out the dotted and dotless i (U+0130, U+0131); Java's does not: the
                // lower case of the upper case of both is 'i' there.
                sb.Append(rune.Value is 0x130 or 0x131 ? "i" : Rune.ToLowerInvariant(Rune.ToUpperInvariant(rune)).ToString());
            }
            else
            {
                // An unpaired surrogate compares as itself.
                sb.Append(value[i]);
                used = 1;
            }

            i += used;
        }

        return sb.ToString();
    }
}
