/** The `require` banner comes off a file that never names `require` (require-runtime-modules.mjs). */
import { describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../../lib/constructs/bundling.ts';
import { withoutUnusedBanner } from '../../../lib/constructs/require-runtime-modules.mjs';

const file = (code: string) => `${ESM_REQUIRE_BANNER}\n${code}`;

describe('withoutUnusedBanner', () => {
  it('takes the banner off code that never names require, keeping its line (source maps)', () => {
    expect(
      withoutUnusedBanner(
        file('import{a as b}from"./chunk-X.mjs";b("@aws-sdk/lib-dynamodb");'),
        ESM_REQUIRE_BANNER,
      ),
    ).toBe('\nimport{a as b}from"./chunk-X.mjs";b("@aws-sdk/lib-dynamodb");');
    // esbuild's imported shim is called `__require`: not the banner's binding.
    expect(withoutUnusedBanner(file('__require("@aws-sdk/client-sqs");'), ESM_REQUIRE_BANNER)).toBe(
      '\n__require("@aws-sdk/client-sqs");',
    );
  });

  it('keeps it where the code names require, and leaves a file without it alone', () => {
    const shim = 'var a=(x=>typeof require<"u"?require:x)(function(x){throw Error(x)});';
    expect(withoutUnusedBanner(file(shim), ESM_REQUIRE_BANNER)).toBeUndefined();
    expect(withoutUnusedBanner(file('const m=require("node:fs");'), ESM_REQUIRE_BANNER)).toBeUndefined();
    expect(withoutUnusedBanner('export const a=1;', ESM_REQUIRE_BANNER)).toBeUndefined();
  });
});
