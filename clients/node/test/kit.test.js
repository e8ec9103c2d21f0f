// The Node kit against the real binary ($MOCKDESK_BIN): every verb, checked by its effect.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { MockdeskError, startMockdesk } from "../index.js";
import { call } from "./helpers.js";

let desk;
before(async () => { desk = await startMockdesk({ args: ["--rate-limits", "off"] }); });
after(async () => { await desk.stop(); });
beforeEach(async () => { await desk.isolate(); });

describe("isolation (in order)", () => {
  test("1: a test leaves a mess", async () => {
    assert.equal((await call(desk, "helpcrunch", "POST", "/customers", { name: "Leftover Ltd" }))[0], 201);
    await desk.fault({ match: { surface: "helpcrunch", method: "GET" }, effect: { type: "status", status: 503 } });
    await desk.stub({ match: { surface: "hiver", path: "/inboxes" }, response: { json: { stubbed: true } } });
    await desk.setRateLimit("hipcall-v3", { mode: "custom", windows: [{ limit: 1, seconds: 60 }] });
    await desk.freeze(0);
    await desk.subscribeWebhook({ surface: "chative", url: "http://127.0.0.1:9/nowhere" });
    await desk.addAccount({ vendor: "helpcrunch", token: "node-added-key" });
    assert.equal(await desk.token("helpcrunch"), "node-added-key");
  });

  test("2: the next test sees none of it", async () => {
    assert.equal(await desk.count(), 0);
    assert.equal(await desk.token("helpcrunch"), "helpcrunch-test-token");
    const [status, page] = await call(desk, "helpcrunch", "GET", "/customers?limit=100");
    assert.equal(status, 200);
    assert.ok(page.data.every((c) => c.name !== "Leftover Ltd"));
    assert.notDeepEqual((await call(desk, "hiver", "GET", "/inboxes"))[1], { stubbed: true });
    assert.deepEqual(await desk.faults(), []);
    assert.deepEqual(await desk.stubs(), []);
    assert.deepEqual((await desk.webhooks()).subscriptions, []);
    assert.equal((await desk.clock()).frozen, false);
    assert.ok((await desk.rateLimits()).surfaces.every((r) => r.override === null));
  });
});

test("surfaces, base URLs and tokens", async () => {
  assert.equal(await desk.baseUrl("helpcrunch"), `${desk.url}/helpcrunch/v1`);
  assert.equal(await desk.token("hipcall-v3"), await desk.token("hipcall"));
  assert.equal((await call(desk, "hipcall-v3", "GET", "/users"))[0], 200);
  await assert.rejects(desk.baseUrl("nope"), (e) => e instanceof MockdeskError && e.status === 404);
  assert.equal((await desk.health()).status, "ok");
  assert.equal((await desk.openapi()).info.title, "mockdesk admin API");
  assert.ok("/customers" in (await desk.openapi("helpcrunch")).paths);
});

test("state, putState, accounts and reset", async () => {
  await desk.putState("helpcrunch", { accounts: { acme: { customers: [{ id: 1, name: "Ada" }, { id: 7 }] } } });
  assert.deepEqual((await desk.state("helpcrunch", { account: "acme" })).customers.map((c) => c.id), [1, 7]);
  await desk.addAccount({ vendor: "helpcrunch", token: "acme-key", account: "acme" });
  assert.equal((await call(desk, "helpcrunch", "GET", "/customers"))[1].total, 2);
  assert.deepEqual((await desk.state("helpcrunch")).customers.map((c) => c.id), [1, 7], "state() follows the token");
  await desk.reset({ vendor: "helpcrunch", account: "acme" });
  assert.ok((await desk.state("helpcrunch", { account: "acme" })).customers.length > 2);
  await assert.rejects(desk.putState("helpcrunch", { accounts: { acme: { customers: [{ id: 1, colour: 1 }] } } }),
    (e) => e.status === 400 && e.code === "invalid_state");
  assert.ok((await desk.accounts()).some((a) => a.token === "acme-key"));
  assert.ok("acme" in (await desk.stateDocument("helpcrunch")).accounts);
});

test("journal, count and expect", async () => {
  await call(desk, "helpcrunch", "GET", "/customers");
  await call(desk, "helpcrunch", "POST", "/customers", { name: "Counted" });
  assert.equal(await desk.count({ surface: "helpcrunch", method: "POST", path: "/customers", status: 201 }), 1);
  assert.equal((await desk.requests({ surface: "helpcrunch" })).length, 2);
  desk.expect(1, { surface: "helpcrunch", method: "POST", path: "/customers" });
  await desk.verify();
  desk.expect(1, { surface: "helpcrunch", method: "POST", path: "/chats" });
  await assert.rejects(desk.verify(), /expected 1 request\(s\)[^]*got 0[^]*near miss: POST \/customers/);
  await desk.clearRequests();
  assert.deepEqual(await desk.requests(), []);
});

test("faults and stubs", async () => {
  const rule = await desk.fault({ match: { surface: "helpcrunch", method: "GET" }, effect: { type: "status", status: 503 }, times: 1 });
  assert.equal((await desk.getFault(rule.id)).effect.status, 503);
  assert.equal((await call(desk, "helpcrunch", "GET", "/customers"))[0], 503);
  assert.equal((await call(desk, "helpcrunch", "GET", "/customers"))[0], 200);
  const keep = await desk.fault({ effect: { type: "reset" }, match: { surface: "hiver" } });
  await desk.deleteFault(keep.id);
  await desk.fault({ effect: { type: "status", status: 500 } });
  await desk.clearFaults();
  assert.deepEqual(await desk.faults(), []);
  const s = await desk.stub({ match: { surface: "helpcrunch", path: "/customers/{id}" }, response: { json: { id: 7, name: null } }, times: 1 });
  assert.equal((await desk.getStub(s.id)).times, 1);
  assert.deepEqual(await call(desk, "helpcrunch", "GET", "/customers/7"), [200, { id: 7, name: null }]);
  const t = await desk.stub({ response: { body: "x" } });
  await desk.deleteStub(t.id);
  await desk.stub({ response: { body: "x" } });
  await desk.clearStubs();
  assert.deepEqual(await desk.stubs(), []);
});

test("rate limits and clock", async () => {
  await desk.setRateLimit("helpcrunch", { mode: "custom", windows: [{ limit: 2, seconds: 60 }] });
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push((await call(desk, "helpcrunch", "GET", "/customers"))[0]);
  assert.deepEqual(codes, [200, 200, 429]);
  const at = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
  assert.deepEqual(await desk.freeze(at), { now_ms: at.getTime(), frozen: true });
  await desk.advance(90);
  assert.equal((await desk.now()).getTime(), at.getTime() + 90_000);
  await desk.unfreeze();
  assert.equal((await desk.clock()).frozen, false);
});

test("simulate, deliveries, redeliver, unsubscribe", async () => {
  const sub = await desk.subscribeWebhook({ surface: "hipcall-v3", url: "http://127.0.0.1:9/closed", events: ["call_hangup"] });
  const result = await desk.simulate("hipcall-v3", "inbound_call", { duration: 30 });
  assert.deepEqual(result.events, ["call_init", "call_bridged", "call_hangup"]);
  let list = [];
  for (let i = 0; i < 200 && list.length === 0; i++) {
    list = await desk.deliveries({ subscription: sub.id });
    if (list.length === 0) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(list[0].event, "call_hangup");
  assert.ok(list[0].error);
  assert.deepEqual(await desk.redeliver(list[0].id), { queued: true });
  await desk.unsubscribeWebhook(sub.id);
  assert.deepEqual((await desk.webhooks()).subscriptions, []);
});

test("startMockdesk: tokens, TLS CA, failures", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mockdesk-node-tls-"));
  const other = await startMockdesk({ args: ["--rate-limits", "off", "--tls-listen", "127.0.0.1:0", "--tls-dir", dir], tokens: { hipcall: "my-key" } });
  try {
    assert.equal(await other.caPem(), readFileSync(join(dir, "ca.pem"), "utf8"));
    assert.equal(await other.token("hipcall-v3"), "my-key");
    assert.equal((await call(other, "hipcall-v3", "POST", "/tasks", { data: { name: "mine" } }))[0], 201);
    assert.ok((await other.state("hipcall")).tasks.some((t) => t.name === "mine"));
    assert.ok(!(await other.state("hipcall", { account: "default" })).tasks.some((t) => t.name === "mine"));
  } finally {
    await other.stop();
  }
  assert.notEqual(other.process.exitCode ?? other.process.signalCode, null);
  await assert.rejects(desk.caPem(), (e) => e.status === 404);
  await assert.rejects(startMockdesk({ args: ["--no-such-flag"] }), (e) => e.code === "did_not_start" && /no-such-flag/.test(e.message));
  await assert.rejects(startMockdesk({ binary: "/nonexistent/mockdesk" }), /not found/);
});
