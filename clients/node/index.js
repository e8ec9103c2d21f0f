// mockdesk test kit for Node (>= 18): a client of the admin API (`/__admin`), a launcher that
// starts the binary on a free loopback port, and a webhook receiver that verifies what the
// vendors sign. No dependencies. Types: index.d.ts.

import { spawn } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { once } from "node:events";

/** Every admin operation the client calls: operationId -> [method, path under /__admin]. */
export const OPERATIONS = Object.freeze({
  health: ["GET", "/health"],
  adminOpenapi: ["GET", "/openapi"],
  reset: ["POST", "/reset"],
  getState: ["GET", "/state/{vendor}"],
  putState: ["PUT", "/state/{vendor}"],
  listAccounts: ["GET", "/accounts"],
  addAccount: ["POST", "/accounts"],
  listRequests: ["GET", "/requests"],
  clearRequests: ["DELETE", "/requests"],
  countRequests: ["POST", "/requests/count"],
  listFaults: ["GET", "/faults"],
  addFault: ["POST", "/faults"],
  clearFaults: ["DELETE", "/faults"],
  getFault: ["GET", "/faults/{id}"],
  deleteFault: ["DELETE", "/faults/{id}"],
  listStubs: ["GET", "/stubs"],
  addStub: ["POST", "/stubs"],
  clearStubs: ["DELETE", "/stubs"],
  getStub: ["GET", "/stubs/{id}"],
  deleteStub: ["DELETE", "/stubs/{id}"],
  listRateLimits: ["GET", "/rate-limits"],
  setRateLimit: ["PUT", "/rate-limits/{surface}"],
  listSurfaces: ["GET", "/surfaces"],
  surfaceOpenapi: ["GET", "/openapi/{surface}"],
  getClock: ["GET", "/clock"],
  setClock: ["POST", "/clock"],
  listWebhooks: ["GET", "/webhooks"],
  subscribeWebhook: ["POST", "/webhooks"],
  unsubscribeWebhook: ["DELETE", "/webhooks/{id}"],
  listDeliveries: ["GET", "/webhooks/deliveries"],
  redeliver: ["POST", "/webhooks/deliveries/{id}/redeliver"],
  simulate: ["POST", "/simulate/{surface}/{scenario}"],
  caPem: ["GET", "/tls/ca.pem"],
});

/** The admin API refused a call (status, code, message), or was unreachable (status 0). */
export class MockdeskError extends Error {
  constructor(status, code, message) {
    super(`mockdesk admin API answered ${status} ${code}: ${message}`);
    this.name = "MockdeskError";
    this.status = status;
    this.code = code;
    this.detail = message;
  }
}

const defined = (o) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined && v !== null));

/** A running mockdesk reached at `url`. */
export class Mockdesk {
  #surfaces = null;
  #tokens;
  #givenTokens;
  #expectations = [];

  constructor(url, { adminToken, tokens } = {}) {
    this.url = url.replace(/\/+$/, "");
    this.adminToken = adminToken;
    this.#tokens = { ...(tokens ?? {}) };
    this.#givenTokens = { ...this.#tokens };
  }

  async #call(operation, { params, query, body, raw } = {}) {
    const [method, template] = OPERATIONS[operation];
    let path = template;
    for (const [k, v] of Object.entries(params ?? {})) path = path.replace(`{${k}}`, encodeURIComponent(String(v)));
    const q = new URLSearchParams(Object.entries(defined(query)).map(([k, v]) => [k, String(v)])).toString();
    const url = `${this.url}/__admin${path}${q ? `?${q}` : ""}`;
    const headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.adminToken) headers.authorization = `Bearer ${this.adminToken}`;
    let res;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new MockdeskError(0, "unreachable", `${url}: ${e.cause?.message ?? e.message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let err;
      try { err = JSON.parse(text).error; } catch { err = undefined; }
      throw new MockdeskError(res.status, err?.code ?? "http_error", err?.message ?? text.slice(0, 500));
    }
    if (raw) return text;
    return text ? JSON.parse(text) : null;
  }

  // ---- surfaces ------------------------------------------------------------------------------

  /** Mounted surfaces: id, vendor, base URL, prefix, default token, limit, scenarios. */
  async surfaces() {
    this.#surfaces = (await this.#call("listSurfaces")).surfaces;
    return this.#surfaces;
  }

  async #surface(surface) {
    const list = this.#surfaces ?? (await this.surfaces());
    const found = list.find((s) => s.id === surface) ?? list.find((s) => s.vendor === surface);
    if (!found) throw new MockdeskError(404, "not_found", `no surface or vendor ${surface} (known: ${list.map((s) => s.id).join(", ")})`);
    return found;
  }

  /** Where a client of `surface` points its base URL, e.g. http://127.0.0.1:4010/helpcrunch/v1. */
  async baseUrl(surface) { return this.url + (await this.#surface(surface)).prefix; }

  /** The vendor a surface (or vendor name) belongs to. */
  async vendor(surface) { return (await this.#surface(surface)).vendor; }

  /** The key to send to `surface`: the one given for its vendor, else the built-in token. */
  async token(surface) {
    const s = await this.#surface(surface);
    return this.#tokens[s.vendor] ?? s.default_token;
  }

  /** The account `token()` reaches for `vendor`. */
  async accountOf(vendor) {
    const tok = this.#tokens[vendor];
    if (tok === undefined) return "default";
    const a = (await this.accounts()).find((x) => x.vendor === vendor && x.token === tok);
    return a?.account ?? "default";
  }

  /** A surface's OpenAPI document, or (no surface) the admin API's own. */
  openapi(surface) {
    return surface === undefined ? this.#call("adminOpenapi") : this.#call("surfaceOpenapi", { params: { surface } });
  }

  health() { return this.#call("health"); }

  /** The local CA certificate (PEM) of mockdesk's HTTPS listener. */
  caPem() { return this.#call("caPem", { raw: true }); }

  // ---- state ---------------------------------------------------------------------------------

  /** Back to the seed: every vendor, or one vendor and/or account. */
  reset({ vendor, account } = {}) { return this.#call("reset", { body: defined({ vendor, account }) }); }

  /** One account's state (default: the account `token()` reaches). */
  async state(vendor, { account } = {}) {
    const name = account ?? (await this.accountOf(vendor));
    const doc = await this.#call("getState", { params: { vendor }, query: { account: name } });
    return doc.accounts[name];
  }

  /** Every account that holds state: {vendor, accounts: {...}}. */
  stateDocument(vendor) { return this.#call("getState", { params: { vendor } }); }

  /** Replace accounts with a state document ({accounts: {name: state}}); with `account`, only that one. */
  putState(vendor, document, { account } = {}) {
    return this.#call("putState", { params: { vendor }, query: { account }, body: document });
  }

  async accounts() { return (await this.#call("listAccounts")).accounts; }

  /** Accept `token` for `vendor` (its own account unless one is named); `token()` answers with it. */
  async addAccount({ vendor, token, account }) {
    const out = await this.#call("addAccount", { body: defined({ vendor, token, account }) });
    this.#tokens[vendor] = token;
    return out;
  }

  // ---- journal -------------------------------------------------------------------------------

  /** Journal entries, oldest first; filters: surface, method, path, status, account, since. */
  async requests(filters = {}) { return (await this.#call("listRequests", { query: filters })).requests; }

  /** How many journal entries match. */
  async count(filters = {}) { return (await this.#call("countRequests", { body: defined(filters) })).count; }

  clearRequests() { return this.#call("clearRequests"); }

  /** Declare that exactly `times` requests matching `filters` will have been made when `verify()` runs. */
  expect(times, filters = {}) {
    const e = { times, filters };
    this.#expectations.push(e);
    return e;
  }

  /** Check every `expect()`; throws an AssertionError-like Error listing each one not met, with near misses. */
  async verify() {
    const problems = [];
    for (const e of this.#expectations) {
      const got = await this.count(e.filters);
      if (got === e.times) continue;
      const lines = [`expected ${e.times} request(s) matching ${JSON.stringify(e.filters)}, got ${got}`];
      const near = (await this.requests(defined({ surface: e.filters.surface }))).filter(
        (r) => r.method.toUpperCase() === String(e.filters.method ?? r.method).toUpperCase() || r.vendor_path === e.filters.path);
      for (const r of near.slice(-10)) lines.push(`    near miss: ${r.method} ${r.vendor_path} -> ${r.status} (surface ${r.surface}, account ${r.account})`);
      if (near.length === 0) lines.push("    no request to that surface at all");
      problems.push(lines.join("\n"));
    }
    this.#expectations = [];
    if (problems.length) {
      const err = new Error(`mockdesk expectations not met:\n${problems.join("\n")}`);
      err.name = "AssertionError";
      throw err;
    }
  }

  // ---- faults and stubs ----------------------------------------------------------------------

  /** Make a surface misbehave: fault({match: {surface: "helpcrunch"}, effect: {type: "status", status: 503}, times: 1}). */
  fault({ match, effect, times, probability, after_write } = {}) {
    return this.#call("addFault", { body: defined({ match, effect, times, probability, after_write }) });
  }

  async faults() { return (await this.#call("listFaults")).faults; }
  getFault(id) { return this.#call("getFault", { params: { id } }); }
  deleteFault(id) { return this.#call("deleteFault", { params: { id } }); }
  clearFaults() { return this.#call("clearFaults"); }

  /** Set the answer for the requests `match` names (response: status, headers, json or body). */
  stub({ match, response, times, priority } = {}) {
    return this.#call("addStub", { body: defined({ match, response, times, priority }) });
  }

  async stubs() { return (await this.#call("listStubs")).stubs; }
  getStub(id) { return this.#call("getStub", { params: { id } }); }
  deleteStub(id) { return this.#call("deleteStub", { params: { id } }); }
  clearStubs() { return this.#call("clearStubs"); }

  // ---- rate limits ---------------------------------------------------------------------------

  rateLimits({ account } = {}) { return this.#call("listRateLimits", { query: { account } }); }

  /** mode: off, documented, default (no override) or custom with windows [{limit, seconds}]. */
  setRateLimit(surface, { mode, windows }) {
    return this.#call("setRateLimit", { params: { surface }, body: defined({ mode, windows }) });
  }

  // ---- clock ---------------------------------------------------------------------------------

  clock() { return this.#call("getClock"); }

  async now() { return new Date((await this.clock()).now_ms); }

  /** Move the clock on by `seconds` (timestamps, rate-limit windows and webhook retries follow). */
  advance(seconds) { return this.#call("setClock", { body: { advance_ms: Math.round(seconds * 1000) } }); }

  /** Stop the clock at `at` (a Date, or Unix milliseconds; default: now). */
  async freeze(at) {
    const ms = at === undefined ? (await this.clock()).now_ms : at instanceof Date ? at.getTime() : Number(at);
    return this.#call("setClock", { body: { freeze_at_ms: ms } });
  }

  unfreeze() { return this.#call("setClock", { body: { unfreeze: true } }); }

  // ---- webhooks and scenarios ----------------------------------------------------------------

  /** Subscribe `url` to `surface`'s events (default: all); returns the subscription with id and secret. */
  subscribeWebhook({ surface, url, events, account, secret }) {
    return this.#call("subscribeWebhook", { body: defined({ surface, url, events, account, secret }) });
  }

  webhooks() { return this.#call("listWebhooks"); }
  unsubscribeWebhook(id) { return this.#call("unsubscribeWebhook", { params: { id } }); }

  /** Every delivery attempt, oldest first; filters: surface, event, subscription. */
  async deliveries(filters = {}) { return (await this.#call("listDeliveries", { query: filters })).deliveries; }

  redeliver(id) { return this.#call("redeliver", { params: { id } }); }

  /** A vendor-side event (inbound_call, customer_chat, ...); returns its result. */
  async simulate(surface, scenario, params = {}) {
    return (await this.#call("simulate", { params: { surface, scenario }, body: params })).result;
  }

  // ---- isolation -----------------------------------------------------------------------------

  /**
   * Everything a test can change, back to the start: vendors to their seed, journal emptied,
   * faults, stubs and subscriptions removed, rate-limit overrides dropped, clock real again,
   * expectations forgotten, token() back to the tokens this client was made with.
   */
  async isolate() {
    await this.reset();
    await this.clearRequests();
    await this.clearFaults();
    await this.clearStubs();
    for (const s of (await this.webhooks()).subscriptions) await this.unsubscribeWebhook(s.id);
    for (const r of (await this.rateLimits()).surfaces) if (r.override !== null) await this.setRateLimit(r.surface, { mode: "default" });
    await this.unfreeze();
    this.#expectations = [];
    this.#tokens = { ...this.#givenTokens };
  }
}

/** A mockdesk process started by `startMockdesk`; `stop()` ends it. */
export class MockdeskServer extends Mockdesk {
  constructor(child, url, options) {
    super(url, options);
    this.process = child;
    this.stderr = "";
  }

  async stop() {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, "exit");
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async [Symbol.asyncDispose]() { await this.stop(); }
}

/**
 * Start mockdesk on a free 127.0.0.1 port: binary from `binary`, $MOCKDESK_BIN or `mockdesk`
 * on PATH; `args` more options; `tokens` {vendor: key} (an account of its own each).
 */
export async function startMockdesk({ binary, args = [], tokens, adminToken, timeoutMs = 30_000 } = {}) {
  const exe = binary ?? process.env.MOCKDESK_BIN ?? "mockdesk";
  const argv = ["--listen", "127.0.0.1:0", ...args];
  for (const [vendor, tok] of Object.entries(tokens ?? {})) argv.push("--token", `${vendor}=${tok}`);
  if (adminToken) argv.push("--admin-token", adminToken);
  const child = spawn(exe, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { if (stderr.length < 65536) stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new MockdeskError(0, "did_not_start", `no banner within ${timeoutMs} ms: ${stderr}`)); }, timeoutMs);
    const fail = (why) => { clearTimeout(timer); reject(new MockdeskError(0, "did_not_start", `${exe} ${argv.join(" ")}: ${why} ${stderr}`.trim())); };
    child.on("error", (e) => fail(e.code === "ENOENT" ? `not found (set MOCKDESK_BIN, put mockdesk on PATH, or use connectMockdesk)` : e.message));
    child.on("exit", (code) => setTimeout(() => fail(`exited with ${code}`), 50));
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.]+:[0-9]+)/);
      if (m) { clearTimeout(timer); child.removeAllListeners("exit"); resolve(m[1]); }
    });
  });
  child.stdout.resume();
  const server = new MockdeskServer(child, url, { adminToken, tokens });
  Object.defineProperty(server, "stderr", { get: () => stderr });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await server.health();
      return server;
    } catch (e) {
      if (Date.now() > deadline) { await server.stop(); throw e; }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** A client for a mockdesk that is already running (a service container, `make run`). */
export function connectMockdesk(url, options = {}) { return new Mockdesk(url, options); }

// ---- webhooks --------------------------------------------------------------------------------

function verify(vendor, secret, headers, body, payload) {
  if (vendor === "helpcrunch") {
    const sent = Buffer.from(String(headers["x-helpcrunch-signature"] ?? ""));
    const want = Buffer.from(createHmac("sha1", secret ?? "").update(body).digest("hex"));
    return sent.length === want.length && timingSafeEqual(sent, want);
  }
  if (vendor === "chative") return payload?.verify_token === secret;
  return null;
}

/** Exposed for tests of the verification itself. */
export const verifyDelivery = verify;

/**
 * A webhook receiver on a free 127.0.0.1 port for `desk`: subscribe(surface, {events}),
 * waitFor(event, {timeoutMs}), deliveries, close(). Each delivery has event, payload, headers,
 * body and verified (HelpCrunch's signature, Chative's verify token; null when unsigned).
 */
export async function startWebhookReceiver(desk, { status = 200 } = {}) {
  const routes = new Map();
  const deliveries = [];
  const seen = new Set();
  const waiters = new Set();
  let taken = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const route = routes.get(req.url);
      res.writeHead(route ? status : 404, { "content-length": "0" }).end();
      if (!route) return;
      const body = Buffer.concat(chunks);
      let payload = null;
      try { payload = JSON.parse(body.toString()); } catch { payload = null; }
      deliveries.push({
        surface: route.surface, subscription: route.id, event: payload?.event ?? null, payload,
        headers: req.headers, body, verified: verify(route.vendor, route.secret, req.headers, body, payload),
      });
      for (const w of waiters) w();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    deliveries,
    async subscribe(surface, { events, account, secret } = {}) {
      taken += 1;
      const path = `/hooks/${taken}`;
      const sub = await desk.subscribeWebhook({ surface, url: url + path, events, account, secret });
      routes.set(path, { ...sub, vendor: await desk.vendor(surface) });
      return sub;
    },
    waitFor(event, { timeoutMs = 5000, surface } = {}) {
      return new Promise((resolve, reject) => {
        let timer;
        const look = () => {
          const i = deliveries.findIndex((d, j) => !seen.has(j) && d.event === event && (surface === undefined || d.surface === surface));
          if (i < 0) return false;
          seen.add(i);
          waiters.delete(look);
          clearTimeout(timer);
          resolve(deliveries[i]);
          return true;
        };
        timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`no ${event} webhook within ${timeoutMs} ms (received: ${JSON.stringify(deliveries.map((d) => d.event))})`));
        }, timeoutMs);
        if (!look()) waiters.add(look);
      });
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
    },
  };
}
