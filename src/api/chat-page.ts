// A template string, not an .html import: it needs no loader under Bun, Deno or a compiled binary,
// and TypeScript types it as a string. The page's script therefore avoids backticks and "${".
/** The chat page served at GET /: static HTML with inline CSS and JS, no data of its own. */
export const chatPage = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>glm-serve chat</title>
<link rel="icon" href="data:,">
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: #1d1d1f; background: #f5f5f7;
    display: flex; flex-direction: column; height: 100vh; }
  header { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1rem; background: #fff;
    border-bottom: 1px solid #ddd; }
  header h1 { font-size: 1.1rem; margin: 0; }
  #model { color: #555; font-family: ui-monospace, monospace; }
  details { padding: .4rem 1rem; background: #fff; border-bottom: 1px solid #ddd; }
  .settings { display: grid; grid-template-columns: max-content 1fr; gap: .4rem .8rem;
    align-items: center; padding: .5rem 0; max-width: 44rem; }
  #messages { flex: 1; overflow-y: auto; margin: 0; padding: 1rem; list-style: none; }
  #messages li { max-width: 44rem; margin: 0 auto .8rem; padding: .6rem .8rem; border-radius: 8px;
    white-space: pre-wrap; overflow-wrap: anywhere; }
  #messages li.user { background: #dbeafe; }
  #messages li.assistant { background: #fff; border: 1px solid #ddd; }
  #messages li .role { display: block; font-size: .75rem; font-weight: 600; color: #555; }
  #error { max-width: 44rem; margin: 0 auto; color: #a40000; }
  #error:empty { display: none; }
  form { display: flex; gap: .5rem; padding: .8rem 1rem; background: #fff;
    border-top: 1px solid #ddd; }
  textarea, input { font: inherit; padding: .4rem; border: 1px solid #bbb; border-radius: 6px; }
  #prompt { flex: 1; resize: vertical; }
  button { font: inherit; padding: .4rem 1rem; border-radius: 6px; border: 1px solid #888;
    background: #fff; cursor: pointer; }
  button[type=submit] { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }
  button:disabled { opacity: .5; cursor: default; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); }
</style>
</head>
<body>
<header>
  <h1>glm-serve chat</h1>
  <span>model: <span id="model">loading…</span></span>
</header>
<details>
  <summary>Settings</summary>
  <div class="settings">
    <label for="system">System prompt</label>
    <textarea id="system" rows="2" placeholder="You are a helpful assistant."></textarea>
    <label for="temperature">Temperature (0–2)</label>
    <input id="temperature" type="number" min="0" max="2" step="0.1" value="0.7">
    <label for="api-key">API key (optional)</label>
    <input id="api-key" type="password" autocomplete="off" placeholder="sent as Bearer; kept in this browser">
  </div>
</details>
<ol id="messages" role="log" aria-live="polite" aria-label="Conversation"></ol>
<p id="error" role="alert"></p>
<form id="composer">
  <label for="prompt" class="visually-hidden">Message</label>
  <textarea id="prompt" rows="2" placeholder="Message (Enter sends, Shift+Enter for a new line)"></textarea>
  <button type="submit" id="send">Send</button>
  <button type="button" id="stop" disabled>Stop</button>
</form>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const KEY_STORE = "glm-serve.apiKey";
const history = [];
let controller = null;

$("api-key").value = localStorage.getItem(KEY_STORE) || "";
$("api-key").addEventListener("change", () => {
  const key = $("api-key").value.trim();
  if (key) localStorage.setItem(KEY_STORE, key);
  else localStorage.removeItem(KEY_STORE);
  loadModel();
});

function headers() {
  const result = { "content-type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) result.authorization = "Bearer " + key;
  return result;
}

function showError(message) {
  $("error").textContent = message;
}

// An OpenAI error body carries the reason; fall back to the status line.
async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) return body.error.message;
  } catch {}
  return "HTTP " + response.status + " " + response.statusText;
}

async function loadModel() {
  try {
    const response = await fetch("/v1/models", { headers: headers() });
    if (!response.ok) throw new Error(await errorMessage(response));
    const body = await response.json();
    $("model").textContent = body.data[0].id;
    showError("");
  } catch (error) {
    $("model").textContent = "unknown";
    showError(error.message);
  }
}

function addMessage(role, text) {
  const item = document.createElement("li");
  item.className = role;
  const label = document.createElement("span");
  label.className = "role";
  label.textContent = role === "user" ? "You" : "Assistant";
  const content = document.createElement("span");
  content.className = "content";
  content.textContent = text;
  item.append(label, content);
  $("messages").append(item);
  scrollToEnd();
  return content;
}

function scrollToEnd() {
  $("messages").scrollTop = $("messages").scrollHeight;
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("stop").disabled = !busy;
}

// Reads SSE lines from the body, appending each delta; resolves at [DONE] or the body's end.
async function readStream(body, onText) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split("\\n");
    buffer = lines.pop();
    for (const line of lines) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message);
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
      if (delta && delta.content) onText(delta.content);
    }
  }
}

async function send(text) {
  showError("");
  history.push({ role: "user", content: text });
  addMessage("user", text);
  const reply = addMessage("assistant", "");
  const system = $("system").value.trim();
  const messages = system ? [{ role: "system", content: system }].concat(history) : history;
  const temperature = Number($("temperature").value);
  controller = new AbortController();
  setBusy(true);
  let answer = "";
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ model: $("model").textContent, messages, temperature, stream: true }),
      signal: controller.signal,
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    await readStream(response.body, (piece) => {
      answer += piece;
      reply.textContent = answer;
      scrollToEnd();
    });
  } catch (error) {
    if (error.name !== "AbortError") showError(error.message);
  } finally {
    // Keep whatever arrived (a stopped reply too) so the next turn has the context.
    if (answer) history.push({ role: "assistant", content: answer });
    else history.pop();
    controller = null;
    setBusy(false);
    $("prompt").focus();
  }
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("prompt").value.trim();
  if (!text || controller) return;
  $("prompt").value = "";
  send(text);
});
$("prompt").addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  $("composer").requestSubmit();
});
$("stop").addEventListener("click", () => {
  if (controller) controller.abort();
});

loadModel();
</script>
</body>
</html>
`;
