// The webhook receiver: real deliveries from the binary, verified as the vendors' receivers do.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";

import { startMockdesk, startWebhookReceiver, verifyDelivery } from "../index.js";
import { call } from "./helpers.js";

let desk;
let hooks;
before(async () => { desk = await startMockdesk({ args: ["--rate-limits", "off"] }); });
after(async () => { await desk.stop(); });
beforeEach(async () => {
  await hooks?.close();
  await desk.isolate();
  hooks = await startWebhookReceiver(desk);
});
after(async () => { await hooks?.close(); });

test("a HelpCrunch signature is verified", async () => {
  const sub = await hooks.subscribe("helpcrunch", { events: ["customer.new"] });
  const [status, made] = await call(desk, "helpcrunch", "POST", "/customers", { name: "Hooked" });
  assert.equal(status, 201);
  const d = await hooks.waitFor("customer.new", { timeoutMs: 10_000 });
  assert.equal(d.verified, true);
  assert.equal(d.payload.eventData.id, made.id);
  assert.equal(verifyDelivery("helpcrunch", "not-the-key", d.headers, d.body, d.payload), false);
  assert.equal(verifyDelivery("helpcrunch", sub.secret, d.headers, Buffer.concat([d.body, Buffer.from(" ")]), d.payload), false);
});

test("a Chative verify token is checked; Hipcall is unsigned", async () => {
  await hooks.subscribe("chative", { secret: "my-verify-token" });
  await hooks.subscribe("hipcall-v3", { events: ["call_hangup"] });
  await desk.simulate("chative", "widget_contact", { firstName: "Wanda" });
  await desk.simulate("hipcall-v3", "missed_call");
  const c = await hooks.waitFor("contact.created", { timeoutMs: 10_000 });
  assert.equal(c.verified, true);
  assert.equal(c.payload.data.firstName, "Wanda");
  const h = await hooks.waitFor("call_hangup", { timeoutMs: 10_000 });
  assert.equal(h.verified, null);
  assert.equal(verifyDelivery("chative", "other", c.headers, c.body, c.payload), false);
});

test("waitFor names what came, and never returns a delivery twice", async () => {
  await hooks.subscribe("hiver");
  await desk.simulate("hiver", "email_arrives");
  assert.equal((await hooks.waitFor("conversation.created", { timeoutMs: 10_000 })).event, "conversation.created");
  await assert.rejects(hooks.waitFor("conversation.created", { timeoutMs: 300 }), /received: \["conversation.created"\]/);
});
