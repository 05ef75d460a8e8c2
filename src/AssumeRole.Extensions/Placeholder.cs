namespace AssumeRole.Extensions;
