// Shared by every page: the token, API calls with problem+json errors,
// downloads, German dates, the navigation and the status region.

import { keepFresh, signOutAtProvider } from './oidc.js';

const TOKEN_KEY = 'schulgateway.token';

export function setToken(t) { sessionStorage.setItem(TOKEN_KEY, t); }
export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  config().then((cfg) => (cfg.oidc ? signOutAtProvider(cfg.oidc) : location.assign('index.html')))
    .catch(() => location.assign('index.html'));
}

let cfgPromise = null;

// config is the gateway's sign-in configuration (config.json), loaded once.
export function config() {
  if (!cfgPromise) cfgPromise = fetch('config.json').then((r) => r.json());
  return cfgPromise;
}

// toSignIn ends the session on this page and sends the person to the
// sign-in page, which says why in German (grund: abgelaufen, fehlt).
// replace, not assign: Back must not return to a page of personal data.
export function toSignIn(grund) {
  sessionStorage.removeItem(TOKEN_KEY);
  document.body.replaceChildren();
  location.replace('index.html?grund=' + encodeURIComponent(grund));
}

// claims reads the token's payload (not verified here: the gateway does).
export function claims() {
  const t = token();
  if (!t) return null;
  try {
    const part = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(Array.from(atob(part), (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join(''));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

export function roles() {
  const c = claims();
  return c && Array.isArray(c.roles) ? c.roles : [];
}

export function hasRole(...wanted) {
  return roles().some((r) => wanted.includes(r));
}

// requireSignIn sends a visitor without a valid token to the sign-in page.
export function requireSignIn() {
  const c = claims();
  if (!c) {
    toSignIn('fehlt');
    return false;
  }
  if (c.exp && c.exp * 1000 < Date.now()) {
    toSignIn('abgelaufen');
    return false;
  }
  return true;
}

export class ApiError extends Error {
  constructor(status, problem, etag = null) {
    super((problem && (problem.detail || problem.title)) || `Fehler ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.etag = etag; // a 412's ETag of the current state
  }
  // text is the detail and every field message, for a person to read.
  get text() {
    const fields = (this.problem.errors || []).map((e) => e.message);
    return [this.message, ...fields].join(' ');
  }
}

async function send(path, opts = {}) {
  const headers = new Headers(opts.headers || {});
  const t = token();
  if (t) headers.set('Authorization', 'Bearer ' + t);
  const resp = await fetch(path, { ...opts, headers });
  if (resp.status === 401) {
    // An expired or refused token: never a technical message, but the
    // sign-in page with a sentence a person understands.
    toSignIn(t ? 'abgelaufen' : 'fehlt');
    throw new ApiError(401, { detail: 'Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.' });
  }
  if (!resp.ok) {
    let problem = null;
    try { problem = await resp.json(); } catch { /* not JSON */ }
    throw new ApiError(resp.status, problem, resp.headers.get('ETag'));
  }
  return resp;
}

// api calls the gateway and returns the JSON answer.
export async function api(path, opts = {}) {
  const resp = await send(path, opts);
  return resp.status === 204 ? null : resp.json();
}

// apiETag is api that also returns the answer's ETag (send it back as
// If-Match when changing the record).
export async function apiETag(path, opts = {}) {
  const resp = await send(path, opts);
  return { data: await resp.json(), etag: resp.headers.get('ETag') };
}

export async function putJSON(path, body) {
  return api(path, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

// download fetches a file with the token and hands it to the browser
// under the name the gateway gives (Content-Disposition).
export async function download(path, fallbackName) {
  const resp = await send(path);
  const blob = await resp.blob();
  let name = fallbackName;
  const cd = resp.headers.get('Content-Disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="([^"]+)"/i.exec(cd);
  if (star) name = decodeURIComponent(star[1]);
  else if (plain) name = plain[1];
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

const pad = (n) => String(n).padStart(2, '0');

// datum shows a date (2020-07-01 or an RFC 3339 time) as 01.07.2020.
export function datum(v) {
  if (!v) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) return `${m[3]}.${m[2]}.${m[1]}`;
  const d = new Date(v);
  return `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()}`;
}

// datumZeit shows a time as 01.07.2020, 14:05 (local time).
export function datumZeit(v) {
  if (!v) return '';
  const d = new Date(v);
  return `${datum(v)}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function zahl(n) {
  return n == null ? '–' : new Intl.NumberFormat('de-DE').format(n);
}

// el builds an element: el('td', {class: 'x'}, 'Text', child).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, v);
  }
  e.append(...children.flat().filter((c) => c != null && c !== false));
  return e;
}

// status writes a message into the page's live region (read out by
// screen readers); kind 'fehler' marks an error.
export function status(msg, kind = '') {
  const box = document.getElementById('status');
  box.textContent = msg;
  box.className = 'status ' + kind;
}

// schuljahrPfad reads a school year as people write it (2027/28, 2027-28,
// 2027/2028, 2027) and gives the form of the API's paths (2027-28), or
// null when it is no school year.
export function schuljahrPfad(text) {
  const m = /^\s*(\d{4})\s*(?:[-/–]\s*(\d{2}|\d{4}))?\s*$/.exec(text);
  if (!m) return null;
  const start = Number(m[1]);
  const next = (start + 1) % 100;
  if (m[2] && Number(m[2]) % 100 !== next) return null;
  return `${start}-${String(next).padStart(2, '0')}`;
}

const PAGES = [
  { href: 'imports.html', label: 'Importe', roles: ['schulamt', 'admin'] },
  { href: 'einschulung.html', label: 'Einschulung', roles: ['bms', 'schulamt', 'admin'] },
  { href: 'planung.html', label: 'Planung', roles: ['planung', 'schulamt', 'admin'] },
  { href: 'schulpflicht.html', label: 'Schulpflicht', roles: ['schulamt', 'admin'] },
  { href: 'uebergang.html', label: 'Übergang', roles: ['schulamt', 'admin'] },
];

// startPage is where a role lands after signing in.
export function startPage() {
  if (hasRole('schulamt', 'admin')) return 'imports.html';
  if (hasRole('planung')) return 'planung.html';
  return 'einschulung.html';
}

// renderNav fills the page's navigation with the pages the roles may see.
export function renderNav(current) {
  const nav = document.getElementById('nav');
  const list = el('ul');
  for (const p of PAGES) {
    if (!hasRole(...p.roles)) continue;
    list.append(el('li', {}, el('a', { href: p.href, 'aria-current': p.href === current ? 'page' : null }, p.label)));
  }
  const c = claims() || {};
  const who = el('p', { class: 'wer' }, `Angemeldet: ${c.sub || ''} (${roles().join(', ')})`);
  const out = el('button', { type: 'button', class: 'leise', onclick: signOut }, 'Abmelden');
  nav.replaceChildren(list, who, out);
}

// A page restored from the back-forward cache after sign-out must not
// show what it showed before: without a token it is emptied at once.
window.addEventListener('pageshow', (ev) => {
  if (ev.persisted && !location.pathname.endsWith('/index.html') && !token()) toSignIn('fehlt');
});

// page runs a page's setup once signed in, showing any error. With the
// city's provider the access token is renewed while the page is open.
export function page(current, setup) {
  start(current, setup).catch((e) => status(e instanceof ApiError ? e.text : 'Fehler: ' + e.message, 'fehler'));
}

async function start(current, setup) {
  const cfg = await config();
  if (cfg.oidc && !(await keepFresh(cfg.oidc, setToken))) {
    toSignIn(token() ? 'abgelaufen' : 'fehlt');
    return;
  }
  if (!requireSignIn()) return;
  renderNav(current);
  await setup();
}
