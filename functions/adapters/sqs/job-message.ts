import * as z from 'zod/mini';
import { zodEnglish } from '#app/zod-wording.ts';
import type { JobMessage } from '#ports/jobs.ts';
import { toMessageBody } from './message-body.ts';

/**
 * The jobs-queue message body: one page of one segment of a job (JobMessage), as JSON. Fields
 * this version does not know are dropped rather than refused, so a page sent by a newer runner
 * during a deployment is still taken up.
 */
const jobMessageSchema = z.object({
  jobId: z.string().check(z.minLength(1), z.maxLength(256)),
  segment: z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)),
  page: z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER)),
  cursor: z.nullable(z.string()),
  // The job's kind and segments (JobMessage says why). A kind this version does not know is kept
  // as text: the job read decides what the page is.
  kind: z.optional(z.string().check(z.maxLength(64))),
  segments: z.optional(z.int().check(z.gte(1), z.lte(Number.MAX_SAFE_INTEGER))),
});

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
  const parsed = jobMessageSchema.safeParse(candidate, { error: zodEnglish });
  if (!parsed.success) throw new Error(`jobs-queue message is not a job page: ${problems(parsed.error)}`);
  return parsed.data;
}

/** The body of one message: exactly the fields above, whatever else the object carries. */
export function toJobBody(message: JobMessage): string {
  const parsed = jobMessageSchema.safeParse(message, { error: zodEnglish });
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
