using Jamey3.Engine.Errors;
using Jamey3.Engine.Stores;

namespace Jamey3.Engine.Tests.Stores;

public sealed class StoreLocationTests
{
    [Theory]
    [InlineData("azure://myaccount/backups", StoreKind.Azure, "azure://myaccount/backups")]
    [InlineData("azure://myaccount/backups/jamey/host1/", StoreKind.Azure, "azure://myaccount/backups/jamey/host1")]
    [InlineData("AZURE://devstoreaccount1/c-1/p", StoreKind.Azure, "azure://devstoreaccount1/c-1/p")]
    [InlineData("s3://my.bucket-1", StoreKind.S3, "s3://my.bucket-1")]
    [InlineData("s3://bucket/a/b/", StoreKind.S3, "s3://bucket/a/b")]
    [InlineData("sftp://jamey@backup.example:2222/srv/jamey", StoreKind.Sftp, "sftp://jamey@backup.example:2222/srv/jamey")]
    [InlineData("sftp://host/srv", StoreKind.Sftp, "sftp://host/srv")]
    [InlineData("sftp://u@[::1]:22/x", StoreKind.Sftp, "sftp://u@[::1]/x")]
    public void Parses_and_prints_urls(string text, StoreKind kind, string canonical)
    {
        var l = StoreLocation.Parse(text);
        Assert.Equal(kind, l.Kind);
        Assert.True(l.IsRemote);
        Assert.Equal(canonical, l.ToString());
        Assert.Equal(l, StoreLocation.Parse(l.ToString()));
    }

    [Fact]
    public void Splits_the_parts()
    {
        var a = StoreLocation.Parse("azure://acct123/container/jamey/host1");
        Assert.Equal(("acct123", "container", "jamey/host1"), (a.Account, a.Container, a.Prefix));
        var s = StoreLocation.Parse("s3://bucket/prefix");
        Assert.Equal(("bucket", "prefix"), (s.Container, s.Prefix));
        var f = StoreLocation.Parse("sftp://me@127.0.0.1:2222/tmp/x y");
        Assert.Equal(("me", "127.0.0.1", 2222, "/tmp/x y"), (f.User, f.Host, f.Port, f.Path));
    }

    [Fact]
    public void A_path_is_local_and_made_absolute()
    {
        var l = StoreLocation.Parse("relative/repo");
        Assert.Equal(StoreKind.Local, l.Kind);
        Assert.False(l.IsRemote);
        Assert.Equal(Path.GetFullPath("relative/repo"), l.Path);
        Assert.Equal(StoreKind.Local, StoreLocation.Parse("/var/backups/jamey").Kind);
        Assert.False(StoreLocation.LooksLikeUrl("C:\\backups"));
        Assert.True(StoreLocation.LooksLikeUrl("s3://b"));
    }

    [Theory]
    [InlineData("gs://bucket/x", "scheme")]
    [InlineData("azure://UPPER/container", "account")]
    [InlineData("azure://ab/container", "account")]
    [InlineData("azure://account", "container")]
    [InlineData("azure://account/Bad_Container", "container")]
    [InlineData("azure://account/a--b", "container")]
    [InlineData("s3://Bucket/x", "bucket")]
    [InlineData("s3://b/x", "bucket")]
    [InlineData("s3://bucket/a//b", "empty segment")]
    [InlineData("s3://bucket/a/../b", "'..'")]
    [InlineData("s3://bucket/.hidden", "starts with '.'")]
    [InlineData("sftp://u@host:99999/x", "port")]
    [InlineData("sftp://@host/x", "user name")]
    [InlineData("", "empty")]
    public void Refuses_bad_locations_with_a_stable_id(string text, string reason)
    {
        var e = Assert.Throws<ObjectStoreLocationException>(() => StoreLocation.Parse(text));
        Assert.Equal("ObjectStoreLocationInvalid", e.ErrorId);
        Assert.Equal(JameyErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("sftp://jamey:hunter2-secret@host/x", "hunter2-secret")]
    [InlineData("s3://AKIAEXAMPLE:wJalrXUtnFEMI-secret@bucket/x", "wJalrXUtnFEMI-secret")]
    [InlineData("azure://account/container/p?sv=2024-01-01&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D", "c2VjcmV0LXNpZ25hdHVyZQ")]
    [InlineData("azure://account/container/p#sig=fragment-secret", "fragment-secret")]
    public void A_secret_in_a_location_is_refused_and_never_repeated(string text, string secret)
    {
        var e = Assert.Throws<ObjectStoreLocationException>(() => StoreLocation.Parse(text));
        Assert.DoesNotContain(secret, e.Message);
        Assert.DoesNotContain(secret, e.ToString());
        Assert.DoesNotContain(secret, e.Target?.ToString() ?? "");
        Assert.DoesNotContain(secret, StoreLocation.Redact(text));
    }

    [Fact]
    public void Object_keys_are_checked()
    {
        ObjectKey.Validate("data/ab/abcdef0123");
        ObjectKey.Validate("manifests/20261128-020000-123.json");
        ObjectKey.ValidatePrefix("");
        ObjectKey.ValidatePrefix("data/");
        Assert.Throws<ObjectKeyException>(() => ObjectKey.Validate(new string('a', ObjectKey.MaxUtf8Bytes + 1)));
        Assert.Throws<ObjectKeyException>(() => ObjectKey.ValidatePrefix("data//"));
    }
}

public sealed class StoreCredentialTests
{
    const string Key = "c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw==";

    [Fact]
    public void Credentials_never_print_their_secrets()
    {
        var creds = new StoreCredential[]
        {
            AzureStorageCredential.FromAccountKey(Key),
            AzureStorageCredential.FromSasToken("?sv=2024&sig=" + Key),
            AzureStorageCredential.FromConnectionString($"AccountName=a;AccountKey={Key}"),
            new S3Credential("AKIAEXAMPLE", Key, "session-" + Key),
            SftpCredential.FromPassword(Key),
            SftpCredential.FromPrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----" + Key, Key),
        };
        foreach (var c in creds)
        {
            Assert.DoesNotContain(Key, c.ToString());
            Assert.Contains("secret not shown", c.ToString());
            Assert.DoesNotContain(Key, new ObjectStoreOptions { Credential = c }.ToString());
        }
    }

    [Fact]
    public void Missing_azure_credentials_name_where_to_put_them()
    {
        var e = Assert.Throws<ObjectStoreCredentialException>(() =>
            ObjectStores.Open("azure://account/container", new ObjectStoreOptions { Environment = _ => null }));
        Assert.Equal("ObjectStoreCredentialMissing", e.ErrorId);
        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", e.Message);
        Assert.Equal("azure://account/container", e.Target);
    }

    [Fact]
    public void A_credential_of_the_wrong_kind_is_refused()
    {
        var e = Assert.Throws<ObjectStoreCredentialException>(() =>
            ObjectStores.Open("s3://bucket/x", new ObjectStoreOptions { Credential = AzureStorageCredential.FromAccountKey(Key) }));
        Assert.DoesNotContain(Key, e.ToString());
    }

    [Fact]
    public void A_malformed_connection_string_is_refused_without_quoting_it()
    {
        var bad = $"AccountName=account;AccountKey={Key};BlobEndpoint=::not a url::";
        var e = Assert.ThrowsAny<ObjectStoreException>(() =>
            ObjectStores.Open("azure://account/container", new ObjectStoreOptions { Environment = n => n == "AZURE_STORAGE_CONNECTION_STRING" ? bad : null }));
        Assert.DoesNotContain(Key, e.ToString());
    }

    [Fact]
    public void Scrubbing_removes_every_secret_from_a_whole_exception_chain()
    {
        var inner = new InvalidOperationException($"the SDK said: key={Key}");
        var e = new ObjectStoreRequestException(StoreLocation.Parse("s3://bucket/x"), "k", $"echo {Key}", inner, [Key]);
        Assert.DoesNotContain(Key, e.Message);
        Assert.DoesNotContain(Key, e.ToString());
        Assert.Contains("***", e.ToString());
    }
}
