import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** An IAM role that `service` (e.g. ecs-tasks.amazonaws.com) may assume, with AWS managed policies attached. */
export function serviceRole(name: string, service: string, managedPolicies: string[], tags: Record<string, string>, parent: pulumi.Resource): aws.iam.Role {
  const role = new aws.iam.Role(name, {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    }),
    tags,
  }, { parent });
  for (const [i, policyArn] of managedPolicies.entries()) {
    new aws.iam.RolePolicyAttachment(`${name}-policy-${i + 1}`, { role: role.name, policyArn }, { parent });
  }
  return role;
}
