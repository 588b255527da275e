// Sign-in. Production: OpenID Connect authorization code flow with PKCE
// (S256) against OIDC_ISSUER, run in the browser; the access token is kept
// in sessionStorage and the code leaves the address bar at once. Dev mode:
// pick a role, the gateway signs a token with its dev key.
import { setToken, startPage, status, token, claims } from './common.js';

const FLOW_KEY = 'schulgateway.oidc';

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(n) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function challenge(verifier) {
  return b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

async function discover(issuer) {
  const resp = await fetch(issuer.replace(/\/$/, '') + '/.well-known/openid-configuration');
  if (!resp.ok) throw new Error('Der Anmeldedienst antwortet nicht (' + resp.status + ').');
  return resp.json();
}

function redirectURI() {
  return location.origin + location.pathname;
}

async function startOidc(cfg) {
  const d = await discover(cfg.issuer);
  const verifier = randomString(32);
  const state = randomString(16);
  sessionStorage.setItem(FLOW_KEY, JSON.stringify({ verifier, state, tokenEndpoint: d.token_endpoint }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: cfg.client_id,
    redirect_uri: redirectURI(),
    scope: 'openid',
    state,
    code_challenge: await challenge(verifier),
    code_challenge_method: 'S256',
  });
  location.assign(d.authorization_endpoint + '?' + q);
}

async function finishOidc(cfg, params) {
  // The code must not stay in the address bar or the history.
  history.replaceState(null, '', location.pathname);
  const saved = JSON.parse(sessionStorage.getItem(FLOW_KEY) || 'null');
  sessionStorage.removeItem(FLOW_KEY);
  if (params.get('error')) {
    throw new Error('Der Anmeldedienst hat die Anmeldung abgelehnt: ' + (params.get('error_description') || params.get('error')));
  }
  if (!saved || !params.get('state') || params.get('state') !== saved.state) {
    throw new Error('Die Antwort des Anmeldedienstes gehört zu keiner Anmeldung aus diesem Fenster. Bitte erneut anmelden.');
  }
  const resp = await fetch(saved.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectURI(),
      client_id: cfg.client_id,
      code_verifier: saved.verifier,
    }),
  });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok || !body.access_token) {
    throw new Error('Der Anmeldedienst hat kein Token ausgestellt' + (body.error ? ' (' + body.error + ')' : '') + '.');
  }
  setToken(body.access_token);
}

async function devSignIn(role) {
  const resp = await fetch('dev-token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ role }),
  });
  const body = await resp.json();
  if (!resp.ok) throw new Error(body.detail || 'Anmeldung fehlgeschlagen.');
  setToken(body.access_token);
}

function done() {
  location.replace(startPage());
}

async function main() {
  const cfg = await (await fetch('config.json')).json();
  const params = new URLSearchParams(location.search);
  if (cfg.oidc && (params.has('code') || params.has('error'))) {
    status('Anmeldung wird abgeschlossen …');
    await finishOidc(cfg.oidc, params);
    return done();
  }
  const c = claims();
  const grund = {
    abgelaufen: 'Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.',
    fehlt: 'Bitte melden Sie sich an, um diese Seite zu sehen.',
  }[params.get('grund')];
  if (token() && c && c.exp * 1000 > Date.now()) {
    status('Sie sind bereits angemeldet.');
  } else if (grund) {
    status(grund, 'fehler');
  }
  if (cfg.oidc) {
    document.getElementById('oidc').hidden = false;
    document.getElementById('oidc-start').addEventListener('click', () => {
      status('Weiterleitung zum Anmeldedienst …');
      startOidc(cfg.oidc).catch((e) => status(e.message, 'fehler'));
    });
  }
  if (cfg.dev) {
    const form = document.getElementById('dev');
    form.hidden = false;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      devSignIn(document.getElementById('rolle').value).then(done, (e) => status(e.message, 'fehler'));
    });
  }
  if (!cfg.oidc && !cfg.dev) document.getElementById('keine').hidden = false;
}

main().catch((e) => status(e.message, 'fehler'));
