import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handler } from '#handlers/openapi.ts';
import { decompressedModuleText } from '../../../bin/openapi.ts';

const documentOnDisk = readFileSync('openapi/openapi.json', 'utf8');

describe('openapi handler', () => {
  it('answers GET /openapi.json with the compact text of openapi/openapi.json, byte for byte', async () => {
    const result = await handler({ routeKey: 'GET /openapi.json' });
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(result.body).toBe(JSON.stringify(JSON.parse(documentOnDisk)));
  });

  it('answers GET /docs with the reference page, which loads /openapi.json', async () => {
    const result = await handler({ routeKey: 'GET /docs' });
    expect(result.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8' });
    expect(result.body).toContain("fetch('openapi.json')");
  });

  it('reads the compressed module back, and refuses a text that is not one', () => {
    const module = readFileSync('openapi/document-brotli.ts', 'utf8');
    expect(decompressedModuleText(module)).toBe(JSON.stringify(JSON.parse(documentOnDisk)));
    expect(decompressedModuleText('export const X = 1;')).toBeUndefined();
  });
});
