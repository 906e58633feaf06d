using System.Reflection;

namespace Jamey3.Engine.Errors;

/// <summary>One stable error: the id scripts match on (FullyQualifiedErrorId) and its kind (the PowerShell category).</summary>
public sealed record JameyError(string Id, JameyErrorKind Kind)
{
    public override string ToString() => Id;
}

/// <summary>
/// The error catalogue: every ErrorId Jamey3 reports is declared here, once, with its kind, and
/// listed in about_Jamey3 (a test holds all three together). Code throws with these entries, never
/// with a literal id, so an id cannot drift into two spellings or two categories.
/// </summary>
public static class JameyErrors
{
    static JameyError E(string id, JameyErrorKind kind) => new(id, kind);

    // Settings, arguments and the data directory
    public static readonly JameyError InvalidConfigurationValue = E(nameof(InvalidConfigurationValue), JameyErrorKind.InvalidConfiguration);
    public static readonly JameyError DataPathNotFound = E(nameof(DataPathNotFound), JameyErrorKind.NotFound);

    // Repository and backups
    public static readonly JameyError RepositoryBusy = E(nameof(RepositoryBusy), JameyErrorKind.Busy);
    public static readonly JameyError BackupNotFound = E(nameof(BackupNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError InvalidManifest = E(nameof(InvalidManifest), JameyErrorKind.InvalidData);
    public static readonly JameyError IndexNotFound = E(nameof(IndexNotFound), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError IndexSnapshotFailed = E(nameof(IndexSnapshotFailed), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError DatabaseSnapshotFailed = E(nameof(DatabaseSnapshotFailed), JameyErrorKind.ResourceUnavailable);

    // Verification and restore
    public static readonly JameyError BackupVerificationFailed = E(nameof(BackupVerificationFailed), JameyErrorKind.InvalidData);
    public static readonly JameyError DataInUse = E(nameof(DataInUse), JameyErrorKind.Busy);
    public static readonly JameyError RestoreInProgress = E(nameof(RestoreInProgress), JameyErrorKind.Busy);
    public static readonly JameyError ComponentNotInBackup = E(nameof(ComponentNotInBackup), JameyErrorKind.InvalidArgument);
    public static readonly JameyError UnsafeBackupPath = E(nameof(UnsafeBackupPath), JameyErrorKind.InvalidData);
    public static readonly JameyError UnsafeTargetPath = E(nameof(UnsafeTargetPath), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RestoreSwapFailed = E(nameof(RestoreSwapFailed), JameyErrorKind.WriteFailed);
    public static readonly JameyError RestoreRecoveryFailed = E(nameof(RestoreRecoveryFailed), JameyErrorKind.WriteFailed);
    public static readonly JameyError NotEnoughSpace = E(nameof(NotEnoughSpace), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError RestoreWriteFailed = E(nameof(RestoreWriteFailed), JameyErrorKind.WriteFailed);
    public static readonly JameyError MultipleBackupsForOneTarget = E(nameof(MultipleBackupsForOneTarget), JameyErrorKind.InvalidArgument);
    public static readonly JameyError VerificationModeConflict = E(nameof(VerificationModeConflict), JameyErrorKind.InvalidArgument);

    // Retention and removal
    public static readonly JameyError BackupProtected = E(nameof(BackupProtected), JameyErrorKind.Refused);
    public static readonly JameyError BackupInProgress = E(nameof(BackupInProgress), JameyErrorKind.Busy);
    public static readonly JameyError RemoveBackupFailed = E(nameof(RemoveBackupFailed), JameyErrorKind.WriteFailed);
    public static readonly JameyError InvalidRetentionPolicy = E(nameof(InvalidRetentionPolicy), JameyErrorKind.InvalidArgument);
    public static readonly JameyError InvalidGracePeriod = E(nameof(InvalidGracePeriod), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RemoteIndexUnreadable = E(nameof(RemoteIndexUnreadable), JameyErrorKind.InvalidData);
    public static readonly JameyError RemoteRemoveFailed = E(nameof(RemoteRemoveFailed), JameyErrorKind.WriteFailed);

    // Scheduling
    public static readonly JameyError InvalidScheduleTrigger = E(nameof(InvalidScheduleTrigger), JameyErrorKind.InvalidArgument);
    public static readonly JameyError InvalidScheduleName = E(nameof(InvalidScheduleName), JameyErrorKind.InvalidArgument);
    public static readonly JameyError InvalidScheduleDefinition = E(nameof(InvalidScheduleDefinition), JameyErrorKind.InvalidArgument);
    public static readonly JameyError ScheduleExists = E(nameof(ScheduleExists), JameyErrorKind.InvalidArgument);
    public static readonly JameyError ScheduleNotFound = E(nameof(ScheduleNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError SchedulerUnavailable = E(nameof(SchedulerUnavailable), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError SchedulerCommandFailed = E(nameof(SchedulerCommandFailed), JameyErrorKind.WriteFailed);

    // Metrics
    public static readonly JameyError MetricsPortInUse = E(nameof(MetricsPortInUse), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError InvalidMetricsHost = E(nameof(InvalidMetricsHost), JameyErrorKind.InvalidArgument);
    public static readonly JameyError InvalidMetricsPort = E(nameof(InvalidMetricsPort), JameyErrorKind.InvalidArgument);
    public static readonly JameyError MetricsAddressUnavailable = E(nameof(MetricsAddressUnavailable), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError MetricsAccessDenied = E(nameof(MetricsAccessDenied), JameyErrorKind.PermissionDenied);
    public static readonly JameyError MetricsStartFailed = E(nameof(MetricsStartFailed), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError MetricsExporterNotFound = E(nameof(MetricsExporterNotFound), JameyErrorKind.NotFound);

    // Added by later features (storage, encryption, listing, backup safety)
    public static readonly JameyError AgeHeaderMacMismatch = E(nameof(AgeHeaderMacMismatch), JameyErrorKind.InvalidData);
    public static readonly JameyError AgeInputNotFound = E(nameof(AgeInputNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError AgeNoIdentityMatches = E(nameof(AgeNoIdentityMatches), JameyErrorKind.PermissionDenied);
    public static readonly JameyError AgeOutputExists = E(nameof(AgeOutputExists), JameyErrorKind.WriteFailed);
    public static readonly JameyError AgeScryptWorkFactorTooHigh = E(nameof(AgeScryptWorkFactorTooHigh), JameyErrorKind.InvalidData);
    public static readonly JameyError CryptoLibraryUnavailable = E(nameof(CryptoLibraryUnavailable), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError ObjectKeyInvalid = E(nameof(ObjectKeyInvalid), JameyErrorKind.InvalidArgument);
    public static readonly JameyError ObjectStoreLocationInvalid = E(nameof(ObjectStoreLocationInvalid), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RepositoryInsideData = E(nameof(RepositoryInsideData), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RepositoryNotFound = E(nameof(RepositoryNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError RollbackNotFound = E(nameof(RollbackNotFound), JameyErrorKind.NotFound);

    public static readonly JameyError AgeEmptyPassphrase = E(nameof(AgeEmptyPassphrase), JameyErrorKind.InvalidArgument);
    public static readonly JameyError AgeHeaderInvalid = E(nameof(AgeHeaderInvalid), JameyErrorKind.InvalidData);
    public static readonly JameyError AgeIdentityFileEncrypted = E(nameof(AgeIdentityFileEncrypted), JameyErrorKind.InvalidArgument);
    public static readonly JameyError AgeIdentityUnsupported = E(nameof(AgeIdentityUnsupported), JameyErrorKind.InvalidArgument);
    public static readonly JameyError AgeKeyFileExists = E(nameof(AgeKeyFileExists), JameyErrorKind.WriteFailed);
    public static readonly JameyError AgeKeyFileNotFound = E(nameof(AgeKeyFileNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError AgeKeyFileUnreadable = E(nameof(AgeKeyFileUnreadable), JameyErrorKind.PermissionDenied);
    public static readonly JameyError AgeKeyFileWriteFailed = E(nameof(AgeKeyFileWriteFailed), JameyErrorKind.WriteFailed);
    public static readonly JameyError AgeNoIdentities = E(nameof(AgeNoIdentities), JameyErrorKind.InvalidArgument);
    public static readonly JameyError AgeNoRecipients = E(nameof(AgeNoRecipients), JameyErrorKind.InvalidArgument);
    public static readonly JameyError AgePayloadInvalid = E(nameof(AgePayloadInvalid), JameyErrorKind.InvalidData);
    public static readonly JameyError AgePayloadTruncated = E(nameof(AgePayloadTruncated), JameyErrorKind.InvalidData);
    public static readonly JameyError AgeRecipientUnsupported = E(nameof(AgeRecipientUnsupported), JameyErrorKind.InvalidArgument);
    public static readonly JameyError AgeScryptNotAlone = E(nameof(AgeScryptNotAlone), JameyErrorKind.InvalidArgument);
    public static readonly JameyError AgeSecretKeyInRecipientFile = E(nameof(AgeSecretKeyInRecipientFile), JameyErrorKind.InvalidArgument);
    public static readonly JameyError AgeTrailingData = E(nameof(AgeTrailingData), JameyErrorKind.InvalidData);
    public static readonly JameyError InvalidAgeIdentity = E(nameof(InvalidAgeIdentity), JameyErrorKind.InvalidArgument);
    public static readonly JameyError InvalidAgeRecipient = E(nameof(InvalidAgeRecipient), JameyErrorKind.InvalidArgument);
    public static readonly JameyError InvalidScryptWorkFactor = E(nameof(InvalidScryptWorkFactor), JameyErrorKind.InvalidArgument);
    public static readonly JameyError ObjectAlreadyExists = E(nameof(ObjectAlreadyExists), JameyErrorKind.WriteFailed);
    public static readonly JameyError ObjectIntegrityMismatch = E(nameof(ObjectIntegrityMismatch), JameyErrorKind.InvalidData);
    public static readonly JameyError ObjectNotFound = E(nameof(ObjectNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError ObjectRangeInvalid = E(nameof(ObjectRangeInvalid), JameyErrorKind.InvalidArgument);
    public static readonly JameyError ObjectStoreAccessDenied = E(nameof(ObjectStoreAccessDenied), JameyErrorKind.PermissionDenied);
    public static readonly JameyError ObjectStoreCredentialMissing = E(nameof(ObjectStoreCredentialMissing), JameyErrorKind.InvalidConfiguration);
    public static readonly JameyError ObjectStoreNotFound = E(nameof(ObjectStoreNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError ObjectStoreRequestFailed = E(nameof(ObjectStoreRequestFailed), JameyErrorKind.WriteFailed);
    public static readonly JameyError ObjectStoreUnavailable = E(nameof(ObjectStoreUnavailable), JameyErrorKind.ResourceUnavailable);

    public static readonly JameyError AgeArmorUnsupported = E(nameof(AgeArmorUnsupported), JameyErrorKind.InvalidData);
    public static readonly JameyError AgeChunkAuthenticationFailed = E(nameof(AgeChunkAuthenticationFailed), JameyErrorKind.InvalidData);
    public static readonly JameyError AgeVersionUnsupported = E(nameof(AgeVersionUnsupported), JameyErrorKind.InvalidData);

    // Added by later features (storage, encryption, listing, backup safety)
    public static readonly JameyError UnsafeDataPath = E(nameof(UnsafeDataPath), JameyErrorKind.InvalidData);
    public static readonly JameyError VerificationWriteFailed = E(nameof(VerificationWriteFailed), JameyErrorKind.WriteFailed);

    // Added by later features (storage, encryption, listing, backup safety)
    public static readonly JameyError NotAFileSystemPath = E(nameof(NotAFileSystemPath), JameyErrorKind.InvalidArgument);
    public static readonly JameyError InvalidBackupPath = E(nameof(InvalidBackupPath), JameyErrorKind.InvalidArgument);
    public static readonly JameyError PwshNotFound = E(nameof(PwshNotFound), JameyErrorKind.NotFound);

    // Remote repositories (docs/remote-format.md): format, copy
    public static readonly JameyError RemoteRepositoryNotFound = E(nameof(RemoteRepositoryNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError RemoteConfigInvalid = E(nameof(RemoteConfigInvalid), JameyErrorKind.InvalidData);
    public static readonly JameyError RemoteFormatUnsupported = E(nameof(RemoteFormatUnsupported), JameyErrorKind.InvalidData);
    public static readonly JameyError RemoteSchemeMismatch = E(nameof(RemoteSchemeMismatch), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RemoteBackupConflict = E(nameof(RemoteBackupConflict), JameyErrorKind.Refused);
    public static readonly JameyError RemoteRepositoryBusy = E(nameof(RemoteRepositoryBusy), JameyErrorKind.Busy);
    public static readonly JameyError RemoteObjectDamaged = E(nameof(RemoteObjectDamaged), JameyErrorKind.InvalidData);
    // Remote reading: Test-JameyBackup's sampled check
    public static readonly JameyError InvalidSample = E(nameof(InvalidSample), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RemoteNotSupported = E(nameof(RemoteNotSupported), JameyErrorKind.InvalidArgument);
    public static readonly JameyError CopySourceNotVerified = E(nameof(CopySourceNotVerified), JameyErrorKind.InvalidData);

    // Encrypted remote repositories: keys, recipients and the binding of objects to their names
    public static readonly JameyError InvalidRepositoryKey = E(nameof(InvalidRepositoryKey), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RepositoryKeyFileTooOpen = E(nameof(RepositoryKeyFileTooOpen), JameyErrorKind.PermissionDenied);
    public static readonly JameyError RepositoryKeyFileRequired = E(nameof(RepositoryKeyFileRequired), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RepositoryKeyRequired = E(nameof(RepositoryKeyRequired), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RepositoryKeyMismatch = E(nameof(RepositoryKeyMismatch), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RepositoryPrivateKeyMissing = E(nameof(RepositoryPrivateKeyMissing), JameyErrorKind.PermissionDenied);
    public static readonly JameyError RepositoryHasNoPassphrase = E(nameof(RepositoryHasNoPassphrase), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RepositoryKeysMissing = E(nameof(RepositoryKeysMissing), JameyErrorKind.InvalidData);
    public static readonly JameyError RecipientListTampered = E(nameof(RecipientListTampered), JameyErrorKind.InvalidData);
    public static readonly JameyError RecipientNotFound = E(nameof(RecipientNotFound), JameyErrorKind.InvalidArgument);
    public static readonly JameyError RecipientsDiffer = E(nameof(RecipientsDiffer), JameyErrorKind.InvalidArgument);
    public static readonly JameyError ObjectNameMismatch = E(nameof(ObjectNameMismatch), JameyErrorKind.InvalidData);

    // Failures from the system, classified by JameyFailures (never thrown by name)
    public static readonly JameyError DiskFull = E(nameof(DiskFull), JameyErrorKind.ResourceUnavailable);
    public static readonly JameyError ReadOnlyFileSystem = E(nameof(ReadOnlyFileSystem), JameyErrorKind.PermissionDenied);
    public static readonly JameyError AccessDenied = E(nameof(AccessDenied), JameyErrorKind.PermissionDenied);
    public static readonly JameyError PathNotFound = E(nameof(PathNotFound), JameyErrorKind.NotFound);
    public static readonly JameyError IOFailure = E(nameof(IOFailure), JameyErrorKind.WriteFailed);
    public static readonly JameyError OperationCancelled = E(nameof(OperationCancelled), JameyErrorKind.OperationStopped);
    public static readonly JameyError UnexpectedError = E(nameof(UnexpectedError), JameyErrorKind.Unexpected);

    /// <summary>Every entry, in declaration order.</summary>
    public static IReadOnlyList<JameyError> All { get; } = typeof(JameyErrors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(JameyError))
        .Select(f => (JameyError)f.GetValue(null)!)
        .ToArray();

    /// <summary>
    /// The name of the PowerShell ErrorCategory each kind becomes (the engine does not reference
    /// PowerShell; the cmdlets' ErrorMapping parses the name, and about_Jamey3 lists it).
    /// </summary>
    public static string CategoryName(JameyErrorKind kind) => kind switch
    {
        JameyErrorKind.InvalidArgument or JameyErrorKind.InvalidConfiguration => "InvalidArgument",
        JameyErrorKind.NotFound => "ObjectNotFound",
        JameyErrorKind.Busy => "ResourceBusy",
        JameyErrorKind.InvalidData => "InvalidData",
        JameyErrorKind.PermissionDenied => "PermissionDenied",
        JameyErrorKind.WriteFailed => "WriteError",
        JameyErrorKind.OperationStopped => "OperationStopped",
        JameyErrorKind.NotEnabled => "NotEnabled",
        JameyErrorKind.ResourceUnavailable => "ResourceUnavailable",
        JameyErrorKind.Refused => "InvalidOperation",
        _ => "NotSpecified",
    };

    /// <summary>The entry with this id, or null.</summary>
    public static JameyError? Find(string id) => All.FirstOrDefault(e => e.Id == id);
}
