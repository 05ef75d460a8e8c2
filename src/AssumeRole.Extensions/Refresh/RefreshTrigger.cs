namespace AssumeRole.Extensions.Refresh;

/// <summary>Why a refresh started.</summary>
internal enum RefreshTrigger
{
    /// <summary>Nothing cached yet: callers wait.</summary>
    Cold,

    /// <summary>A caller saw the advisory window: it runs in the background.</summary>
    Advisory,

    /// <summary>The proactive timer fired at the refresh point (or at a backoff retry).</summary>
    Proactive,

    /// <summary>Credentials are inside the mandatory window or expired: callers wait.</summary>
    Mandatory,

    /// <summary>A dependent hop was told by STS that these credentials expired.</summary>
    Forced,
}
