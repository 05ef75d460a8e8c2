using System.Globalization;
using System.Text;
using System.Xml;

namespace AssumeRole.Extensions.Testing.Protocol;

/// <summary>Writes STS's XML response and error documents.</summary>
internal static class StsXml
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
        OmitXmlDeclaration = true,
    };

    /// <summary>Writes <c>&lt;{Action}Response&gt;&lt;{Action}Result&gt;…&lt;/…&gt;&lt;ResponseMetadata/&gt;</c>.</summary>
    public static byte[] Success(string action, string requestId, Action<XmlWriter> writeResult)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, Settings))
        {
            writer.WriteStartElement(action + "Response", StsDefaults.XmlNamespace);
            writer.WriteStartElement(action + "Result");
            writeResult(writer);
            writer.WriteEndElement();
            writer.WriteStartElement("ResponseMetadata");
            writer.WriteElementString("RequestId", requestId);
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        return buffer.ToArray();
    }

    /// <summary>Writes <c>&lt;ErrorResponse&gt;</c>; in STS the <c>RequestId</c> is a sibling of <c>Error</c>.</summary>
    public static byte[] Error(StsException error, string requestId)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, Settings))
        {
            writer.WriteStartElement("ErrorResponse", StsDefaults.XmlNamespace);
            writer.WriteStartElement("Error");
            writer.WriteElementString("Type", error.Type);
            writer.WriteElementString("Code", error.Code);
            writer.WriteElementString("Message", XmlSafe(error.Message));
            writer.WriteEndElement();
            writer.WriteElementString("RequestId", requestId);
            writer.WriteEndElement();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Messages echo request values, which may hold characters XML 1.0 cannot carry (NUL, most C0 controls, lone
    /// surrogates, U+FFFE/U+FFFF): written raw they would make the whole response unreadable, so each becomes U+FFFD.
    /// </summary>
    internal static string XmlSafe(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c))
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            if (XmlConvert.IsXmlChar(c))
            {
                sb?.Append(c);
                continue;
            }

            sb ??= new StringBuilder(text, 0, i, text.Length);
            sb.Append('\uFFFD');
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>ISO-8601 UTC without fractional seconds, the form STS uses for <c>Expiration</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static void WriteCredentials(XmlWriter writer, Iam.IssuedSession session)
    {
        writer.WriteStartElement("Credentials");
        writer.WriteElementString("AccessKeyId", session.AccessKeyId);
        writer.WriteElementString("SecretAccessKey", session.SecretAccessKey);
        writer.WriteElementString("SessionToken", session.SessionToken);
        writer.WriteElementString("Expiration", FormatTimestamp(session.Expiration));
        writer.WriteEndElement();
    }

    public static void WriteAssumedRoleUser(XmlWriter writer, Iam.IssuedSession session)
    {
        writer.WriteStartElement("AssumedRoleUser");
        writer.WriteElementString("Arn", session.Arn);
        writer.WriteElementString("AssumedRoleId", session.UserId);
        writer.WriteEndElement();
    }
}
