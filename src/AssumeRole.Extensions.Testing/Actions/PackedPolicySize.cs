using System.IO.Compression;
using System.Text;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>
/// The emulator's model of STS's <c>PackedPolicySize</c>: the share, in percent, of the space AWS allots to a request's
/// session policies and session tags once packed. AWS does not document the packing, so this is a model with its
/// sources:
/// <list type="bullet">
/// <item>Tags: <c>UTF-8 key + value + 2</c> bytes each against <see cref="TagBudgetBytes"/>. The budget is fitted to
/// the one published measurement we have: 9 tags of 250-character values reported as 498 % by AWS (this model: 496–500 %
/// for keys of 2–4 characters). Two such tags are over 100 % here as on AWS.</item>
/// <item>Inline policy: its Deflate-compressed size against <see cref="PolicyBudgetBytes"/> (AWS compresses policies;
/// not calibrated against a measurement).</item>
/// <item>Policy ARNs: <c>length + 2</c> each against <see cref="PolicyBudgetBytes"/>.</item>
/// </list>
/// The parts add up; the result is rounded up, at least 1.
/// </summary>
internal static class PackedPolicySize
{
    public const int TagBudgetBytes = 461;

    public const int PolicyBudgetBytes = 2048;

    private const int PerTagOverheadBytes = 2;

    public static int Percent(SessionRequest request)
    {
        var policyBytes = 0;
        if (request.Policy is not null)
        {
            using var buffer = new MemoryStream();
            using (var deflate = new DeflateStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                deflate.Write(Encoding.UTF8.GetBytes(request.Policy));
            }

            policyBytes += (int)buffer.Length;
        }

        policyBytes += request.PolicyArns?.Sum(arn => (arn?.Length ?? 0) + 2) ?? 0;
        var tagBytes = request.TagPairs.Sum(tag => Encoding.UTF8.GetByteCount(tag.Key) + Encoding.UTF8.GetByteCount(tag.Value) + PerTagOverheadBytes);
        var percent = (policyBytes * 100.0 / PolicyBudgetBytes) + (tagBytes * 100.0 / TagBudgetBytes);
        return Math.Max(1, (int)Math.Ceiling(percent));
    }
}
