import { randomUUID } from 'node:crypto';
import { HandlerTimeout, type InProcessApi } from './in-process-api.ts';
import type { FuzzCase } from './requests.ts';
import { newTrace, type RequestTrace, traced } from './store-watch.ts';

/**
 * Runs one generated request and judges its answer: a success (2xx), or a 4xx RFC 9457 problem
 * (content type application/problem+json; type, title and status in the body), and no write a
 * store or queue accepted if it was rejected. Anything else is a finding.
 */
export type FindingKind =
  | '5xx'
  | 'handler-threw'
  | 'timeout'
  | 'not-a-problem'
  | 'unexpected-status'
  | 'write-on-reject'
  | 'store-changed'
  | 'queue-changed';

export interface Finding {
  kind: FindingKind;
  routeKey: string;
  status?: number;
  detail: string;
  /** What the handler logged (error name, message, top of the stack), when it logged anything. */
  cause?: string;
  /** Where it came from: seed, batch and index, so the run can be repeated. */
  where: string;
  /** What tells findings of one kind apart: the problem type or the error's name. */
  signature: string;
  request?: string;
}

export interface CaseResult {
  status: number;
  /** The problem's `type` of a 4xx. */
  problemType?: string;
  trace: RequestTrace;
  finding?: Finding;
}

/** A request as a report shows it: long bodies and headers cut, but their lengths said. */
export function describeRequest({ request }: FuzzCase): string {
  const cut = (text: string, max: number) =>
    text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
  const headers = request.headers.map(([name, value]) => `${name}: ${cut(JSON.stringify(value), 120)}`);
  const body = request.body.toString('utf8');
  return [
    `${request.method} ${cut(request.target, 300)}`,
    ...headers,
    ...(request.authorizer ? [`(authorizer) ${cut(JSON.stringify(request.authorizer), 300)}`] : []),
    `body (${request.body.length} bytes): ${cut(JSON.stringify(body), 400)}`,
  ].join('\n    ');
}

/** Error log lines of the handlers, by Lambda request id (Powertools logs `function_request_id`). */
export class HandlerLogs {
  private readonly byRequest = new Map<string, string[]>();
  private readonly unattributed: string[] = [];
  private restore: (() => void) | undefined;

  /** Takes the handlers' JSON log lines off stdout and stderr (other output passes through). */
  capture(): void {
    const undo = [process.stdout, process.stderr].map((stream) => {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (typeof chunk === 'string' && chunk.startsWith('{') && chunk.includes('"level"')) {
          this.record(chunk);
          return true;
        }
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      return () => {
        stream.write = original;
      };
    });
    this.restore = () => {
      for (const step of undo) step();
    };
  }

  release(): void {
    this.restore?.();
  }

  private record(line: string): void {
    try {
      const entry = JSON.parse(line) as {
        function_request_id?: string;
        message?: string;
        error?: { name?: string; message?: string; stack?: string };
      };
      const stack = entry.error?.stack?.split('\n').slice(0, 4).join(' | ');
      const text = `${entry.message ?? ''}: ${entry.error?.name ?? ''} ${entry.error?.message ?? ''}${stack ? ` [${stack}]` : ''}`;
      if (entry.function_request_id) {
        this.byRequest.set(entry.function_request_id, [
          ...(this.byRequest.get(entry.function_request_id) ?? []),
          text,
        ]);
      } else {
        this.unattributed.push(text);
      }
    } catch {
      this.unattributed.push(line.slice(0, 300));
    }
  }

  take(awsRequestId: string): string | undefined {
    const lines = this.byRequest.get(awsRequestId);
    this.byRequest.delete(awsRequestId);
    return lines?.join(' || ') ?? this.unattributed.shift();
  }
}

/** The problem's type, or what is wrong with the answer as an RFC 9457 problem. */
function readProblem(
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): { type: string } | { error: string } {
  const type = headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/problem+json'))
    return { error: `content-type is "${type}"` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { error: 'the body is not JSON' };
  }
  const problem = parsed as { type?: unknown; title?: unknown; status?: unknown } | null;
  if (typeof problem?.type !== 'string') return { error: 'no type' };
  if (typeof problem.title !== 'string') return { error: 'no title' };
  if (problem.status !== status) return { error: `status ${String(problem.status)} in the body` };
  return { type: problem.type };
}

export async function runCase(
  api: InProcessApi,
  fuzzCase: FuzzCase,
  logs: HandlerLogs,
  where: string,
): Promise<CaseResult> {
  const trace = newTrace();
  const startedMs = performance.now();
  const awsRequestId = randomUUID();
  const finding = (kind: FindingKind, detail: string, status?: number, cause?: string): CaseResult => ({
    status: status ?? 500,
    trace,
    finding: {
      kind,
      routeKey: fuzzCase.routeKey,
      detail,
      where,
      signature: `${status ?? ''} ${/"type":"([^"]*)"/.exec(detail)?.[1] ?? ''} ${/: (\w*Error)\b/.exec(cause ?? '')?.[1] ?? ''}`,
      request: describeRequest(fuzzCase),
      ...(status === undefined ? {} : { status }),
      ...(cause === undefined ? {} : { cause }),
    },
  });
  let answer: Awaited<ReturnType<InProcessApi['send']>>;
  try {
    answer = await traced(trace, () => api.send(fuzzCase.request, { awsRequestId }));
    trace.ms = performance.now() - startedMs;
  } catch (error) {
    if (error instanceof HandlerTimeout) return finding('timeout', error.message);
    // The local server answers a thrown handler (or a result API Gateway refuses) with a 500.
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return finding('handler-threw', text, 500, logs.take(awsRequestId));
  }
  const { statusCode, headers, body } = answer.reply;
  if (statusCode >= 500) {
    return finding('5xx', body.toString('utf8').slice(0, 300), statusCode, logs.take(awsRequestId));
  }
  if (statusCode >= 200 && statusCode < 300) return { status: statusCode, trace };
  if (statusCode < 400) return finding('unexpected-status', `status ${statusCode}`, statusCode);
  const problem = readProblem(statusCode, headers, body);
  if ('error' in problem) return finding('not-a-problem', problem.error, statusCode);
  if (trace.writes.length > 0 || trace.messages > 0) {
    return finding(
      'write-on-reject',
      `rejected with ${statusCode} after writing: ${trace.writes.join(', ')} (${trace.messages} messages)`,
      statusCode,
    );
  }
  return { status: statusCode, problemType: problem.type, trace };
}
