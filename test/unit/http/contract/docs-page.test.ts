import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DOCS_HTML } from '#http/docs-page.ts';
import { OPENAPI_DOCUMENT } from '../../../support/contract.ts';

/** Runs the page's script against the generated document with a stand-in DOM, as a browser would. */
async function rendered(): Promise<Record<string, { innerHTML: string; textContent: string }>> {
  const script = /<script>([\s\S]*)<\/script>/.exec(DOCS_HTML)?.[1];
  expect(script).toBeDefined();
  const elements: Record<string, { innerHTML: string; textContent: string }> = {};
  const fetched: string[] = [];
  let done: Promise<unknown> = Promise.resolve();
  runInNewContext(script ?? '', {
    document: {
      getElementById: (id: string) => {
        elements[id] ??= { innerHTML: '', textContent: '' };
        return elements[id];
      },
    },
    fetch: (url: string) => {
      fetched.push(url);
      const response = Promise.resolve({ json: () => Promise.resolve(structuredClone(OPENAPI_DOCUMENT)) });
      done = response;
      return response;
    },
  });
  await done;
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(fetched).toEqual(['openapi.json']);
  return elements;
}

describe('GET /docs', () => {
  it('renders every operation of the document, its scopes, and the problem types', async () => {
    const { content, nav, version } = await rendered();
    const html = content?.innerHTML ?? '';
    for (const item of Object.values(OPENAPI_DOCUMENT.paths)) {
      for (const operation of Object.values(item)) {
        expect(html).toContain(`id="${(operation as { operationId: string }).operationId}"`);
      }
    }
    expect(html).toContain('<span class="scope">transfers:write</span>');
    expect(html).toContain('https://tally.dev/problems/insufficient-funds');
    expect(nav?.innerHTML).toContain('/wallets/{wallet_id}/holds');
    expect(version?.textContent).toMatch(/^Tally .* \(OpenAPI 3\.1\./);
  });
});
