import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface StoredSecret {
  secret: aws.secretsmanager.Secret;
  /** The value's version: whatever reads the secret must wait for it. */
  version: aws.secretsmanager.SecretVersion;
}

/** A Secrets Manager secret holding `value`; the value only ever travels as a Pulumi secret. */
export function storeSecret(name: string, value: pulumi.Input<string>, description: string, tags: Record<string, string>, parent: pulumi.Resource): StoredSecret {
  const secret = new aws.secretsmanager.Secret(name, { description, recoveryWindowInDays: 7, tags }, { parent });
  const version = new aws.secretsmanager.SecretVersion(`${name}-value`, { secretId: secret.id, secretString: pulumi.secret(value) }, { parent });
  return { secret, version };
}
