import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';

/**
 * createDocumentClient gives the SDK every setting its first request would otherwise look up in
 * ~/.aws/config and ~/.aws/credentials (client.ts, SDK_DEFAULTS). Here both files exist and set
 * each of those settings to something else (or to nothing valid); a request built as a deployed
 * function builds it (no endpoint: the region's) must not show any of them: each of the endpoint,
 * FIPS, dual-stack, account-id mode, app id and retry mode settings, left to the SDK, fails this
 * test (checked one by one). defaults_mode (read by the HTTP handler, after this test's stop),
 * auth_scheme_preference and disable_clock_skew_correction change nothing a request shows here.
 */
const FILE_SETTINGS = [
  '[default]',
  'defaults_mode = not-a-mode',
  'endpoint_url = http://from-the-file.invalid',
  'use_fips_endpoint = true',
  'use_dualstack_endpoint = true',
  'user_agent_app_id = from-the-file',
  'retry_mode = adaptive',
  'account_id_endpoint_mode = required',
  'auth_scheme_preference = sigv4a',
  'disable_clock_skew_correction = true',
  '',
].join('\n');

const VARIABLES = [
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_RETRY_MODE',
] as const;

describe('createDocumentClient: settings from code, not from shared config files', () => {
  let dir: string;
  const saved = new Map<string, string | undefined>();

  beforeEach(() => {
    for (const name of VARIABLES) saved.set(name, process.env[name]);
    dir = mkdtempSync(path.join(tmpdir(), 'tally-sdk-config-'));
    const config = path.join(dir, 'config');
    const credentials = path.join(dir, 'credentials');
    writeFileSync(config, FILE_SETTINGS);
    writeFileSync(credentials, FILE_SETTINGS);
    process.env.AWS_CONFIG_FILE = config;
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    process.env.AWS_REGION = 'eu-west-1';
    // As in a Lambda: the role's credentials in the environment.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_USE_FIPS_ENDPOINT;
    delete process.env.AWS_USE_DUALSTACK_ENDPOINT;
    delete process.env.AWS_RETRY_MODE;
  });

  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** The first request a client built as a deployed function builds it (no endpoint), stopped before it is sent. */
  async function firstRequest(): Promise<{ hostname?: string; headers?: Record<string, string> }> {
    const client = createDocumentClient();
    const stop = new Error('stop before sending');
    const sent: { hostname?: string; headers?: Record<string, string> } = {};
    client.middlewareStack.add(
      () => async (args) => {
        const request = args.request as { hostname: string; headers: Record<string, string> };
        sent.hostname = request.hostname;
        sent.headers = request.headers;
        throw stop;
      },
      { step: 'finalizeRequest', priority: 'low', name: 'stopBeforeSending' },
    );
    await expect(
      client.send(new GetCommand({ TableName: 'tally', Key: { pk: 'HEALTH', sk: 'HEALTH' } })),
    ).rejects.toBe(stop);
    client.destroy();
    return sent;
  }

  it("sends the first request to the region's endpoint with the SDK's defaults, whatever the files say", async () => {
    const sent = await firstRequest();
    expect(sent.hostname).toBe('dynamodb.eu-west-1.amazonaws.com');
    const userAgent = sent.headers?.['user-agent'] ?? '';
    expect(userAgent).toContain('app/tally');
    expect(userAgent).not.toContain('from-the-file');
    // The SDK's feature codes (m/…): E the standard retry mode, F the adaptive one (retry_mode).
    const features = userAgent.match(/ m\/([^ ]*)/)?.[1]?.split(',') ?? [];
    expect(features).toContain('E');
    expect(features).not.toContain('F');
    // The SigV4 signature, not SigV4a (auth_scheme_preference), with the standard retry mode.
    expect(sent.headers?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
  });

  it('still follows the FIPS, dual-stack and retry-mode variables an operator sets on a function', async () => {
    process.env.AWS_USE_FIPS_ENDPOINT = 'true';
    process.env.AWS_USE_DUALSTACK_ENDPOINT = 'true';
    process.env.AWS_RETRY_MODE = 'adaptive';
    const sent = await firstRequest();
    expect(sent.hostname).toBe('dynamodb-fips.eu-west-1.api.aws');
    const features = sent.headers?.['user-agent']?.match(/ m\/([^ ]*)/)?.[1]?.split(',') ?? [];
    expect(features).toContain('F');
  });
});
