// cdp_check.js - drive report.html in headless Chromium over the DevTools
// protocol: collect every console message, exception and log entry, then
// use the findings table as an analyst would (filter by text, by level,
// sort by a column) and check what shows. Needs a WebSocket client
// (Node >= 22, or 20 with --experimental-websocket).
//   node cdp_check.js WS_URL FILE_URL
// Prints "ok: ..." / "FAIL: ..." lines; exits 1 on any failure.
'use strict';
const [wsUrl, fileUrl] = process.argv.slice(2);
const ws = new WebSocket(wsUrl);
let id = 0;
const waiting = new Map();
const problems = [];
let sessionId = null;
let loaded = null;
const loadedP = new Promise((r) => (loaded = r));

function send(method, params = {}, session = sessionId) {
  const msg = {id: ++id, method, params};
  if (session) msg.sessionId = session;
  ws.send(JSON.stringify(msg));
  return new Promise((res, rej) => waiting.set(msg.id, {res, rej}));
}

ws.onmessage = (ev) => {
  const m = JSON.parse(ev.data);
  if (m.id && waiting.has(m.id)) {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    m.error ? w.rej(new Error(JSON.stringify(m.error))) : w.res(m.result);
    return;
  }
  if (m.method === 'Runtime.consoleAPICalled')
    problems.push('console.' + m.params.type + ': ' +
                  m.params.args.map((a) => a.value).join(' '));
  else if (m.method === 'Runtime.exceptionThrown')
    problems.push('exception: ' + m.params.exceptionDetails.text);
  else if (m.method === 'Log.entryAdded')
    problems.push('log ' + m.params.entry.level + ': ' + m.params.entry.text);
  else if (m.method === 'Page.loadEventFired')
    loaded();
};

let fails = 0;
function check(what, ok, detail) {
  console.log((ok ? 'ok: ' : 'FAIL: ') + what + (ok || !detail ? '' : ' (' + detail + ')'));
  if (!ok) fails++;
}

async function evaluate(expr) {
  const r = await send('Runtime.evaluate', {expression: expr, returnByValue: true});
  if (r.exceptionDetails) throw new Error(r.exceptionDetails.text);
  return r.result.value;
}

ws.onopen = async () => {
  try {
    const {targetId} = await send('Target.createTarget', {url: 'about:blank'}, null);
    ({sessionId} = await send('Target.attachToTarget', {targetId, flatten: true}, null));
    await send('Runtime.enable');
    await send('Log.enable');
    await send('Page.enable');
    await send('Page.navigate', {url: fileUrl});
    await Promise.race([loadedP, new Promise((r) => setTimeout(r, 20000))]);
    await new Promise((r) => setTimeout(r, 500));
    const rows = await evaluate("document.querySelectorAll('#findings tbody tr').length");
    check('the table has rows', rows > 0, rows);
    const visible = "Array.from(document.querySelectorAll('#findings tbody tr')).filter(r => !r.hidden)";
    // Filter by text: only rows whose text holds it stay visible.
    const byText = await evaluate(`(() => { const q = document.getElementById('q');
      q.value = '__pwned'; q.dispatchEvent(new Event('input'));
      const v = ${visible};
      return [v.length, v.every(r => r.textContent.includes('__pwned')),
              document.getElementById('shown').textContent]; })()`);
    check('text filter keeps the matching rows', byText[0] >= 1 && byText[1], byText);
    check('the counter says how many', byText[2] === byText[0] + ' of ' + rows + ' shown', byText[2]);
    // Level filter: critical only.
    const byLevel = await evaluate(`(() => { const q = document.getElementById('q');
      q.value = ''; q.dispatchEvent(new Event('input'));
      const l = document.getElementById('lv'); l.value = '90';
      l.dispatchEvent(new Event('change'));
      const v = ${visible};
      return [v.length, v.every(r => r.getAttribute('data-sev') === '90')]; })()`);
    check('level filter keeps critical rows only', byLevel[0] >= 1 && byLevel[1], byLevel);
    // Sort by level (numeric), twice: ascending then descending.
    const sorted = await evaluate(`(() => { const l = document.getElementById('lv');
      l.value = '0'; l.dispatchEvent(new Event('change'));
      const th = document.querySelector('#findings thead th');
      const sev = () => Array.from(document.querySelectorAll('#findings tbody tr')).map(r => +r.getAttribute('data-sev'));
      th.click(); const up = sev(); th.click(); const down = sev();
      return [up, down]; })()`);
    const asc = (a) => a.every((x, i) => i === 0 || a[i - 1] <= x);
    check('a header click sorts ascending', asc(sorted[0]), sorted[0]);
    check('a second click sorts descending', asc(sorted[1].slice().reverse()), sorted[1]);
    const pwned = await evaluate("window.__pwned === undefined && document.title === 'spoor report' && !document.querySelector('pwned') && !document.body.hasAttribute('data-pwned')");
    check('no payload ran', pwned);
    check('no console message, exception or log entry', problems.length === 0, problems.join(' | '));
  } catch (e) {
    check('the protocol session', false, e.message);
  }
  ws.close();
  process.exit(fails ? 1 : 0);
};
ws.onerror = (e) => { console.log('FAIL: cannot connect: ' + (e.message || e)); process.exit(1); };
