namespace AssumeRole.Extensions.Testing;
