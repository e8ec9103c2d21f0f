// Types of the mockdesk test kit for Node (index.js).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** operationId -> [method, path under /__admin]. */
export declare const OPERATIONS: Readonly<Record<string, readonly [string, string]>>;

export declare class MockdeskError extends Error {
  status: number;
  code: string;
  detail: string;
}

export interface Surface {
  id: string;
  vendor: string;
  base_url: string;
  prefix: string;
  real_base_url: string;
  hosts: string[];
  own_port: number | null;
  own_tls_port: number | null;
  default_token: string | null;
  rate_limit: { windows: Window[] };
  scenarios: string[];
}

export interface Window { limit: number; seconds: number }

export interface RequestFilter {
  surface?: string;
  method?: string;
  /** `{name}` matches one segment, `*` any rest; matched against the vendor's path and the path as called. */
  path?: string;
  status?: number;
  account?: string;
  /** admin-clock Unix milliseconds */
  since?: number;
}

export interface JournalEntry {
  seq: number;
  at_ms: number;
  surface: string;
  account: string | null;
  method: string;
  path: string;
  query: string | null;
  status: number;
  vendor_path: string;
  request_headers: [string, string][];
  request_body: Json;
  response_body: Json;
  fault: string | null;
  stub: string | null;
  latency_us: number;
}

export interface Match { surface?: string; method?: string; path?: string; account?: string }

export type FaultEffect =
  | { type: "status"; status: number }
  | { type: "rate_limited"; retry_after?: number }
  | { type: "latency"; ms: number }
  | { type: "latency"; min_ms: number; max_ms: number }
  | { type: "reset" | "truncate" | "malformed" | "hang" };

export interface FaultRule {
  match?: Match;
  effect: FaultEffect;
  times?: number;
  probability?: number;
  after_write?: boolean;
}

export interface StubRule {
  match?: Match & { query?: Record<string, string>; body_contains?: string };
  response: { status?: number; headers?: Record<string, string>; json?: Json; body?: string };
  times?: number;
  priority?: number;
}

export interface Subscription {
  id: string;
  surface: string;
  vendor: string;
  account: string;
  url: string;
  events: string[];
  secret: string | null;
  active: boolean;
  created_at_ms: number;
  dropped?: number;
  inactive_reason?: string;
}

export interface DeliveryAttempt {
  id: number;
  subscription: string;
  surface: string;
  vendor: string;
  account: string;
  event: string;
  event_id: string;
  url: string;
  request_headers: [string, string][];
  request_body: string;
  status: number | null;
  error: string | null;
  attempt: number;
  [key: string]: Json;
}

export interface Clock { now_ms: number; frozen: boolean }

export interface Expectation { times: number; filters: RequestFilter }

export interface ClientOptions {
  /** needed when mockdesk runs with --admin-token */
  adminToken?: string;
  /** vendor -> the key the code under test uses; token() answers with it, state() reads its account */
  tokens?: Record<string, string>;
}

export declare class Mockdesk {
  constructor(url: string, options?: ClientOptions);
  readonly url: string;
  adminToken?: string;

  surfaces(): Promise<Surface[]>;
  baseUrl(surface: string): Promise<string>;
  vendor(surface: string): Promise<string>;
  token(surface: string): Promise<string>;
  accountOf(vendor: string): Promise<string>;
  openapi(surface?: string): Promise<Record<string, Json>>;
  health(): Promise<{ status: "ok" | "degraded"; reason: string | null; surfaces: number; clock_ms: number }>;
  caPem(): Promise<string>;

  reset(selection?: { vendor?: string; account?: string }): Promise<{ reset: string[]; account: string | null }>;
  state(vendor: string, options?: { account?: string }): Promise<Record<string, Json>>;
  stateDocument(vendor: string): Promise<{ vendor: string; accounts: Record<string, Record<string, Json>> }>;
  putState(vendor: string, document: { vendor?: string; accounts: Record<string, Json> }, options?: { account?: string }): Promise<Json>;
  accounts(): Promise<{ vendor: string; token: string; account: string }[]>;
  addAccount(account: { vendor: string; token: string; account?: string }): Promise<{ vendor: string; token: string; account: string }>;

  requests(filters?: RequestFilter): Promise<JournalEntry[]>;
  count(filters?: RequestFilter): Promise<number>;
  clearRequests(): Promise<void>;
  expect(times: number, filters?: RequestFilter): Expectation;
  verify(): Promise<void>;

  fault(rule: FaultRule): Promise<FaultRule & { id: string; hits: number }>;
  faults(): Promise<(FaultRule & { id: string; hits: number })[]>;
  getFault(id: string): Promise<FaultRule & { id: string; hits: number }>;
  deleteFault(id: string): Promise<void>;
  clearFaults(): Promise<void>;

  stub(rule: StubRule): Promise<StubRule & { id: string; hits: number }>;
  stubs(): Promise<(StubRule & { id: string; hits: number })[]>;
  getStub(id: string): Promise<StubRule & { id: string; hits: number }>;
  deleteStub(id: string): Promise<void>;
  clearStubs(): Promise<void>;

  rateLimits(options?: { account?: string }): Promise<{ mode: string; surfaces: Record<string, Json>[] }>;
  setRateLimit(surface: string, change: { mode: "off" | "documented" | "default" } | { mode: "custom"; windows: Window[] }): Promise<Json>;

  clock(): Promise<Clock>;
  now(): Promise<Date>;
  advance(seconds: number): Promise<Clock>;
  freeze(at?: Date | number): Promise<Clock>;
  unfreeze(): Promise<Clock>;

  subscribeWebhook(subscription: { surface: string; url: string; events?: string[]; account?: string; secret?: string }): Promise<Subscription>;
  webhooks(): Promise<{ subscriptions: Subscription[]; surfaces: Record<string, { events: string[]; scenarios: string[]; source: string }> }>;
  unsubscribeWebhook(id: string): Promise<void>;
  deliveries(filters?: { surface?: string; event?: string; subscription?: string }): Promise<DeliveryAttempt[]>;
  redeliver(id: number): Promise<{ queued: boolean }>;
  simulate(surface: string, scenario: string, params?: Record<string, Json>): Promise<Json>;

  isolate(): Promise<void>;
}

export declare class MockdeskServer extends Mockdesk {
  readonly process: import("node:child_process").ChildProcess;
  readonly stderr: string;
  stop(): Promise<void>;
}

export interface StartOptions extends ClientOptions {
  /** default: $MOCKDESK_BIN, else `mockdesk` on PATH */
  binary?: string;
  /** more command-line options, e.g. ["--rate-limits", "off"] */
  args?: string[];
  timeoutMs?: number;
}

export declare function startMockdesk(options?: StartOptions): Promise<MockdeskServer>;
export declare function connectMockdesk(url: string, options?: ClientOptions): Mockdesk;

export interface Delivery {
  surface: string;
  subscription: string;
  event: string | null;
  payload: Json;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** true: signature / verify token checked out; false: it did not; null: the vendor signs nothing */
  verified: boolean | null;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  subscribe(surface: string, options?: { events?: string[]; account?: string; secret?: string }): Promise<Subscription>;
  waitFor(event: string, options?: { timeoutMs?: number; surface?: string }): Promise<Delivery>;
  close(): Promise<void>;
}

export declare function startWebhookReceiver(desk: Mockdesk, options?: { status?: number }): Promise<WebhookReceiver>;

export declare function verifyDelivery(
  vendor: string,
  secret: string | null | undefined,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  payload: Json,
): boolean | null;
