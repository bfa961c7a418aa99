import * as z from 'zod/mini';
import { onFirstUse } from '#adapters/dynamodb/table-layout/on-first-use.ts';
import { zodEnglish } from '#app/zod-wording.ts';
import type { JobMessage } from '#ports/jobs.ts';
import { toMessageBody } from './message-body.ts';

/**
 * The jobs-queue message body: one page of one segment of a job (JobMessage), as JSON. Fields
 * this version does not know are dropped rather than refused, so a page sent by a newer runner
 * during a deployment is still taken up.
 */
export const jobMessageSchema = onFirstUse(() =>
  z.object({
    jobId: z.string().check(z.minLength(1), z.maxLength(256)),
    segment: z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)),
    page: z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)),
    cursor: z.nullable(z.string()),
    // The job's kind and segments (JobMessage says why). A kind this version does not know is kept
    // as text: the job read decides what the page is.
    kind: z.optional(z.string().check(z.maxLength(64))),
    segments: z.optional(z.int().check(z.gte(1), z.lte(Number.MAX_SAFE_INTEGER))),
  }),
);

const atLeast = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/**
 * The schema's answer for a message it accepts, read field by field (undefined: anything else,
 * which the schema then reads, and accepts or explains): run-jobs reads one at every page, and a
 * cold process's first parse of the schema cost ~1-2 ms CPU. Exactly the schema's fields, as it
 * strips the others (test/unit/adapters/job-message-parse.property.test.ts).
 */
function fastMessage(value: unknown): JobMessage | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { jobId, segment, page, cursor, kind, segments } = value as Record<string, unknown>;
  if (typeof jobId !== 'string' || jobId.length < 1 || jobId.length > 256) return undefined;
  if (!atLeast(segment, 0) || !atLeast(page, 0)) return undefined;
  if (cursor !== null && typeof cursor !== 'string') return undefined;
  if (kind !== undefined && (typeof kind !== 'string' || kind.length > 64)) return undefined;
  if (segments !== undefined && !atLeast(segments, 1)) return undefined;
  const message: JobMessage = { jobId, segment, page, cursor };
  // An optional field present as undefined stays present, as the schema leaves it.
  if ('kind' in value) message.kind = kind as string | undefined;
  if ('segments' in value) message.segments = segments as number | undefined;
  return message;
}

/** The message as the schema reads it: the fast read where it applies. */
function parsedMessage(value: unknown): z.core.util.SafeParseResult<JobMessage> {
  const fast = fastMessage(value);
  return fast === undefined
    ? jobMessageSchema().safeParse(value, { error: zodEnglish })
    : { success: true, data: fast };
}

function problems(error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'message'}: ${issue.message}`)
    .join('; ');
}

/** The JobMessage a jobs-queue message body holds; throws an Error saying what is wrong otherwise. */
export function parseJobMessage(body: string): JobMessage {
  let candidate: unknown;
  try {
    candidate = JSON.parse(body);
  } catch (error) {
    throw new Error(
      `jobs-queue message is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = parsedMessage(candidate);
  if (!parsed.success) throw new Error(`jobs-queue message is not a job page: ${problems(parsed.error)}`);
  return parsed.data;
}

/** The body of one message: exactly the fields above, whatever else the object carries. */
export function toJobBody(message: JobMessage): string {
  const parsed = parsedMessage(message);
  if (!parsed.success) {
    throw new Error(
      `refusing to queue an invalid job page (${pageName(message)}): ${problems(parsed.error)}`,
    );
  }
  const { jobId, segment, page, cursor, kind, segments } = parsed.data;
  // JSON leaves out the fields that are undefined (a page queued without its job's kind).
  return toMessageBody({ jobId, segment, page, cursor, kind, segments });
}

export const pageName = (message: JobMessage): string =>
  `job ${message.jobId} segment ${message.segment} page ${message.page}`;
