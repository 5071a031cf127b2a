/**
 * AWSGuard loads aws-sdk v2, which prints an end-of-support note to stderr on
 * load; the pack's output should be its findings. (The note is true: see
 * policy/README.md, AWSGuard is built on @pulumi/aws v4 and aws-sdk v2.)
 * Imported first by awsguard.ts so it runs before aws-sdk loads.
 */
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= "1";
