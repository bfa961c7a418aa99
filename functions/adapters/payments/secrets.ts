/**
 * Reads a secret string from AWS Secrets Manager (the Stripe keys: see config.ts). The client is
 * imported on first use: only a function configured for Stripe loads it, and only once per instance.
 */
export async function loadSecretString(arn: string): Promise<string> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (answer.SecretString === undefined) throw new Error(`secret ${arn} has no string value`);
    return answer.SecretString;
  } finally {
    client.destroy();
  }
}
