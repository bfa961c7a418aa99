import { ApiError, api, apiFetch, call } from '../../api.ts';

export interface RuleSet {
  version: number;
  builtIn: boolean;
  source: string | null;
  textHash: string;
  publishedAt: string | null;
  publishedBy: string | null;
  text: string;
}

export interface RuleSetVersion {
  version: number;
  source: string | null;
  textHash: string;
  publishedAt: string | null;
  publishedBy: string | null;
  rules: number | null;
}

export interface RuleError {
  line: number;
  column: number;
  message: string;
}

export interface RuleCheck {
  ok: boolean;
  errors: RuleError[];
  rules: { id: string; line: number; condition: string; points: string; description: string | null }[];
  textHash?: string;
  fact?: {
    awards: { ruleId: string; points: number; description: string | null }[];
    failure: { ruleId: string; line: number; reason: string; detail: string } | null;
  };
}

export interface SampleFact {
  type: string;
  subject: string;
  time?: string;
  data?: unknown;
}

export const activeRules = (signal?: AbortSignal) =>
  call(api().GET('/rules', signal === undefined ? {} : { signal })) as Promise<RuleSet>;

/** A version's text; 0 is the built-in default (`GET /rules?version=` knows only published ones). */
export async function ruleSetText(version: number): Promise<RuleSet> {
  if (version === 0) {
    const active = await activeRules();
    if (active.version === 0) return active;
    throw new Error('The built-in rule set is shown only while no version is published.');
  }
  return call(
    api().GET('/rules/versions/{version}', { params: { path: { version: String(version) } } }),
  ) as Promise<RuleSet>;
}

/** One page of the history (oldest first) and the cursor to the next. */
export async function versionsPage(
  cursor: string | undefined,
): Promise<{ versions: RuleSetVersion[]; next: string | null }> {
  const query = cursor === undefined ? { limit: '50' } : { limit: '50', cursor };
  return call(api().GET('/rules/versions', { params: { query } })) as Promise<{
    versions: RuleSetVersion[];
    next: string | null;
  }>;
}

export const checkRules = (rules: string, fact?: SampleFact, signal?: AbortSignal) =>
  call(
    api().POST('/rules/check', {
      body: fact === undefined ? { rules } : { rules, fact },
      ...(signal === undefined ? {} : { signal }),
    }),
  ) as Promise<RuleCheck>;

/** `PUT /rules` with the text as the body (the typed client would send JSON). */
export async function publishRules(text: string): Promise<{ ruleSet: RuleSet; published: boolean }> {
  const response = await apiFetch('/rules?source=console', {
    method: 'PUT',
    headers: { 'content-type': 'text/plain' },
    body: text,
  });
  const body = (await response.json()) as unknown;
  if (!response.ok) throw new ApiError(response.status, body as never);
  return { ruleSet: body as RuleSet, published: response.status === 201 };
}
