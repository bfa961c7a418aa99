import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { lexer, type Token, walkTokens } from 'marked';
import { describe, expect, it } from 'vitest';

/**
 * README.md is the one-sitting read and docs/*.md hold the depth, linked both ways. Every relative
 * link in them must reach a file of the repository and, with `#anchor`, a heading of that file: the
 * anchor GitHub makes (github-slugger: the heading's text, lower case, punctuation dropped, spaces
 * as hyphens; a repeated heading gets -1, -2 …). Markdown is read by marked, so links in tables
 * count and `#` lines in code blocks are not headings.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = [
  'README.md',
  ...readdirSync(`${root}docs`).flatMap((name) => (name.endsWith('.md') ? [`docs/${name}`] : [])),
];

/** The text a heading renders to (code spans without backticks, links as their text). */
function plainText(tokens: Token[]): string {
  return tokens
    .map((token) =>
      'tokens' in token && token.tokens !== undefined
        ? plainText(token.tokens)
        : 'text' in token
          ? token.text
          : '',
    )
    .join('');
}

function anchorsOf(markdown: string): string[] {
  const slugger = new GithubSlugger();
  const anchors: string[] = [];
  walkTokens(lexer(markdown), (token) => {
    if (token.type === 'heading') anchors.push(slugger.slug(plainText(token.tokens ?? [])));
  });
  return anchors;
}

function linksOf(markdown: string): string[] {
  const hrefs: string[] = [];
  walkTokens(lexer(markdown), (token) => {
    if (token.type === 'link' || token.type === 'image') hrefs.push(token.href);
  });
  return hrefs;
}

const posix = (path: string) => path.split('/');

/** `docs/api.md` + `../README.md#x` → `README.md`; undefined when the path leaves the repository. */
function resolveFrom(file: string, target: string): string | undefined {
  const parts = posix(file).slice(0, -1);
  for (const part of posix(decodeURI(target))) {
    if (part === '..') {
      if (parts.pop() === undefined) return undefined;
    } else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

/** Every relative link of `files` that does not resolve, as `file: href (why)`. */
function brokenLinks(
  files: Record<string, string>,
  read: (path: string) => string | undefined = (path) =>
    existsSync(`${root}${path}`)
      ? path.endsWith('.md')
        ? readFileSync(`${root}${path}`, 'utf8')
        : ''
      : undefined,
): string[] {
  const anchors = new Map<string, Set<string> | undefined>();
  const anchorsIn = (path: string) => {
    if (!anchors.has(path)) {
      const text = files[path] ?? read(path);
      anchors.set(path, text === undefined ? undefined : new Set(anchorsOf(text)));
    }
    return anchors.get(path);
  };
  return Object.entries(files).flatMap(([file, text]) =>
    linksOf(text).flatMap((href) => {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return []; // https:, mailto: …
      const hash = href.indexOf('#');
      const path = hash < 0 ? href : href.slice(0, hash);
      const anchor = hash < 0 ? undefined : decodeURIComponent(href.slice(hash + 1));
      const target = path === '' ? file : resolveFrom(file, path);
      if (target === undefined) return [`${file}: ${href} (outside the repository)`];
      const known = anchorsIn(target);
      if (known === undefined) return [`${file}: ${href} (no file ${target})`];
      if (anchor === undefined) return [];
      if (!target.endsWith('.md')) return [`${file}: ${href} (an anchor in a file that is not markdown)`];
      return known.has(anchor) ? [] : [`${file}: ${href} (no heading with that anchor in ${target})`];
    }),
  );
}

const texts = Object.fromEntries(DOCS.map((path) => [path, readFileSync(`${root}${path}`, 'utf8')]));

describe('links in README.md and docs/*.md', () => {
  it('reads the README and every docs page', () => {
    expect(DOCS).toEqual(
      expect.arrayContaining(['README.md', 'docs/api.md', 'docs/how-it-works.md', 'docs/benchmarks.md']),
    );
  });

  it('every relative link reaches a file, and every anchor a heading of it', () => {
    expect(brokenLinks(texts)).toEqual([]);
  });

  it('checks the links that cross files, both ways', () => {
    const all = Object.entries(texts).flatMap(([file, text]) =>
      linksOf(text).map((href) => ({ file, href })),
    );
    const fromReadme = all.filter(({ file, href }) => file === 'README.md' && href.startsWith('docs/'));
    const intoReadme = all.filter(
      ({ file, href }) => file !== 'README.md' && href.startsWith('../README.md#'),
    );
    expect(fromReadme.length).toBeGreaterThan(50);
    expect(intoReadme.length).toBeGreaterThan(10);
    expect(all.filter(({ href }) => href.includes('#')).length).toBeGreaterThan(150);
  });

  it('fails on a planted broken link: a missing anchor, a missing file, a heading of another file', () => {
    const planted = {
      ...texts,
      'README.md': `${texts['README.md']}\n[a](docs/api.md#no-such-heading) [b](docs/nope.md) [c](#post-deposit) [d](../outside.md)\n`,
    };
    const found = brokenLinks(planted);
    expect(found).toEqual(
      expect.arrayContaining([
        'README.md: docs/api.md#no-such-heading (no heading with that anchor in docs/api.md)',
        'README.md: docs/nope.md (no file docs/nope.md)',
        'README.md: #post-deposit (no heading with that anchor in README.md)',
        'README.md: ../outside.md (outside the repository)',
      ]),
    );
    expect(found).toHaveLength(brokenLinks(texts).length + 4);
  });
});

describe('anchors', () => {
  it('are GitHub’s slugs of the heading text, repeats numbered, code blocks skipped', () => {
    const markdown = [
      '# Tally',
      '## `GET /details/{wallet_id}`',
      '### Deploying the console (`-c console=true`)',
      '## Tally',
      '## Tally',
      '```sh',
      '# not a heading',
      '```',
      '#### Hold and offer expiry',
    ].join('\n\n');
    expect(anchorsOf(markdown)).toEqual([
      'tally',
      'get-detailswallet_id',
      'deploying-the-console--c-consoletrue',
      'tally-1',
      'tally-2',
      'hold-and-offer-expiry',
    ]);
  });
});
