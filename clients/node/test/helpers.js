// Calls to the vendor surfaces, as the code under test would make them.
export async function call(desk, surface, method, path, body, token) {
  const res = await fetch((await desk.baseUrl(surface)) + path, {
    method,
    headers: { authorization: `Bearer ${token ?? (await desk.token(surface))}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return [res.status, json];
}
