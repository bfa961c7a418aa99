import { setTimeout as sleepFor } from 'node:timers/promises';
import { CLOUDEVENTS_JSON, cloudEventJson, type EventBus, type PublishedEvent } from '#ports/event-bus.ts';

/**
 * The local runtime's bus, in process: it keeps the last `capacity` CloudEvents (oldest dropped
 * first), lets followers read from a position and wait for more (what a `GET /events/stream`
 * route serves to `npx tally events tail`), and can forward each event to a webhook
 * (`TALLY_EVENTS_WEBHOOK`).
 *
 * Like EventBridge with consumers that dedupe, an id is taken once: the local stream poller starts
 * at the stream's beginning on every start, and events it publishes again are not shown twice
 * (as long as the first copy is still among the kept ones).
 */

/** A kept event and its position: positions grow by one per event, from 1, and are never reused. */
export interface BusEntry {
  position: number;
  event: PublishedEvent;
}

export interface WebhookOptions {
  url: string;
  /** Attempts per event (network error, 429 or 5xx is tried again). @default 5 */
  attemptsMax?: number;
  /** Pause before the second attempt, doubled after each. @default 200 */
  retryBaseMs?: number;
  /** Each attempt is given up after this long. @default 5000 */
  timeoutMs?: number;
  /** Told about an event the webhook did not take after every attempt (the runtime logs it). */
  onGiveUp?: (event: PublishedEvent, reason: string) => void;
  fetch?: typeof globalThis.fetch;
}

export interface LocalEventBusOptions {
  /** How many events are kept. @default 1000 */
  capacity?: number;
  webhook?: WebhookOptions;
}

export class LocalEventBus implements EventBus {
  private readonly capacity: number;
  private readonly entries: BusEntry[] = [];
  private readonly ids = new Set<string>();
  private lastPosition = 0;
  private readonly waiters = new Set<() => void>();
  /** Events waiting for the webhook, in publish order; bounded like the kept events. */
  private readonly outbox: PublishedEvent[] = [];
  private forwarding: Promise<void> | undefined;
  private webhookDropped = 0;

  constructor(private readonly options: LocalEventBusOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 1000);
  }

  async publish(events: readonly PublishedEvent[]) {
    for (const event of events) {
      if (this.ids.has(event.id)) continue;
      this.lastPosition += 1;
      this.entries.push({ position: this.lastPosition, event });
      this.ids.add(event.id);
      if (this.entries.length > this.capacity) {
        const dropped = this.entries.shift();
        if (dropped !== undefined) this.ids.delete(dropped.event.id);
      }
      if (this.options.webhook !== undefined) this.enqueueForWebhook(event);
    }
    for (const wake of [...this.waiters]) wake();
    return { failed: [] };
  }

  /** The position of the newest event (0 before the first): a follower that wants only new events starts here. */
  get position(): number {
    return this.lastPosition;
  }

  /** Kept events after `position`, oldest first (0 for every kept event). */
  since(position: number): BusEntry[] {
    return this.entries.filter((entry) => entry.position > position);
  }

  /**
   * Events after `from` as they come, until `signal` aborts. A follower that falls more than
   * `capacity` events behind misses the dropped ones (the positions show the gap).
   */
  async *follow(from: number, signal: AbortSignal): AsyncGenerator<BusEntry> {
    let position = from;
    while (!signal.aborted) {
      const fresh = this.since(position);
      for (const entry of fresh) {
        yield entry;
        position = entry.position;
        if (signal.aborted) return;
      }
      if (fresh.length === 0) await this.nextPublish(signal);
    }
  }

  /** Resolves when the webhook has been given every event so far (taken or given up). */
  async webhookIdle(): Promise<void> {
    while (this.forwarding !== undefined) await this.forwarding;
  }

  /** Events dropped from the webhook's queue because it fell `capacity` behind. */
  get webhookDroppedCount(): number {
    return this.webhookDropped;
  }

  private nextPublish(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  private enqueueForWebhook(event: PublishedEvent) {
    this.outbox.push(event);
    if (this.outbox.length > this.capacity) {
      this.outbox.shift();
      this.webhookDropped += 1;
    }
    this.startForwarding();
  }

  /** One sender at a time, so the webhook sees events in publish order. */
  private startForwarding() {
    if (this.forwarding !== undefined) return;
    this.forwarding = this.forwardAll().finally(() => {
      this.forwarding = undefined;
      // An event queued between the sender's last look and here would otherwise wait for the next one.
      if (this.outbox.length > 0) this.startForwarding();
    });
  }

  private async forwardAll(): Promise<void> {
    for (let event = this.outbox.shift(); event !== undefined; event = this.outbox.shift()) {
      const webhook = this.options.webhook;
      if (webhook === undefined) return;
      const reason = await postWithRetry(webhook, event);
      if (reason !== undefined) webhook.onGiveUp?.(event, reason);
    }
  }
}

/** POSTs one event (structured mode); undefined when the webhook took it, else why it did not. */
async function postWithRetry(webhook: WebhookOptions, event: PublishedEvent): Promise<string | undefined> {
  const fetchFn = webhook.fetch ?? globalThis.fetch;
  const attemptsMax = Math.max(1, webhook.attemptsMax ?? 5);
  const retryBaseMs = webhook.retryBaseMs ?? 200;
  let reason = '';
  for (let attempt = 1; attempt <= attemptsMax; attempt += 1) {
    if (attempt > 1) await sleepFor(retryBaseMs * 2 ** (attempt - 2));
    try {
      const response = await fetchFn(webhook.url, {
        method: 'POST',
        headers: { 'content-type': CLOUDEVENTS_JSON },
        body: cloudEventJson(event),
        signal: AbortSignal.timeout(webhook.timeoutMs ?? 5000),
      });
      await response.body?.cancel();
      if (response.ok) return undefined;
      reason = `HTTP ${response.status}`;
      // A 4xx other than 429 is the webhook refusing this event: sending it again changes nothing.
      if (response.status !== 429 && response.status < 500) return reason;
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  return `${reason} after ${attemptsMax} attempts`;
}

/** The bus the local runtime makes from its environment: `TALLY_EVENTS_WEBHOOK` turns forwarding on. */
export function localEventBusFromEnv(
  env: NodeJS.ProcessEnv,
  onGiveUp?: WebhookOptions['onGiveUp'],
): LocalEventBus {
  const url = env.TALLY_EVENTS_WEBHOOK?.trim();
  if (url === undefined || url === '') return new LocalEventBus();
  return new LocalEventBus({ webhook: { url, ...(onGiveUp === undefined ? {} : { onGiveUp }) } });
}

/**
 * One Server-Sent Events frame for a kept event, as `GET /events/stream` writes it: the position
 * as the SSE `id` (a client resumes with `Last-Event-ID`), the CloudEvent in structured JSON on
 * one `data` line (`cloudEventJson` never writes a raw newline: JSON escapes them).
 */
export function sseFrame(entry: BusEntry): string {
  return `id: ${entry.position}\nevent: cloudevent\ndata: ${cloudEventJson(entry.event)}\n\n`;
}

/**
 * Where a follower starts: after `Last-Event-ID` or `?from=` when given (0 = every kept event,
 * what `--from-start` asks for), else after the newest event (only new ones).
 */
export function followFrom(bus: LocalEventBus, requested: string | null | undefined): number {
  if (requested === null || requested === undefined || !/^\d{1,15}$/.test(requested)) return bus.position;
  return Math.min(Number(requested), bus.position);
}
